package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store/storetest"
)

// listed returns the mentions the list API names for a drill-down query,
// all on one page.
func listed(t *testing.T, c *client, q url.Values) []Mention {
	t.Helper()
	var l MentionList
	c.getJSON("/api/v1/mentions?limit=500&"+q.Encode(), &l)
	if l.HasMore {
		t.Fatalf("%s: more than a page", q.Encode())
	}
	return l.Mentions
}

// TestDrillDownFilters checks that each chart element's filters list as
// many mentions as the element counts (authors for the journey flow), on
// both engines.
func TestDrillDownFilters(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Store, 300)
			c := login(t, newTestServer(t, e.Store).URL, "viewer", "viewer-pass")
			base := func(kv ...string) url.Values {
				q := url.Values{"brand": {"TietokoneKoijarit"}, "range": {"7d"}}
				for i := 0; i < len(kv); i += 2 {
					q.Set(kv[i], kv[i+1])
				}
				return q
			}
			// A time bucket and sentiment of the volume chart.
			var ts Timeseries
			c.getJSON("/api/v1/timeseries?interval=1d&"+base().Encode(), &ts)
			checked := 0
			for _, p := range ts.Points {
				if p.Negative == 0 {
					continue
				}
				q := base("from", p.T.Format(time.RFC3339), "to", p.T.Add(24*time.Hour).Format(time.RFC3339), "sentiment", "negative")
				q.Del("range")
				if n := len(listed(t, c, q)); int64(n) != p.Negative {
					t.Errorf("%s negative: %d listed, the chart has %d", p.T, n, p.Negative)
				}
				checked++
			}
			// Breakdown cells: share of voice, sources × sentiment, stage × touchpoint.
			for _, by := range [][2]string{{"brand", ""}, {"source", "sentiment"}, {"journey_stage", "touchpoint"}, {"lang", "sentiment"}} {
				q := base("by", by[0])
				if by[0] == "brand" {
					q.Del("brand")
				}
				if by[1] != "" {
					q.Set("by2", by[1])
				}
				var b Breakdown
				c.getJSON("/api/v1/breakdown?"+q.Encode(), &b)
				for _, r := range b.Rows {
					if r.Key == "" {
						continue
					}
					d := base(by[0], r.Key)
					if by[1] != "" {
						d.Set(by[1], r.Key2)
					}
					if n := len(listed(t, c, d)); int64(n) != r.Mentions {
						t.Errorf("%s=%s %s=%s: %d listed, the chart has %d", by[0], r.Key, by[1], r.Key2, n, r.Mentions)
					}
					checked++
				}
			}
			// The journey flow: a link's and a node's authors.
			var tr Transitions
			c.getJSON("/api/v1/journey/transitions?"+base().Encode(), &tr)
			if len(tr.Links) == 0 {
				t.Fatal("no transitions")
			}
			nodes := map[string]int64{}
			for _, l := range tr.Links {
				ms := listed(t, c, base("transition", fmt.Sprintf("%d:%s:%s", l.Step, l.From, l.To)))
				if n := authorsAt(ms, l.From, l.To); n != l.Count {
					t.Errorf("transition %d %s→%s: %d authors listed, the flow has %d", l.Step, l.From, l.To, n, l.Count)
				}
				nodes[fmt.Sprintf("%d:%s", l.Step+1, l.To)] += l.Count
				if l.Step == 1 {
					nodes["1:"+l.From] += l.Count
				}
				checked++
			}
			for node, want := range nodes {
				st := node[strings.Index(node, ":")+1:]
				if n := authorsAt(listed(t, c, base("node", node)), st); n != want {
					t.Errorf("node %s: %d authors listed, the flow has %d", node, n, want)
				}
			}
			t.Logf("%d chart elements and %d flow nodes drilled into", checked, len(nodes))
			for _, bad := range []string{"node=0:purchase", "node=1:none", "transition=1:purchase", "transition=6:usage:churn", "node=1:usage&transition=1:usage:churn"} {
				c.text("GET", "/api/v1/mentions?"+bad, nil, http.StatusBadRequest)
			}
		})
	}
}

// authorsAt counts the authors of ms, each of whose brand rows is at one of
// stages (the flow's list names nothing else).
func authorsAt(ms []Mention, stages ...string) int64 {
	seen := map[string]bool{}
	for _, m := range ms {
		for _, b := range m.BrandLabels {
			if b.Match && !strings.Contains(strings.Join(stages, " "), b.JourneyStage) {
				return -1
			}
		}
		seen[m.Author.Handle] = true
	}
	return int64(len(seen))
}
