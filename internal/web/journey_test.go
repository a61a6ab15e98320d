package web

import (
	"cmp"
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/erasure"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// authorView is a stored mention row as the per-author definitions below
// read it, with its handle's hash and pseudonym.
type authorView struct {
	MentionID, Brand, AuthorHandle, AuthorName, AuthorURL, Source string
	Sentiment, JourneyStage, Hash, ID                             string
	AuthorFollowers                                               num
	PublishedAt                                                   time.Time
}

// perAuthor is the three per-author answers for one request.
type perAuthor struct {
	Top         []TopAuthor
	Transitions Transitions
	Returning   []JourneyAuthor
}

// definedPerAuthor computes the per-author answers from the rows, in Go:
// top authors by largest follower count, then rows, then handle, with the
// name, URL and source of the earliest row with that count (smallest id in
// its second); the flow from each author's stages in time order (a second's
// rows in stage order) with repeats collapsed, steps up to maxSteps; and
// the returning authors by negative posts, posts, hash, with the time and
// stage of their first and last rows.
func definedPerAuthor(rows []authorView, brand string, from, to time.Time, limit int) perAuthor {
	code := func(stage string) int { return slices.Index(mention.JourneyStages, stage) + 1 }
	key := func(r authorView) int64 { return r.PublishedAt.Unix()*256 + int64(code(r.JourneyStage)) }
	byAuthor := map[string][]authorView{}
	for _, r := range rows {
		if (brand == "" || r.Brand == brand) && !r.PublishedAt.Before(from) && r.PublishedAt.Before(to) {
			byAuthor[r.AuthorHandle] = append(byAuthor[r.AuthorHandle], r)
		}
	}
	type link struct {
		step     int
		from, to string
	}
	var out perAuthor
	links := map[link]int64{}
	type returning struct {
		JourneyAuthor
		hash uint64
	}
	var ret []returning
	for handle, rs := range byAuthor {
		slices.SortFunc(rs, func(a, b authorView) int {
			return cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(a.MentionID, b.MentionID))
		})
		a := TopAuthor{Handle: handle, Reach: -1}
		var profile authorView
		posts, negative := map[string]bool{}, map[string]bool{}
		var stages []int
		for _, r := range rs {
			a.Mentions++
			if r.Sentiment == mention.Negative {
				a.Negative++
				negative[r.MentionID] = true
			}
			posts[r.MentionID] = true
			if f := int64(r.AuthorFollowers); f > a.Reach || f == a.Reach && (r.PublishedAt.Before(profile.PublishedAt) ||
				r.PublishedAt.Equal(profile.PublishedAt) && r.MentionID < profile.MentionID) {
				a.Reach, a.Name, a.URL, a.Source, profile = f, r.AuthorName, safeURL(r.AuthorURL), r.Source, r
			}
			if c := code(r.JourneyStage); r.JourneyStage != "none" && (len(stages) == 0 || stages[len(stages)-1] != c) {
				stages = append(stages, c)
			}
		}
		out.Top = append(out.Top, a)
		for s := 1; s < len(stages) && s <= maxSteps; s++ {
			links[link{s, mention.JourneyStages[stages[s-1]-1], mention.JourneyStages[stages[s]-1]}]++
		}
		if len(stages) > 1 {
			out.Transitions.Authors++
		}
		if len(posts) > 1 {
			hash, _ := strconv.ParseUint(rs[0].Hash, 10, 64)
			first, last := rs[0], rs[len(rs)-1]
			ret = append(ret, returning{JourneyAuthor{ID: first.ID, Mentions: int64(len(posts)), Negative: int64(len(negative)),
				First: first.PublishedAt, Last: last.PublishedAt, FirstStage: first.JourneyStage, LastStage: last.JourneyStage}, hash})
		}
	}
	slices.SortFunc(out.Top, func(a, b TopAuthor) int {
		return cmp.Or(cmp.Compare(b.Reach, a.Reach), cmp.Compare(b.Mentions, a.Mentions), cmp.Compare(a.Handle, b.Handle))
	})
	out.Top = out.Top[:min(limit, len(out.Top))]
	out.Transitions.From, out.Transitions.To = from, to // the period read
	out.Transitions.Links = []Transition{}
	for l, n := range links {
		out.Transitions.Links = append(out.Transitions.Links, Transition{Step: l.step, From: l.from, To: l.to, Count: n})
	}
	slices.SortFunc(out.Transitions.Links, func(a, b Transition) int {
		return cmp.Or(cmp.Compare(a.Step, b.Step), cmp.Compare(b.Count, a.Count), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	slices.SortFunc(ret, func(a, b returning) int {
		return cmp.Or(cmp.Compare(b.Negative, a.Negative), cmp.Compare(b.Mentions, a.Mentions), cmp.Compare(a.hash, b.hash))
	})
	out.Returning = []JourneyAuthor{}
	for _, r := range ret {
		out.Returning = append(out.Returning, r.JourneyAuthor)
	}
	return out
}

// shiftedClassifier is a new classifier version that labels every
// mention one journey stage later and negative where it was positive.
type shiftedClassifier struct{ *classify.Classifier }

func (shiftedClassifier) Version() string { return "shifted" }

func (c shiftedClassifier) Classify(m *mention.Mention) mention.Classification {
	cls := c.Classifier.Classify(m)
	shift := func(stage, sentiment *string) {
		*stage = mention.JourneyStages[(slices.Index(mention.JourneyStages, *stage)+1)%len(mention.JourneyStages)]
		if *sentiment == mention.Positive {
			*sentiment = mention.Negative
		}
	}
	shift(&cls.JourneyStage, &cls.Sentiment)
	for i := range cls.BrandLabels {
		shift(&cls.BrandLabels[i].JourneyStage, &cls.BrandLabels[i].Sentiment)
	}
	cls.ClassifierVersion = c.Version()
	return cls
}

// TestPerAuthorEndpointsMatchTheirDefinition compares the top authors, the
// journey flow and the returning authors with their definitions computed
// from the stored rows, on both engines, for the whole week and for a
// range with part days at both ends, without a filter and for one brand
// (which the author table serves) and two (which it does not): before the
// author table is built (every day from the rows), after (whole days from
// the table), and after a reclassification and an erasure, before and
// after the table is built again. The answers must change with the
// labels, and the table must serve what it can once built.
func TestPerAuthorEndpointsMatchTheirDefinition(t *testing.T) {
	part := "from=" + weekStart.Add(5*time.Hour+17*time.Minute).Format(time.RFC3339) + "&to=" + weekEnd.Add(-7*time.Hour).Format(time.RFC3339)
	ranges := []struct {
		query    string
		from, to time.Time
	}{{week, weekStart, weekEnd}, {part, weekStart.Add(5*time.Hour + 17*time.Minute), weekEnd.Add(-7 * time.Hour)}}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			seed(t, e.Store, 300)
			var srv *Server
			ts := newTestServerWith(t, e.Store, func(s *Server) {
				srv = s
				s.authors.last = time.Now() // no background build: the test builds
			})
			read := func(from string) float64 {
				var m dto.Metric
				if err := srv.authors.read.WithLabelValues(from).Write(&m); err != nil {
					t.Fatal(err)
				}
				return m.GetCounter().GetValue()
			}
			// check requires every answer to be its definition and returns
			// the answers.
			check := func(phase string) []perAuthor {
				t.Helper()
				rows, err := queryAs[authorView](ctx, srv, "SELECT mention_id, brand, author_handle, author_name, author_url, source, sentiment,"+
					" journey_stage, toString(cityHash64(author_handle)) AS hash, "+srv.pseudonym("author_handle")+" AS id, author_followers,"+
					" published_at FROM "+e.Store.Table("mentions")+" WHERE author_handle != ''")
				if err != nil {
					t.Fatal(err)
				}
				var all []perAuthor
				for _, rg := range ranges {
					for _, brand := range []string{"", "TietokoneKoijarit", "Rival", "TietokoneKoijarit,Rival"} {
						q := "?" + rg.query + "&brand=" + brand
						var got perAuthor
						var top TopAuthors
						var ret JourneyAuthors
						for _, x := range []struct {
							path string
							v    any
						}{{"/api/v1/authors/top", &top}, {"/api/v1/journey/transitions", &got.Transitions}, {"/api/v1/journey/authors", &ret}} {
							if err := json.Unmarshal([]byte(bearerGet(t, ts.URL+x.path+q+"&limit=7")), x.v); err != nil {
								t.Fatal(err)
							}
						}
						got.Top, got.Returning = top.Authors, ret.Authors
						want := definedPerAuthor(rows, brand, rg.from, rg.to, 7)
						if brand == "TietokoneKoijarit,Rival" { // the rows of a brand: there are two
							want = definedPerAuthor(namingBrand(rows), "", rg.from, rg.to, 7)
						}
						if !reflect.DeepEqual(got, want) {
							t.Errorf("%s, %s:\n got %+v\nwant %+v", phase, q, got, want)
						}
						if len(got.Top) != 7 || len(got.Transitions.Links) < 5 || len(got.Returning) < 5 {
							t.Errorf("%s, %s: too little to tell: %+v", phase, q, got)
						}
						all = append(all, got)
					}
				}
				return all
			}
			tableDays := read("table")
			before := check("nothing built")
			if read("table") != tableDays {
				t.Errorf("nothing built: %v days read from the author table", read("table")-tableDays)
			}
			build := func() {
				t.Helper()
				if err := srv.buildAuthorDays(ctx); err != nil {
					t.Fatal(err)
				}
			}
			// Built, only the part days and the filters the table does not
			// serve come from the rows: per range, endpoint and filter, the
			// week's 7 or the part range's 5 days from the table for no or
			// one brand; 0 and 2 days (the edges) from the rows for those,
			// 7 and 7 for the two brands.
			built := func(phase string, want []perAuthor) {
				t.Helper()
				build()
				tableDays, rowDays := read("table"), read("rows")
				if got := check(phase); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: answers changed with the author table built", phase)
				}
				if table, rows := read("table")-tableDays, read("rows")-rowDays; table != 3*3*(7+5) || rows != 3*(3*2+7+7) {
					t.Errorf("%s: %v days read from the author table, %v from the rows; want %d and %d", phase, table, rows, 3*3*(7+5), 3*(3*2+7+7))
				}
			}
			built("built", before)

			cls, err := classify.New(brands)
			if err != nil {
				t.Fatal(err)
			}
			if res, err := pipeline.Reclassify(ctx, e.Store, shiftedClassifier{cls}, nil, 1000, nil); err != nil || res.Mentions < 300 {
				t.Fatalf("reclassify: %+v, %v", res, err)
			}
			tableDays = read("table")
			reclassified := check("reclassified")
			if read("table") != tableDays {
				t.Errorf("reclassified: %v days read from the author table, which holds the old labels", read("table")-tableDays)
			}
			if reflect.DeepEqual(reclassified, before) {
				t.Fatal("reclassifying changed no answer: the test cannot tell")
			}
			built("reclassified and built", reclassified)

			// Erasing an author among the top ones takes them out of every
			// answer and out of the author table.
			handle := reclassified[0].Top[0].Handle
			if _, err := erasure.Forget(ctx, erasure.Target{Handles: []string{handle}, Store: e.Store}); err != nil {
				t.Fatal(err)
			}
			forgotten := check("erased")
			built("erased and built", forgotten)
			if got := forgotten[0].Top[0].Handle; got == handle {
				t.Errorf("erased author %s still the top author", handle)
			}
			left, err := queryAs[struct{ N num }](ctx, srv, "SELECT count() AS n FROM "+e.Store.Table("author_days")+
				" WHERE author = cityHash64("+store.Quote(handle)+")")
			if err != nil || len(left) != 1 || left[0].N != 0 {
				t.Errorf("erased author's rows in the author table: %v, %v", left, err)
			}
		})
	}
}

// namingBrand keeps the rows of a brand (those with brand "" name none).
func namingBrand(rows []authorView) []authorView {
	var out []authorView
	for _, r := range rows {
		if r.Brand != "" {
			out = append(out, r)
		}
	}
	return out
}
