package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
	"github.com/ewom/ewom/internal/terms"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}

func TestReclassifyReplacesOldLabelsAndKeepsRollupsExact(t *testing.T) {
	// Stored under a configuration that knew only Koijarit; now Gigantti is watched too.
	before, err := classify.New([]config.Brand{{Name: "Koijarit"}})
	if err != nil {
		t.Fatal(err)
	}
	after, err := classify.New([]config.Brand{{Name: "Koijarit"}, {Name: "Gigantti"}})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := terms.New([]config.Brand{{Name: "Koijarit"}, {Name: "Gigantti"}})
	if err != nil {
		t.Fatal(err)
	}
	ann, err := terms.NewAnnotator(ext, nil)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"Koijarit ja Gigantti: kummaltakin toimitus myöhässä, huono palvelu", "Koijarit on paras kauppa!", "Gigantista ostin uuden puhelimen"}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			var rows []store.Row
			for i, text := range texts {
				m := mention.Mention{Source: "test", ID: fmt.Sprint(i), Text: text, PublishedAt: time.Date(2026, 11, 20, 10, i, 0, 0, time.UTC)}
				raw, _ := m.MarshalJSON()
				cls := before.Classify(&m)
				cls.ClassifierVersion = "old-rules"
				rows = append(rows, pipeline.Rows(&m, m.Key(), "", cls, string(raw), time.Now())...)
			}
			if err := e.Store.Insert(ctx, rows); err != nil {
				t.Fatal(err)
			}
			res, err := pipeline.Reclassify(ctx, e.Store, after, ann, 2, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Mentions != 3 || res.RowsRemoved != len(rows) || res.RowsWritten != 4 {
				t.Fatalf("result %+v; want 3 mentions, %d old rows removed, 4 written (one mention names both brands)", res, len(rows))
			}
			q := func(sql string) []json.RawMessage {
				out, err := e.Store.Query(ctx, sql)
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			versions := q("SELECT DISTINCT classifier_version AS v FROM " + e.Store.Table("mentions"))
			if len(versions) != 1 || string(versions[0]) != `{"v":"`+after.Version()+`"}` {
				t.Fatalf("versions after reclassify: %s", versions)
			}
			byBrand := q("SELECT brand, count() AS raw FROM " + e.Store.Table("mentions") + " GROUP BY brand ORDER BY brand")
			rollup := q("SELECT brand, sum(mentions) AS raw FROM " + e.Store.Table("mentions_5m") + " GROUP BY brand HAVING raw != 0 ORDER BY brand")
			if fmt.Sprint(byBrand) != fmt.Sprint(rollup) || len(byBrand) != 2 {
				t.Fatalf("raw by brand %s, rollup by brand %s: want equal, 2 brands", byBrand, rollup)
			}
			// History got its terms: each brand's row without the brand's
			// own names, and the term rollup equal to the rows' terms.
			koijarit := q("SELECT arrayJoin(terms) AS t FROM " + e.Store.Table("mentions") + " WHERE brand = 'Koijarit' ORDER BY t")
			var got string
			for _, r := range koijarit {
				got += string(r)
			}
			if !strings.Contains(got, `"toimitus"`) || !strings.Contains(got, `"toimitus myöhässä"`) ||
				!strings.Contains(got, `"gigantti"`) || strings.Contains(got, `"koijarit"`) {
				t.Errorf("Koijarit's terms %s: want toimitus, toimitus myöhässä and gigantti, not koijarit", got)
			}
			termRows := q("SELECT brand, term, toInt64(count()) AS n FROM " + e.Store.Table("mentions") +
				" ARRAY JOIN terms AS term GROUP BY brand, term ORDER BY brand, term")
			termDays := q("SELECT brand, term, toInt64(sum(mentions)) AS n FROM " + e.Store.Table("term_days") +
				" GROUP BY brand, term HAVING n != 0 ORDER BY brand, term")
			if fmt.Sprint(termRows) != fmt.Sprint(termDays) || len(termRows) < 10 {
				t.Errorf("terms of the rows %s\nterm rollup %s: want equal", termRows, termDays)
			}
			again, err := pipeline.Reclassify(ctx, e.Store, after, ann, 2, nil)
			if err != nil || again.Mentions != 0 {
				t.Fatalf("second run re-scored %d, %v; want nothing left", again.Mentions, err)
			}
		})
	}
}
