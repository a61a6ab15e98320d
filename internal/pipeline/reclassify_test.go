package pipeline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
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
			res, err := pipeline.Reclassify(ctx, e.Store, after, 2, nil)
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
			again, err := pipeline.Reclassify(ctx, e.Store, after, 2, nil)
			if err != nil || again.Mentions != 0 {
				t.Fatalf("second run re-scored %d, %v; want nothing left", again.Mentions, err)
			}
		})
	}
}
