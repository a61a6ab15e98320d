package web

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/store"
)

// The per-author views (top authors, the journey flow, returning authors)
// read their figures per author and day (store.AuthorDayRows's columns):
// whole days from the author table where it has them, the rest — the part
// days at the range's edges, today, days changed since they were built —
// computed from the mentions rows. The table serves views filtered by one
// brand at most and nothing else; other filters read every day from the
// rows. Both give the same figures (store/schema_authors.go), so answers
// do not depend on what is built.

// Building: a view that finds days before today unbuilt or changed starts
// a build of every such day in the background, at most one at a time and
// one every authorBuildEvery; meanwhile those days are read from the rows.
const (
	authorBuildEvery = 5 * time.Minute
	// authorSettle is how long a day's tally must have disagreed with its
	// rows, unchanged, before it is reconciled (store.BuildAuthorDays).
	authorSettle = 10 * time.Minute
	// authorBuildChunk is how many days one store.BuildAuthorDays call
	// builds (deleting those that changed meanwhile together).
	authorBuildChunk = 7
	// authorBuildTimeout bounds one background build of stale days.
	authorBuildTimeout = 30 * time.Minute
	// authorPruneEvery is how often a build ends by deleting the builds
	// that newer ones superseded (store.PruneAuthorDays): a mutation holds
	// the embedded engine for seconds at 10M mentions.
	authorPruneEvery = 24 * time.Hour
)

// The journey flow reads a day's first stages from the table: it must
// hold at least as many as the flow shows (a compile error otherwise).
const _ = uint(store.AuthorDayStages - maxSteps - 1)

// authorBuilds is the state of the background builds.
type authorBuilds struct {
	mu      sync.Mutex
	running bool
	last    time.Time // when the last build ended
	pruned  time.Time // when the builds were last pruned; only the running build reads and sets it
	wg      sync.WaitGroup
	read    *prometheus.CounterVec
	built   prometheus.Counter
	prunedN prometheus.Counter
	failed  prometheus.Counter
}

func newAuthorBuilds() *authorBuilds {
	return &authorBuilds{
		read: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_web_author_days_read_total",
			Help: "Days of per-author figures the dashboards read, by source: the author table, or the mentions rows (part days, today, days not built since they changed, other filters than one brand)."},
			[]string{"from"}),
		built: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_web_author_days_built_total",
			Help: "Days built into the author table in the background."}),
		prunedN: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_web_author_days_pruned_total",
			Help: "Days whose superseded builds were deleted from the author table (once a day)."}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_web_author_day_builds_failed_total",
			Help: "Background builds of the author table that failed (the days stay read from the mentions rows)."}),
	}
}

func (b *authorBuilds) collectors() []prometheus.Collector {
	return []prometheus.Collector{b.read, b.built, b.prunedN, b.failed}
}

// authorScope returns the author table's scope that serves f: f filters by
// one brand at most and by nothing else (no search either).
func authorScope(f Filter) (store.AuthorScope, bool) {
	if len(f.Brands) > 1 || len(f.Sources)+len(f.Langs)+len(f.Touchpoints)+len(f.Sentiments)+len(f.JourneyStage) > 0 || f.Search != "" {
		return store.AuthorScope{}, false
	}
	if len(f.Brands) == 0 {
		return store.AuthorScope{All: true}, true
	}
	return store.AuthorScope{Brand: f.Brands[0]}, true
}

// authorSource is where a request's per-author figures come from: the
// days the author table serves (builds) and the spans computed from the
// mentions rows.
type authorSource struct {
	s      *Server
	f      Filter
	scope  store.AuthorScope
	builds map[time.Time]uint64
	spans  [][2]time.Time
}

// authorSource finds where f's per-author figures come from, and starts a
// build of the days before today the table could serve but does not.
func (s *Server) authorSource(ctx context.Context, f Filter) (authorSource, error) {
	a := authorSource{s: s, f: f}
	scope, ok := authorScope(f)
	if !ok {
		a.spans = [][2]time.Time{{f.From, f.To}}
		a.count()
		return a, nil
	}
	builds, stale, err := store.AuthorDays(ctx, s.store, scope, f.From, f.To)
	if err != nil {
		return a, err
	}
	if today := s.now().UTC().Truncate(oneDay); len(stale) > 0 && stale[0].Before(today) {
		s.buildAuthorDaysSoon()
	}
	a.scope, a.builds = scope, builds
	// The spans between the days the table serves come from the rows.
	from := f.From
	for _, d := range slices.SortedFunc(maps.Keys(builds), time.Time.Compare) {
		if d.After(from) {
			a.spans = append(a.spans, [2]time.Time{from, d})
		}
		from = d.Add(oneDay)
	}
	if f.To.After(from) {
		a.spans = append(a.spans, [2]time.Time{from, f.To})
	}
	a.count()
	return a, nil
}

// count adds the days a's request reads to the metrics.
func (a authorSource) count() {
	for _, sp := range a.spans {
		a.s.authors.read.WithLabelValues("rows").Add(float64(daysIn(sp[0], sp[1])))
	}
	a.s.authors.read.WithLabelValues("table").Add(float64(len(a.builds)))
}

// rows returns a query of the author figures named per day and author
// (columns day, author, then the figures) over the request's rows, of the
// authors matching cond ("" or conditions on author, each starting with
// AND).
func (a authorSource) rows(cond string, names ...string) (string, error) {
	var parts []string
	for _, sp := range a.spans {
		q, err := store.AuthorDayRows(a.s.store, "published_at >= "+store.Time(sp[0])+" AND published_at < "+store.Time(sp[1])+
			a.f.dims()+a.f.labels()+a.f.Search+cond, names...)
		if err != nil {
			return "", err
		}
		parts = append(parts, q)
	}
	if len(a.builds) > 0 {
		q, err := store.AuthorTableRows(a.s.store, a.scope, a.builds, cond, names...)
		if err != nil {
			return "", err
		}
		parts = append(parts, q)
	}
	return strings.Join(parts, " UNION ALL "), nil
}

// authorRows returns the query of a.rows without a condition on authors.
func (s *Server) authorRows(ctx context.Context, f Filter, names ...string) (string, error) {
	a, err := s.authorSource(ctx, f)
	if err != nil {
		return "", err
	}
	return a.rows("", names...)
}

// daysIn is how many UTC days [from, to) touches.
func daysIn(from, to time.Time) int {
	return int(to.Add(-time.Nanosecond).UTC().Truncate(oneDay).Sub(from.UTC().Truncate(oneDay))/oneDay) + 1
}

// buildAuthorDaysSoon starts a background build of the stale days, unless
// one is running or the last ended less than authorBuildEvery ago.
func (s *Server) buildAuthorDaysSoon() {
	b := s.authors
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running || (!b.last.IsZero() && time.Since(b.last) < authorBuildEvery) {
		return
	}
	b.running = true
	b.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), authorBuildTimeout)
		defer cancel()
		if err := s.buildAuthorDays(ctx); err != nil {
			b.failed.Inc()
			s.log.Warn("web: building the author table", "err", err)
		}
		b.mu.Lock()
		b.running, b.last = false, time.Now()
		b.mu.Unlock()
	})
}

// buildAuthorDays builds every stale day before today into the author
// table, newest first.
func (s *Server) buildAuthorDays(ctx context.Context) error {
	days, err := store.StaleAuthorDays(ctx, s.store, s.now().UTC().Truncate(oneDay))
	if err != nil {
		return err
	}
	for chunk := range slices.Chunk(days, authorBuildChunk) {
		n, err := store.BuildAuthorDays(ctx, s.store, chunk, authorSettle)
		s.authors.built.Add(float64(n))
		if err != nil {
			return err
		}
	}
	if time.Since(s.authors.pruned) < authorPruneEvery {
		return nil
	}
	n, err := store.PruneAuthorDays(ctx, s.store)
	s.authors.prunedN.Add(float64(n))
	if err != nil {
		return err
	}
	s.authors.pruned = time.Now()
	return nil
}
