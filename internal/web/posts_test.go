package web

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// brandLabel is one brand's labels of a post for postRows.
type brandLabel struct {
	brand, sentiment string
	score            float32
	stage            string
}

// postRows stores one post as the pipeline does: a row per brand, each with
// its own brand's labels.
func postRows(id, author string, at time.Time, followers uint64, labels ...brandLabel) []store.Row {
	names := make([]string, len(labels))
	for i, l := range labels {
		names[i] = l.brand
	}
	rows := make([]store.Row, len(labels))
	for i, l := range labels {
		rows[i] = store.Row{MentionID: id, Brand: l.brand, Source: "mastodon", Text: "post " + id, AuthorHandle: author,
			AuthorFollowers: followers, PublishedAt: at, IngestedAt: at, Lang: "en", Sentiment: l.sentiment, SentimentScore: l.score,
			Touchpoint: "earned", JourneyStage: l.stage, Brands: names, ClassifierVersion: "test",
			Raw: `{"source":"mastodon","text":"post ` + id + `","published_at":"` + at.Format(time.RFC3339) + `"}`}
	}
	return rows
}

// A post naming two brands is one item of a list, a timeline and an
// author's count, with each brand's own labels; filters select by the
// filtered brand's labels.
func TestPerBrandPosts(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			const own, rival = "TietokoneKoijarit", "Rival"
			var rows []store.Row
			rows = append(rows, postRows("pb1", "@a@x.example", weekStart.Add(time.Hour), 500,
				brandLabel{own, "negative", -0.7, "churn"}, brandLabel{rival, "positive", 0.6, "purchase"})...)
			rows = append(rows, postRows("pb2", "@a@x.example", weekStart.Add(2*time.Hour), 500, brandLabel{rival, "neutral", 0, "consideration"})...)
			rows = append(rows, postRows("pb3", "@b@x.example", weekStart.Add(3*time.Hour), 100, brandLabel{own, "positive", 0.5, "usage"})...)
			if err := e.Store.Insert(context.Background(), rows); err != nil {
				t.Fatal(err)
			}
			ts := newTestServer(t, e.Store)
			admin := login(t, ts.URL, "admin", "admin-pass")
			list := func(query string) MentionList {
				t.Helper()
				var l MentionList
				admin.getJSON("/api/v1/mentions?"+query+"&"+week, &l)
				return l
			}
			ids := func(l MentionList) []string {
				out := []string{}
				for _, m := range l.Mentions {
					out = append(out, m.ID)
				}
				return out
			}
			wantIDs := func(query string, want ...string) MentionList {
				t.Helper()
				l := list(query)
				if got := ids(l); !slices.Equal(got, want) {
					t.Fatalf("%s: %v, want %v", query, got, want)
				}
				return l
			}

			all := wantIDs("sort=newest", "pb3", "pb2", "pb1")
			pb1 := all.Mentions[2]
			if !slices.Equal(pb1.Brands, []string{rival, own}) || len(pb1.BrandLabels) != 2 || pb1.BrandLabels[0] != (BrandLabel{Brand: rival, Sentiment: "positive", SentimentScore: pb1.BrandLabels[0].SentimentScore,
				Touchpoint: "earned", JourneyStage: "purchase", Match: true}) || pb1.BrandLabels[1].Brand != own ||
				pb1.BrandLabels[1].Sentiment != "negative" || pb1.BrandLabels[1].JourneyStage != "churn" || !pb1.BrandLabels[1].Match {
				t.Fatalf("pb1 brands: %+v", pb1.BrandLabels)
			}
			// On the wire brands are the names, as before, and brand_labels
			// each brand's labels in the same order.
			if raw := admin.text("GET", "/api/v1/mentions/pb1?"+week, nil, http.StatusOK); !strings.Contains(raw,
				`"brands":["Rival","TietokoneKoijarit"],"brand_labels":[{"brand":"Rival","sentiment":"positive"`) {
				t.Fatalf("detail JSON: %s", raw)
			}
			// The brand filter and the sentiment filter go by that brand's labels.
			wantIDs("brand=Rival&sentiment=negative")
			neg := wantIDs("brand=TietokoneKoijarit&sentiment=negative", "pb1")
			if m := neg.Mentions[0]; m.Brand != own || !slices.Equal(m.Brands, []string{own, rival}) || m.Sentiment != "negative" || m.BrandLabels[0].Brand != own || !m.BrandLabels[0].Match ||
				m.BrandLabels[1].Brand != rival || m.BrandLabels[1].Match {
				t.Fatalf("filtered pb1: %+v", m)
			}
			pos := wantIDs("sentiment=positive", "pb3", "pb1")
			if m := pos.Mentions[1]; m.Brand != rival || m.Sentiment != "positive" || !m.BrandLabels[0].Match || m.BrandLabels[1].Match {
				t.Fatalf("pb1 positive for Rival: %+v", m)
			}
			wantIDs("journey_stage=churn,consideration&brand=Rival", "pb2")
			// Ordering by the most negative brand, and paging.
			wantIDs("sort=negative", "pb1", "pb2", "pb3")
			wantIDs("sort=negative&brand=Rival", "pb2", "pb1")
			wantIDs("sort=reach", "pb2", "pb1", "pb3")
			if l := wantIDs("sort=negative&limit=1&offset=1", "pb2"); !l.HasMore {
				t.Fatal("page 2 of 3 has no more")
			}
			if l := wantIDs("sort=negative&limit=2&offset=1", "pb2", "pb3"); l.HasMore {
				t.Fatal("the last page has more")
			}
			// A correction is per mention × brand.
			if code, b := admin.post("/api/v1/mentions/pb1/labels", `{"brand":"Rival","sentiment":"negative"}`, true); code != http.StatusOK {
				t.Fatalf("correct: %d %s", code, b)
			}
			if code, _ := admin.post("/api/v1/mentions/pb1/labels", `{"brand":"Nobody","sentiment":"negative"}`, true); code != http.StatusBadRequest {
				t.Fatalf("correcting a brand the mention does not name: %d", code)
			}
			m := wantIDs("brand=Rival&sentiment=negative", "pb1").Mentions[0]
			if !m.Corrected || m.Original.Sentiment != "positive" || m.JourneyStage != "purchase" || m.BrandLabels[1].Corrected ||
				m.BrandLabels[1].Sentiment != "negative" || m.BrandLabels[1].JourneyStage != "churn" {
				t.Fatalf("corrected pb1: %+v", m)
			}
			var d MentionDetail
			admin.getJSON("/api/v1/mentions/pb1?brand=TietokoneKoijarit", &d)
			if b := d.Mention.BrandLabels; d.Mention.Brand != own || !slices.Equal(d.Mention.Brands, []string{own, rival}) || len(b) != 2 || b[0].Brand != own || b[0].Corrected ||
				b[1].Brand != rival || !b[1].Corrected || b[1].Sentiment != "negative" {
				t.Fatalf("detail brands: %+v", b)
			}
			// Returning authors count posts; the timeline shows each post once.
			var ja JourneyAuthors
			admin.getJSON("/api/v1/journey/authors?"+week, &ja)
			if len(ja.Authors) != 1 || ja.Authors[0].Mentions != 2 || ja.Authors[0].Negative != 1 {
				t.Fatalf("returning authors: %+v", ja.Authors)
			}
			var tl Timeline
			admin.getJSON("/api/v1/journey/authors/"+ja.Authors[0].ID+"?"+week, &tl)
			if len(tl.Events) != 2 || tl.Events[0].MentionID != "pb1" || !slices.Equal(tl.Events[0].Brands, []string{rival, own}) || len(tl.Events[0].BrandLabels) != 2 ||
				tl.Events[0].BrandLabels[1].JourneyStage != "churn" || tl.Events[0].BrandLabels[0].JourneyStage != "purchase" || len(tl.Events[1].BrandLabels) != 1 ||
				!slices.Equal(tl.Events[1].Brands, []string{rival}) {
				t.Fatalf("timeline: %+v", tl.Events)
			}
		})
	}
}

// A post that names no brand has no brand names and one label, for "".
func TestPerBrandNoBrand(t *testing.T) {
	m := post(Filter{}, []Mention{{ID: "nb", Sentiment: "neutral", JourneyStage: "none"}}, nil)
	if len(m.Brands) != 0 || m.Brands == nil || len(m.BrandLabels) != 1 || m.BrandLabels[0].Brand != "" || !m.BrandLabels[0].Match {
		t.Fatalf("no-brand post: brands %#v, labels %+v", m.Brands, m.BrandLabels)
	}
}

// TestListOrders compares every sort's pages with the order defined over
// the seeded rows, on both engines: the first key of a sort ties often
// (five engagement values, a follower count per author), and the rows of
// one key read for a page must be exactly the order's.
func TestListOrders(t *testing.T) {
	rows := seedMentions(t, 300)
	type post struct {
		id                    string
		at                    time.Time
		followers, engagement uint64
		score                 float32
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			if err := e.Store.Insert(context.Background(), rows); err != nil {
				t.Fatal(err)
			}
			ts := newTestServer(t, e.Store)
			for _, filter := range []string{"", "brand=TietokoneKoijarit", "sentiment=negative"} {
				posts := map[string]*post{}
				for _, r := range rows {
					if filter == "brand=TietokoneKoijarit" && r.Brand != "TietokoneKoijarit" || filter == "sentiment=negative" && r.Sentiment != "negative" {
						continue
					}
					p, ok := posts[r.MentionID]
					if !ok {
						p = &post{id: r.MentionID, at: r.PublishedAt, followers: r.AuthorFollowers, engagement: r.Likes + r.Reposts + r.Replies, score: r.SentimentScore}
						posts[r.MentionID] = p
					}
					p.score = min(p.score, r.SentimentScore)
				}
				all := slices.Collect(maps.Values(posts))
				byTime := func(a, b *post) int { return cmp.Or(b.at.Compare(a.at), strings.Compare(a.id, b.id)) }
				for sort, order := range map[string]func(a, b *post) int{
					"newest":     byTime,
					"oldest":     func(a, b *post) int { return cmp.Or(a.at.Compare(b.at), strings.Compare(a.id, b.id)) },
					"reach":      func(a, b *post) int { return cmp.Or(cmp.Compare(b.followers, a.followers), byTime(a, b)) },
					"engagement": func(a, b *post) int { return cmp.Or(cmp.Compare(b.engagement, a.engagement), byTime(a, b)) },
					"negative":   func(a, b *post) int { return cmp.Or(cmp.Compare(a.score, b.score), byTime(a, b)) },
				} {
					slices.SortFunc(all, order)
					for _, pg := range []struct{ limit, offset int }{{7, 0}, {7, 7}, {25, 40}} {
						var l MentionList
						q := fmt.Sprintf("/api/v1/mentions?%s&sort=%s&limit=%d&offset=%d&%s", filter, sort, pg.limit, pg.offset, week)
						if err := json.Unmarshal([]byte(bearerGet(t, ts.URL+q)), &l); err != nil {
							t.Fatal(err)
						}
						var got, want []string
						for _, m := range l.Mentions {
							got = append(got, m.ID)
						}
						for _, p := range all[pg.offset:min(pg.offset+pg.limit, len(all))] {
							want = append(want, p.id)
						}
						if !slices.Equal(got, want) {
							t.Errorf("%s:\n got %v\nwant %v", q, got, want)
						}
					}
				}
			}
		})
	}
}
