// Package erasure implements the GDPR rights for authors of mentions: erase
// everything stored about an author (ewom forget) and export it (ewom
// export).
//
// Where an author's data lives:
//   - mentions: the rows themselves (handle, name, URL, text, raw JSON);
//     removed with store.Retract, which also subtracts them from the
//     mentions_5m rollup, so rollups stay exact without a rebuild.
//   - label_corrections: reviewers' corrections of those mentions; deleted.
//   - alerts: an alert's explanation quotes up to five sample mentions with
//     author and text; those samples are removed from every alert version.
//   - mention_ids: keeps the bare id (a hash of source and post id, no
//     author data) on purpose, so a collector polling the same post again
//     does not bring it back.
//   - the bus: the mention stream holds only the backlog (work-queue
//     retention) and the dead-letter stream what failed; messages of the
//     author are deleted from both.
package erasure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/privacy"
	"github.com/ewom/ewom/internal/store"
)

// Handles returns the forms an author's handle is stored under: as given,
// and its pseudonym when pseudonymisation is configured (rows stored before
// it was switched on keep the plain handle).
func Handles(handle string, p config.Privacy, getenv func(string) string) ([]string, error) {
	handle = strings.TrimSpace(handle)
	if handle == "" {
		return nil, errors.New("empty author handle")
	}
	forms := []string{handle}
	if p.PseudonymizeAuthors {
		ps, err := privacy.NewPseudonymizer([]byte(getenv(p.KeyEnv)))
		if err != nil {
			return nil, fmt.Errorf("privacy.pseudonymize_authors is on: set %s to map the handle to its pseudonym: %w", p.KeyEnv, err)
		}
		forms = append(forms, ps.Handle(handle))
	}
	return forms, nil
}

// Target is what to erase or export: the author's handle forms, the store
// and the bus streams (nil JetStream: the bus is left alone).
type Target struct {
	Handles []string
	Store   store.Store
	JS      jetstream.JetStream
	Streams []string // e.g. EWOM_MENTIONS and EWOM_MENTIONS_DEAD
}

// Report says what Forget removed.
type Report struct {
	Mentions    int `json:"mentions"`          // distinct mentions
	Rows        int `json:"rows"`              // mention × brand rows, subtracted from the rollup
	Corrections int `json:"label_corrections"` // correction rows
	Alerts      int `json:"alerts"`            // alert explanations with samples removed
	BusMessages int `json:"bus_messages"`      // backlog and dead-letter messages
}

// Forget erases the author everywhere. The bus goes first, so that no
// backlog message of the author is stored after the tables were cleaned.
func Forget(ctx context.Context, t Target) (Report, error) {
	var r Report
	var err error
	if r.BusMessages, err = t.scanBus(ctx, true, nil); err != nil {
		return r, err
	}
	ids, err := t.mentionIDs(ctx)
	if err != nil {
		return r, err
	}
	r.Mentions = len(ids)
	if r.Rows, err = t.Store.Retract(ctx, ids, ^uint64(0)); err != nil {
		return r, fmt.Errorf("remove mentions: %w", err)
	}
	if r.Corrections, err = t.forgetCorrections(ctx, ids); err != nil {
		return r, err
	}
	if r.Alerts, err = t.scrubAlerts(ctx, ids); err != nil {
		return r, err
	}
	return r, nil
}

func (t Target) handleList() string {
	lower := make([]string, len(t.Handles))
	for i, h := range t.Handles {
		lower[i] = strings.ToLower(h)
	}
	return store.QuoteList(lower)
}

// mentionIDs are the ids of the author's stored mentions.
func (t Target) mentionIDs(ctx context.Context) ([]string, error) {
	rows, err := t.Store.Query(ctx, "SELECT DISTINCT mention_id AS id FROM "+t.Store.Table("mentions")+
		" WHERE lower(author_handle) IN "+t.handleList()+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("find the author's mentions: %w", err)
	}
	ids := make([]string, 0, len(rows))
	for _, raw := range rows {
		var v struct{ ID string }
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		ids = append(ids, v.ID)
	}
	return ids, nil
}

// hasTable reports whether the store has a table (areas migrate
// independently, so an old database may lack one).
func (t Target) hasTable(ctx context.Context, name string) (bool, error) {
	n, err := t.count(ctx, "SELECT count() AS n FROM system.tables WHERE database = "+
		store.Quote(t.Store.Info().Database)+" AND name = "+store.Quote(name))
	return n > 0, err
}

func (t Target) count(ctx context.Context, q string) (int, error) {
	rows, err := t.Store.Query(ctx, q)
	if err != nil {
		return 0, err
	}
	var v struct{ N int }
	if len(rows) == 1 {
		if err := json.Unmarshal(rows[0], &v); err != nil {
			return 0, err
		}
	}
	return v.N, nil
}

func (t Target) forgetCorrections(ctx context.Context, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	if ok, err := t.hasTable(ctx, "label_corrections"); err != nil || !ok {
		return 0, err
	}
	where := " WHERE mention_id IN " + store.QuoteList(ids)
	n, err := t.count(ctx, "SELECT count() AS n FROM "+t.Store.Table("label_corrections")+where)
	if err != nil || n == 0 {
		return 0, err
	}
	if err := store.Mutate(ctx, t.Store, "ALTER TABLE "+t.Store.Table("label_corrections")+" DELETE"+where); err != nil {
		return 0, fmt.Errorf("delete label corrections: %w", err)
	}
	return n, nil
}

// scrubAlerts removes the author's mentions from the samples quoted in
// alert explanations, in every stored version of each alert.
func (t Target) scrubAlerts(ctx context.Context, ids []string) (int, error) {
	if ok, err := t.hasTable(ctx, "alerts"); err != nil || !ok {
		return 0, err
	}
	var cond []string
	for _, s := range append(slices.Clone(ids), t.Handles...) {
		cond = append(cond, "positionCaseInsensitive(explanation, "+store.Quote(s)+") > 0")
	}
	if len(cond) == 0 {
		return 0, nil
	}
	rows, err := t.Store.Query(ctx, "SELECT id, version, explanation FROM "+t.Store.Table("alerts")+" WHERE "+strings.Join(cond, " OR "))
	if err != nil {
		return 0, fmt.Errorf("find alerts quoting the author: %w", err)
	}
	alerts := map[string]bool{}
	// One mutation rewrites every version found (each mutation rewrites
	// the parts it touches), in chunks so that a statement stays small.
	const chunk = 200
	for start := 0; start < len(rows); start += chunk {
		var cases, where []string
		for _, raw := range rows[start:min(start+chunk, len(rows))] {
			var v struct {
				ID          string
				Version     json.Number
				Explanation string
			}
			if err := json.Unmarshal(raw, &v); err != nil {
				return 0, err
			}
			clean, err := t.scrubExplanation(v.Explanation, ids)
			if err != nil {
				return 0, fmt.Errorf("alert %s: %w", v.ID, err)
			}
			match := "(id = " + store.Quote(v.ID) + " AND version = " + v.Version.String() + ")"
			cases = append(cases, match, store.Quote(clean))
			where = append(where, match)
			alerts[v.ID] = true
		}
		if err := store.Mutate(ctx, t.Store, "ALTER TABLE "+t.Store.Table("alerts")+" UPDATE explanation = multiIf("+
			strings.Join(cases, ", ")+", explanation) WHERE "+strings.Join(where, " OR ")); err != nil {
			return 0, fmt.Errorf("scrub %d alert versions: %w", len(where), err)
		}
	}
	return len(alerts), nil
}

// scrubExplanation drops the author's samples from an explanation's
// "mentions" list and its "stories" (each quoting its first mention),
// keeping every other field as it is.
func (t Target) scrubExplanation(explanation string, ids []string) (string, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(explanation), &doc); err != nil {
		return "", fmt.Errorf("explanation is not a JSON object: %w", err)
	}
	for _, key := range []string{"mentions", "stories"} {
		raw, ok := doc[key]
		if !ok && key != "mentions" {
			continue
		}
		var samples []map[string]any
		if ok {
			if err := json.Unmarshal(raw, &samples); err != nil {
				return "", fmt.Errorf("explanation %s: %w", key, err)
			}
		}
		kept := samples[:0]
		for _, s := range samples {
			if !t.isAuthors(s, ids) {
				kept = append(kept, s)
			}
		}
		b, err := json.Marshal(kept)
		if err != nil {
			return "", err
		}
		doc[key] = b
	}
	out, err := json.Marshal(doc)
	return string(out), err
}

// isAuthors reports whether an alert explanation's sample is one of the
// author's mentions: by its id, or by its author.
func (t Target) isAuthors(sample map[string]any, ids []string) bool {
	id, _ := sample["id"].(string)
	author, _ := sample["author"].(string)
	return slices.Contains(ids, id) || t.matches(author)
}

func (t Target) matches(handle string) bool {
	for _, h := range t.Handles {
		if strings.EqualFold(strings.TrimSpace(handle), h) {
			return true
		}
	}
	return false
}

// scanBus walks the configured streams; each message whose mention is by the
// author is passed to keep (export) and, with erase, deleted. It returns the
// number of the author's messages.
func (t Target) scanBus(ctx context.Context, erase bool, keep func(stream string, seq uint64, data []byte)) (int, error) {
	if t.JS == nil {
		return 0, nil
	}
	n := 0
	for _, name := range t.Streams {
		s, err := t.JS.Stream(ctx, name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("stream %s: %w", name, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return n, fmt.Errorf("stream %s: %w", name, err)
		}
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
			msg, err := s.GetMsg(ctx, seq)
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				continue // consumed or deleted meanwhile
			}
			if err != nil {
				return n, fmt.Errorf("stream %s message %d: %w", name, seq, err)
			}
			var m mention.Mention
			if json.Unmarshal(msg.Data, &m) != nil || !t.matches(m.Author.Handle) {
				continue
			}
			n++
			if keep != nil {
				keep(name, seq, msg.Data)
			}
			if erase {
				if err := s.SecureDeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
					return n, fmt.Errorf("delete stream %s message %d: %w", name, seq, err)
				}
			}
		}
	}
	return n, nil
}
