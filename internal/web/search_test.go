package web

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/store/storetest"
)

// TestSearch runs search queries through every endpoint that takes q, on
// both engines: the list and the export hold exactly the seeded mentions
// whose texts match, and the aggregates count exactly their rows.
func TestSearch(t *testing.T) {
	const n = 120
	rows := seedMentions(t, n)
	// Each query and the seedTexts (by index) it must find.
	queries := []struct {
		q     string
		texts []int
	}{
		{"toimitus OR delivery", []int{0, 1}},
		{"asiakaspalvelu OR \"customer service\"", []int{2, 4}},
		{"laptop* NOT refund", []int{1, 3}},
		{"Rival NEAR/2 service", []int{4}}, // not 6: "Rival delivered my order a day early, great service"
		{"lang:fi puhelin", []int{2, 5}},
		{"(deliver* OR order) AND source:rss", nil}, // source is i % 4: rss only for i % 4 == 2
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			if err := e.Store.Insert(t.Context(), rows); err != nil {
				t.Fatal(err)
			}
			ts := newTestServer(t, e.Store)
			admin := login(t, ts.URL, "admin", "admin-pass")
			for _, c := range queries {
				want := map[string]bool{}
				wantRows := 0
				for i := range n {
					hit := slices.Contains(c.texts, i%len(seedTexts))
					if c.q == "(deliver* OR order) AND source:rss" {
						hit = (i%8 == 1 || i%8 == 6) && i%4 == 2
					}
					if hit {
						want[fmt.Sprintf("m%d", i)] = true
					}
				}
				for _, r := range rows {
					if want[r.MentionID] {
						wantRows++
					}
				}
				if len(want) == 0 {
					t.Fatalf("%s: the seed has no match", c.q)
				}
				qs := "q=" + url.QueryEscape(c.q) + "&" + week
				var list MentionList
				admin.getJSON("/api/v1/mentions?limit=500&"+qs, &list)
				got := map[string]bool{}
				for _, m := range list.Mentions {
					got[m.ID] = true
				}
				if !mapsEqual(got, want) {
					t.Errorf("%s: list %v, want %v", c.q, keys(got), keys(want))
				}
				csvRows, err := csv.NewReader(strings.NewReader(admin.text("GET", "/api/v1/mentions/export?"+qs, nil, http.StatusOK))).ReadAll()
				if err != nil || len(csvRows)-1 != wantRows {
					t.Errorf("%s: export %d rows (%v), want %d", c.q, len(csvRows)-1, err, wantRows)
				}
				var sum Summary
				admin.getJSON("/api/v1/summary?"+qs, &sum)
				var series Timeseries
				admin.getJSON("/api/v1/timeseries?"+qs, &series)
				var br Breakdown
				admin.getJSON("/api/v1/breakdown?by=brand&"+qs, &br)
				var authors TopAuthors
				admin.getJSON("/api/v1/authors/top?limit=100&"+qs, &authors)
				for name, got := range map[string]int64{"summary": sum.Current.Mentions,
					"timeseries":  total(series.Points, func(p SeriesPoint) int64 { return p.Mentions }),
					"breakdown":   total(br.Rows, func(x BreakdownCell) int64 { return x.Mentions }),
					"top authors": total(authors.Authors, func(a TopAuthor) int64 { return a.Mentions })} {
					if got != int64(wantRows) {
						t.Errorf("%s: %s %d rows, want %d", c.q, name, got, wantRows)
					}
				}
			}
			// A correction moves its mention between the labels a search
			// counts, and only for searches that match it.
			var before, other Summary
			admin.getJSON("/api/v1/summary?q=toimitus&"+week, &before)
			admin.getJSON("/api/v1/summary?q=laptop&"+week, &other)
			var m0 MentionDetail
			admin.getJSON("/api/v1/mentions/m0", &m0)
			if code, body := admin.post("/api/v1/mentions/m0/labels", `{"sentiment":"positive"}`, true); code != http.StatusOK {
				t.Fatalf("correct m0: %d %s", code, body)
			}
			var after, otherAfter Summary
			admin.getJSON("/api/v1/summary?q=toimitus&"+week, &after)
			admin.getJSON("/api/v1/summary?q=laptop&"+week, &otherAfter)
			moved := int64(len(m0.Mention.BrandLabels))
			if m0.Mention.Sentiment == "positive" || after.Current.Mentions != before.Current.Mentions ||
				after.Current.Positive != before.Current.Positive+moved || otherAfter.Current != other.Current {
				t.Errorf("after correcting m0 (%s, %d rows): toimitus %+v → %+v, laptop %+v → %+v", m0.Mention.Sentiment, moved,
					before.Current, after.Current, other.Current, otherAfter.Current)
			}
			// A bad query is the client's: 400 with the message and where.
			for q, col := range map[string]int{"toimitus AND": 10, "(delivery": 1, "stage:shipping": 7, "ää foo:bar": 4} {
				for _, path := range []string{"/api/v1/mentions", "/api/v1/summary", "/api/v1/mentions/export", "/api/v1/timeseries"} {
					body := admin.text("GET", path+"?q="+url.QueryEscape(q)+"&"+week, nil, http.StatusBadRequest)
					var e Error
					if err := json.Unmarshal([]byte(body), &e); err != nil || e.Position != col || !strings.HasPrefix(e.Error, "q: at character "+strconv.Itoa(col)+": ") {
						t.Errorf("%s %q: %s, want position %d", path, q, body, col)
					}
				}
			}
		})
	}
}

// total sums f over xs.
func total[T any](xs []T, f func(T) int64) int64 {
	var n int64
	for _, x := range xs {
		n += f(x)
	}
	return n
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
