package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/query"
	"github.com/ewom/ewom/internal/store"
)

// Filter is the set of dashboard filters. The same query parameters drive
// the UI's URL and the API, so a shared link reproduces a view.
type Filter struct {
	From, To     time.Time
	Brands       []string
	Sources      []string
	Langs        []string
	Touchpoints  []string
	Sentiments   []string
	JourneyStage []string
	// Search is the condition of the search query (q, internal/query) on
	// the mentions table's columns, "" without one.
	Search string
}

// ranges are the relative time ranges the UI offers (range=7d).
var ranges = map[string]time.Duration{
	"1h": time.Hour, "6h": 6 * time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour,
	"30d": 30 * 24 * time.Hour, "90d": 90 * 24 * time.Hour, "365d": 365 * 24 * time.Hour,
}

const defaultRange = "7d"

// badRequest is an error caused by the client's parameters; pos is the
// character position in a search query it is about (1-based), or 0.
type badRequest struct {
	msg string
	pos int
	// code and args name a search query's problem (query.Error).
	code string
	args map[string]string
}

func (e *badRequest) Error() string { return e.msg }

func badf(format string, a ...any) error { return &badRequest{msg: fmt.Sprintf(format, a...)} }

// parseFilter reads filters from query parameters. Times are RFC 3339
// (from, to) or a relative range ending now (range=24h|7d|30d|90d|365d).
func parseFilter(q url.Values, now time.Time) (Filter, error) {
	var f Filter
	from, to := q.Get("from"), q.Get("to")
	switch {
	case from != "" || to != "":
		var err error
		if f.From, err = time.Parse(time.RFC3339, from); err != nil {
			return f, badf("from: want an RFC 3339 time such as 2026-11-20T00:00:00Z")
		}
		if to == "" {
			f.To = now
		} else if f.To, err = time.Parse(time.RFC3339, to); err != nil {
			return f, badf("to: want an RFC 3339 time such as 2026-11-21T00:00:00Z")
		}
	default:
		r := q.Get("range")
		if r == "" {
			r = defaultRange
		}
		d, ok := ranges[r]
		if !ok {
			return f, badf("range: %q is not one of 1h, 6h, 24h, 7d, 30d, 90d, 365d", r)
		}
		f.To = now
		f.From = now.Add(-d)
	}
	if !f.To.After(f.From) {
		return f, badf("to must be after from")
	}
	if f.To.Sub(f.From) > 5*366*24*time.Hour {
		return f, badf("the time range is longer than five years")
	}
	f.Brands = list(q, "brand")
	f.Sources = list(q, "source")
	f.Langs = list(q, "lang")
	var err error
	if f.Touchpoints, err = enumList(q, "touchpoint", mention.Touchpoints); err != nil {
		return f, err
	}
	if f.Sentiments, err = enumList(q, "sentiment", sentiments); err != nil {
		return f, err
	}
	if f.JourneyStage, err = enumList(q, "journey_stage", mention.JourneyStages); err != nil {
		return f, err
	}
	if f.Search, err = search(q.Get("q")); err != nil {
		return f, err
	}
	if f.Search, err = topicSearch(q, f.Search); err != nil { // topics.go
		return f, err
	}
	return f, nil
}

// search compiles the search query text into a condition on the mentions
// table's columns ("" for no query).
func search(text string) (string, error) {
	if strings.TrimSpace(text) == "" {
		return "", nil
	}
	sq, err := query.Parse(text)
	if err != nil {
		var qe *query.Error
		if errors.As(err, &qe) {
			return "", &badRequest{msg: "q: " + qe.Error(), pos: qe.Col, code: qe.Code, args: qe.Args}
		}
		return "", err
	}
	return " AND " + sq.SQL(), nil
}

var sentiments = []string{mention.Positive, mention.Neutral, mention.Negative}

// list accepts repeated parameters and comma-separated values, each once,
// in their first order. (How many a request may send is checked before:
// checkLists.)
func list(q url.Values, key string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range q[key] {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" && !seen[part] {
				seen[part] = true
				out = append(out, part)
			}
		}
	}
	return out
}

// listKeys are the filters that take a list of values.
var listKeys = []string{"brand", "source", "lang", "touchpoint", "sentiment", "journey_stage"}

// checkLists refuses a filter with more than max values, counted as
// list splits them but without splitting, so that a long list costs one
// pass over its bytes.
func checkLists(q url.Values, max int) error {
	for _, key := range listKeys {
		n := 0
		for _, v := range q[key] {
			n += strings.Count(v, ",") + 1
		}
		if n > max {
			return badf("%s: %d values is over the limit of %d a filter (web.max_filter_values)", key, n, max)
		}
	}
	return nil
}

func enumList(q url.Values, key string, allowed []string) ([]string, error) {
	vs := list(q, key)
	for _, v := range vs {
		if !slices.Contains(allowed, v) {
			return nil, badf("%s: %q is not one of %s", key, v, strings.Join(allowed, ", "))
		}
	}
	return vs, nil
}

// interval picks the time-series bucket for a range: about 50-300 points.
func (f Filter) interval() (name, expr string) {
	switch d := f.To.Sub(f.From); {
	case d <= 25*time.Hour:
		return "5m", "bucket"
	case d <= 8*24*time.Hour:
		return "1h", "toStartOfHour(bucket)"
	default:
		return "1d", "toStartOfDay(bucket)"
	}
}

// previous is the same-length period right before f, for trends.
func (f Filter) previous() Filter {
	p := f
	p.From, p.To = f.From.Add(-f.To.Sub(f.From)), f.From
	return p
}

func in(col string, vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return " AND " + col + " IN " + store.QuoteList(vs)
}

// dims is the condition on the non-label dimensions, common to every table
// that has brand, source and lang columns.
func (f Filter) dims() string {
	return in("brand", f.Brands) + in("source", f.Sources) + in("lang", f.Langs)
}

// labels is the condition on the (possibly corrected) labels.
func (f Filter) labels() string {
	return in("touchpoint", f.Touchpoints) + in("sentiment", f.Sentiments) + in("journey_stage", f.JourneyStage)
}

// matches reports whether one brand's labels of a mention pass f's brand
// and label filters (the other filters are the post's, not the brand's).
func (f Filter) matches(l BrandLabel) bool {
	ok := func(vs []string, v string) bool { return len(vs) == 0 || slices.Contains(vs, v) }
	return ok(f.Brands, l.Brand) && ok(f.Sentiments, l.Sentiment) && ok(f.Touchpoints, l.Touchpoint) && ok(f.JourneyStage, l.JourneyStage)
}

// rollup returns a subquery over the rollups with label corrections
// applied: each corrected mention moves from its original cell (−1) to its
// corrected one (+1). Columns: bucket, brand, source, lang, touchpoint,
// journey_stage, sentiment, n, reach, engagement, score_sum. Filters are
// applied inside each branch so old servers, which do not push conditions
// into UNION ALL, still read only the range's parts. daily and cuts are
// rollupRows's: whether buckets may be whole days, and where they must not
// straddle.
func (s *Server) rollup(ctx context.Context, f Filter, daily bool, cuts ...time.Time) string {
	// The five-minute rollup's buckets: the range is aligned to them, which
	// the UI's ranges are.
	rng := " bucket >= " + store.Time(f.From) + " AND bucket < " + store.Time(f.To)
	where := " WHERE" + rng + f.dims() + f.labels()
	corrWhere := " WHERE" + rng + f.dims()
	// The rollups hold no text: a search counts the matching rows.
	rows := s.searchRows(f)
	if f.Search == "" {
		rows = s.rollupRows(ctx, f, daily, cuts...)
	}
	// Without a correction in the range there is nothing to overlay, and a
	// count finds that out for less than the engine spends planning the
	// overlay's four subqueries (chDB 26.7: 1.5 ms against some 25 ms for a
	// summary). A correction stored between the two queries shows from the
	// next request on.
	if !s.correctionsIn(ctx, corrWhere) {
		return rows
	}
	if f.Search != "" {
		// A search overlays the corrections of the matching rows only. It
		// runs on the corrected mentions' rows alone (the inner IN comes
		// first).
		corrected := "SELECT mention_id FROM " + s.store.Table("label_corrections") + corrWhere
		corrWhere += " AND mention_id IN (SELECT mention_id FROM " + s.store.Table("mentions") +
			" WHERE published_at >= " + store.Time(f.From) + " AND published_at < " + store.Time(f.To) + f.dims() +
			" AND mention_id IN (" + corrected + ")" + f.Search + ")"
	}
	corr := s.latestCorrections(corrWhere)
	return rows +
		" UNION ALL SELECT c_bucket AS bucket, brand, c_source AS source, c_lang AS lang, orig_touchpoint AS touchpoint, orig_journey_stage AS journey_stage," +
		" orig_sentiment AS sentiment, toInt64(-1) AS n, -toInt64(c_reach) AS reach, -toInt64(c_engagement) AS engagement," +
		" toFloat64(0) AS score_sum FROM (" + corr + ")" + where +
		" UNION ALL SELECT c_bucket AS bucket, brand, c_source AS source, c_lang AS lang, new_touchpoint AS touchpoint, new_journey_stage AS journey_stage," +
		" new_sentiment AS sentiment, toInt64(1) AS n, toInt64(c_reach) AS reach, toInt64(c_engagement) AS engagement," +
		" toFloat64(0) AS score_sum FROM (" + corr + ")" + where
}

// correctionsIn reports whether label_corrections has a row matching
// where; when it cannot tell, it says yes (the overlay is then read).
func (s *Server) correctionsIn(ctx context.Context, where string) bool {
	n, err := s.countCorrections(ctx, where)
	if err != nil && ctx.Err() == nil {
		s.log.Warn("web: corrections not counted; overlaid", "err", err)
	}
	return err != nil || n > 0
}

// countCorrections counts the rows of label_corrections matching where.
func (s *Server) countCorrections(ctx context.Context, where string) (int, error) {
	c, err := queryAs[struct{ N num }](ctx, s, "SELECT count() AS n FROM "+s.store.Table("label_corrections")+where)
	if err != nil {
		return 0, err
	}
	return int(c[0].N), nil
}

// searchRows selects the mention rows of f (search included) with the
// rollup's columns, one row each, bucketed by five minutes as the rollup.
func (s *Server) searchRows(f Filter) string {
	return "SELECT toStartOfFiveMinute(published_at) AS bucket, brand, source, lang, touchpoint, journey_stage, sentiment," +
		" toInt64(1) AS n, toInt64(author_followers) AS reach, toInt64(likes + reposts + replies) AS engagement," +
		" toFloat64(sentiment_score) AS score_sum FROM " + s.store.Table("mentions") + " WHERE published_at >= " + store.Time(f.From) +
		" AND published_at < " + store.Time(f.To) + f.dims() + f.labels() + f.Search
}

// latestCorrections selects the newest correction per mention × brand.
func (s *Server) latestCorrections(where string) string {
	return "SELECT mention_id, brand, argMax(bucket, version) AS c_bucket, argMax(published_at, version) AS c_published_at," +
		" argMax(source, version) AS c_source, argMax(lang, version) AS c_lang, argMax(reach, version) AS c_reach," +
		" argMax(engagement, version) AS c_engagement, argMax(orig_sentiment, version) AS orig_sentiment," +
		" argMax(orig_touchpoint, version) AS orig_touchpoint, argMax(orig_journey_stage, version) AS orig_journey_stage," +
		" argMax(new_sentiment, version) AS new_sentiment, argMax(new_touchpoint, version) AS new_touchpoint," +
		" argMax(new_journey_stage, version) AS new_journey_stage, argMax(corrected_by, version) AS c_by," +
		" argMax(note, version) AS c_note, max(corrected_at) AS c_at FROM " + s.store.Table("label_corrections") +
		where + " GROUP BY mention_id, brand"
}

// matchingRows returns a query for the stored mention rows (newest version
// of each mention × brand) in f's range with label corrections overlaid
// that match f, unordered. It reads only light columns; callers fetch the
// full rows for the keys it returns (fetchRows), which keeps lists fast on
// large ranges. f's search narrows the raw rows. Label filters
// apply to each row's own corrected labels, so with a brand filter only the
// filtered brands' labels decide. Without corrections in f's range and
// dimensions (corrected false), there is nothing to overlay, and the
// corrections are not read.
//
// The inner query keeps only the first n rows in order (a partial sort)
// before deduplicating and joining: callers ask for enough for their page
// plus one row per stored correction (a corrected row may drop out of a
// label filter) plus slack for versions not yet merged away.
func (s *Server) matchingRows(f Filter, order string, n int, corrected bool) string {
	rng := " published_at >= " + store.Time(f.From) + " AND published_at < " + store.Time(f.To)
	where := " WHERE" + rng + f.dims() + f.Search
	switch l := f.labels(); {
	case !corrected:
		where += l
	case l != "":
		where += " AND (1" + l + " OR mention_id IN (SELECT mention_id FROM " + s.store.Table("label_corrections") + " WHERE" + rng + "))"
	}
	// The first n rows in order have the order's first key at least (or,
	// ascending, at most) the n-th's: found from that column alone, the
	// bound lets the engine read the other columns of only the granules
	// with such rows (PREWHERE) instead of every row's in the range. Ties
	// with the n-th are kept, so the n rows are exactly those of the order.
	// (The bound of no row is the type's zero; then no row matches either.)
	key, desc := firstKey(order)
	bound, cmp := "min", " >= "
	if !desc {
		bound, cmp = "max", " <= "
	}
	inner := "SELECT mention_id, brand, published_at, author_followers, sentiment_score, likes + reposts + replies AS engagement," +
		" sentiment AS orig_sentiment, touchpoint AS orig_touchpoint, journey_stage AS orig_journey_stage, version FROM " +
		s.store.Table("mentions") + " PREWHERE " + key + cmp + "(SELECT " + bound + "(k) FROM (SELECT " + key + " AS k FROM " +
		s.store.Table("mentions") + where + " ORDER BY k" + map[bool]string{true: " DESC", false: ""}[desc] + " LIMIT " + strconv.Itoa(n) + "))" +
		where
	newest := "SELECT * FROM (" + inner + " ORDER BY " + order + ", version DESC LIMIT " + strconv.Itoa(n) +
		") ORDER BY version DESC LIMIT 1 BY mention_id, brand"
	// Aliases never reuse a column name from the same scope: old servers
	// report such expressions as cyclic aliases.
	if !corrected {
		return "SELECT mention_id, brand, published_at, author_followers, sentiment_score, engagement, orig_sentiment AS sentiment," +
			" orig_touchpoint AS touchpoint, orig_journey_stage AS journey_stage, toUInt8(0) AS corrected, orig_sentiment, orig_touchpoint," +
			" orig_journey_stage FROM (" + newest + ")"
	}
	return "SELECT * FROM (SELECT mention_id, brand, published_at, author_followers, sentiment_score, engagement," +
		" if(new_sentiment != '', new_sentiment, orig_sentiment) AS sentiment," +
		" if(new_touchpoint != '', new_touchpoint, orig_touchpoint) AS touchpoint," +
		" if(new_journey_stage != '', new_journey_stage, orig_journey_stage) AS journey_stage," +
		" new_sentiment != '' AS corrected, orig_sentiment, orig_touchpoint, orig_journey_stage FROM (" + newest + ") AS m" +
		" ANY LEFT JOIN (SELECT mention_id, brand, new_sentiment, new_touchpoint, new_journey_stage FROM (" +
		s.latestCorrections(" WHERE"+rng+f.dims()) + ")) AS c USING (mention_id, brand))" +
		" WHERE 1" + f.labels()
}

// firstKey returns the expression of order's first key on the mentions
// table's columns and whether it is descending.
func firstKey(order string) (expr string, desc bool) {
	first, _, _ := strings.Cut(order, ",")
	expr, desc = strings.CutSuffix(strings.TrimSpace(first), " DESC")
	if expr == "engagement" { // an alias of the lists' queries
		expr = "likes + reposts + replies"
	}
	return expr, desc
}

// page is the ORDER BY, LIMIT and OFFSET of a list query.
func page(order string, limit, offset int) string {
	return " ORDER BY " + order + " LIMIT " + strconv.Itoa(limit) + " OFFSET " + strconv.Itoa(offset)
}

// mentionKeys returns a query for the matching mention × brand rows
// (matchingRows) ordered by order and cut to limit/offset: the rows of an
// export.
func (s *Server) mentionKeys(f Filter, order string, limit, offset, corrections int) string {
	return s.matchingRows(f, order, 2*(offset+limit)+corrections+10, corrections > 0) + page(order, limit, offset)
}

// postKeys returns a query for the mentions (posts) with at least one
// matching brand row, one row each (mention_id, published_at,
// author_followers, engagement, and sentiment_score: the most negative of
// its matching rows), ordered by order and cut to limit/offset: the items of
// a list. A post's rows come in order next to each other (they share the
// time, reach and engagement) or, sorted by score, its most negative row
// first, so the first rows in order hold the first posts; perPost is how
// many rows a post may have.
func (s *Server) postKeys(f Filter, order string, limit, offset, corrections, perPost int) string {
	rows := s.matchingRows(f, order, 2*(offset+limit)*perPost+corrections+10, corrections > 0)
	return "SELECT mention_id, published_at, author_followers, engagement, min_score AS sentiment_score FROM" +
		" (SELECT mention_id, published_at, author_followers, engagement, min(sentiment_score) AS min_score FROM (" + rows +
		") GROUP BY mention_id, published_at, author_followers, engagement)" + page(order, limit, offset)
}

// num decodes a JSON number that an engine may send quoted (64-bit ints).
type num float64

func (n *num) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	*n = num(v)
	return err
}

// decodeRows unmarshals Store.Query rows into T. Top-level keys lose their
// underscores first, so snake_case columns fill CamelCase fields through
// encoding/json's case-insensitive matching (author_followers →
// AuthorFollowers) without a tag on every row struct. The keys are
// rewritten in the row's bytes (foldKeys), so a row is decoded once.
func decodeRows[T any](rows []json.RawMessage) ([]T, error) {
	out := make([]T, len(rows))
	var buf []byte
	for i, r := range rows {
		buf = foldKeys(buf[:0], r)
		if err := json.Unmarshal(buf, &out[i]); err != nil {
			return nil, fmt.Errorf("decode row %.200s: %w", r, err)
		}
	}
	return out, nil
}

// foldKeys appends the JSON object obj to dst with the underscores dropped
// from its top-level keys; values and nested objects are copied as they
// are. obj is an engine's output, valid JSON.
func foldKeys(dst, obj []byte) []byte {
	depth := 0
	inString, inKey, keyNext := false, false, false
	for i := 0; i < len(obj); i++ {
		c := obj[i]
		switch {
		case inString:
			switch c {
			case '\\': // copy the escaped byte too
				if i+1 < len(obj) {
					dst = append(dst, c)
					i++
					c = obj[i]
				}
			case '"':
				inString, inKey = false, false
			case '_':
				if inKey {
					continue
				}
			}
		case c == '"':
			inString, inKey, keyNext = true, keyNext, false
		case c == '{' || c == '[':
			depth++
			keyNext = c == '{' && depth == 1
		case c == '}' || c == ']':
			depth--
		case c == ',':
			keyNext = depth == 1
		}
		dst = append(dst, c)
	}
	return dst
}
