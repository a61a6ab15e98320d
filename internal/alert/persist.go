package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/store"
)

// alertRow is the alerts table's shape as the store returns it.
type alertRow struct {
	ID, Fingerprint, Kind, Brand, SegmentKind, SegmentValue, State, Severity string
	StartedAt, FiredAt, UpdatedAt, ResolvedAt, NotifiedAt                    time.Time
	Window                                                                   string
	Observed, Expected, Ratio, PValue, Score                                 float64
	Method, Baseline                                                         string
	Share, ExpectedShare, ShareP                                             float64
	Explanation                                                              string
}

func (r *alertRow) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	str := func(k string, dst *string) error { return json.Unmarshal(m[k], dst) }
	num := func(k string, dst *float64) error {
		if err := json.Unmarshal(m[k], dst); err != nil {
			var s string
			if json.Unmarshal(m[k], &s) != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			v, err := strconv.ParseFloat(s, 64)
			*dst = v
			return err
		}
		return nil
	}
	tm := func(k string, dst *time.Time) error {
		var s string
		if err := json.Unmarshal(m[k], &s); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		t, err := parseTime(s)
		*dst = t
		return err
	}
	for k, d := range map[string]*string{"id": &r.ID, "fingerprint": &r.Fingerprint, "kind": &r.Kind, "brand": &r.Brand,
		"segment_kind": &r.SegmentKind, "segment_value": &r.SegmentValue, "state": &r.State, "severity": &r.Severity,
		"window": &r.Window, "method": &r.Method, "baseline": &r.Baseline, "explanation": &r.Explanation} {
		if err := str(k, d); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	for k, d := range map[string]*float64{"observed": &r.Observed, "expected": &r.Expected, "ratio": &r.Ratio,
		"p_value": &r.PValue, "score": &r.Score, "share": &r.Share, "expected_share": &r.ExpectedShare, "share_p_value": &r.ShareP} {
		if err := num(k, d); err != nil {
			return err
		}
	}
	for k, d := range map[string]*time.Time{"started_at": &r.StartedAt, "fired_at": &r.FiredAt, "updated_at": &r.UpdatedAt,
		"resolved_at": &r.ResolvedAt, "notified_at": &r.NotifiedAt} {
		if err := tm(k, d); err != nil {
			return err
		}
	}
	return nil
}

// parseTime reads the store's DateTime text (RFC 3339, or "2006-01-02 15:04:05").
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func (r *alertRow) alert() (Alert, error) {
	a := Alert{ID: r.ID, Fingerprint: r.Fingerprint, Kind: r.Kind, Brand: r.Brand, SegmentKind: r.SegmentKind,
		SegmentValue: r.SegmentValue, State: r.State, Severity: r.Severity, StartedAt: r.StartedAt, FiredAt: r.FiredAt,
		UpdatedAt: r.UpdatedAt, Window: r.Window, Observed: r.Observed, Expected: r.Expected, Ratio: r.Ratio,
		PValue: r.PValue, Score: r.Score, Method: r.Method, Baseline: r.Baseline, Share: r.Share,
		ExpectedShare: r.ExpectedShare, ShareP: r.ShareP}
	if r.ResolvedAt.Unix() > 0 {
		t := r.ResolvedAt
		a.ResolvedAt = &t
	}
	if r.NotifiedAt.Unix() > 0 {
		t := r.NotifiedAt
		a.NotifiedAt = &t
	}
	if r.Explanation != "" {
		a.Explanation = &Explanation{}
		if err := json.Unmarshal([]byte(r.Explanation), a.Explanation); err != nil {
			return a, fmt.Errorf("alert %s explanation: %w", r.ID, err)
		}
	}
	return a, nil
}

// Repo keeps alerts in the store's alerts table.
type Repo struct {
	st store.Store
}

// NewRepo returns a repository on st (migrated).
func NewRepo(st store.Store) *Repo { return &Repo{st: st} }

const alertColumns = "id, fingerprint, kind, brand, segment_kind, segment_value, state, severity, started_at, fired_at," +
	" updated_at, resolved_at, notified_at, window, observed, expected, ratio, p_value, score, method, baseline," +
	" share, expected_share, share_p_value, explanation, version"

func num(f float64) string {
	if f != f || f > 1e300 || f < -1e300 { // NaN or infinite
		return "0"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Save writes the alerts' current states (a new version each).
func (r *Repo) Save(ctx context.Context, alerts ...Alert) error {
	if len(alerts) == 0 {
		return nil
	}
	version := time.Now().UnixNano()
	selects := make([]string, len(alerts))
	opt := func(t *time.Time) string {
		if t == nil {
			return store.Time(time.Unix(0, 0))
		}
		return store.Time(*t)
	}
	cols := strings.Split(alertColumns, ", ")
	for i, a := range alerts {
		x := ""
		if a.Explanation != nil {
			stored := *a.Explanation
			stored.Plain = nil // made when read
			b, err := json.Marshal(stored)
			if err != nil {
				return fmt.Errorf("encode explanation: %w", err)
			}
			x = string(b)
		}
		vals := []string{store.Quote(a.ID), store.Quote(a.Fingerprint), store.Quote(a.Kind), store.Quote(a.Brand),
			store.Quote(a.SegmentKind), store.Quote(a.SegmentValue), store.Quote(a.State), store.Quote(a.Severity),
			store.Time(a.StartedAt), store.Time(a.FiredAt), store.Time(a.UpdatedAt), opt(a.ResolvedAt), opt(a.NotifiedAt),
			store.Quote(a.Window), num(a.Observed), num(a.Expected), num(a.Ratio), "toFloat64(" + num(a.PValue) + ")",
			num(a.Score), store.Quote(a.Method), store.Quote(a.Baseline), num(a.Share), num(a.ExpectedShare),
			"toFloat64(" + num(a.ShareP) + ")", store.Quote(x), strconv.FormatInt(version+int64(i), 10)}
		for j := range vals {
			vals[j] += " AS " + cols[j]
		}
		selects[i] = "SELECT " + strings.Join(vals, ", ")
	}
	// One statement per batch of alerts that stays below the engines'
	// query size limit.
	for len(selects) > 0 {
		n, size := 0, 0
		for n < len(selects) && (n == 0 || size+len(selects[n]) <= maxStatement) {
			size += len(selects[n]) + len(" UNION ALL ")
			n++
		}
		q := "INSERT INTO " + r.st.Table("alerts") + " (" + alertColumns + ") " + strings.Join(selects[:n], " UNION ALL ")
		if err := r.st.Exec(ctx, q); err != nil {
			return fmt.Errorf("save alerts: %w", err)
		}
		selects = selects[n:]
	}
	return nil
}

// maxStatement bounds the text of one INSERT of alerts, well below the
// engines' max_query_size (256 KiB by default).
const maxStatement = 192 << 10

// Filter selects alerts for List.
type Filter struct {
	State  string // firing, resolved or "" for both
	Brand  string
	From   time.Time // fired at or after (zero: any)
	To     time.Time // fired before (zero: any)
	Limit  int
	Offset int
}

// List returns alerts, newest first, in their current state.
func (r *Repo) List(ctx context.Context, f Filter) ([]Alert, error) {
	var conds []string
	if f.State != "" {
		conds = append(conds, "state = "+store.Quote(f.State))
	}
	if f.Brand != "" {
		conds = append(conds, "brand = "+store.Quote(f.Brand))
	}
	if !f.From.IsZero() {
		conds = append(conds, "fired_at >= "+store.Time(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "fired_at < "+store.Time(f.To))
	}
	return r.list(ctx, conds, f.Offset, f.Limit)
}

// list reads the alerts meeting conds, newest first, from offset (limit 0:
// all).
func (r *Repo) list(ctx context.Context, conds []string, offset, limit int) ([]Alert, error) {
	q := "SELECT " + strings.TrimSuffix(alertColumns, ", version") + " FROM " + r.st.Table("alerts") + " FINAL"
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY fired_at DESC, id"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d, %d", offset, limit)
	}
	rows, err := r.st.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	out := make([]Alert, 0, len(rows))
	for _, raw := range rows {
		var ar alertRow
		if err := json.Unmarshal(raw, &ar); err != nil {
			return nil, fmt.Errorf("decode alert: %w", err)
		}
		a, err := ar.alert()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// State returns what the engine needs after a restart: the firing alerts
// and, per series, when its last alert resolved (for cooldown), looking
// back as far as since.
func (r *Repo) State(ctx context.Context, since time.Time) ([]Alert, map[Key]time.Time, error) {
	active, err := r.List(ctx, Filter{State: StateFiring})
	if err != nil {
		return nil, nil, err
	}
	resolved, err := r.List(ctx, Filter{State: StateResolved, From: since})
	if err != nil {
		return nil, nil, err
	}
	last := map[Key]time.Time{}
	for _, a := range resolved {
		if a.ResolvedAt != nil && a.ResolvedAt.After(last[a.Key()]) {
			last[a.Key()] = *a.ResolvedAt
		}
	}
	return active, last, nil
}
