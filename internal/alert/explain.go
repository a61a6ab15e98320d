package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/store"
)

// Explanation says what drives an alert.
type Explanation struct {
	Summary      string      `json:"summary"`
	From         time.Time   `json:"from"`
	To           time.Time   `json:"to"`
	TopTerms     []NameCount `json:"top_terms"`
	TopSources   []NameCount `json:"top_sources"`
	JourneyStage string      `json:"journey_stage"` // most involved
	Stages       []NameCount `json:"journey_stages"`
	Touchpoints  []NameCount `json:"touchpoints"`
	Mentions     []Sample    `json:"mentions"`
	// Phrases are the phrases that grew in the alert's window, most first:
	// the place for the topics work (#16) to fill; the plain texts name the
	// first three, or the top terms while there are none.
	Phrases []NameCount `json:"phrases,omitempty"`
	// Plain is the alert explained for people, by language (fi, en, sv):
	// made when the API answers (Plain), not stored.
	Plain map[string]string `json:"plain,omitempty"`
}

// NameCount is a term, source or stage and how many negative mentions have it.
type NameCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Sample is one representative negative mention.
type Sample struct {
	ID          string    `json:"id"`
	Source      string    `json:"source"`
	URL         string    `json:"url"`
	Author      string    `json:"author"`
	PublishedAt time.Time `json:"published_at"`
	Text        string    `json:"text"`
	Engagement  int       `json:"engagement"`
	Followers   int       `json:"followers"`
}

// segmentColumn maps a segment kind to its column.
var segmentColumn = map[string]string{"touchpoint": "touchpoint", "source": "source", "journey_stage": "journey_stage"}

// Explain reads the negative mentions behind an alert from the mentions
// table: counts by source, stage and touchpoint, terms over-represented
// against the week before, and up to five representative mentions (most
// engagement and reach first, one per author).
func Explain(ctx context.Context, st store.Store, a *Alert) (*Explanation, error) {
	cond := ""
	if col, ok := segmentColumn[a.SegmentKind]; ok {
		cond = " AND " + col + " = " + store.Quote(a.SegmentValue)
	}
	return ExplainWhere(ctx, st, a, cond)
}

// ExplainWhere is Explain for an alert whose mentions are the brand's that
// match cond (" AND …" on the mentions table): a query scope's.
func ExplainWhere(ctx context.Context, st store.Store, a *Alert, cond string) (*Explanation, error) {
	w, err := time.ParseDuration(a.Window)
	if err != nil {
		return nil, fmt.Errorf("alert window %q: %w", a.Window, err)
	}
	to := a.UpdatedAt
	from := to.Add(-w)
	if a.StartedAt.Add(-w).Before(from) {
		from = a.StartedAt.Add(-w)
	}
	x := &Explanation{From: from, To: to}
	where := func(from, to time.Time) string {
		q := fmt.Sprintf(" FROM %s WHERE brand = %s AND published_at >= %s AND published_at < %s AND sentiment = 'negative'",
			st.Table("mentions"), store.Quote(a.Brand), store.Time(from), store.Time(to))
		return q + cond
	}
	cur := where(from, to)
	for _, g := range []struct {
		col string
		dst *[]NameCount
	}{{"source", &x.TopSources}, {"journey_stage", &x.Stages}, {"touchpoint", &x.Touchpoints}} {
		rows, err := st.Query(ctx, "SELECT "+g.col+" AS name, toUInt64(uniqExact(mention_id)) AS count"+cur+
			" GROUP BY name ORDER BY count DESC, name LIMIT 5")
		if err != nil {
			return nil, fmt.Errorf("explain %s: %w", g.col, err)
		}
		if err := decodeRows(rows, g.dst); err != nil {
			return nil, err
		}
	}
	for _, s := range x.Stages {
		if s.Name != "" && s.Name != "none" {
			x.JourneyStage = s.Name
			break
		}
	}
	rows, err := st.Query(ctx, "SELECT mention_id AS id, source, url, author_handle AS author, published_at,"+
		" if(text != '', text, title) AS text, toUInt64(likes + reposts + replies) AS engagement, author_followers AS followers"+
		cur+" ORDER BY engagement DESC, followers DESC, published_at LIMIT 1 BY author LIMIT 5")
	if err != nil {
		return nil, fmt.Errorf("explain samples: %w", err)
	}
	if err := decodeRows(rows, &x.Mentions); err != nil {
		return nil, err
	}
	for i := range x.Mentions {
		x.Mentions[i].Text = truncate(x.Mentions[i].Text, 280)
	}
	texts := func(q string) ([]string, error) {
		rows, err := st.Query(ctx, "SELECT concat(title, ' ', text) AS t"+q+" LIMIT 1 BY mention_id LIMIT 3000")
		if err != nil {
			return nil, fmt.Errorf("explain terms: %w", err)
		}
		var ts []struct{ T string }
		if err := decodeRows(rows, &ts); err != nil {
			return nil, err
		}
		out := make([]string, len(ts))
		for i, t := range ts {
			out[i] = t.T
		}
		return out, nil
	}
	now, err := texts(cur)
	if err != nil {
		return nil, err
	}
	before, err := texts(where(from.Add(-week), from))
	if err != nil {
		return nil, err
	}
	x.TopTerms = topTerms(now, before, a.Brand, 8)
	x.Summary = summary(a, x)
	return x, nil
}

func summary(a *Alert, x *Explanation) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %.0f negative mentions in %s, %.1f expected (%.1f×, p=%.2g)", a.Brand, a.Observed, a.Window, a.Expected, a.Ratio, a.PValue)
	if a.SegmentKind != KindAll {
		fmt.Fprintf(&sb, " in %s %s", a.SegmentKind, a.SegmentValue)
	}
	fmt.Fprintf(&sb, "; negative share %.0f%% (usually %.0f%%)", 100*a.Share, 100*a.ExpectedShare)
	if x.JourneyStage != "" {
		fmt.Fprintf(&sb, "; journey stage %s", x.JourneyStage)
	}
	if len(x.TopTerms) > 0 {
		terms := make([]string, 0, 3)
		for _, t := range x.TopTerms[:min(3, len(x.TopTerms))] {
			terms = append(terms, t.Name)
		}
		fmt.Fprintf(&sb, "; terms: %s", strings.Join(terms, ", "))
	}
	return sb.String()
}

// stopwords are common English and Finnish function words that are never
// interesting terms.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the and for that this with have from your you are was were not but they them
		their there what when will would about just been after into than then also only very still more some
		could should again even because over here https http www
		ja on ei se että oli ole kun mutta niin tai jos nyt vielä myös kuin sen ovat olen mitä tämä mikä
		kanssa koska heidän meidän teidän minä sinä hän itse joka jotka oma vain aina`) {
		m[w] = true
	}
	return m
}()

// topTerms returns words and hashtags frequent in now and over-represented
// against before (smoothed lift times count), brand names excluded.
func topTerms(now, before []string, brand string, n int) []NameCount {
	count := func(texts []string) map[string]int {
		c := map[string]int{}
		var toks []token.Token
		for _, t := range texts {
			toks = token.Append(toks[:0], t, strings.ToLower(t))
			seen := map[string]bool{}
			for _, tk := range toks {
				if (tk.Kind != token.Word && tk.Kind != token.Hashtag) || utf8.RuneCountInString(tk.Text) < 4 || stopwords[tk.Text] || seen[tk.Text] {
					continue
				}
				seen[tk.Text] = true
				c[tk.Text]++
			}
		}
		return c
	}
	cn, cb := count(now), count(before)
	lb := strings.ToLower(brand)
	type scored struct {
		NameCount
		score float64
	}
	var out []scored
	nn, nb := float64(max(1, len(now))), float64(max(1, len(before)))
	for w, c := range cn {
		if c < 2 || strings.Contains(lb, w) || strings.Contains(w, lb) {
			continue
		}
		lift := (float64(c) / nn) / ((float64(cb[w]) + 1) / (nb + 1))
		if lift <= 1 {
			continue
		}
		out = append(out, scored{NameCount{w, c}, float64(c) * math.Log(lift)})
	}
	slices.SortFunc(out, func(a, b scored) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	res := make([]NameCount, 0, n)
	for _, s := range out[:min(n, len(out))] {
		res = append(res, s.NameCount)
	}
	return res
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// decodeRows unmarshals JSON rows (column names in snake_case matching the
// json tags, case-insensitively) into a slice.
func decodeRows[T any](rows []json.RawMessage, dst *[]T) error {
	out := make([]T, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return fmt.Errorf("decode row %s: %w", r, err)
		}
	}
	*dst = out
	return nil
}
