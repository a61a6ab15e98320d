package web

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store/storetest"
)

// TestPerAuthorEndpointsMatchTheirDefinition computes the journey flow and
// the top authors from the seeded rows in Go and compares the API's answers,
// on both engines: the flow from each author's stages in time order with
// repeats collapsed (steps up to maxSteps), the top authors by largest
// follower count, then mentions, then handle, with the name of the row that
// gave the reach.
func TestPerAuthorEndpointsMatchTheirDefinition(t *testing.T) {
	rows := seedMentions(t, 300)
	type key struct {
		step     int
		from, to string
	}
	wantLinks, wantAuthors := map[key]int64{}, int64(0)
	byAuthor := map[string][]int{}
	for i, r := range rows {
		if r.AuthorHandle != "" {
			byAuthor[r.AuthorHandle] = append(byAuthor[r.AuthorHandle], i)
		}
	}
	code := func(stage string) int { return slices.Index(mention.JourneyStages, stage) }
	var top []TopAuthor
	for handle, idx := range byAuthor {
		var stages []int
		a := TopAuthor{Handle: handle}
		slices.SortFunc(idx, func(x, y int) int {
			return cmp.Or(rows[x].PublishedAt.Compare(rows[y].PublishedAt), cmp.Compare(code(rows[x].JourneyStage), code(rows[y].JourneyStage)))
		})
		for _, i := range idx {
			r := rows[i]
			a.Mentions++
			if r.Sentiment == mention.Negative {
				a.Negative++
			}
			if int64(r.AuthorFollowers) > a.Reach || a.Name == "" {
				a.Reach, a.Name = max(a.Reach, int64(r.AuthorFollowers)), r.AuthorName
			}
			if c := code(r.JourneyStage); r.JourneyStage != "none" && (len(stages) == 0 || stages[len(stages)-1] != c) {
				stages = append(stages, c)
			}
		}
		top = append(top, a)
		if len(idx) < 2 || len(stages) < 2 {
			continue
		}
		wantAuthors++
		for s := 1; s < len(stages) && s <= maxSteps; s++ {
			wantLinks[key{s, mention.JourneyStages[stages[s-1]], mention.JourneyStages[stages[s]]}]++
		}
	}
	slices.SortFunc(top, func(a, b TopAuthor) int {
		return cmp.Or(cmp.Compare(b.Reach, a.Reach), cmp.Compare(b.Mentions, a.Mentions), cmp.Compare(a.Handle, b.Handle))
	})
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Store, 300)
			ts := newTestServer(t, e.Store)
			var tr Transitions
			if err := json.Unmarshal([]byte(bearerGet(t, ts.URL+"/api/v1/journey/transitions?"+week)), &tr); err != nil {
				t.Fatal(err)
			}
			got := map[key]int64{}
			for _, l := range tr.Links {
				got[key{l.Step, l.From, l.To}] += l.Count
			}
			if tr.Authors != wantAuthors || len(got) != len(wantLinks) {
				t.Errorf("transitions: %d authors, %d links; want %d, %d", tr.Authors, len(got), wantAuthors, len(wantLinks))
			}
			for k, n := range wantLinks {
				if got[k] != n {
					t.Errorf("step %d %s -> %s: %d, want %d", k.step, k.from, k.to, got[k], n)
				}
			}
			for _, limit := range []int{1, 7} {
				var ta TopAuthors
				if err := json.Unmarshal([]byte(bearerGet(t, ts.URL+"/api/v1/authors/top?limit="+strconv.Itoa(limit)+"&"+week)), &ta); err != nil {
					t.Fatal(err)
				}
				if len(ta.Authors) != limit {
					t.Fatalf("top %d authors: got %d", limit, len(ta.Authors))
				}
				for i, a := range ta.Authors {
					w := top[i]
					if a.Handle != w.Handle || a.Reach != w.Reach || a.Mentions != w.Mentions || a.Negative != w.Negative || a.Name != w.Name || a.Source == "" {
						t.Errorf("top author %d: %+v, want %+v", i, a, w)
					}
				}
			}
		})
	}
}
