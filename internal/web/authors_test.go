package web

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// TestTopAuthorsTiedAtTheLimit: authors alike in reach and rows are
// ordered by handle, however many share the place of the last one shown,
// from the mentions rows and from the author table.
func TestTopAuthorsTiedAtTheLimit(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			var rows []store.Row
			var handles []string
			for i := range 60 {
				h := fmt.Sprintf("@tied%02d@social.example", (i*37)%60)
				handles = append(handles, h)
				at := weekStart.Add(time.Duration(i) * 137 * time.Minute)
				rows = append(rows, store.Row{MentionID: fmt.Sprint("t", i), Brand: "Rival", Source: "rss", AuthorHandle: h,
					AuthorName: "Name " + h, AuthorFollowers: 100, PublishedAt: at, IngestedAt: at, Lang: "en", Sentiment: "neutral",
					Touchpoint: "earned", JourneyStage: "awareness", Brands: []string{"Rival"}, Raw: "{}"})
			}
			// One more reach puts an author first.
			rows[59].AuthorFollowers = 101
			if err := e.Store.Insert(ctx, rows); err != nil {
				t.Fatal(err)
			}
			var srv *Server
			ts := newTestServerWith(t, e.Store, func(s *Server) { srv = s; s.authors.last = time.Now() })
			first := rows[59].AuthorHandle
			rest := slices.DeleteFunc(slices.Clone(handles), func(h string) bool { return h == first })
			slices.Sort(rest)
			want := append([]string{first}, rest[:6]...)
			for _, phase := range []string{"from the rows", "from the author table"} {
				var top TopAuthors
				if err := json.Unmarshal([]byte(bearerGet(t, ts.URL+"/api/v1/authors/top?limit=7&brand=Rival&"+week)), &top); err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, a := range top.Authors {
					got = append(got, a.Handle)
					if a.Name != "Name "+a.Handle || a.Mentions != 1 {
						t.Errorf("%s: %+v", phase, a)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: top authors %q, want %q", phase, got, want)
				}
				if err := srv.buildAuthorDays(ctx); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
