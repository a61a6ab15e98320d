package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/terms"
)

// The Topics view (docs/topics.md): what the mentions in force are about.
// Terms come from each row's terms (internal/terms): ranges of two days or
// more are read by whole UTC days — from the daily term rollup when the
// only filter is the brand, else from the rows — and shorter ranges from
// the rows by the second. The Topics figures use the classifier's labels;
// label corrections move the other views' counts, not these.

// Topics is the answer of GET /api/v1/topics.
type Topics struct {
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	PreviousFrom time.Time `json:"previous_from"`
	BaselineFrom time.Time `json:"baseline_from"` // the baseline is [baseline_from, from)
	Mentions     int64     `json:"mentions"`      // mention × brand rows in the window
	Previous     int64     `json:"previous"`
	Baseline     int64     `json:"baseline"`
	Stories      int64     `json:"stories"` // distinct stories in the window
	Words        []Topic   `json:"words"`
	Phrases      []Topic   `json:"phrases"`
	Emerging     []Emerge  `json:"emerging"`
}

// Topic is a term's figures in the window.
type Topic struct {
	Term     string   `json:"term"`
	Form     string   `json:"form"` // to show; "" when it is the term
	Mentions int64    `json:"mentions"`
	Previous int64    `json:"previous"`
	Change   *float64 `json:"change"` // (mentions − previous) / previous; null without a previous count
	Net      float64  `json:"net_sentiment"`
	Positive int64    `json:"positive"`
	Negative int64    `json:"negative"`
	Reach    int64    `json:"reach"`
}

// Emerge is a term that grew against its own baseline.
type Emerge struct {
	terms.Growth
	Net float64 `json:"net_sentiment"`
}

// topicSearch adds to a search condition the Topics view's filters: a term
// (a lemma or phrase as the view names it) and a story.
func topicSearch(q url.Values, cond string) (string, error) {
	if term := strings.TrimSpace(q.Get("term")); term != "" {
		if len(term) > 200 {
			return "", badf("term: at most 200 bytes")
		}
		cond += " AND has(terms, " + store.Quote(term) + ")"
	}
	if v := q.Get("story"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return "", badf("story: want a story id (a decimal number)")
		}
		cond += " AND story = " + strconv.FormatUint(id, 10)
	}
	return cond, nil
}

// topicWindow is the window looked at, the previous one of the same length
// and the baseline (four windows before the window).
type topicWindow struct {
	from, to, prev, base time.Time
	daily                bool // whole UTC days
}

const (
	// topicCandidates are the terms read, the window's most frequent: an
	// emerging term must be among them. A term passes the emerging test
	// only with several mentions (at least 8 at the Bonferroni bound of
	// 2,000 terms when the window is a fifth of the exposure), which on
	// real vocabularies puts it within the first 2,000.
	topicCandidates = 2000
	baselineWindows = 4
)

func windowOf(f Filter) topicWindow {
	d := f.To.Sub(f.From)
	w := topicWindow{from: f.From, to: f.To}
	if d >= 2*oneDay {
		days := int((d + oneDay - 1) / oneDay)
		w.to = f.To.UTC().Truncate(oneDay)
		if w.to.Before(f.To) {
			w.to = w.to.Add(oneDay)
		}
		w.from, w.daily = w.to.AddDate(0, 0, -days), true
		d = w.to.Sub(w.from)
	}
	w.prev, w.base = w.from.Add(-d), w.from.Add(-baselineWindows*d)
	return w
}

// termSource reads term figures from the daily rollup or from the rows.
type termSource struct {
	f      Filter
	rollup bool
	table  string
}

func (s *Server) termSource(f Filter, w topicWindow) termSource {
	rollup := w.daily && f.Search == "" && len(f.Sources)+len(f.Langs)+len(f.Touchpoints)+len(f.Sentiments)+len(f.JourneyStage) == 0
	t := termSource{f: f, rollup: rollup, table: s.store.Table("term_days")}
	if !rollup {
		t.table = s.store.Table("mentions")
	}
	return t
}

// at is the condition "at or after t" (after false: before t).
func (t termSource) at(tm time.Time, after bool) string {
	col, v := "published_at", store.Time(tm)
	if t.rollup {
		col, v = "day", "toDate("+v+")"
	}
	if after {
		return col + " >= " + v
	}
	return col + " < " + v
}

// from is the FROM and WHERE of the term rows in [from, to).
func (t termSource) from(from, to time.Time) string {
	where := " WHERE " + t.at(from, true) + " AND " + t.at(to, false) + in("brand", t.f.Brands)
	if t.rollup {
		return " FROM " + t.table + where
	}
	return store.TermRows(t.table) + where + in("source", t.f.Sources) + in("lang", t.f.Langs) + t.f.labels() + t.f.Search
}

// count, pos, neg and reach are the aggregates of the rows matching cond.
func (t termSource) count(cond string) string {
	if t.rollup {
		return "toInt64(sumIf(mentions, " + cond + "))"
	}
	return "toInt64(countIf(" + cond + "))"
}

func (t termSource) sentiment(label, cond string) string {
	if t.rollup {
		return "toInt64(sumIf(" + label + ", " + cond + "))"
	}
	return "toInt64(countIf(sentiment = '" + label + "' AND " + cond + "))"
}

func (t termSource) reach(cond string) string {
	if t.rollup {
		return "toInt64(sumIf(reach, " + cond + "))"
	}
	return "toInt64(sumIf(author_followers, " + cond + "))"
}

func (t termSource) form() string {
	if t.rollup {
		return "any(form)"
	}
	return "any(term_form)"
}

// termRow is one term's counts as the topics queries read them.
type termRow struct {
	Term, Shown     string
	Cur, Prev, Base num
	Pos, Neg, Reach num
	BrandName       string // compareTopics's rows
}

// topicCounts reads the window's most frequent terms, then their counts in
// the previous window and the baseline: two narrow reads instead of one
// aggregation over the whole span with a condition per figure (a third of
// the CPU on a month of one brand).
func (s *Server) topicCounts(ctx context.Context, t termSource, w topicWindow) ([]termRow, error) {
	rows, err := queryAs[termRow](ctx, s, "SELECT term, "+t.form()+" AS shown, "+t.count("1")+" AS cur, "+
		t.sentiment("positive", "1")+" AS pos, "+t.sentiment("negative", "1")+" AS neg, "+t.reach("1")+" AS reach"+
		t.from(w.from, w.to)+" GROUP BY term HAVING cur > 0 ORDER BY cur DESC, term LIMIT "+strconv.Itoa(topicCandidates))
	if err != nil || len(rows) == 0 {
		return rows, err
	}
	list := make([]string, len(rows))
	for i, r := range rows {
		list[i] = r.Term
	}
	before, err := queryAs[termRow](ctx, s, "SELECT term, "+t.count(t.at(w.prev, true))+" AS prev, "+t.count("1")+" AS base"+
		t.from(w.base, w.from)+" AND term IN "+store.QuoteList(list)+" GROUP BY term")
	if err != nil {
		return nil, err
	}
	byTerm := make(map[string]termRow, len(before))
	for _, r := range before {
		byTerm[r.Term] = r
	}
	for i := range rows {
		b := byTerm[rows[i].Term]
		rows[i].Prev, rows[i].Base = b.Prev, b.Base
	}
	return rows, nil
}

// topicTotals reads the rows in the window, the previous window and the
// baseline, and the window's distinct stories.
func (s *Server) topicTotals(ctx context.Context, f Filter, w topicWindow) (cur, prev, base, stories int64, err error) {
	at := func(tm time.Time, after bool) string {
		if after {
			return "published_at >= " + store.Time(tm)
		}
		return "published_at < " + store.Time(tm)
	}
	rows, err := queryAs[struct{ Cur, Prev, Base, Stories num }](ctx, s, "SELECT toInt64(countIf("+at(w.from, true)+")) AS cur,"+
		" toInt64(countIf("+at(w.prev, true)+" AND "+at(w.from, false)+")) AS prev, toInt64(countIf("+at(w.from, false)+")) AS base,"+
		" toInt64(uniqIf(story, "+at(w.from, true)+")) AS stories FROM "+s.store.Table("mentions")+
		" WHERE "+at(w.base, true)+" AND "+at(w.to, false)+f.dims()+f.labels()+f.Search)
	if err != nil || len(rows) == 0 {
		return 0, 0, 0, 0, err
	}
	r := rows[0]
	return int64(r.Cur), int64(r.Prev), int64(r.Base), int64(r.Stories), nil
}

func netOf(pos, neg, n num) float64 {
	if n == 0 {
		return 0
	}
	return float64(pos-neg) / float64(n)
}

func (r termRow) topic() Topic {
	t := Topic{Term: r.Term, Form: r.Shown, Mentions: int64(r.Cur), Previous: int64(r.Prev), Net: netOf(r.Pos, r.Neg, r.Cur),
		Positive: int64(r.Pos), Negative: int64(r.Neg), Reach: int64(r.Reach)}
	if t.Form == t.Term {
		t.Form = ""
	}
	if r.Prev > 0 {
		c := float64(r.Cur-r.Prev) / float64(r.Prev)
		t.Change = &c
	}
	return t
}

// topics computes the Topics answer for f: the limit most frequent words
// and phrases, and the emerging terms.
func (s *Server) topics(ctx context.Context, f Filter, limit int) (Topics, error) {
	w := windowOf(f)
	x := Topics{From: w.from, To: w.to, PreviousFrom: w.prev, BaselineFrom: w.base, Words: []Topic{}, Phrases: []Topic{}, Emerging: []Emerge{}}
	var err error
	if x.Mentions, x.Previous, x.Baseline, x.Stories, err = s.topicTotals(ctx, f, w); err != nil {
		return x, err
	}
	rows, err := s.topicCounts(ctx, s.termSource(f, w), w)
	if err != nil {
		return x, err
	}
	var counts []terms.Count
	byTerm := map[string]termRow{}
	for _, r := range rows {
		byTerm[r.Term] = r
		counts = append(counts, terms.Count{Term: r.Term, Form: r.topic().Form, Now: int64(r.Cur), Base: int64(r.Base)})
		phrase := strings.Contains(r.Term, " ")
		switch {
		case phrase && len(x.Phrases) < limit && r.Cur >= 2:
			x.Phrases = append(x.Phrases, r.topic())
		case !phrase && len(x.Words) < limit:
			x.Words = append(x.Words, r.topic())
		}
	}
	for _, g := range terms.Emerging(counts, x.Mentions, x.Baseline, limit) {
		r := byTerm[g.Term]
		x.Emerging = append(x.Emerging, Emerge{Growth: g, Net: netOf(r.Pos, r.Neg, r.Cur)})
	}
	return x, nil
}

func (s *Server) handleTopics(w http.ResponseWriter, r *http.Request) {
	filtered(s, w, r, 25, 200, s.topics)
}

// filtered answers a read of the filters in force and a limit (default
// def, at most max) with what get returns for them.
func filtered[T any](s *Server, w http.ResponseWriter, r *http.Request, def, max int, get func(context.Context, Filter, int) (T, error)) {
	f, err := parseFilter(r.URL.Query(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", def, 1, max)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := get(r.Context(), f, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, x)
}

// TopicComparison is the answer of GET /api/v1/topics/compare: the terms
// most frequent for any of the brands, with each brand's figures.
type TopicComparison struct {
	From   time.Time      `json:"from"`
	To     time.Time      `json:"to"`
	Brands []BrandTotal   `json:"brands"`
	Terms  []ComparedTerm `json:"terms"`
}

// BrandTotal is a brand's rows in the window.
type BrandTotal struct {
	Brand    string `json:"brand"`
	Mentions int64  `json:"mentions"`
}

// ComparedTerm is a term with its figures per brand, in the order of Brands.
type ComparedTerm struct {
	Term   string      `json:"term"`
	Form   string      `json:"form"`
	Brands []BrandTerm `json:"by_brand"`
}

// BrandTerm is one brand's figures of a term: Share is of the brand's rows.
type BrandTerm struct {
	Mentions int64   `json:"mentions"`
	Share    float64 `json:"share"`
	Net      float64 `json:"net_sentiment"`
}

// compareTopics reads the limit most frequent terms of each brand of f
// (every configured brand when f names none) and every brand's figures of
// all of them.
func (s *Server) compareTopics(ctx context.Context, f Filter, limit int) (TopicComparison, error) {
	w := windowOf(f)
	if len(f.Brands) == 0 {
		for _, b := range s.cfg.Brands {
			f.Brands = append(f.Brands, b.Name)
		}
	}
	x := TopicComparison{From: w.from, To: w.to, Terms: []ComparedTerm{}}
	totals, err := queryAs[struct {
		Brand string
		N     num
	}](ctx, s, "SELECT brand, toInt64(count()) AS n FROM "+s.store.Table("mentions")+" WHERE published_at >= "+store.Time(w.from)+
		" AND published_at < "+store.Time(w.to)+f.dims()+f.labels()+f.Search+" GROUP BY brand")
	if err != nil {
		return x, err
	}
	total := map[string]int64{}
	for _, t := range totals {
		total[t.Brand] = int64(t.N)
	}
	for _, b := range f.Brands {
		x.Brands = append(x.Brands, BrandTotal{Brand: b, Mentions: total[b]})
	}
	t := s.termSource(f, w)
	top, err := queryAs[termRow](ctx, s, "SELECT brand AS brand_name, term, "+t.count("1")+" AS cur"+t.from(w.from, w.to)+
		" GROUP BY brand_name, term HAVING cur > 0 ORDER BY cur DESC, term LIMIT "+strconv.Itoa(limit)+" BY brand_name")
	if err != nil {
		return x, err
	}
	var list []string
	for _, r := range top {
		if !slices.Contains(list, r.Term) {
			list = append(list, r.Term)
		}
	}
	if len(list) == 0 {
		return x, nil
	}
	all, err := queryAs[termRow](ctx, s, "SELECT brand AS brand_name, term, "+t.form()+" AS shown, "+t.count("1")+" AS cur, "+
		t.sentiment("positive", "1")+" AS pos, "+t.sentiment("negative", "1")+" AS neg"+t.from(w.from, w.to)+
		" AND term IN "+store.QuoteList(list)+" GROUP BY brand_name, term")
	if err != nil {
		return x, err
	}
	by := map[[2]string]termRow{}
	sum := map[string]int64{}
	form := map[string]string{}
	for _, r := range all {
		by[[2]string{r.BrandName, r.Term}] = r
		sum[r.Term] += int64(r.Cur)
		if f := r.topic().Form; f != "" {
			form[r.Term] = f
		}
	}
	slices.SortStableFunc(list, func(a, b string) int { return int(sum[b] - sum[a]) })
	for _, term := range list {
		c := ComparedTerm{Term: term, Form: form[term]}
		for _, b := range x.Brands {
			r := by[[2]string{b.Brand, term}]
			bt := BrandTerm{Mentions: int64(r.Cur), Net: netOf(r.Pos, r.Neg, r.Cur)}
			if b.Mentions > 0 {
				bt.Share = float64(r.Cur) / float64(b.Mentions)
			}
			c.Brands = append(c.Brands, bt)
		}
		x.Terms = append(x.Terms, c)
	}
	return x, nil
}

func (s *Server) handleCompareTopics(w http.ResponseWriter, r *http.Request) {
	filtered(s, w, r, 10, 50, s.compareTopics)
}

// Story is a group of near-duplicate mentions (internal/terms, Stories).
type Story struct {
	ID        string    `json:"id"` // decimal: the JSON of a 64-bit number loses digits
	Size      int64     `json:"size"`
	Reach     int64     `json:"reach"`
	First     time.Time `json:"first"`
	Latest    time.Time `json:"latest"`
	Text      string    `json:"text"` // the first mention's
	Lang      string    `json:"lang"` // its language, as detected
	MentionID string    `json:"mention_id"`
	Source    string    `json:"source"`
	Negative  int64     `json:"negative"`
}

// Stories is the answer of GET /api/v1/stories.
type Stories struct {
	Stories []Story `json:"stories"`
}

// stories reads the limit largest stories of f (two mentions or more),
// each once: the list of mentions with each story collapsed to a row.
func (s *Server) stories(ctx context.Context, f Filter, limit int) ([]Story, error) {
	rows, err := queryAs[struct {
		Size, Reach, Negative               num
		First, Latest                       time.Time
		Story, Text, MentionID, Source, Lng string
	}](ctx, s, "SELECT toString(story) AS story, toInt64(count()) AS size, toInt64(sum(followers)) AS reach, toInt64(sum(neg)) AS negative,"+
		" min(at) AS first, max(at) AS latest, argMin(body, at) AS text, argMin(mention_id, at) AS mention_id, argMin(src, at) AS source, argMin(lng, at) AS lng FROM"+
		" (SELECT story, mention_id, any(author_followers) AS followers, max(sentiment = 'negative') AS neg, any(published_at) AS at,"+
		" any(if(text != '', text, title)) AS body, any(source) AS src, any(lang) AS lng FROM "+s.store.Table("mentions")+
		" WHERE published_at >= "+store.Time(f.From)+" AND published_at < "+store.Time(f.To)+f.dims()+f.labels()+f.Search+
		" GROUP BY story, mention_id) GROUP BY story HAVING size > 1 ORDER BY size DESC, reach DESC, story LIMIT "+strconv.Itoa(limit))
	if err != nil {
		return nil, err
	}
	out := make([]Story, len(rows))
	for i, r := range rows {
		out[i] = Story{ID: r.Story, Size: int64(r.Size), Reach: int64(r.Reach), First: r.First, Latest: r.Latest,
			Text: truncateText(r.Text, 280), MentionID: r.MentionID, Source: r.Source, Lang: r.Lng, Negative: int64(r.Negative)}
	}
	return out, nil
}

func (s *Server) handleStories(w http.ResponseWriter, r *http.Request) {
	filtered(s, w, r, 10, 100, func(ctx context.Context, f Filter, limit int) (Stories, error) {
		st, err := s.stories(ctx, f, limit)
		return Stories{Stories: st}, err
	})
}

// truncateText cuts s to n runes with an ellipsis.
func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
