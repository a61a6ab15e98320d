package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/ewom/ewom/internal/config"
)

// KindNegativeSpike is the alert kind this package raises.
const KindNegativeSpike = "negative_spike"

// Alert states.
const (
	StateFiring   = "firing"
	StateResolved = "resolved"
)

// Alert is one spike episode of a brand or segment, from firing to resolved.
type Alert struct {
	ID           string     `json:"id"`
	Fingerprint  string     `json:"fingerprint"` // stable for (kind, brand, segment)
	Kind         string     `json:"kind"`
	Brand        string     `json:"brand"`
	SegmentKind  string     `json:"segment_kind"`
	SegmentValue string     `json:"segment_value"`
	State        string     `json:"state"`
	Severity     string     `json:"severity"`
	StartedAt    time.Time  `json:"started_at"` // first evaluation that saw the spike
	FiredAt      time.Time  `json:"fired_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	// The strongest evaluation so far.
	Window        string       `json:"window"`
	Observed      float64      `json:"observed"`
	Expected      float64      `json:"expected"`
	Ratio         float64      `json:"ratio"`
	PValue        float64      `json:"p_value"`
	Score         float64      `json:"score"`
	Method        string       `json:"method"`
	Baseline      string       `json:"baseline"`
	Share         float64      `json:"share"`
	ExpectedShare float64      `json:"expected_share"`
	ShareP        float64      `json:"share_p_value"`
	Explanation   *Explanation `json:"explanation,omitempty"`
	// NotifiedAt is when every notifier last accepted this state (nil: not yet).
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
	// Workflow is what people did about the alert (alert_actions; read by
	// the API, not stored with the alert's row).
	Workflow *Workflow `json:"workflow,omitempty"`
}

// Key returns the series the alert belongs to.
func (a *Alert) Key() Key { return Key{a.Brand, a.SegmentKind, a.SegmentValue} }

// Segment is a short label for the alert's segment: "all" or kind=value.
func (a *Alert) Segment() string {
	if a.SegmentKind == KindAll {
		return KindAll
	}
	return a.SegmentKind + "=" + a.SegmentValue
}

func fingerprint(k Key) string {
	h := sha256.Sum256([]byte(KindNegativeSpike + "\x00" + k.Brand + "\x00" + k.Kind + "\x00" + k.Value))
	return hex.EncodeToString(h[:8])
}

func (a *Alert) apply(r *Result, levels []config.Severity) {
	a.Window = r.Window.String()
	a.Observed, a.Expected, a.Ratio, a.PValue, a.Score = r.Observed, r.Expected, r.Ratio, r.P, r.Score()
	a.Method, a.Baseline = r.Method, r.Baseline
	a.Share, a.ExpectedShare, a.ShareP = r.Share, r.ExpectedShare, r.ShareP
	a.Severity = severity(levels, r)
}

// Event is a lifecycle change to deliver and persist.
type Event struct {
	Type  string // firing, escalated, resolved, acknowledged
	Alert Alert
	// By is the person's action behind an acknowledgement or a resolution
	// by hand (nil for the evaluator's events).
	By *Action
}

// Event types.
const (
	EventFiring       = "firing"
	EventEscalated    = "escalated"
	EventResolved     = "resolved"
	EventAcknowledged = "acknowledged"
)

type tracker struct {
	streak        int // evaluations in a row with a spike
	quiet         int // evaluations in a row without one, while active
	firstAt       time.Time
	lastSpike     time.Time // last evaluation with a spike in the active episode
	settled       time.Time // last spike of the previous, resolved episode
	active        *Alert
	cooldownUntil time.Time
	byHand        bool // the last alert was resolved by a person
}

// qualifying picks the result that speaks for this series now. While an
// alert is active only windows up to the one that fired it keep it alive
// (a day window would hold a 15-minute spike for a day). Otherwise only
// windows that start after the last spike count, so a long window still
// holding a resolved spike cannot raise it again.
func (t *tracker) qualifying(at time.Time, rs []Result, settled time.Time) *Result {
	var keep []Result
	for _, r := range rs {
		if t.active != nil {
			if w, err := time.ParseDuration(t.active.Window); err == nil && r.Window > w {
				continue
			}
		} else if at.Add(-r.Window).Before(settled) {
			continue
		}
		keep = append(keep, r)
	}
	return strongest(keep)
}

// Engine applies persistence, cooldown, deduplication and inhibition to
// detector results and keeps each series' alert lifecycle.
type Engine struct {
	cfg       config.NegativeSpike
	maxWindow time.Duration
	trackers  map[Key]*tracker
}

// NewEngine returns an engine with no history.
func NewEngine(cfg config.NegativeSpike) *Engine {
	return &Engine{cfg: cfg, maxWindow: slices.Max(cfg.Windows), trackers: map[Key]*tracker{}}
}

// Restore loads persisted state: the active alerts, and when each resolved
// series' cooldown ends.
func (e *Engine) Restore(active []Alert, lastResolved map[Key]time.Time) {
	for k, t := range lastResolved {
		tr := e.tracker(k)
		tr.cooldownUntil, tr.settled = t.Add(e.cfg.Cooldown), t
	}
	for i := range active {
		a := active[i]
		e.tracker(a.Key()).active = &a
	}
}

// Active returns the firing alerts.
func (e *Engine) Active() []Alert {
	var out []Alert
	for _, t := range e.trackers {
		if t.active != nil {
			out = append(out, *t.active)
		}
	}
	return out
}

func (e *Engine) tracker(k Key) *tracker {
	t := e.trackers[k]
	if t == nil {
		t = &tracker{}
		e.trackers[k] = t
	}
	return t
}

// Step takes one evaluation's results (keys without results had nothing to
// test) and returns the lifecycle events. A brand-wide alert inhibits new
// alerts on the same brand's segments: its explanation names them.
func (e *Engine) Step(at time.Time, results map[Key][]Result) []Event {
	var events []Event
	inhibited := map[string]bool{}
	best := make(map[Key]*Result, len(results))
	for k, rs := range results {
		b := strongest(rs)
		settled := e.settled(k)
		if t := e.trackers[k]; t != nil || !settled.IsZero() {
			b = e.tracker(k).qualifying(at, rs, settled)
		}
		best[k] = b
		if k.Kind == KindAll && b != nil && b.Spike {
			inhibited[k.Brand] = true
		}
	}
	for k, t := range e.trackers {
		// A brand-wide alert inhibits its segments while it fires, and
		// through its cooldown when a person resolved it: they dealt with
		// the episode.
		if k.Kind == KindAll && (t.active != nil || t.byHand && at.Before(t.cooldownUntil)) {
			inhibited[k.Brand] = true
		}
		if _, ok := best[k]; !ok {
			best[k] = nil
		}
	}
	for k, r := range best {
		t := e.tracker(k)
		spike := r != nil && r.Spike
		if spike {
			t.lastSpike = at
		}
		switch {
		case t.active != nil && spike:
			t.quiet = 0
			a := t.active
			a.UpdatedAt = at
			if r.P < a.PValue {
				prev := a.Severity
				a.apply(r, e.cfg.Severities)
				if severityRank(e.cfg.Severities, a.Severity) < severityRank(e.cfg.Severities, prev) {
					a.NotifiedAt = nil
					events = append(events, Event{Type: EventEscalated, Alert: *a})
				}
			}
		case t.active != nil:
			t.quiet++
			if t.quiet >= e.cfg.ResolveAfter {
				a := *t.active
				a.State, a.UpdatedAt, a.ResolvedAt, a.NotifiedAt = StateResolved, at, &at, nil
				t.active, t.quiet, t.streak = nil, 0, 0
				t.cooldownUntil, t.settled = at.Add(e.cfg.Cooldown), t.lastSpike
				events = append(events, Event{Type: EventResolved, Alert: a})
			}
		case spike:
			t.streak++
			if t.streak == 1 {
				t.firstAt = at
			}
			// A brand-wide alert stands in for its segments, not for a
			// query a team watches (its alert goes where theirs should).
			if (t.streak >= e.cfg.Persistence || r.Strong) && !at.Before(t.cooldownUntil) &&
				(k.Kind == KindAll || k.Kind == KindQuery || !inhibited[k.Brand]) {
				a := &Alert{Fingerprint: fingerprint(k), Kind: KindNegativeSpike, Brand: k.Brand,
					SegmentKind: k.Kind, SegmentValue: k.Value, State: StateFiring,
					StartedAt: t.firstAt, FiredAt: at, UpdatedAt: at}
				a.ID = fmt.Sprintf("%s-%d", a.Fingerprint, at.Unix())
				a.apply(r, e.cfg.Severities)
				t.active, t.quiet, t.byHand = a, 0, false
				events = append(events, Event{Type: EventFiring, Alert: *a})
			}
		default:
			t.streak = 0
			if !at.Before(t.cooldownUntil) && !at.Before(t.settled.Add(e.maxWindow)) {
				delete(e.trackers, k)
			}
		}
	}
	return events
}

// settled is when the last resolved episode of k, or of its brand as a
// whole (which stood in for its segments, not its queries), last spiked.
func (e *Engine) settled(k Key) time.Time {
	var s time.Time
	if t := e.trackers[k]; t != nil {
		s = t.settled
	}
	if k.Kind != KindAll && k.Kind != KindQuery {
		if t := e.trackers[Key{k.Brand, KindAll, ""}]; t != nil && t.settled.After(s) {
			s = t.settled
		}
	}
	return s
}

// ResolveByHand ends the active alert with this id, resolved by a person
// at at: the series goes quiet and into cooldown as after a resolution.
// It reports whether the alert was active here.
func (e *Engine) ResolveByHand(id string, at time.Time) bool {
	for _, t := range e.trackers {
		if t.active != nil && t.active.ID == id {
			t.active, t.quiet, t.streak, t.byHand = nil, 0, 0, true
			t.cooldownUntil, t.settled = at.Add(e.cfg.Cooldown), t.lastSpike
			return true
		}
	}
	return false
}

// SetExplanation attaches an explanation to an active alert.
func (e *Engine) SetExplanation(k Key, x *Explanation) {
	if t := e.trackers[k]; t != nil && t.active != nil {
		t.active.Explanation = x
	}
}

// MarkNotified records that an active alert's current state was delivered.
func (e *Engine) MarkNotified(k Key, at time.Time) {
	if t := e.trackers[k]; t != nil && t.active != nil {
		t.active.NotifiedAt = &at
	}
}
