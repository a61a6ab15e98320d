package alert

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/store"
)

// Workflow actions people take on an alert.
const (
	ActAcknowledge = "acknowledge"
	ActAssign      = "assign"
	ActComment     = "comment"
	ActSnooze      = "snooze"
	ActResolve     = "resolve"
)

// Actions lists the workflow actions in the order the API documents them.
var Actions = []string{ActAcknowledge, ActAssign, ActComment, ActSnooze, ActResolve}

// Limits of what one action carries.
const (
	maxComment = 2000                // runes
	maxSnooze  = 30 * 24 * time.Hour // the longest snooze
)

// Action is one step of an alert's workflow, as audited: who did what when.
type Action struct {
	Action   string     `json:"action"`
	Actor    string     `json:"actor"`
	At       time.Time  `json:"at"`
	Assignee string     `json:"assignee,omitempty"` // assign: "" removes the assignee
	Comment  string     `json:"comment,omitempty"`
	Until    *time.Time `json:"until,omitempty"` // snooze
}

// Workflow is an alert's state in people's hands, from its actions.
type Workflow struct {
	AcknowledgedBy string     `json:"acknowledged_by,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	Assignee       string     `json:"assignee,omitempty"`
	SnoozedUntil   *time.Time `json:"snoozed_until,omitempty"` // the latest snooze's end, past ones included
	ResolvedBy     string     `json:"resolved_by,omitempty"`
	ResolvedAt     *time.Time `json:"resolved_at,omitempty"`
	History        []Action   `json:"history"` // oldest first
}

// workflowOf folds actions (oldest first) into the state they leave.
func workflowOf(actions []Action) *Workflow {
	if actions == nil {
		actions = []Action{}
	}
	w := &Workflow{History: actions}
	for i := range actions {
		a := &actions[i]
		switch a.Action {
		case ActAcknowledge:
			if w.AcknowledgedBy == "" {
				w.AcknowledgedBy, w.AcknowledgedAt = a.Actor, &a.At
			}
		case ActAssign:
			w.Assignee = a.Assignee
		case ActSnooze:
			w.SnoozedUntil = a.Until
		case ActResolve:
			w.ResolvedBy, w.ResolvedAt = a.Actor, &a.At
		}
	}
	return w
}

// ActionRequest is the body of POST /api/v1/alerts/{id}/actions.
type ActionRequest struct {
	Action   string `json:"action"`
	Assignee string `json:"assignee"`
	Comment  string `json:"comment"`
	For      string `json:"for"`   // snooze: a duration such as 4h
	Until    string `json:"until"` // snooze: an RFC 3339 time instead of for
}

// inputError is a request the caller must correct (400).
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func inputf(format string, a ...any) error { return &inputError{fmt.Sprintf(format, a...)} }

// validate turns a request into the action to record, checking it
// against the alert's state, the users who may be assigned and now.
func (q ActionRequest) validate(a *Alert, users []string, actor string, now time.Time) (Action, error) {
	act := Action{Action: q.Action, Actor: actor, At: now.UTC().Truncate(time.Second), Comment: strings.TrimSpace(q.Comment)}
	if !slices.Contains(Actions, q.Action) {
		return act, inputf("action must be one of %s", strings.Join(Actions, ", "))
	}
	if n := utf8.RuneCountInString(act.Comment); n > maxComment {
		return act, inputf("comment: %d characters, at most %d", n, maxComment)
	}
	if !utf8.ValidString(act.Comment) {
		return act, inputf("comment: not valid UTF-8")
	}
	if q.Action != ActComment && a.State == StateResolved {
		return act, &conflictError{"the alert is resolved; it takes comments only"}
	}
	switch q.Action {
	case ActComment:
		if act.Comment == "" {
			return act, inputf("comment: required for a comment")
		}
	case ActAssign:
		act.Assignee = strings.TrimSpace(q.Assignee)
		if act.Assignee != "" && !slices.Contains(users, act.Assignee) {
			return act, inputf("assignee: %q is not a user (one of %s, or empty to remove the assignee)", act.Assignee, strings.Join(users, ", "))
		}
	case ActSnooze:
		var until time.Time
		switch {
		case q.For != "" && q.Until != "":
			return act, inputf("snooze: give for or until, not both")
		case q.For != "":
			d, err := time.ParseDuration(q.For)
			if err != nil || d <= 0 {
				return act, inputf("for: want a positive duration such as 4h")
			}
			until = now.Add(d)
		case q.Until != "":
			t, err := time.Parse(time.RFC3339, q.Until)
			if err != nil {
				return act, inputf("until: want an RFC 3339 time such as 2026-11-20T18:00:00Z")
			}
			until = t
		default:
			return act, inputf("snooze: give for (a duration such as 4h) or until (an RFC 3339 time)")
		}
		if !until.After(now) || until.Sub(now) > maxSnooze {
			return act, inputf("snooze: the end must be in the future and at most %s away", maxSnooze)
		}
		until = until.UTC().Truncate(time.Second)
		act.Until = &until
	}
	return act, nil
}

// conflictError is an action the alert's state does not allow (409).
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }

const actionColumns = "alert_id, action, actor, at, assignee, comment, until, version"

// SaveAction records one action on an alert.
func (r *Repo) SaveAction(ctx context.Context, alertID string, a Action) error {
	until := time.Unix(0, 0)
	if a.Until != nil {
		until = *a.Until
	}
	vals := []string{store.Quote(alertID), store.Quote(a.Action), store.Quote(a.Actor), store.Time(a.At), store.Quote(a.Assignee),
		store.Quote(a.Comment), store.Time(until), strconv.FormatInt(time.Now().UnixNano(), 10)}
	cols := strings.Split(actionColumns, ", ")
	for i := range vals {
		vals[i] += " AS " + cols[i]
	}
	q := "INSERT INTO " + r.st.Table("alert_actions") + " (" + actionColumns + ") SELECT " + strings.Join(vals, ", ")
	if err := r.st.Exec(ctx, q); err != nil {
		return fmt.Errorf("save alert action: %w", err)
	}
	return nil
}

// Workflows reads the workflow of each alert named (those without actions
// get an empty one).
func (r *Repo) Workflows(ctx context.Context, ids []string) (map[string]*Workflow, error) {
	out := make(map[string]*Workflow, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := r.st.Query(ctx, "SELECT alert_id, action, actor, at, assignee, comment, until FROM "+r.st.Table("alert_actions")+
		" WHERE alert_id IN "+store.QuoteList(ids)+" ORDER BY alert_id, version")
	if err != nil {
		return nil, fmt.Errorf("read alert actions: %w", err)
	}
	var rs []struct {
		AlertID                                     string `json:"alert_id"`
		Action, Actor, Assignee, Comment, At, Until string
	}
	if err := decodeRows(rows, &rs); err != nil {
		return nil, err
	}
	acts := map[string][]Action{}
	for _, x := range rs {
		at, err := parseTime(x.At)
		if err != nil {
			return nil, err
		}
		a := Action{Action: x.Action, Actor: x.Actor, At: at, Assignee: x.Assignee, Comment: x.Comment}
		if u, err := parseTime(x.Until); err != nil {
			return nil, err
		} else if u.Unix() > 0 {
			a.Until = &u
		}
		acts[x.AlertID] = append(acts[x.AlertID], a)
	}
	for _, id := range ids {
		out[id] = workflowOf(acts[id])
	}
	return out, nil
}

// withWorkflows attaches each alert's workflow. An alert resolved by hand
// is reported resolved even while its row says otherwise: the evaluator of
// another process may have written the row before it saw the resolution,
// and rewrites it at its next cycle.
func (r *Repo) withWorkflows(ctx context.Context, alerts []Alert) error {
	ids := make([]string, len(alerts))
	for i, a := range alerts {
		ids[i] = a.ID
	}
	ws, err := r.Workflows(ctx, ids)
	if err != nil {
		return err
	}
	for i := range alerts {
		a := &alerts[i]
		a.Workflow = ws[a.ID]
		if w := a.Workflow; w.ResolvedAt != nil && a.State != StateResolved {
			a.State, a.ResolvedAt = StateResolved, w.ResolvedAt
		}
	}
	return nil
}

// Get returns one alert in its current state, with its workflow; found is
// false when there is none with this id.
func (r *Repo) Get(ctx context.Context, id string) (a Alert, found bool, err error) {
	list, err := r.list(ctx, []string{"id = " + store.Quote(id)}, 0, 1)
	if err != nil || len(list) == 0 {
		return Alert{}, false, err
	}
	if err := r.withWorkflows(ctx, list); err != nil {
		return Alert{}, false, err
	}
	return list[0], true, nil
}

// act applies a validated action: records it, and for a resolution writes
// the alert's resolved state. It returns the alert as it now stands.
func (r *Repo) act(ctx context.Context, a Alert, act Action) (Alert, error) {
	if err := r.SaveAction(ctx, a.ID, act); err != nil {
		return a, err
	}
	if act.Action == ActResolve {
		a.State, a.UpdatedAt, a.ResolvedAt = StateResolved, act.At, &act.At
		a.Workflow = nil
		if err := r.Save(ctx, a); err != nil {
			return a, err
		}
	}
	got, found, err := r.Get(ctx, a.ID)
	if err != nil {
		return a, err
	}
	if !found {
		return a, fmt.Errorf("alert %s: gone after an action", a.ID)
	}
	return got, nil
}

// resolvedByHand returns, of the alerts named, those resolved by a person
// and when.
func (r *Repo) resolvedByHand(ctx context.Context, ids []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := r.st.Query(ctx, "SELECT alert_id, toString(min(at)) AS at FROM "+r.st.Table("alert_actions")+
		" WHERE alert_id IN "+store.QuoteList(ids)+" AND action = "+store.Quote(ActResolve)+" GROUP BY alert_id")
	if err != nil {
		return nil, fmt.Errorf("read alert resolutions: %w", err)
	}
	var rs []struct {
		AlertID string `json:"alert_id"`
		At      string
	}
	if err := decodeRows(rows, &rs); err != nil {
		return nil, err
	}
	for _, x := range rs {
		t, err := parseTime(x.At)
		if err != nil {
			return nil, err
		}
		out[x.AlertID] = t
	}
	return out, nil
}
