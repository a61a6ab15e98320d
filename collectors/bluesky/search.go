package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

const (
	searchLimit = 100 // searchPosts' maximum page size
	// searchOverlap is searched again below the newest post seen, for posts
	// the search index takes in late; seen ones are skipped.
	searchOverlap = 2 * time.Minute
	// searchSeenCap bounds the post URIs remembered per query.
	searchSeenCap = 1000
)

// searcher runs the searchPosts backfill with an app-password session.
type searcher struct {
	http       *collector.HTTP
	log        *slog.Logger
	service    *url.URL // PDS or entryway: sessions
	appview    *url.URL // searchPosts
	identifier string
	password   string
	queries    []string
	backfill   time.Duration
	maxPages   int
	match      Matcher
	// sess is kept across passes and reconnects: createSession is rate
	// limited hard (30 per 5 minutes, 300 a day).
	sess *session
}

type session struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	DID        string `json:"did"`
}

// searchPos is one query's backfill cursor.
type searchPos struct {
	// Mark is the newest indexedAt (or createdAt, when earlier) seen.
	Mark time.Time `json:"mark"`
	// Gap is a range a pass did not reach (max_pages, or a failure); it is
	// searched first next time.
	Gap *span `json:"gap,omitempty"`
	// Seen holds recently emitted post URIs, so the overlap is not emitted twice.
	Seen []string `json:"seen,omitempty"`
}

// span is a searchPosts since/until range (until zero: up to now).
type span struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until,omitzero"`
}

// run searches every query since its mark, emitting new matching posts
// oldest first and checkpointing after each query. One failing query does
// not stop the others.
func (s *searcher) run(ctx context.Context, cur *cursor, out collector.Output) error {
	if cur.Search == nil {
		cur.Search = map[string]*searchPos{}
	}
	var errs []error
	for _, q := range s.queries {
		pos := cur.Search[q]
		if pos == nil {
			pos = &searchPos{}
			cur.Search[q] = pos
		}
		err := s.query(ctx, q, pos, out)
		if cerr := collector.CheckpointJSON(out, cur); cerr != nil {
			return cerr
		}
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, fmt.Errorf("query %q: %w", q, err))
		}
	}
	return errors.Join(errs...)
}

// query works off pos's gap, then searches from the mark (less an overlap)
// to now, within max_pages requests; what it does not reach becomes the gap.
func (s *searcher) query(ctx context.Context, q string, pos *searchPos, out collector.Output) error {
	pages := s.maxPages
	var posts []PostView
	var err error
	if pos.Gap != nil {
		posts, pos.Gap, err = s.fetch(ctx, q, *pos.Gap, &pages)
	}
	if err == nil && pos.Gap == nil && pages > 0 {
		since := pos.Mark.Add(-searchOverlap)
		if pos.Mark.IsZero() {
			since = time.Now().Add(-s.backfill)
		}
		var newer []PostView
		newer, pos.Gap, err = s.fetch(ctx, q, span{Since: since}, &pages)
		for _, p := range newer {
			if t := p.sortTime(); t.After(pos.Mark) {
				pos.Mark = t
			}
		}
		posts = append(posts, newer...)
	}
	if pos.Gap != nil && err == nil {
		s.log.Info("searchPosts backfill reached max_pages; the rest follows next time", "query", q,
			"since", pos.Gap.Since, "until", pos.Gap.Until)
	}
	slices.SortStableFunc(posts, func(a, b PostView) int { return a.sortTime().Compare(b.sortTime()) })
	seen := collector.NewSeen(pos.Seen, searchSeenCap)
	for i := range posts {
		p := &posts[i]
		if seen.Has(p.URI) {
			out.Skip("seen")
			continue
		}
		if p.URI != "" {
			seen.Add(p.URI)
		}
		ev, perr := s.match.Post(p)
		if derr := deliver(out, ev, perr); derr != nil {
			return derr
		}
	}
	pos.Seen = seen.Keys()
	return err
}

// fetch pages through sp newest first, spending at most *pages requests,
// and returns the posts and the part of sp not reached (nil when done).
func (s *searcher) fetch(ctx context.Context, q string, sp span, pages *int) ([]PostView, *span, error) {
	var posts []PostView
	rest := func() *span {
		r := sp
		for _, p := range posts {
			// until is exclusive: keep the oldest second reached; the
			// seen set drops what is fetched twice. A post without a time
			// has no place in the range.
			if p.sortTime().IsZero() {
				continue
			}
			if t := p.sortTime().Truncate(time.Second).Add(time.Second); r.Until.IsZero() || t.Before(r.Until) {
				r.Until = t
			}
		}
		return &r
	}
	pageCursor := ""
	for {
		if *pages <= 0 {
			return posts, rest(), nil
		}
		*pages--
		res, err := s.searchPage(ctx, q, sp, pageCursor)
		if err != nil {
			return posts, rest(), err
		}
		posts = append(posts, res.Read(time.Now())...)
		if res.Cursor == "" || len(res.Posts) == 0 {
			return posts, nil, nil
		}
		pageCursor = res.Cursor
	}
}

// SearchResult is app.bsky.feed.searchPosts' output as sent; Read reads
// its posts.
type SearchResult struct {
	Cursor    string            `json:"cursor"`
	HitsTotal int64             `json:"hitsTotal"`
	Posts     []json.RawMessage `json:"posts"`
}

// Read reads each post on its own, so that one of the wrong shape (a field
// of another JSON type) costs only itself: it keeps the fields that could
// be read, and Matcher.Post decides whether it was one to keep.
func (r *SearchResult) Read(fetched time.Time) []PostView {
	posts := make([]PostView, len(r.Posts))
	for i, raw := range r.Posts {
		p := &posts[i]
		if err := json.Unmarshal(raw, p); err != nil {
			p.Err = fmt.Errorf("search result %d: %w", i, err)
		}
		p.Fetched = fetched
	}
	return posts
}

// PostView is app.bsky.feed.defs#postView, the parts used here.
type PostView struct {
	URI    string `json:"uri"`
	CID    string `json:"cid"`
	Author struct {
		DID         string `json:"did"`
		Handle      string `json:"handle"`
		DisplayName string `json:"displayName"`
	} `json:"author"`
	Record      postRecord `json:"record"`
	IndexedAt   string     `json:"indexedAt"`
	LikeCount   int64      `json:"likeCount"`
	RepostCount int64      `json:"repostCount"`
	ReplyCount  int64      `json:"replyCount"`
	QuoteCount  int64      `json:"quoteCount"`

	// Set by SearchResult.Read, not sent by Bluesky.

	// Err says why the post did not decode whole.
	Err error `json:"-"`
	// Fetched is when the page was fetched: the time of a post without a
	// usable createdAt or indexedAt.
	Fetched time.Time `json:"-"`
}

// sortTime approximates the index's sortAt: the earlier of indexedAt and a
// plausible createdAt (zero when neither parses).
func (p *PostView) sortTime() time.Time {
	idx, _ := time.Parse(time.RFC3339Nano, p.IndexedAt)
	created, err := time.Parse(time.RFC3339Nano, p.Record.CreatedAt)
	if err != nil || created.Year() < 2022 || !idx.IsZero() && created.After(idx) {
		return idx.UTC()
	}
	return created.UTC()
}

// Post normalises a searchPosts result like the Jetstream event of the same
// post (same id, URL, text, time and author), plus the engagement counts
// and display name only the AppView knows. Posts the stream would not keep
// (language, no keyword or hashtag match) are skipped with a reason; one
// that would be kept but did not decode whole, or has no post URI, is an
// error. A post's time is its createdAt, else indexedAt, else the fetch time.
func (m Matcher) Post(p *PostView) (Event, error) {
	did, rkey, ok := splitPostURI(p.URI)
	switch {
	case !ok && p.Err != nil:
		return Event{}, p.Err
	case !ok:
		return Event{}, fmt.Errorf("search result: uri %q is not a post's at:// URI", p.URI)
	case !m.langOK(p.Record.Langs):
		return Event{Skip: "language"}, nil
	case !m.matches(&p.Record):
		return Event{Skip: "no match"}, nil
	case p.Err != nil:
		return Event{}, fmt.Errorf("post %s: %w", p.URI, p.Err)
	}
	seen, what := p.Fetched, "the fetch time"
	if indexed, err := time.Parse(time.RFC3339Nano, p.IndexedAt); err == nil {
		seen, what = indexed, "indexedAt"
	}
	var ev Event
	var terr error
	if ev.Mention, terr = normalise(did, rkey, &p.Record, seen); terr != nil {
		ev.Estimated = fmt.Errorf("post %s: %w; stored with %s", p.URI, terr, what)
	}
	ev.Mention.Author.Name = strings.TrimSpace(p.Author.DisplayName)
	ev.Mention.Engagement = mention.Engagement{Likes: max(p.LikeCount, 0), Reposts: max(p.RepostCount+p.QuoteCount, 0), Replies: max(p.ReplyCount, 0)}
	return ev, nil
}

// splitPostURI splits at://did/app.bsky.feed.post/rkey.
func splitPostURI(uri string) (did, rkey string, ok bool) {
	rest, ok := strings.CutPrefix(uri, "at://")
	if !ok {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] != postCollection || !strings.HasPrefix(parts[0], "did:") || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

func (s *searcher) searchPage(ctx context.Context, q string, sp span, pageCursor string) (*SearchResult, error) {
	u := *s.appview.JoinPath("xrpc/app.bsky.feed.searchPosts")
	v := url.Values{"q": {q}, "sort": {"latest"}, "limit": {strconv.Itoa(searchLimit)}, "since": {sp.Since.UTC().Format(time.RFC3339)}}
	if !sp.Until.IsZero() {
		v.Set("until", sp.Until.UTC().Format(time.RFC3339))
	}
	if pageCursor != "" {
		v.Set("cursor", pageCursor)
	}
	u.RawQuery = v.Encode()
	var res SearchResult
	if err := s.authorized(ctx, func(h http.Header) error {
		_, err := s.http.GetJSON(ctx, u.String(), h, &res)
		return err
	}); err != nil {
		return nil, err
	}
	return &res, nil
}

// authorized calls do with the session's bearer token, logging in first if
// needed, and on an expired or invalid token refreshes the session (or logs
// in again) and retries once.
func (s *searcher) authorized(ctx context.Context, do func(http.Header) error) error {
	if s.sess == nil {
		if err := s.createSession(ctx); err != nil {
			return err
		}
	}
	err := do(bearer(s.sess.AccessJwt))
	if !tokenRejected(err) {
		return err
	}
	if rerr := s.refreshSession(ctx); rerr != nil {
		if !tokenRejected(rerr) {
			return rerr
		}
		if cerr := s.createSession(ctx); cerr != nil {
			return cerr
		}
	}
	return do(bearer(s.sess.AccessJwt))
}

func (s *searcher) createSession(ctx context.Context) error {
	var sess session
	in := map[string]string{"identifier": s.identifier, "password": s.password}
	if err := s.http.PostJSON(ctx, s.service.JoinPath("xrpc/com.atproto.server.createSession").String(), nil, in, &sess); err != nil {
		s.sess = nil
		return fmt.Errorf("bluesky login as %s: %w", s.identifier, err)
	}
	if sess.AccessJwt == "" {
		return fmt.Errorf("bluesky login as %s: no access token in the response", s.identifier)
	}
	s.sess = &sess
	return nil
}

func (s *searcher) refreshSession(ctx context.Context) error {
	var sess session
	if err := s.http.PostJSON(ctx, s.service.JoinPath("xrpc/com.atproto.server.refreshSession").String(), bearer(s.sess.RefreshJwt), nil, &sess); err != nil {
		return fmt.Errorf("bluesky session refresh: %w", err)
	}
	if sess.AccessJwt == "" {
		return errors.New("bluesky session refresh: no access token in the response")
	}
	s.sess = &sess
	return nil
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// tokenRejected reports an XRPC error saying the token expired or is
// invalid (HTTP 400 or 401 with error ExpiredToken or InvalidToken).
func tokenRejected(err error) bool {
	var se *collector.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest && se.Status != http.StatusUnauthorized {
		return false
	}
	return strings.Contains(se.Body, `"ExpiredToken"`) || strings.Contains(se.Body, `"InvalidToken"`)
}

// searchQueries are the searchPosts queries for the configured keywords and
// hashtags, deduplicated case-insensitively.
func searchQueries(keywords, hashtags []string) []string {
	var out []string
	add := func(q string) {
		if q != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, q) }) {
			out = append(out, q)
		}
	}
	for _, k := range keywords {
		add(strings.TrimSpace(k))
	}
	for _, h := range hashtags {
		if h = strings.TrimPrefix(strings.TrimSpace(h), "#"); h != "" {
			add("#" + h)
		}
	}
	return out
}
