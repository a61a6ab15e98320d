package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
	"github.com/ewom/ewom/internal/terms"
)

// topicFixture is five weeks of a retailer and a rival: everyday posts at
// the same rate throughout, then in the last week (weekStart…weekEnd) a
// delivery crisis and a copy-paste wave. ids names the mentions of each
// kind, for exact assertions.
type topicFixture struct {
	rows []store.Row
	ids  map[string][]string
}

var topicTexts = map[string][]string{
	// everyday, all five weeks (one a day each)
	"everyday": {
		"Ostin TietokoneKoijarit-kaupasta uuden näytön, hyvä hinta",
		"TietokoneKoijarit: toimitus tuli nopeasti, kiitos",
		"Koijarit sovellus toimii hyvin",
		"Rival had a nice discount on keyboards this week",
	},
	// the crisis week only: 30 posts
	"crisis": {
		"TietokoneKoijarit: toimitus on myöhässä jo viikon ja asiakaspalvelu ei vastaa 😡",
		"Koijarit, missä mun paketti? Toimitus myöhässä ja asiakaspalvelu ei vastaa puhelimeen",
		"Toimitus myöhässä taas, Koijarit. Asiakaspalvelu ei vastaa viesteihin #koijaritfail",
	},
}

// wave is copied with small edits by twelve accounts in the crisis week.
const wave = "Varoitus kaikille: TietokoneKoijarit ei toimita tilattuja kannettavia ajallaan, rahat jumissa viikkoja, jakakaa tätä eteenpäin ennen kuin tilaatte"

func newTopicFixture(t testing.TB) topicFixture {
	t.Helper()
	cls, err := classify.New(brands)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := terms.New(brands)
	if err != nil {
		t.Fatal(err)
	}
	ann, err := terms.NewAnnotator(ext, nil)
	if err != nil {
		t.Fatal(err)
	}
	fx := topicFixture{ids: map[string][]string{}}
	n := 0
	add := func(kind, text string, at time.Time) {
		n++
		m := mention.Mention{Source: []string{"mastodon", "reddit"}[n%2], ID: fmt.Sprint(n), Text: text, PublishedAt: at,
			Author: mention.Author{Handle: fmt.Sprintf("@u%d", n), Followers: int64(n)}}
		raw, _ := m.MarshalJSON()
		id := m.Key()
		rows := pipeline.Rows(&m, id, "", cls.Classify(&m), string(raw), at)
		ann.Annotate(&m, id, rows)
		fx.rows = append(fx.rows, rows...)
		fx.ids[kind] = append(fx.ids[kind], id)
	}
	start := weekStart.AddDate(0, 0, -28)
	for d := range 35 {
		for i, text := range topicTexts["everyday"] {
			add("everyday", text, start.AddDate(0, 0, d).Add(time.Duration(9+i)*time.Hour))
		}
	}
	for i := range 30 {
		add("crisis", topicTexts["crisis"][i%3], weekStart.Add(72*time.Hour+time.Duration(i)*97*time.Minute))
	}
	for i := range 12 {
		text := wave
		if i%3 == 1 {
			text = strings.Replace(wave, "Varoitus kaikille", "VAROITUS", 1)
		}
		if i%3 == 2 {
			text = wave + " !!"
		}
		add("wave", text, weekStart.Add(100*time.Hour+time.Duration(i)*13*time.Minute))
	}
	return fx
}

func TestTopicsAPI(t *testing.T) {
	fx := newTopicFixture(t)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			if err := e.Store.Insert(context.Background(), fx.rows); err != nil {
				t.Fatal(err)
			}
			srv := newTestServer(t, e.Store)
			c := login(t, srv.URL, "viewer", "viewer-pass")
			var x Topics
			c.getJSON("/api/v1/topics?brand=TietokoneKoijarit&"+week, &x)
			// 4 retailer posts a day minus the rival's one, the crisis, the wave.
			if want := int64(3*7 + 30 + 12); x.Mentions != want {
				t.Errorf("mentions %d, want %d", x.Mentions, want)
			}
			// Each text is a story: its copies (every day's everyday post,
			// each crisis text), and the wave with its edits.
			if want := int64(3 + 3 + 1); x.Stories != want {
				t.Errorf("stories %d, want %d", x.Stories, want)
			}
			word := func(list []Topic, term string) *Topic {
				for i := range list {
					if list[i].Term == term {
						return &list[i]
					}
				}
				return nil
			}
			// toimitus: the everyday post (7), every crisis post (30).
			if w := word(x.Words, "toimitus"); w == nil || w.Mentions != 37 || w.Previous != 7 || w.Change == nil || *w.Change != 30.0/7 {
				t.Errorf("toimitus: %+v; want 37 mentions, 7 the week before", w)
			}
			for _, stop := range []string{"on", "ja", "ei", "jo", "mun", "missä", "taas", "tietokonekoijarit", "koijarit"} {
				if word(x.Words, stop) != nil {
					t.Errorf("%q is a topic: %+v", stop, x.Words)
				}
			}
			if p := word(x.Phrases, "toimitus myöhässä"); p == nil || p.Mentions != 30 || p.Net >= 0 {
				t.Errorf("toimitus myöhässä: %+v; want 30 negative mentions", p)
			}
			var emerging []string
			for _, g := range x.Emerging {
				emerging = append(emerging, g.Term)
			}
			for _, want := range []string{"toimitus myöhässä", "asiakaspalvelu ei vastata"} {
				if !slices.Contains(emerging, want) {
					t.Errorf("%q not emerging: %v", want, emerging)
				}
			}
			for _, steady := range []string{"toimitus", "hinta", "sovellus", "näyttö"} {
				if slices.Contains(emerging, steady) {
					t.Errorf("%q, at its usual rate, is emerging: %v", steady, emerging)
				}
			}

			// The rows give the same figures as the rollup (a filter
			// that keeps every row reads the rows).
			var fromRows Topics
			c.getJSON("/api/v1/topics?brand=TietokoneKoijarit&source=mastodon,reddit&"+week, &fromRows)
			a, _ := json.Marshal([]any{fromRows.Words, fromRows.Phrases, fromRows.Emerging})
			b, _ := json.Marshal([]any{x.Words, x.Phrases, x.Emerging})
			if string(a) != string(b) {
				t.Errorf("from the rows:\n%s\nfrom the rollup:\n%s", a, b)
			}

			// A phrase and a story lead to exactly their mentions.
			ids := func(q string) []string {
				var l struct{ Mentions []Mention }
				c.getJSON("/api/v1/mentions?limit=100&"+week+"&"+q, &l)
				var out []string
				for _, m := range l.Mentions {
					out = append(out, m.ID)
				}
				slices.Sort(out)
				return out
			}
			want := slices.Sorted(slices.Values(fx.ids["crisis"]))
			if got := ids("brand=TietokoneKoijarit&term=" + url.QueryEscape("toimitus myöhässä")); !slices.Equal(got, want) {
				t.Errorf("term=toimitus myöhässä: %v, want %v", got, want)
			}
			var st Stories
			c.getJSON("/api/v1/stories?"+week, &st)
			if len(st.Stories) != 8 || st.Stories[0].Size != 12 || !strings.HasPrefix(st.Stories[0].Text, "Varoitus kaikille") ||
				st.Stories[1].Size != 10 || st.Stories[7].Size != 7 {
				t.Fatalf("stories %+v; want the wave of 12 (its first text), the crisis texts' 10 each, the everyday posts' 7", st.Stories)
			}
			if got, want := ids("story="+st.Stories[0].ID), slices.Sorted(slices.Values(fx.ids["wave"])); !slices.Equal(got, want) {
				t.Errorf("story: %v, want %v", got, want)
			}

			// The brands compared: the retailer's crisis words, the rival's
			// keyboards, each with the other's figures.
			var cmp TopicComparison
			c.getJSON("/api/v1/topics/compare?limit=5&"+week, &cmp)
			if len(cmp.Brands) != 2 || cmp.Brands[0].Brand != "TietokoneKoijarit" || cmp.Brands[1].Brand != "Rival" || cmp.Brands[1].Mentions != 7 {
				t.Fatalf("brands %+v", cmp.Brands)
			}
			found := map[string][]BrandTerm{}
			for _, ct := range cmp.Terms {
				found[ct.Term] = ct.Brands
			}
			if b := found["toimitus"]; len(b) != 2 || b[0].Mentions != 37 || b[1].Mentions != 0 {
				t.Errorf("toimitus by brand %+v", b)
			}
			if b := found["keyboard"]; len(b) != 2 || b[1].Mentions != 7 || b[1].Share != 1 {
				t.Errorf("keyboard by brand %+v", b)
			}
		})
	}
}
