package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// VersionedClassifier is a classifier that names its rules' version.
type VersionedClassifier interface {
	Classifier
	Version() string
}

// ReclassifyResult counts what a reclassification did.
type ReclassifyResult struct {
	Mentions    int // mentions re-scored
	RowsWritten int
	RowsRemoved int
	Failed      int // stored payloads that no longer parse (left as they are)
}

// Reclassify re-scores every stored mention whose classifier_version is not
// the classifier's, or whose terms_version is not the annotator's (when
// there is one: its terms and story are filled in), batch by batch: the new rows are written with a newer
// version, then the old rows are retracted (rows and rollup contributions),
// so dashboards never mix versions for long and rollups stay exact.
func Reclassify(ctx context.Context, s store.Store, cls VersionedClassifier, ann Annotator, batch int, progress func(ReclassifyResult)) (ReclassifyResult, error) {
	var res ReclassifyResult
	current := cls.Version()
	skip := map[string]bool{} // ids whose payload does not parse
	for {
		q := "SELECT mention_id, argMax(raw, version) AS raw, argMax(ingested_at, version) AS ingested, max(version) AS latest" +
			" FROM " + s.Table("mentions") + " GROUP BY mention_id HAVING (argMax(classifier_version, version) != " + store.Quote(current)
		if ann != nil {
			q += " OR argMax(terms_version, version) != " + store.Quote(ann.Version())
		}
		q += ")"
		if len(skip) > 0 {
			ids := make([]string, 0, len(skip))
			for id := range skip {
				ids = append(ids, id)
			}
			q += " AND mention_id NOT IN " + store.QuoteList(ids)
		}
		rows, err := s.Query(ctx, q+fmt.Sprintf(" LIMIT %d", batch))
		if err != nil {
			return res, fmt.Errorf("find mentions of other classifier versions: %w", err)
		}
		if len(rows) == 0 {
			return res, nil
		}
		var out []store.Row
		var ids []string
		var maxOld uint64
		now := uint64(time.Now().UnixNano())
		for _, r := range rows {
			var v struct {
				MentionID  string    `json:"mention_id"`
				Raw        string    `json:"raw"`
				IngestedAt time.Time `json:"ingested"`
				Version    uint64    `json:"latest"`
			}
			if err := json.Unmarshal(r, &v); err != nil {
				return res, fmt.Errorf("decode stored row: %w", err)
			}
			m, err := mention.Parse([]byte(v.Raw))
			if err != nil {
				skip[v.MentionID] = true
				res.Failed++
				continue
			}
			declared := m.Lang
			labels, lab := classify(cls, ann, &m)
			rows := Rows(&m, v.MentionID, declared, labels, v.Raw, v.IngestedAt)
			lab.annotate(ann, &m, v.MentionID, rows)
			for _, row := range rows {
				row.Version = max(now, v.Version+1)
				out = append(out, row)
			}
			ids = append(ids, v.MentionID)
			maxOld = max(maxOld, v.Version)
		}
		if err := s.Insert(ctx, out); err != nil {
			return res, err
		}
		removed, err := s.Retract(ctx, ids, maxOld)
		if err != nil {
			return res, err
		}
		res.Mentions += len(ids)
		res.RowsWritten += len(out)
		res.RowsRemoved += removed
		if progress != nil {
			progress(res)
		}
	}
}
