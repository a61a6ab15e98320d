package alert

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/ewom/ewom/internal/api"
)

// Register implements api.Routes:
//   - GET /api/v1/alerts lists alerts, newest first: ?state=firing (the
//     default) or resolved or all, ?brand=, ?from=&to= (RFC 3339, on
//     fired_at), ?limit= (default 50, at most 500) and ?offset= for paging
//     through history;
//   - GET /api/v1/alerts/{id} is one alert;
//   - POST /api/v1/alerts/{id}/actions acknowledges, assigns, comments,
//     snoozes or resolves one (ActionRequest), recorded with who did it.
//
// Every alert comes with its workflow and its plain explanations.
func (s *Service) Register(mux *http.ServeMux, authenticate func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /api/v1/alerts", authenticate(s.handleList))
	mux.HandleFunc("GET /api/v1/alerts/{id}", authenticate(s.handleGet))
	mux.HandleFunc("POST /api/v1/alerts/{id}/actions", authenticate(s.handleAction))
}

func badRequest(w http.ResponseWriter, msg string) {
	api.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
}

func (s *Service) unavailable(w http.ResponseWriter, what string, err error) {
	s.log.Error(what, "err", err)
	api.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "store unavailable"})
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{State: q.Get("state"), Brand: q.Get("brand"), Limit: 50}
	switch f.State {
	case "":
		f.State = StateFiring
	case "all":
		f.State = ""
	case StateFiring, StateResolved:
	default:
		badRequest(w, "state must be firing, resolved or all")
		return
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				badRequest(w, name+" must be an RFC 3339 time")
				return
			}
			*dst = t
		}
	}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (name == "limit" && (n == 0 || n > 500)) {
				badRequest(w, name+" must be a non-negative integer (limit 1-500)")
				return
			}
			*dst = n
		}
	}
	page := f
	page.Limit++ // one more tells whether there is a next page
	alerts, err := s.repo.List(r.Context(), page)
	if err == nil {
		err = s.repo.withWorkflows(r.Context(), alerts)
	}
	if err != nil {
		s.unavailable(w, "list alerts", err)
		return
	}
	resp := struct {
		Alerts     []Alert  `json:"alerts"`
		NextOffset *int     `json:"next_offset,omitempty"`
		Assignees  []string `json:"assignees"`
	}{Alerts: alerts, Assignees: s.deps.Users}
	if len(alerts) > f.Limit {
		resp.Alerts = alerts[:f.Limit]
		next := f.Offset + f.Limit
		resp.NextOffset = &next
	}
	if resp.Alerts == nil {
		resp.Alerts = []Alert{}
	}
	if resp.Assignees == nil {
		resp.Assignees = []string{}
	}
	withPlain(resp.Alerts)
	api.WriteJSON(w, http.StatusOK, resp)
}

// AlertAnswer is the body of GET /api/v1/alerts/{id} and of an action's
// answer; Notified says, for an acknowledgement or resolution, whether
// every notifier took it.
type AlertAnswer struct {
	Alert    Alert `json:"alert"`
	Notified *bool `json:"notified,omitempty"`
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	a, found, err := s.repo.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.unavailable(w, "get alert", err)
		return
	}
	if !found {
		api.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no alert with this id"})
		return
	}
	list := []Alert{a}
	withPlain(list)
	api.WriteJSON(w, http.StatusOK, AlertAnswer{Alert: list[0]})
}

// act records an action; a resolution is recorded between this process's
// evaluation cycles, and its engine lets the alert go at once.
func (s *Service) act(ctx context.Context, a Alert, act Action) (Alert, error) {
	if act.Action != ActResolve {
		return s.repo.act(ctx, a, act)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.repo.act(ctx, a, act)
	if err == nil {
		s.engine.ResolveByHand(a.ID, act.At)
	}
	return a, err
}

// label is the request's action as a metric label: one of Actions, else
// "other" (a client's typo must not make a new series).
func (q ActionRequest) label() string {
	if slices.Contains(Actions, q.Action) {
		return q.Action
	}
	return "other"
}

// notifyTimeout bounds the notifications an action sends before answering.
const notifyTimeout = 15 * time.Second

func (s *Service) handleAction(w http.ResponseWriter, r *http.Request) {
	var req ActionRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.m.actions.WithLabelValues(req.label(), "rejected").Inc()
		badRequest(w, "body: want JSON {action, assignee, comment, for, until}: "+err.Error())
		return
	}
	ctx := r.Context()
	a, found, err := s.repo.Get(ctx, r.PathValue("id"))
	if err != nil {
		s.m.actions.WithLabelValues(req.label(), "error").Inc()
		s.unavailable(w, "get alert", err)
		return
	}
	if !found {
		s.m.actions.WithLabelValues(req.label(), "rejected").Inc()
		api.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no alert with this id"})
		return
	}
	act, err := req.validate(&a, s.deps.Users, api.User(ctx), s.deps.Now())
	if err == nil && act.Action == ActAcknowledge && a.Workflow.AcknowledgedBy != "" {
		err = &conflictError{"already acknowledged by " + a.Workflow.AcknowledgedBy}
	}
	var in *inputError
	var conflict *conflictError
	switch {
	case errors.As(err, &in):
		s.m.actions.WithLabelValues(req.label(), "rejected").Inc()
		badRequest(w, in.msg)
		return
	case errors.As(err, &conflict):
		s.m.actions.WithLabelValues(req.label(), "rejected").Inc()
		api.WriteJSON(w, http.StatusConflict, map[string]string{"error": conflict.msg})
		return
	}
	if a, err = s.act(ctx, a, act); err != nil {
		s.m.actions.WithLabelValues(act.Action, "error").Inc()
		s.unavailable(w, "alert action", err)
		return
	}
	s.m.actions.WithLabelValues(act.Action, "ok").Inc()
	s.log.Info("alert action", "alert", a.ID, "action", act.Action, "actor", act.Actor, "assignee", act.Assignee,
		"until", act.Until)
	ans := AlertAnswer{Alert: a}
	if typ, ok := map[string]string{ActAcknowledge: EventAcknowledged, ActResolve: EventResolved}[act.Action]; ok {
		nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyTimeout)
		ok := s.notify(nctx, Event{Type: typ, Alert: a, By: &act})
		cancel()
		ans.Notified = &ok
	}
	list := []Alert{ans.Alert}
	withPlain(list)
	ans.Alert = list[0]
	api.WriteJSON(w, http.StatusOK, ans)
}
