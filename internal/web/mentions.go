package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/learn"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// Mention is one stored mention with its (possibly corrected) labels. In
// lists and the detail view it is a post: Brands holds the names of the
// brands it names and BrandLabels each of its brands' labels (in the same
// order), and the per-row fields (Brand, Sentiment, SentimentScore,
// Touchpoint, JourneyStage, Corrected, Original) repeat those of the first
// of them. In exports it is one mention × brand row.
type Mention struct {
	ID                    string       `json:"id"`
	Brand                 string       `json:"brand"`
	Source                string       `json:"source"`
	URL                   string       `json:"url"` // http(s) only; "" otherwise
	Title                 string       `json:"title"`
	Text                  string       `json:"text"`
	Author                Author       `json:"author"`
	PublishedAt           time.Time    `json:"published_at"`
	Lang                  string       `json:"lang"`
	Rating                *float64     `json:"rating"`
	Likes                 int64        `json:"likes"`
	Reposts               int64        `json:"reposts"`
	Replies               int64        `json:"replies"`
	Sentiment             string       `json:"sentiment"`
	SentimentScore        float64      `json:"sentiment_score"`
	Touchpoint            string       `json:"touchpoint"`
	TouchpointReason      string       `json:"touchpoint_reason"`
	UndisclosedCommercial bool         `json:"undisclosed_commercial"`
	JourneyStage          string       `json:"journey_stage"`
	Brands                []string     `json:"brands"`
	BrandLabels           []BrandLabel `json:"brand_labels"`
	ClassifierVersion     string       `json:"classifier_version"`
	// Corrected is true when a person changed a label; Original then holds
	// the classifier's labels.
	Corrected bool    `json:"corrected"`
	Original  *Labels `json:"original,omitempty"`
}

// BrandLabel is one brand's (possibly corrected) labels of a mention.
type BrandLabel struct {
	Brand          string  `json:"brand"` // "" when the mention names no brand
	Sentiment      string  `json:"sentiment"`
	SentimentScore float64 `json:"sentiment_score"`
	Touchpoint     string  `json:"touchpoint"`
	JourneyStage   string  `json:"journey_stage"`
	// Corrected is true when a person changed this brand's labels;
	// Original then holds the classifier's.
	Corrected bool    `json:"corrected"`
	Original  *Labels `json:"original,omitempty"`
	// Match is true when this brand's row matches the request's brand and
	// label filters (every brand when there are none).
	Match bool `json:"match"`
}

// Author is who wrote a mention.
type Author struct {
	Handle    string `json:"handle"`
	Name      string `json:"name"`
	URL       string `json:"url"` // http(s) only
	Followers int64  `json:"followers"`
}

// Labels are the correctable labels.
type Labels struct {
	Sentiment    string `json:"sentiment"`
	Touchpoint   string `json:"touchpoint"`
	JourneyStage string `json:"journey_stage"`
}

// MentionList is a page of mentions.
type MentionList struct {
	Mentions []Mention `json:"mentions"`
	Limit    int       `json:"limit"`
	Offset   int       `json:"offset"`
	HasMore  bool      `json:"has_more"`
}

// safeURL keeps only absolute http(s) URLs: anything else (javascript:,
// data:) must never become a link.
func safeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

var sorts = map[string]string{
	"newest":     "published_at DESC, mention_id",
	"oldest":     "published_at, mention_id",
	"reach":      "author_followers DESC, published_at DESC, mention_id",
	"engagement": "engagement DESC, published_at DESC, mention_id",
	"negative":   "sentiment_score, published_at DESC, mention_id",
}

// listRequest is a parsed request for a list of mentions.
type listRequest struct {
	f             Filter
	order         string // ORDER BY
	limit, offset int
}

// parseList reads the filters (a journey flow element's too: flowFilter),
// search, sort and page of a list request;
// limit may be up to maxLimit.
func (s *Server) parseList(ctx context.Context, q url.Values, maxLimit int) (listRequest, error) {
	var lr listRequest
	var err error
	if lr.f, err = parseFilter(q, s.now()); err != nil {
		return lr, err
	}
	if lr.f, err = s.flowFilter(ctx, q, lr.f); err != nil { // drill.go
		return lr, err
	}
	sort := q.Get("sort")
	if sort == "" {
		sort = "newest"
	}
	var ok bool
	if lr.order, ok = sorts[sort]; !ok {
		return lr, badf("sort: %q is not one of newest, oldest, reach, engagement, negative", sort)
	}
	lr.limit = 50
	if v := q.Get("limit"); v != "" {
		if lr.limit, err = strconv.Atoi(v); err != nil || lr.limit < 1 || lr.limit > maxLimit {
			return lr, badf("limit: want 1..%d", maxLimit)
		}
	}
	if v := q.Get("offset"); v != "" {
		if lr.offset, err = strconv.Atoi(v); err != nil || lr.offset < 0 || lr.offset > 1_000_000 {
			return lr, badf("offset: want 0..1000000")
		}
	}
	return lr, nil
}

// listKey is one mention × brand of a list with its (corrected) labels: the
// light columns mentionKeys reads.
type listKey struct {
	MentionID, Brand                                string
	Sentiment, Touchpoint, JourneyStage             string
	Corrected                                       num
	OrigSentiment, OrigTouchpoint, OrigJourneyStage string
	PublishedAt                                     time.Time
}

// correctionCount is how many corrections there are in f's range and
// dimensions: the rows whose labels a list must overlay, which may leave or
// join its label filters.
func (s *Server) correctionCount(ctx context.Context, f Filter) (int, error) {
	return s.countCorrections(ctx, " WHERE published_at >= "+store.Time(f.From)+" AND published_at < "+store.Time(f.To)+f.dims())
}

// keys returns the keys of up to n mention × brand rows of the request, in
// its order.
func (s *Server) keys(ctx context.Context, lr listRequest, n int) ([]listKey, error) {
	corrections, err := s.correctionCount(ctx, lr.f)
	if err != nil {
		return nil, err
	}
	return queryAs[listKey](ctx, s, s.mentionKeys(lr.f, lr.order, n, lr.offset, corrections))
}

// mentions reads the full rows of keys and returns them in the keys' order
// with the keys' labels; a row merged away since the keys were read is
// skipped. The read is bounded to the keys' publication times, so that a
// chunk of a long export in time order reads only its own stretch.
func (s *Server) mentions(ctx context.Context, keys []listKey) ([]Mention, error) {
	if len(keys) == 0 {
		return []Mention{}, nil
	}
	ids, from, to := span(keys, func(k listKey) (string, time.Time) { return k.MentionID, k.PublishedAt })
	rows, err := s.fetchRows(ctx, from, to, ids)
	if err != nil {
		return nil, err
	}
	full := make(map[string]Mention, len(rows))
	for _, m := range rows {
		full[m.ID+"\x00"+m.Brand] = m
	}
	out := make([]Mention, 0, len(keys))
	for _, k := range keys {
		m, ok := full[k.MentionID+"\x00"+k.Brand]
		if !ok {
			continue // merged away between the two queries
		}
		m.Sentiment, m.Touchpoint, m.JourneyStage = k.Sentiment, k.Touchpoint, k.JourneyStage
		if k.Corrected != 0 {
			m.Corrected = true
			m.Original = &Labels{Sentiment: k.OrigSentiment, Touchpoint: k.OrigTouchpoint, JourneyStage: k.OrigJourneyStage}
		}
		out = append(out, m)
	}
	return out, nil
}

// span returns the mention ids of keys (not empty) and the range of their
// publication times, [from, to).
func span[K any](keys []K, key func(K) (string, time.Time)) (ids []string, from, to time.Time) {
	ids = make([]string, len(keys))
	for i, k := range keys {
		id, t := key(k)
		ids[i] = id
		if i == 0 || t.Before(from) {
			from = t
		}
		if i == 0 || t.After(to) {
			to = t
		}
	}
	return ids, from, to.Add(time.Second)
}

// postKey is one post of a list: the columns of postKeys that are needed.
type postKey struct {
	MentionID   string
	PublishedAt time.Time
}

// posts returns the posts of up to n keys of the request, in its order, each
// with all its brands' labels (post).
func (s *Server) posts(ctx context.Context, lr listRequest, n int) ([]Mention, error) {
	corrections, err := s.correctionCount(ctx, lr.f)
	if err != nil {
		return nil, err
	}
	// A post has a row per brand it names, or one without a brand.
	perPost := max(1, len(s.cfg.Brands))
	if len(lr.f.Brands) > 0 {
		perPost = min(perPost, len(lr.f.Brands))
	}
	keys, err := queryAs[postKey](ctx, s, s.postKeys(lr.f, lr.order, n, lr.offset, corrections, perPost))
	if err != nil || len(keys) == 0 {
		return []Mention{}, err
	}
	ids, from, to := span(keys, func(k postKey) (string, time.Time) { return k.MentionID, k.PublishedAt })
	rows, err := s.fetchRows(ctx, from, to, ids)
	if err != nil {
		return nil, err
	}
	fixes, err := s.brandCorrections(ctx, " WHERE mention_id IN "+store.QuoteList(ids))
	if err != nil {
		return nil, err
	}
	byID := make(map[string][]Mention, len(keys))
	for _, m := range rows {
		byID[m.ID] = append(byID[m.ID], m)
	}
	out := make([]Mention, 0, len(keys))
	for _, k := range keys {
		if rs := byID[k.MentionID]; len(rs) > 0 { // else merged away between the two queries
			out = append(out, post(lr.f, rs, fixes))
		}
	}
	return out, nil
}

// brandCorrections reads the newest corrections matching where, keyed by
// mention id and brand.
func (s *Server) brandCorrections(ctx context.Context, where string) (map[string]Correction, error) {
	cs, err := s.corrections(ctx, where, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Correction, len(cs))
	for _, c := range cs {
		out[c.MentionID+"\x00"+c.Brand] = c
	}
	return out, nil
}

// post merges the brand rows of one mention into one item: BrandLabels lists
// every brand's labels (corrected where fixes has a correction), those that
// match f first (in the order f names the brands, then by name), and the
// per-row fields are the first brand's. Brands holds their names.
func post(f Filter, rows []Mention, fixes map[string]Correction) Mention {
	labels := make([]BrandLabel, len(rows))
	for i, r := range rows {
		l := BrandLabel{Brand: r.Brand, Sentiment: r.Sentiment, SentimentScore: r.SentimentScore, Touchpoint: r.Touchpoint,
			JourneyStage: r.JourneyStage}
		if c, ok := fixes[r.ID+"\x00"+r.Brand]; ok {
			l.Corrected = true
			l.Original = &Labels{Sentiment: c.OrigSentiment, Touchpoint: c.OrigTouchpoint, JourneyStage: c.OrigJourneyStage}
			l.Sentiment, l.Touchpoint, l.JourneyStage = c.Sentiment, c.Touchpoint, c.JourneyStage
		}
		l.Match = f.matches(l)
		labels[i] = l
	}
	rank := func(l BrandLabel) int {
		if i := slices.Index(f.Brands, l.Brand); i >= 0 {
			return i
		}
		return len(f.Brands)
	}
	slices.SortFunc(labels, func(a, b BrandLabel) int {
		switch {
		case a.Match != b.Match:
			if a.Match {
				return -1
			}
			return 1
		case rank(a) != rank(b):
			return rank(a) - rank(b)
		}
		return strings.Compare(a.Brand, b.Brand)
	})
	first := labels[0]
	m := rows[slices.IndexFunc(rows, func(r Mention) bool { return r.Brand == first.Brand })]
	m.Sentiment, m.SentimentScore, m.Touchpoint, m.JourneyStage = first.Sentiment, first.SentimentScore, first.Touchpoint, first.JourneyStage
	m.Corrected, m.Original = first.Corrected, first.Original
	m.Brands, m.BrandLabels = brandNames(labels), labels
	return m
}

// brandNames returns the names of labels' brands in their order, without
// the "" of a post that names no brand (whose Brands is then empty, as the
// classification's is).
func brandNames(labels []BrandLabel) []string {
	names := make([]string, 0, len(labels))
	for _, l := range labels {
		if l.Brand != "" {
			names = append(names, l.Brand)
		}
	}
	return names
}

// listMentions returns a page of up to limit posts matching the request's
// filters, one item per mention with its brands' labels.
func (s *Server) listMentions(ctx context.Context, q url.Values, maxLimit int) (MentionList, error) {
	lr, err := s.parseList(ctx, q, maxLimit)
	if err != nil {
		return MentionList{}, err
	}
	ms, err := s.posts(ctx, lr, lr.limit+1)
	if err != nil {
		return MentionList{}, err
	}
	more := len(ms) > lr.limit
	return MentionList{Mentions: ms[:min(len(ms), lr.limit)], Limit: lr.limit, Offset: lr.offset, HasMore: more}, nil
}

// storedRow is a mentions row as the store returns it.
type storedRow struct {
	MentionID, Brand, Source, URL, Title, Text string
	AuthorHandle, AuthorName, AuthorURL        string
	AuthorFollowers                            num
	PublishedAt                                time.Time
	Lang                                       string
	Rating                                     *float64
	Likes, Reposts, Replies                    num
	Sentiment                                  string
	SentimentScore                             num
	Touchpoint, TouchpointReason               string
	UndisclosedCommercial                      num
	JourneyStage                               string
	ClassifierVersion                          string
	Raw                                        string
}

func (r storedRow) mention() Mention {
	return Mention{ID: r.MentionID, Brand: r.Brand, Source: r.Source, URL: safeURL(r.URL), Title: r.Title, Text: r.Text,
		Author:      Author{Handle: r.AuthorHandle, Name: r.AuthorName, URL: safeURL(r.AuthorURL), Followers: int64(r.AuthorFollowers)},
		PublishedAt: r.PublishedAt.UTC(), Lang: r.Lang, Rating: r.Rating, Likes: int64(r.Likes), Reposts: int64(r.Reposts),
		Replies: int64(r.Replies), Sentiment: r.Sentiment, SentimentScore: float64(r.SentimentScore), Touchpoint: r.Touchpoint,
		TouchpointReason: r.TouchpointReason, UndisclosedCommercial: r.UndisclosedCommercial != 0, JourneyStage: r.JourneyStage,
		Brands: []string{}, BrandLabels: []BrandLabel{}, ClassifierVersion: r.ClassifierVersion}
}

const rowColumns = "mention_id, brand, source, url, title, text, author_handle, author_name, author_url, author_followers," +
	" published_at, lang, rating, likes, reposts, replies, sentiment, sentiment_score, touchpoint, touchpoint_reason," +
	" undisclosed_commercial, journey_stage, classifier_version"

// fetchRows reads the full rows, every brand's, of mentions published in
// [from, to), ordered by mention id and brand. The range lets the engine
// skip other partitions.
func (s *Server) fetchRows(ctx context.Context, from, to time.Time, ids []string) ([]Mention, error) {
	rows, err := queryAs[storedRow](ctx, s, "SELECT "+rowColumns+" FROM "+s.store.Table("mentions")+
		" WHERE published_at >= "+store.Time(from)+" AND published_at < "+store.Time(to)+" AND mention_id IN "+store.QuoteList(ids)+
		" ORDER BY version DESC LIMIT 1 BY mention_id, brand")
	if err != nil {
		return nil, err
	}
	out := make([]Mention, len(rows))
	for i, r := range rows {
		out[i] = r.mention()
	}
	slices.SortFunc(out, func(a, b Mention) int { return cmp.Or(strings.Compare(a.ID, b.ID), strings.Compare(a.Brand, b.Brand)) })
	return out, nil
}

func (s *Server) handleMentions(w http.ResponseWriter, r *http.Request) {
	list, err := s.listMentions(r.Context(), r.URL.Query(), 500)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, list)
}

// Export sizes: a request may ask for up to maxExportRows rows (page with
// offset for more); without a limit it gets defaultExportRows, as the UI's
// button. The rows are read and written exportChunk at a time, so an export
// holds one chunk of full rows in memory and every read stays far below the
// engines' query size limit (256 KiB by default; an IN list of 50,000 ids is
// 1.8 MB).
const (
	maxExportRows     = 50_000
	defaultExportRows = 10_000
	exportChunk       = 1000
)

// handleExport writes the filtered mention list as CSV, streaming: the keys
// of the list are read first (light columns), then the full rows a chunk at
// a time, each chunk written and flushed before the next is read.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("limit") == "" {
		q.Set("limit", strconv.Itoa(defaultExportRows))
	}
	lr, err := s.parseList(r.Context(), q, maxExportRows)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	keys, err := s.keys(r.Context(), lr, lr.limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh := s.newSheet(w, r, "ewom-mentions.csv")
	if sh == nil {
		return
	}
	sh.header("mention_id", "brand", "published_at", "source", "url", "title", "text", "author_handle", "author_name",
		"author_followers", "lang", "sentiment", "sentiment_score", "touchpoint", "journey_stage", "corrected",
		"original_sentiment", "original_touchpoint", "original_journey_stage", "classifier_version")
	rc := http.NewResponseController(w)
	for chunk := range slices.Chunk(keys, exportChunk) {
		ms, err := s.mentions(r.Context(), chunk)
		if r.Context().Err() != nil {
			return // the client went away
		}
		if err != nil {
			// The status is sent: cut the response, so that no client takes
			// a short file for the whole export.
			s.log.Error("web: export cut short", "path", r.URL.Path, "err", err)
			panic(http.ErrAbortHandler)
		}
		for _, m := range ms {
			var o Labels
			if m.Original != nil {
				o = *m.Original
			}
			sh.row(text(m.ID), text(m.Brand), text(m.PublishedAt.Format(time.RFC3339)), text(m.Source), text(m.URL), text(m.Title),
				text(m.Text), text(m.Author.Handle), text(m.Author.Name), integer(m.Author.Followers), text(m.Lang), text(m.Sentiment),
				number(m.SentimentScore, 3), text(m.Touchpoint), text(m.JourneyStage), text(strconv.FormatBool(m.Corrected)),
				text(o.Sentiment), text(o.Touchpoint), text(o.JourneyStage), text(m.ClassifierVersion))
		}
		sh.flush()
		_ = rc.Flush()
	}
}

// MentionDetail is one mention with the evidence behind its labels.
type MentionDetail struct {
	Mention Mention `json:"mention"`
	// Explanation is recomputed from the stored raw mention by the running
	// classifier (rows do not store it); CurrentClassifierVersion says
	// which, and may differ from the mention's stored classifier_version.
	Explanation              []Evidence `json:"explanation"`
	CurrentClassifierVersion string     `json:"current_classifier_version"`
	Recomputed               *Labels    `json:"recomputed,omitempty"`
	// TouchpointReasonPhrase is the mention's touchpoint reason as a UI
	// phrase (issue #17: explanations in the UI's language).
	TouchpointReasonPhrase *classify.Phrase `json:"touchpoint_reason_phrase,omitempty"`
	// Learning says how many corrections the next `ewom learn` would
	// use; omitted when the store could not tell.
	Learning *learn.Status `json:"learning,omitempty"`
}

// Evidence is an evidence item with, where its text or note is the
// classifier's own English words, the same as UI phrases: keys of the UI's
// strings and their arguments, which the UI says in its language.
type Evidence struct {
	mention.Evidence
	TextPhrase  *classify.Phrase  `json:"text_phrase,omitempty"`
	NotePhrases []classify.Phrase `json:"note_phrases,omitempty"`
}

// explained gives each evidence item its UI phrases.
func explained(ev []mention.Evidence) []Evidence {
	out := make([]Evidence, len(ev))
	for i, e := range ev {
		out[i].Evidence = e
		if ph, ok := classify.RuleTextKey(e.Kind, e.Text); ok {
			out[i].TextPhrase = &ph
		}
		if e.Label != "brand" {
			out[i].NotePhrases, _ = classify.NoteKey(e.Note)
		}
	}
	return out
}

// findRows reads every brand row of one mention (newest version each).
func (s *Server) findRows(ctx context.Context, id string) ([]storedRow, error) {
	// mention_ids is ordered by id: find the publication time there, then
	// read the mentions table within that second.
	ts, err := queryAs[struct{ PublishedAt time.Time }](ctx, s, "SELECT published_at FROM "+s.store.Table("mention_ids")+
		" WHERE mention_id = "+store.Quote(id)+" LIMIT 1")
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	return queryAs[storedRow](ctx, s, "SELECT "+rowColumns+", raw FROM "+s.store.Table("mentions")+
		" WHERE published_at = "+store.Time(ts[0].PublishedAt)+" AND mention_id = "+store.Quote(id)+
		" ORDER BY version DESC LIMIT 1 BY mention_id, brand")
}

// pathRows reads the brand rows of the mention named by the path's {id};
// without any it answers the request (404 or a store error) and returns false.
func (s *Server) pathRows(w http.ResponseWriter, r *http.Request) (string, []storedRow, bool) {
	id := r.PathValue("id")
	rows, err := s.findRows(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return id, nil, false
	}
	if len(rows) == 0 {
		writeError(w, http.StatusNotFound, "no mention with this id")
		return id, nil, false
	}
	return id, rows, true
}

func (s *Server) handleMention(w http.ResponseWriter, r *http.Request) {
	id, rows, ok := s.pathRows(w, r)
	if !ok {
		return
	}
	fixes, err := s.brandCorrections(r.Context(), " WHERE mention_id = "+store.Quote(id))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ms := make([]Mention, len(rows))
	for i, x := range rows {
		ms[i] = x.mention()
	}
	// The requested brand's labels come first (and fill the per-row fields).
	var f Filter
	if brand := r.URL.Query().Get("brand"); slices.ContainsFunc(rows, func(x storedRow) bool { return x.Brand == brand }) {
		f.Brands = []string{brand}
	}
	out := MentionDetail{Mention: post(f, ms, fixes), Explanation: []Evidence{}}
	if ph, ok := classify.ReasonKey(out.Mention.TouchpointReason); ok {
		out.TouchpointReasonPhrase = &ph
	}
	if st, err := learn.CorrectionStatus(r.Context(), s.store); err == nil {
		out.Learning = &st
	} else {
		s.log.Warn("web: correction status", "err", err)
	}
	if s.classifier != nil {
		out.CurrentClassifierVersion = s.classifier.Version()
		if parsed, err := mention.Parse([]byte(rows[0].Raw)); err == nil {
			cl := s.classifier.Explain(&parsed)
			out.Explanation = explained(cl.Explanation)
			out.Recomputed = &Labels{Sentiment: cl.Sentiment, Touchpoint: cl.Touchpoint, JourneyStage: cl.JourneyStage}
		} else {
			s.log.Warn("web: stored raw mention does not parse", "id", id, "err", err)
		}
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// TopAuthors are the authors with the widest reach in a period.
type TopAuthors struct {
	Authors []TopAuthor `json:"authors"`
}

// TopAuthor is one author's activity.
type TopAuthor struct {
	Handle   string `json:"handle"`
	Name     string `json:"name"`
	URL      string `json:"url"`
	Source   string `json:"source"`
	Reach    int64  `json:"reach"` // followers (largest seen)
	Mentions int64  `json:"mentions"`
	Negative int64  `json:"negative"`
}

// handleTopAuthors answers the authors with the largest follower count
// seen in the range (reach), then the most rows, then by handle; name,
// profile URL and source are those of the first row with that reach (of
// rows in the same second, the smallest mention id's). Rows are counted:
// a post naming two brands counts for each, as does a version not yet
// merged away.
func (s *Server) handleTopAuthors(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := intParam(r, "limit", 10, 1, 100)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	authors, err := s.topAuthors(r.Context(), f, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, TopAuthors{Authors: authors})
}

// topAuthors reads the limit top authors of f. The figures are grouped by
// a hash of the handle, and handles, read only for the leading authors
// (authorsAt), order those with the same reach and rows: enough leading
// authors are read that every author sharing the last one's reach and
// rows is among them.
func (s *Server) topAuthors(ctx context.Context, f Filter, limit int) ([]TopAuthor, error) {
	// Aggregates over raw rows use the classifier's labels; corrections move
	// rollup counts and list labels, not these per-author tallies.
	a, err := s.authorSource(ctx, f)
	if err != nil {
		return nil, err
	}
	leading, err := s.leadingReach(ctx, a, limit)
	if err != nil {
		return nil, err
	}
	src, err := a.rows(leading, "rows", "negative_rows", "reach", "reach_at")
	if err != nil {
		return nil, err
	}
	type row struct {
		AuthorHash        string
		R, N, Neg, Second num
	}
	// When the reach was first seen: of the days with the largest reach the
	// first, by one number per day (reach, then the day backwards: reach up
	// to 2^48, far beyond any account) that is cheaper to compare than a
	// tuple.
	firstReach := "argMax(reach_at, toUInt64(least(reach, 281474976710655)) * 65536 + (65535 - toUInt16(day)))"
	for read := limit + 10; ; read *= 4 {
		rows, err := queryAs[row](ctx, s, "SELECT toString(author) AS author_hash, r, n, neg, toUInt32(first_reach) AS second FROM"+
			" (SELECT author, max(reach) AS r, sum(rows) AS n, sum(negative_rows) AS neg, "+firstReach+" AS first_reach"+
			" FROM ("+src+") GROUP BY author) ORDER BY r DESC, n DESC, author LIMIT "+strconv.Itoa(read))
		if err != nil {
			return nil, err
		}
		last := func(i int) [2]num { return [2]num{rows[i].R, rows[i].N} }
		if len(rows) == read && last(read-1) == last(limit-1) {
			continue // authors tied with the last shown may be left out
		}
		// The profile is the first row with the reach: at its second, with
		// that follower count.
		keys := make([]string, len(rows))
		for i, x := range rows {
			keys[i] = "(" + x.AuthorHash + ", " + strconv.FormatInt(int64(x.Second), 10) + ", " + strconv.FormatInt(int64(x.R), 10) + ")"
		}
		profiles, err := s.authorsAt(ctx, f, len(rows), func(yield func(string, int64) bool) {
			for _, x := range rows {
				if !yield(x.AuthorHash, int64(x.Second)) {
					return
				}
			}
		}, "argMin(author_handle, mention_id) AS handle, argMin(author_name, mention_id) AS name, argMin(author_url, mention_id) AS url,"+
			" argMin(source, mention_id) AS src", " AND (cityHash64(author_handle), toUInt32(published_at), author_followers) IN ("+strings.Join(keys, ", ")+")")
		if err != nil {
			return nil, err
		}
		out := make([]TopAuthor, 0, len(rows))
		for _, x := range rows {
			if p, ok := profiles[x.AuthorHash]; ok { // else removed between the queries
				out = append(out, TopAuthor{Handle: p.Handle, Name: p.Name, URL: safeURL(p.URL), Source: p.Src, Reach: int64(x.R),
					Mentions: int64(x.N), Negative: int64(x.Neg)})
			}
		}
		slices.SortStableFunc(out, func(a, b TopAuthor) int {
			return cmp.Or(cmp.Compare(b.Reach, a.Reach), cmp.Compare(b.Mentions, a.Mentions), strings.Compare(a.Handle, b.Handle))
		})
		return out[:min(limit, len(out))], nil
	}
}

// Bounds of leadingReach: how many rows it reads at most, and how many
// authors it names at most in its condition.
const (
	leadingRows    = 1 << 16
	leadingAuthors = 2000
)

// leadingReach returns a condition (AND …) on the author of a's figures
// that keeps the authors whose reach may place them among the first limit:
// those whose largest reach is at least the limit-th largest author's.
// Read by reach, every author shows first at their largest, so the first
// limit distinct authors of the day figures set the bound, and the figures
// as large as it name the others. It returns "" (every author) when more
// authors share the bound than a condition should name, as where no
// follower counts are known.
func (s *Server) leadingReach(ctx context.Context, a authorSource, limit int) (string, error) {
	type row struct {
		AuthorHash string
		Reach      num
	}
	src, err := a.rows("", "reach")
	if err != nil {
		return "", err
	}
	for read := 4 * limit; read <= leadingRows; read *= 4 {
		rows, err := queryAs[row](ctx, s, "SELECT toString(author) AS author_hash, reach FROM ("+src+") ORDER BY reach DESC LIMIT "+strconv.Itoa(read))
		if err != nil {
			return "", err
		}
		seen := map[string]bool{}
		var authors []string
		var bound num
		complete := len(rows) < read // every row is read
		for _, x := range rows {
			if len(authors) >= limit && x.Reach < bound {
				complete = true
				break
			}
			if !seen[x.AuthorHash] {
				seen[x.AuthorHash] = true
				authors = append(authors, x.AuthorHash)
				bound = x.Reach
			}
		}
		if complete {
			if len(authors) == 0 || len(authors) > leadingAuthors {
				return "", nil
			}
			return " AND author IN (" + strings.Join(authors, ", ") + ")", nil
		}
	}
	return "", nil
}
