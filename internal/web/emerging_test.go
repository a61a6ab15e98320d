package web

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/digest"
	"github.com/ewom/ewom/internal/store/storetest"
)

// The digests' emerging topics are the Topics view's, and each links to
// exactly its mentions.
func TestEmergingForDigests(t *testing.T) {
	fx := newTopicFixture(t)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			if err := e.Store.Insert(context.Background(), fx.rows); err != nil {
				t.Fatal(err)
			}
			var dash *Server
			srv := newTestServerWith(t, e.Store, func(s *Server) { dash = s })
			c := login(t, srv.URL, "viewer", "viewer-pass")
			var x Topics
			c.getJSON("/api/v1/topics?brand=TietokoneKoijarit&limit=5&"+week, &x)

			got, err := dash.Emerging(context.Background(), []string{"TietokoneKoijarit"}, weekStart, weekEnd, 5)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(x.Emerging) || len(got) == 0 {
				t.Fatalf("digest topics %+v; the Topics view has %+v", got, x.Emerging)
			}
			for i, g := range x.Emerging {
				name := g.Form
				if name == "" {
					name = g.Term
				}
				if got[i].Name != name || got[i].Mentions != g.Now || got[i].Growth != g.Ratio {
					t.Errorf("digest topic %d: %+v, want %s with the view's %d mentions and ratio %.2f", i, got[i], name, g.Now, g.Ratio)
				}
			}
			i := slices.IndexFunc(got, func(tp digest.Topic) bool { return tp.Name == "toimitus myöhässä" })
			if i < 0 {
				t.Fatalf("toimitus myöhässä not among the digest's topics: %+v", got)
			}
			// The link is the Mentions page; its query is the API's.
			path, query, _ := strings.Cut(got[i].Path, "?")
			q, err := url.ParseQuery(query)
			if path != "/mentions" || err != nil || q.Get("range") != "custom" {
				t.Fatalf("link %q", got[i].Path)
			}
			q.Set("limit", "100")
			var l struct{ Mentions []Mention }
			c.getJSON("/api/v1/mentions?"+q.Encode(), &l)
			var ids []string
			for _, m := range l.Mentions {
				ids = append(ids, m.ID)
			}
			slices.Sort(ids)
			if want := slices.Sorted(slices.Values(fx.ids["crisis"])); !slices.Equal(ids, want) {
				t.Errorf("the link's mentions %v, want the crisis posts %v", ids, want)
			}
		})
	}
}
