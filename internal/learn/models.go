// Package learn adapts the sentiment classifier to one deployment: it
// fine-tunes the shipped learned models on the deployment's label
// corrections and rated reviews, and the label models (journey stage,
// per-brand sentiment) on its label corrections (`ewom learn`), measures
// each against the shipped classifier by cross-validation, and keeps the
// models it activates, versioned and reversible, in the store's
// classifier_models table. The service and `ewom reclassify` load the active one at start.
// See docs/classifier.md, "Learning from corrections".
package learn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/store"
)

// Shipped names the shipped classifier (no deployment model) in
// --activate and in listings.
const Shipped = "shipped"

// maxModelBytes bounds a stored model's text: it travels as one SQL literal,
// and engines refuse queries over max_query_size (256 KiB by default).
const maxModelBytes = 200 << 10

// Model is a stored deployment model.
type Model struct {
	Version     string    `json:"classifier_version"` // the classifier_version it labels with, or Shipped
	BaseVersion string    `json:"base_version"`       // the shipped classifier it was learned on
	CreatedAt   time.Time `json:"created_at"`
	Text        string    `json:"-"` // classify.WithDeploymentModel's input
	Metrics     Metrics   `json:"metrics"`
	Examples    int       `json:"examples"` // of the parts stored: sentiment examples, mention × brand corrections

	Active     bool      `json:"active"`
	ChangedAt  time.Time `json:"changed_at"` // last activation or deactivation
	ChangedBy  string    `json:"changed_by"`
	rowVersion uint64
	marked     bool // its current row says active (the newest such is Active)
}

// Models lists the stored models, the most recently changed first; at most
// one is Active (none: the shipped classifier is).
func Models(ctx context.Context, s store.Store) ([]Model, error) {
	rows, err := s.Query(ctx, "SELECT model_version, argMax(base_version, version) AS base_version,"+
		" argMax(created_at, version) AS created_at, argMax(model, version) AS model, argMax(metrics, version) AS metrics,"+
		" argMax(examples, version) AS examples, argMax(active, version) AS active, argMax(changed_at, version) AS changed_at,"+
		" argMax(changed_by, version) AS changed_by, toString(max(version)) AS v FROM "+s.Table("classifier_models")+
		" GROUP BY model_version ORDER BY max(version) DESC")
	if err != nil {
		return nil, fmt.Errorf("read classifier models: %w", err)
	}
	out := make([]Model, 0, len(rows))
	activeSeen := false
	for _, raw := range rows {
		var r struct {
			ModelVersion string    `json:"model_version"`
			BaseVersion  string    `json:"base_version"`
			Model        string    `json:"model"`
			Metrics      string    `json:"metrics"`
			ChangedBy    string    `json:"changed_by"`
			CreatedAt    time.Time `json:"created_at"`
			ChangedAt    time.Time `json:"changed_at"`
			Examples     int       `json:"examples"`
			Active       int       `json:"active"`
			V            string    `json:"v"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("read classifier models: %w", err)
		}
		m := Model{Version: r.ModelVersion, BaseVersion: r.BaseVersion, CreatedAt: r.CreatedAt.UTC(), Text: r.Model,
			Examples: r.Examples, ChangedAt: r.ChangedAt.UTC(), ChangedBy: r.ChangedBy}
		if m.rowVersion, err = strconv.ParseUint(r.V, 10, 64); err != nil {
			return nil, fmt.Errorf("read classifier models: version %q: %w", r.V, err)
		}
		if r.Metrics != "" {
			if err := json.Unmarshal([]byte(r.Metrics), &m.Metrics); err != nil {
				return nil, fmt.Errorf("read classifier model %s: metrics: %w", m.Version, err)
			}
		}
		// Newest first: the first one marked active is the active one.
		m.marked = r.Active == 1
		m.Active = m.marked && !activeSeen
		activeSeen = activeSeen || m.Active
		out = append(out, m)
	}
	return out, nil
}

// Active returns the active deployment model, or nil when the shipped
// classifier is active.
func Active(ctx context.Context, s store.Store) (*Model, error) {
	ms, err := Models(ctx, s)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Active && m.Version != Shipped {
			return &m, nil
		}
	}
	return nil, nil
}

// ClassifierOptions are the classify.New options that apply the active
// deployment model (none when the shipped classifier is active); the
// service and `ewom reclassify` build their classifier with them.
func ClassifierOptions(ctx context.Context, s store.Store) ([]classify.Option, error) {
	m, err := Active(ctx, s)
	if err != nil || m == nil {
		return nil, err
	}
	return []classify.Option{classify.WithDeploymentModel(m.Text)}, nil
}

// save stores a new model and makes it the active one.
func save(ctx context.Context, s store.Store, m Model, by string, now time.Time) error {
	if len(m.Text) > maxModelBytes {
		return fmt.Errorf("model text of %d bytes is over the %d a stored model may have", len(m.Text), maxModelBytes)
	}
	ms, err := Models(ctx, s)
	if err != nil {
		return err
	}
	m.Active, m.CreatedAt = true, now
	return write(ctx, s, ms, m, by, now)
}

// write inserts a model's row with a version above every stored one.
func write(ctx context.Context, s store.Store, existing []Model, m Model, by string, now time.Time) error {
	v := uint64(now.UnixNano())
	for _, e := range existing {
		v = max(v, e.rowVersion+1)
	}
	metrics, err := json.Marshal(m.Metrics)
	if err != nil {
		return err
	}
	active := "0"
	if m.Active {
		active = "1"
	}
	q := "INSERT INTO " + s.Table("classifier_models") + " (model_version, base_version, created_at, model, metrics, examples," +
		" active, changed_at, changed_by, version) SELECT " + store.Quote(m.Version) + ", " + store.Quote(m.BaseVersion) + ", " +
		store.Time(m.CreatedAt) + ", " + store.Quote(m.Text) + ", " + store.Quote(string(metrics)) + ", " + strconv.Itoa(m.Examples) +
		", " + active + ", " + store.Time(now) + ", " + store.Quote(by) + ", " + strconv.FormatUint(v, 10)
	if err := s.Exec(ctx, q); err != nil {
		return fmt.Errorf("store classifier model %s: %w", m.Version, err)
	}
	return nil
}

// ErrUnknownModel is returned when --activate names no stored model.
var ErrUnknownModel = errors.New("no stored model has this version")

// Activate makes a stored model (or Shipped) the active one and returns
// it; the one active before stays stored, and Rollback returns to it.
func Activate(ctx context.Context, s store.Store, version, by string, now time.Time) (Model, error) {
	ms, err := Models(ctx, s)
	if err != nil {
		return Model{}, err
	}
	m := Model{Version: Shipped, CreatedAt: now}
	found := version == Shipped
	for _, x := range ms {
		if x.Version == version {
			m, found = x, true
		}
	}
	if !found {
		return Model{}, fmt.Errorf("%s: %w (see ewom learn --list)", version, ErrUnknownModel)
	}
	m.Active = true
	return m, write(ctx, s, ms, m, by, now)
}

// Rollback deactivates the active model, so the one active before it
// (else the shipped classifier) is active again. It returns the model
// deactivated and the one now active (nil: the shipped classifier).
func Rollback(ctx context.Context, s store.Store, by string, now time.Time) (Model, *Model, error) {
	ms, err := Models(ctx, s)
	if err != nil {
		return Model{}, nil, err
	}
	for i, m := range ms {
		if !m.Active {
			continue
		}
		m.Active = false
		if err := write(ctx, s, ms, m, by, now); err != nil {
			return Model{}, nil, err
		}
		for _, next := range ms[i+1:] {
			if next.marked {
				if next.Version == Shipped {
					return m, nil, nil
				}
				return m, &next, nil
			}
		}
		return m, nil, nil
	}
	return Model{}, nil, errors.New("the shipped classifier is active: nothing to roll back")
}

// Status is what the next `ewom learn` would learn from, for the
// dashboards' correction form.
type Status struct {
	ActiveModel string     `json:"active_model"` // its classifier_version, or Shipped
	ActiveSince *time.Time `json:"active_since,omitempty"`
	// Corrections counts the mention × brand corrections stored,
	// NewCorrections those made since the active model was learned (all,
	// with the shipped classifier).
	Corrections    int `json:"corrections"`
	NewCorrections int `json:"new_corrections"`
	MinExamples    int `json:"min_examples"` // the least a run learns from
}

// CorrectionStatus reads the Status.
func CorrectionStatus(ctx context.Context, s store.Store) (Status, error) {
	st := Status{ActiveModel: Shipped, MinExamples: MinExamples}
	m, err := Active(ctx, s)
	if err != nil {
		return st, err
	}
	cond := "1" // all of them, with the shipped classifier
	if m != nil {
		st.ActiveModel, st.ActiveSince = m.Version, &m.CreatedAt
		cond = "at > " + store.Time(m.CreatedAt)
	}
	rows, err := s.Query(ctx, "SELECT count() AS total, countIf("+cond+") AS fresh FROM (SELECT mention_id, brand,"+
		" max(corrected_at) AS at FROM "+s.Table("label_corrections")+" GROUP BY mention_id, brand)")
	if err != nil {
		return st, fmt.Errorf("count label corrections: %w", err)
	}
	var n struct {
		Total, Fresh json.Number
	}
	if len(rows) == 1 {
		if err := json.Unmarshal(rows[0], &n); err != nil {
			return st, fmt.Errorf("count label corrections: %w", err)
		}
	}
	total, _ := n.Total.Int64()
	fresh, _ := n.Fresh.Int64()
	st.Corrections, st.NewCorrections = int(total), int(fresh)
	return st, nil
}
