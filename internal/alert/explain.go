package alert

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/terms"
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
	// Phrases are the phrases of two content words or more that grew in
	// the alert's window, most significant first (docs/topics.md); the
	// plain texts name the first three, or the top terms while there are
	// none. TopTerms are the words (and a negation with a word) that grew.
	Phrases []NameCount `json:"phrases,omitempty"`
	// Stories are the spike's largest groups of near-duplicate mentions.
	Stories []StorySample `json:"stories"`
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
	Lang        string    `json:"lang,omitempty"` // as detected; the UI marks the text with it
	Engagement  int       `json:"engagement"`
	Followers   int       `json:"followers"`
}

// segmentColumn maps a segment kind to its column.
var segmentColumn = map[string]string{"touchpoint": "touchpoint", "source": "source", "journey_stage": "journey_stage"}

// Explain reads the negative mentions behind an alert from the mentions
// table: counts by source, stage and touchpoint, the terms and phrases that
// grew against the week before, the largest stories, and up to five
// representative mentions (most engagement and reach first, one per
// author).
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
		" if(text != '', text, title) AS text, lang, toUInt64(likes + reposts + replies) AS engagement, author_followers AS followers"+
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
	if x.Phrases, x.TopTerms, err = grownTerms(ctx, st, where(from.Add(-week), to), from, to, 8); err != nil {
		return nil, err
	}
	if x.Stories, err = spikeStories(ctx, st, cur, 3); err != nil {
		return nil, err
	}
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
	for _, l := range []struct {
		name string
		list []NameCount
	}{{"phrases", x.Phrases}, {"terms", x.TopTerms}} {
		if len(l.list) > 0 {
			names := make([]string, 0, 3)
			for _, t := range l.list[:min(3, len(l.list))] {
				names = append(names, t.Name)
			}
			fmt.Fprintf(&sb, "; %s: %s", l.name, strings.Join(names, ", "))
		}
	}
	return sb.String()
}

// grownTerms returns up to n phrases (two content words or more) and up to
// n words (or a negation and a word) of the terms (internal/terms, without
// the brand's own names) of the negative rows in the spike window [from,
// to) whose rate grew against the week before it (span is the FROM and
// WHERE of the negative rows of both), each by significance
// (terms.Emerging, with the durations as exposures: the week before may
// hold the crisis's beginning, so shares of the negative rows would not
// tell). Name is the form to show.
func grownTerms(ctx context.Context, st store.Store, span string, from, to time.Time, n int) (phrases, words []NameCount, err error) {
	after := "published_at >= " + store.Time(from)
	// Columns as terms.Count names them.
	rows, err := st.Query(ctx, "SELECT term, any(term_form) AS form, toInt64(countIf("+after+")) AS mentions, toInt64(countIf(NOT ("+after+"))) AS baseline"+
		strings.Replace(span, " FROM "+st.Table("mentions"), store.TermRows(st.Table("mentions")), 1)+
		" GROUP BY term HAVING mentions >= 2 ORDER BY mentions DESC, term LIMIT 3000")
	if err != nil {
		return nil, nil, fmt.Errorf("explain terms: %w", err)
	}
	var counts []terms.Count
	if err := decodeRows(rows, &counts); err != nil {
		return nil, nil, err
	}
	grown := terms.Emerging(counts, int64(to.Sub(from)/time.Second), int64(week/time.Second), len(counts))
	// Phrases of two content words or more first (a negation is not one:
	// ei vastaa goes with the words).
	isPhrase := func(g terms.Growth) bool {
		n := 0
		for w := range strings.FieldsSeq(g.Term) {
			if !terms.IsNegation(w) {
				n++
			}
		}
		return n > 1
	}
	slices.SortStableFunc(grown, func(a, b terms.Growth) int { return cmp.Compare(b2i(isPhrase(b)), b2i(isPhrase(a))) })
	phrases, words = []NameCount{}, []NameCount{}
	var kept []terms.Growth
	for _, g := range grown {
		// A term inside a longer one already listed, and as frequent there,
		// says nothing more (ei vastaa in asiakaspalvelu ei vastaa).
		if slices.ContainsFunc(kept, func(k terms.Growth) bool {
			return k.Now >= g.Now && strings.Contains(" "+k.Term+" ", " "+g.Term+" ")
		}) {
			continue
		}
		list := &words
		if isPhrase(g) {
			list = &phrases
		}
		if len(*list) == n {
			continue
		}
		kept = append(kept, g)
		name := g.Form
		if name == "" {
			name = g.Term
		}
		*list = append(*list, NameCount{Name: name, Count: int(g.Now)})
	}
	return phrases, words, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// StorySample is one of the spike's largest stories (near-duplicate
// mentions, internal/terms): ID and Author are of its first mention, whose
// text it quotes (erasure removes the sample with the mention).
type StorySample struct {
	Story  string    `json:"story"`
	Size   int       `json:"size"`
	Reach  int       `json:"reach"`
	First  time.Time `json:"first"`
	Latest time.Time `json:"latest"`
	ID     string    `json:"id"`
	Author string    `json:"author"`
	Text   string    `json:"text"`
}

// spikeStories returns the n largest stories (two mentions or more) of the
// negative rows in the window (cur: the FROM and WHERE of those rows).
func spikeStories(ctx context.Context, st store.Store, cur string, n int) ([]StorySample, error) {
	// Aliases are not column names: cur may name the columns (a query scope's condition).
	rows, err := st.Query(ctx, "SELECT toString(story) AS story_id, toUInt64(uniqExact(mention_id)) AS story_size,"+
		" toUInt64(sum(author_followers)) AS story_reach, min(published_at) AS story_first, max(published_at) AS story_latest,"+
		" argMin(mention_id, published_at) AS first_id, argMin(author_handle, published_at) AS first_author,"+
		" argMin(if(text != '', text, title), published_at) AS first_text"+cur+
		" GROUP BY story HAVING story_size > 1 ORDER BY story_size DESC, story_reach DESC, story_id LIMIT "+fmt.Sprint(n))
	if err != nil {
		return nil, fmt.Errorf("explain stories: %w", err)
	}
	var got []struct {
		StoryID string    `json:"story_id"`
		Size    int       `json:"story_size"`
		Reach   int       `json:"story_reach"`
		First   time.Time `json:"story_first"`
		Latest  time.Time `json:"story_latest"`
		ID      string    `json:"first_id"`
		Author  string    `json:"first_author"`
		Text    string    `json:"first_text"`
	}
	if err := decodeRows(rows, &got); err != nil {
		return nil, err
	}
	out := make([]StorySample, len(got))
	for i, g := range got {
		out[i] = StorySample{Story: g.StoryID, Size: g.Size, Reach: g.Reach, First: g.First, Latest: g.Latest, ID: g.ID,
			Author: g.Author, Text: truncate(g.Text, 280)}
	}
	return out, nil
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
