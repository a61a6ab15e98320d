// Package forum collects posts from forums that have no API by reading
// their HTML pages with configurable CSS selectors: threads found on
// listing pages (search results, boards) and the posts of each thread
// page, with ready presets for Suomi24 keskustelu and Vauva.fi. It crawls
// politely: robots.txt is honoured, requests to a host are spaced, pages
// are asked for conditionally, and page caps bound a pass.
package forum

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time_zone works on hosts without a zoneinfo database

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("forum", New) }

// Options are the forum source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// Preset fills search_url, selectors and source for a known forum:
	// suomi24, vauva. Keys set here win over the preset's.
	Preset string `yaml:"preset"`
	// StartURLs are listing or thread pages read on every pass.
	StartURLs []string `yaml:"start_urls"`
	// SearchURL is a search page address with {query} where each of
	// Search goes, URL-escaped.
	SearchURL string   `yaml:"search_url"`
	Search    []string `yaml:"search"`
	// BaseURL replaces the scheme and host of the preset's search URL (a
	// mirror, a test server).
	BaseURL   string    `yaml:"base_url"`
	Selectors Selectors `yaml:"selectors"`
	// TimeLocale names the words of shown times: fi (default), en.
	TimeLocale string `yaml:"time_locale"`
	// TimeLayouts are Go time layouts tried first on shown times.
	TimeLayouts []string `yaml:"time_layouts"`
	// TimeZone is the zone of times shown without one (default
	// Europe/Helsinki).
	TimeZone string `yaml:"time_zone"`
	// Source is the mentions' source (default: the preset, else "forum").
	Source string `yaml:"source"`
	// Rate is the least time between two requests to a host (default 2s);
	// a longer Crawl-delay in robots.txt wins.
	Rate *time.Duration `yaml:"rate"`
	// MaxPages bounds the pages fetched in a pass (default 30);
	// MaxThreadPages the pages of one thread in a pass (default 10).
	MaxPages       int `yaml:"max_pages"`
	MaxThreadPages int `yaml:"max_thread_pages"`
	// MaxDepth is how many links deep from a start page threads are
	// followed (default 1: a listing's threads).
	MaxDepth *int `yaml:"max_depth"`
	// Remember is how many post ids the cursor keeps (default 5000);
	// RememberPages how many pages' validators and threads' positions
	// (default 500 each).
	Remember      int `yaml:"remember"`
	RememberPages int `yaml:"remember_pages"`
}

// Collector reads one forum.
type Collector struct {
	source         string
	starts         []*url.URL
	parser         *Parser
	web            *polite
	log            *slog.Logger
	maxPages       int
	maxThreadPages int
	maxDepth       int
	remember       int
	rememberPages  int
}

// New builds a forum collector.
func New(env *collector.Env, o Options) (*Collector, error) {
	var pre preset
	if o.Preset != "" {
		p, ok := presets[o.Preset]
		if !ok {
			return nil, fmt.Errorf("preset: %q is not one of %s, %s", o.Preset, PresetSuomi24, PresetVauva)
		}
		pre = p
	}
	h, err := env.HTTP(o.HTTPOptions)
	if err != nil {
		return nil, err
	}
	sel := o.Selectors.merge(pre.selectors)
	if sel.Posts == "" {
		return nil, errors.New("selectors.posts: required (the CSS selector of a post), or choose a preset")
	}
	cs, err := compile(sel)
	if err != nil {
		return nil, err
	}
	times, err := o.timeParser()
	if err != nil {
		return nil, err
	}
	starts, err := o.startURLs(h, pre)
	if err != nil {
		return nil, err
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Collector{
		source: firstOf(o.Source, pre.source, "forum"), starts: starts,
		parser: &Parser{sel: cs, times: times}, log: logger,
		maxPages: positive(o.MaxPages, 30), maxThreadPages: positive(o.MaxThreadPages, 10),
		maxDepth: 1, remember: positive(o.Remember, 5000), rememberPages: positive(o.RememberPages, 500),
	}
	if o.MaxDepth != nil {
		if *o.MaxDepth < 0 {
			return nil, errors.New("max_depth: must not be negative")
		}
		c.maxDepth = *o.MaxDepth
	}
	every := 2 * time.Second
	if o.Rate != nil {
		if *o.Rate < 0 {
			return nil, errors.New("rate: must not be negative")
		}
		every = *o.Rate
	}
	c.web = &polite{http: h, clock: realClock{}, log: logger, agent: firstOf(productToken(o.UserAgent), "ewom"),
		every: every, last: map[string]time.Time{}, hosts: map[string]hostRobots{}}
	return c, nil
}

func (o Options) timeParser() (timeParser, error) {
	name := firstOf(o.TimeLocale, "fi")
	loc, ok := locales[name]
	if !ok {
		return timeParser{}, fmt.Errorf("time_locale: %q is not one of fi, en", name)
	}
	zone, err := time.LoadLocation(firstOf(o.TimeZone, "Europe/Helsinki"))
	if err != nil {
		return timeParser{}, fmt.Errorf("time_zone: %w", err)
	}
	return timeParser{loc: loc, zone: zone, layouts: o.TimeLayouts}, nil
}

// startURLs checks the start URLs and builds one search URL per term.
func (o Options) startURLs(h *collector.HTTP, pre preset) ([]*url.URL, error) {
	var out []*url.URL
	for i, raw := range o.StartURLs {
		u, err := h.CheckURL(raw)
		if err != nil {
			return nil, fmt.Errorf("start_urls[%d]: %w", i, err)
		}
		out = append(out, u)
	}
	tmpl := firstOf(o.SearchURL, pre.searchURL)
	if o.BaseURL != "" && o.SearchURL == "" && tmpl != "" {
		base, err := h.CheckBaseURL("base_url", o.BaseURL)
		if err != nil {
			return nil, err
		}
		t, err := url.Parse(tmpl)
		if err != nil {
			return nil, fmt.Errorf("search_url: %w", err)
		}
		t.Scheme, t.Host = base.Scheme, base.Host
		tmpl = strings.Replace(t.String(), "%7Bquery%7D", "{query}", 1)
	}
	if len(o.Search) > 0 {
		switch {
		case tmpl == "":
			return nil, errors.New("search_url: required with search (a search page address with {query}), or choose a preset")
		case !strings.Contains(tmpl, "{query}"):
			return nil, fmt.Errorf("search_url: %q has no {query} for the search terms", tmpl)
		}
	}
	for i, term := range o.Search {
		u, err := h.CheckURL(searchURL(tmpl, term))
		if err != nil {
			return nil, fmt.Errorf("search[%d]: %w", i, err)
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, errors.New("start_urls or search: give the pages to read (listings or threads) or search terms")
	}
	return out, nil
}

// searchURL puts term into the template's {query}, escaped for where it
// stands: the query string or the path.
func searchURL(tmpl, term string) string {
	at := strings.Index(tmpl, "{query}")
	if q := strings.IndexByte(tmpl, '?'); q >= 0 && q < at {
		return strings.Replace(tmpl, "{query}", url.QueryEscape(term), 1)
	}
	return strings.Replace(tmpl, "{query}", url.PathEscape(term), 1)
}

// Collect reads the start pages, the threads their listings link to and
// the threads' pages, and emits the posts not stored before.
func (c *Collector) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	var cur cursor
	if err := collector.LoadCursor(raw, &cur); err != nil {
		return err
	}
	w := &walker{
		c: c, out: out, seen: collector.NewSeen(cur.Seen, c.remember),
		pages:   newLRU(cur.Pages, c.rememberPages, func(p pageState) string { return p.URL }),
		threads: newLRU(cur.Threads, c.rememberPages, func(t threadState) string { return t.Entry }),
		visited: map[string]bool{}, budget: c.maxPages,
	}
	var errs []error
	for _, u := range c.starts {
		_, err := w.chain(ctx, u, 0)
		if err == nil {
			continue
		}
		var stop *stopError
		if errors.As(err, &stop) {
			return err // publishing or saving failed: nothing more is covered
		}
		if errors.Is(err, errBudget) {
			c.log.Info("page budget of the pass used up; the rest waits for the next pass", "max_pages", c.maxPages)
			break
		}
		errs = append(errs, err)
		if mustStop(ctx, err) {
			break
		}
	}
	if err := w.checkpoint(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// errBudget ends a pass that has fetched max_pages pages.
var errBudget = errors.New("page budget used up")

// stopError is a failure that must end the pass without saving the
// cursor: the publisher or the cursor store failed.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

// mustStop reports whether err ends the pass rather than one thread: a
// rate limit, shutdown, the page budget, a publishing failure.
func mustStop(ctx context.Context, err error) bool {
	var stop *stopError
	_, limited := collector.RetryAfter(err, time.Now())
	return limited || ctx.Err() != nil || errors.Is(err, errBudget) || errors.As(err, &stop)
}

// walker is one pass over a forum.
type walker struct {
	c       *Collector
	out     collector.Output
	seen    *collector.Seen
	pages   *lru[pageState]
	threads *lru[threadState]
	// visited are the pages fetched in this pass, each once.
	visited map[string]bool
	budget  int
}

func (w *walker) checkpoint() error {
	err := collector.CheckpointJSON(w.out, cursor{Seen: w.seen.Keys(), Pages: w.pages.items(), Threads: w.threads.items()})
	if err != nil {
		return &stopError{err}
	}
	return nil
}

// chain reads the pages of one thread or listing, from entry along its
// next-page links. A thread is read from where the last pass left it (its
// last page) up to max_thread_pages pages; a listing's threads are read
// when depth allows, and its next page only when its threads held new
// posts. It returns how many posts were new.
func (w *walker) chain(ctx context.Context, entry *url.URL, depth int) (fresh int, err error) {
	key := entry.String()
	th, isThread := w.threads.get(key)
	threadURL, page := entry, entry
	if u, err := url.Parse(th.URL); th.URL != "" && err == nil {
		threadURL = u
	}
	if u, err := url.Parse(th.Resume); th.Resume != "" && err == nil {
		page = u
	}
	resume := page
	defer func() {
		if isThread {
			st := threadState{Entry: key}
			if threadURL.String() != key {
				st.URL = threadURL.String()
			}
			if resume.String() != key {
				st.Resume = resume.String()
			}
			w.threads.put(st)
		}
	}()
	for read := 0; page != nil; read++ {
		if isThread && read >= w.c.maxThreadPages {
			resume = page // the next pass goes on from here
			return fresh, nil
		}
		if w.visited[page.String()] {
			return fresh, nil
		}
		if w.budget == 0 {
			resume = page
			return fresh, errBudget
		}
		w.visited[page.String()] = true
		w.budget--
		pg, state, err := w.fetch(ctx, page)
		var gone *collector.StatusError
		switch {
		case errors.Is(err, errDisallowed) && read > 0:
			w.out.Skip("disallowed") // a next page robots.txt keeps out
			return fresh, nil
		case errors.As(err, &gone) && (gone.Status == http.StatusNotFound || gone.Status == http.StatusGone) && read == 0 && page.String() != key:
			// The page the thread was to go on from is gone (posts
			// removed, pages renumbered): start again from its first.
			page, resume = entry, entry
			continue
		case err != nil:
			return fresh, err
		}
		var next *url.URL
		if pg == nil { // 304 Not Modified
			if !isThread {
				return fresh, nil // an unchanged listing has nothing new
			}
			if state.Next != "" {
				next, _ = url.Parse(state.Next)
			}
		} else {
			next = pg.Next
			if page.String() == key && pg.Canonical != nil && pg.Canonical.Host == entry.Host {
				threadURL = pg.Canonical
			}
			switch {
			case len(pg.Posts) > 0:
				isThread = true
				n, err := w.emit(pg, threadURL, page, page.String() == key)
				fresh += n
				if err != nil {
					return fresh, err
				}
				w.remember(state)
			case depth < w.c.maxDepth:
				n, complete, err := w.listing(ctx, pg, page, depth)
				fresh += n
				if complete {
					// Only a listing whose threads were all read may
					// answer 304 next time: one cut short is read again.
					w.remember(state)
				}
				if err != nil || n == 0 {
					return fresh, err // later listing pages hold older threads
				}
			default:
				return fresh, nil
			}
		}
		if isThread {
			resume = page
		}
		if next != nil && next.Host != page.Host {
			next = nil // other hosts are not followed
		}
		page = next
	}
	return fresh, nil
}

// listing reads the threads a listing page links to; one that fails is
// reported and the others are read. complete is false when one failed or
// the pass was cut short.
func (w *walker) listing(ctx context.Context, pg *Page, at *url.URL, depth int) (fresh int, complete bool, err error) {
	complete = true
	for _, link := range pg.ThreadLinks {
		if link.Host != at.Host {
			continue
		}
		n, err := w.chain(ctx, link, depth+1)
		fresh += n
		if cerr := w.checkpoint(); cerr != nil {
			return fresh, false, cerr
		}
		switch {
		case err == nil:
		case errors.Is(err, errDisallowed):
			w.out.Skip("disallowed")
		case mustStop(ctx, err):
			return fresh, false, err
		default:
			complete = false
			w.out.Warn("page", fmt.Errorf("thread %s (linked from %s): %w", collector.RedactURL(link), collector.RedactURL(at), err))
		}
	}
	return fresh, complete, nil
}

// fetch gets a page, conditionally when the cursor holds its validators.
// It returns the parsed page and the state to remember for it (zero when
// the server sent no validators), or nil and the page's stored state when
// the page has not changed (304).
func (w *walker) fetch(ctx context.Context, u *url.URL) (*Page, pageState, error) {
	key := u.String()
	st, known := w.pages.get(key)
	h := http.Header{"Accept": {"text/html, application/xhtml+xml;q=0.9, */*;q=0.5"}}
	if known {
		if st.ETag != "" {
			h.Set("If-None-Match", st.ETag)
		}
		if st.LastModified != "" {
			h.Set("If-Modified-Since", st.LastModified)
		}
	}
	resp, err := w.c.web.get(ctx, u, h)
	if err != nil {
		return nil, pageState{}, err
	}
	defer resp.Body.Close()
	target := collector.RedactURL(resp.Request.URL)
	if resp.StatusCode == http.StatusNotModified {
		if !known {
			return nil, pageState{}, fmt.Errorf("GET %s: 304 Not Modified to an unconditional request", target)
		}
		return nil, st, nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, pageState{}, fmt.Errorf("GET %s: reading body: %w", target, err)
	}
	pg, err := w.c.parser.Parse(body, resp.Header.Get("Content-Type"), resp.Request.URL, w.c.web.clock.Now())
	if err != nil {
		return nil, pageState{}, fmt.Errorf("GET %s: %w", target, err)
	}
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" && lm == "" {
		return pg, pageState{}, nil
	}
	st = pageState{URL: key, ETag: etag, LastModified: lm}
	if pg.Next != nil {
		st.Next = pg.Next.String()
	}
	if pg.Canonical != nil {
		st.Canonical = pg.Canonical.String()
	}
	return pg, st, nil
}

// remember keeps a page's validators for the next pass's conditional
// request.
func (w *walker) remember(st pageState) {
	if st.URL != "" {
		w.pages.put(st)
	}
}

// emit emits the posts of a thread page not stored before and returns how
// many were new. A post without text is skipped as malformed; one whose
// time cannot be read is stored with the fetch time, flagged.
func (w *walker) emit(pg *Page, threadURL, pageURL *url.URL, firstPage bool) (int, error) {
	fetched := w.c.web.clock.Now()
	target := collector.RedactURL(pageURL)
	fresh := 0
	for i, p := range pg.Posts {
		m := w.c.mention(p, pg, threadURL, pageURL, firstPage && i == 0)
		key := seenKey(m)
		if w.seen.Has(key) {
			w.out.Skip("seen")
			continue
		}
		fresh++
		switch {
		case p.Err != nil:
			w.out.SkipBad(fmt.Errorf("GET %s: post %d (%s): %w", target, i, m.ID, p.Err))
		case m.Text == "":
			w.out.Skip("empty") // no text (an image, a removed post's empty box)
		default:
			if p.TimeErr != nil {
				collector.EstimatePublished(m, fetched)
				w.out.Warn("estimated_time", fmt.Errorf("GET %s: post %d (%s): time %w; stored with the fetch time", target, i, m.ID, p.TimeErr))
			}
			if err := w.out.Emit(m); err != nil {
				return fresh, &stopError{err}
			}
		}
		w.seen.Add(key)
	}
	return fresh, nil
}

// seenKey is the short form of a mention's key kept in the cursor.
func seenKey(m *mention.Mention) string { return m.Key()[:16] }

// mention normalises a post of a thread. Its id and URL are its
// permalink; "#123" is taken as a post of the thread. The opening post
// without one is the thread itself; any other post without one gets an id
// hashed from the thread, author, shown time and text.
func (c *Collector) mention(p Post, pg *Page, threadURL, pageURL *url.URL, opening bool) *mention.Mention {
	m := &mention.Mention{
		Source: c.source, Title: pg.Title, Text: p.Text, Lang: pg.Lang, PublishedAt: p.Time,
		Author:     mention.Author{Name: p.Author, URL: p.AuthorURL},
		Engagement: mention.Engagement{Likes: max(p.Likes, 0)},
	}
	if p.AuthorURL != "" {
		// Only a registered user (with a profile) has a handle: a guest's
		// nickname can be anyone's.
		m.Author.Handle = p.Author
	}
	link := permalink(p.Permalink, threadURL, pageURL)
	switch {
	case link != "":
		m.ID, m.URL = link, link
	case opening:
		m.ID, m.URL = threadURL.String(), threadURL.String()
	default:
		sum := sha256.Sum256([]byte(strings.Join([]string{threadURL.String(), p.Author, p.TimeText, p.Text}, "\x00")))
		m.ID, m.URL = "sha256:"+hex.EncodeToString(sum[:12]), pageURL.String()
	}
	if len(m.ID) > 512 {
		sum := sha256.Sum256([]byte(m.ID))
		m.ID = "sha256:" + hex.EncodeToString(sum[:12])
	}
	if !opening {
		m.ParentURL = threadURL.String()
	}
	if p.QuoteOnly {
		m.Extra = map[string]json.RawMessage{ExtraTextIsQuote: json.RawMessage("true")}
	}
	return m
}

// ExtraTextIsQuote marks a post whose text is all quote blocks (a reply
// written inside the quote it answers): the text is kept whole, quotes
// included.
const ExtraTextIsQuote = "text_is_quote"

// permalink resolves a post's link: a bare fragment against the thread
// (so a post keeps its id whichever page it is read on), anything else
// against the page; "" when there is none or it is not an HTTP link.
func permalink(href string, threadURL, pageURL *url.URL) string {
	if href == "" {
		return ""
	}
	base := pageURL
	if strings.HasPrefix(href, "#") {
		if len(href) == 1 {
			return ""
		}
		base = threadURL
	}
	u, err := base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.String()
}

func firstOf(vals ...string) string {
	if i := slices.IndexFunc(vals, func(v string) bool { return v != "" }); i >= 0 {
		return vals[i]
	}
	return ""
}

func positive(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
