package collector_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

// fakeRemote is a "platform" holding numbered posts; the fake collector
// emits those after its cursor (the last number seen).
type fakeRemote struct {
	mu    sync.Mutex
	posts int
	fail  error
	bad   map[int]bool // posts that are invalid mentions
	// failTimes > 0 makes only the first failTimes passes fail.
	failTimes int
	calls     atomic.Int32
}

func (f *fakeRemote) add(n int) { f.mu.Lock(); f.posts += n; f.mu.Unlock() }

var remotes sync.Map // source name → *fakeRemote

type fakeCollector struct{ remote *fakeRemote }

func (c *fakeCollector) Collect(ctx context.Context, cursor []byte, out collector.Output) error {
	call := int(c.remote.calls.Add(1))
	c.remote.mu.Lock()
	n, fail, bad := c.remote.posts, c.remote.fail, c.remote.bad
	if c.remote.failTimes > 0 && call > c.remote.failTimes {
		fail = nil
	}
	c.remote.mu.Unlock()
	if fail != nil {
		return fail
	}
	last := 0
	if cursor != nil {
		last, _ = strconv.Atoi(string(cursor))
	}
	for i := last + 1; i <= n; i++ {
		m := &mention.Mention{Source: "fake", ID: strconv.Itoa(i), Text: fmt.Sprintf("post %d", i),
			PublishedAt: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)}
		if bad[i] {
			m.Text = ""
		}
		if err := out.Emit(m); err != nil {
			return err
		}
	}
	if n > last {
		return out.Checkpoint([]byte(strconv.Itoa(n)))
	}
	out.Skip("nothing new")
	return nil
}

func init() {
	collector.Register("test-fake", func(src config.Source, env *collector.Env) (collector.Collector, error) {
		var opts struct {
			Remote string `yaml:"remote"`
		}
		if err := src.Decode(&opts); err != nil {
			return nil, err
		}
		r, ok := remotes.Load(opts.Remote)
		if !ok {
			return nil, fmt.Errorf("remote: no fake remote %q", opts.Remote)
		}
		return &fakeCollector{remote: r.(*fakeRemote)}, nil
	})
}

// events records the order of publishes and cursor saves.
type events struct {
	mu  sync.Mutex
	log []string
	kv  collector.MemoryCursors
}

func (e *events) Publish(_ context.Context, m *mention.Mention) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, "pub "+m.ID)
	return nil
}

func (e *events) Get(ctx context.Context, key string) ([]byte, error) { return e.kv.Get(ctx, key) }

func (e *events) Put(ctx context.Context, key string, val []byte) error {
	e.mu.Lock()
	e.log = append(e.log, "put "+key+"="+string(val))
	e.mu.Unlock()
	return e.kv.Put(ctx, key, val)
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRunnerPublishesBeforeCheckpointAndResumes(t *testing.T) {
	remote := &fakeRemote{posts: 3, bad: map[int]bool{2: true}}
	remotes.Store("resume", remote)
	ev := &events{}
	reg := prometheus.NewRegistry()
	srcs := []config.Source{collectortest.Source(t, "{type: test-fake, name: fake-a, remote: resume}")}
	r, err := collector.NewRunner(srcs, collector.Options{Publisher: ev, Cursors: ev, Registerer: reg, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := r.RunOnce(context.Background(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pub 1", "pub 3", "put fake-a=3"}
	if strings.Join(ev.log, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", ev.log, want)
	}
	if s := stats[0]; s.Emitted != 2 || s.Skipped != 1 || s.Errors != 1 || s.Err != nil || s.Fetched() != 3 {
		t.Fatalf("stats %+v", s)
	}
	// A "restart": a new runner on the same cursor store emits only new posts.
	remote.add(2)
	ev.log = nil
	r2, err := collector.NewRunner(srcs, collector.Options{Publisher: ev, Cursors: ev, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r2.RunOnce(context.Background(), time.Second); err != nil {
		t.Fatal(err)
	}
	want = []string{"pub 4", "pub 5", "put fake-a=5"}
	if strings.Join(ev.log, ",") != strings.Join(want, ",") {
		t.Fatalf("after restart: events %v, want %v", ev.log, want)
	}
	for name, want := range map[string]float64{"ewom_collector_emitted_total": 2, "ewom_collector_skipped_total": 1,
		"ewom_collector_errors_total": 1, "ewom_collector_cursor_saves_total": 1, "ewom_collector_fetched_total": 3} {
		if got := counterSum(t, reg, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

func counterSum(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

type failingPublisher struct{}

func (failingPublisher) Publish(context.Context, *mention.Mention) error {
	return errors.New("nats: no responders")
}

func TestRunnerNoCheckpointWhenPublishFails(t *testing.T) {
	remotes.Store("pubfail", &fakeRemote{posts: 2})
	kv := &collector.MemoryCursors{}
	srcs := []config.Source{collectortest.Source(t, "{type: test-fake, name: f, remote: pubfail}")}
	r, err := collector.NewRunner(srcs, collector.Options{Publisher: failingPublisher{}, Cursors: kv, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	stats, _ := r.RunOnce(context.Background(), time.Second)
	if stats[0].Err == nil || !strings.Contains(stats[0].Err.Error(), `source "f"`) {
		t.Fatalf("err = %v, want a publish error naming the source", stats[0].Err)
	}
	if c, _ := kv.Get(context.Background(), "f"); c != nil {
		t.Fatalf("cursor %q saved although nothing was published", c)
	}
}

func TestRunnerFailingSourceDoesNotStopOthers(t *testing.T) {
	remotes.Store("broken", &fakeRemote{fail: errors.New("GET https://x/feed: malformed XML")})
	remotes.Store("fine", &fakeRemote{posts: 2})
	pub := &collectortest.Publisher{}
	srcs := []config.Source{
		collectortest.Source(t, "{type: test-fake, name: broken, remote: broken}"),
		collectortest.Source(t, "{type: test-fake, name: fine, remote: fine}"),
	}
	r, err := collector.NewRunner(srcs, collector.Options{Publisher: pub, Cursors: &collector.MemoryCursors{}, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	stats, _ := r.RunOnce(context.Background(), time.Second)
	if stats[0].Err == nil || stats[0].Errors != 1 {
		t.Errorf("broken: %+v", stats[0])
	}
	if stats[1].Err != nil || stats[1].Emitted != 2 || len(pub.Mentions) != 2 {
		t.Errorf("fine: %+v, %d published", stats[1], len(pub.Mentions))
	}
	if _, err := r.RunOnce(context.Background(), time.Second, "nope"); err == nil {
		t.Error("unknown --source accepted")
	}
}

func TestNewRunnerReportsEverySourceError(t *testing.T) {
	srcs := []config.Source{
		collectortest.Source(t, "{type: nosuch}"),
		collectortest.Source(t, "{type: test-fake, remote: none}"),
		collectortest.Source(t, "{type: test-fake, remote: fine, colour: blue}"),
	}
	_, err := collector.NewRunner(srcs, collector.Options{Publisher: &collectortest.Publisher{}, Cursors: &collector.MemoryCursors{}})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`sources[0].type: unknown collector type "nosuch"`, "sources[1] (test-fake-1): remote:", `sources[2] (test-fake-2)`, `"colour"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestRunLoopBacksOffAndRecovers(t *testing.T) {
	remote := &fakeRemote{posts: 1, failTimes: 3,
		fail: &collector.RateLimitError{URL: "https://x", Until: time.Now().Add(20 * time.Millisecond), Reason: "429"}}
	remotes.Store("loop", remote)
	pub := &collectortest.Publisher{}
	srcs := []config.Source{collectortest.Source(t, "{type: test-fake, name: loop, remote: loop, interval: 20ms}")}
	r, err := collector.NewRunner(srcs, collector.Options{Publisher: pub, Cursors: &collector.MemoryCursors{}, Logger: discard(),
		Backoff: collector.Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(pub.Snapshot()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // several more polls: nothing new to publish
	cancel()
	<-done
	if n := len(pub.Snapshot()); n != 1 {
		t.Fatalf("published %d mentions, want 1", n)
	}
	if calls := remote.calls.Load(); calls < 5 {
		t.Errorf("%d passes; want 3 failures, a success and further polls", calls)
	}
}

// The registry is the process's: types are registered once, in init.
func init() {
	collector.Register("test-long", func(config.Source, *collector.Env) (collector.Collector, error) { return longCollector{}, nil })
}

func TestClipFieldsKeepsLongArticles(t *testing.T) {
	pub := &collectortest.Publisher{}
	r, err := collector.NewRunner([]config.Source{collectortest.Source(t, "{type: test-long}")},
		collector.Options{Publisher: pub, Cursors: &collector.MemoryCursors{}, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	r.RunOnce(context.Background(), time.Second)
	if len(pub.Mentions) != 1 {
		t.Fatal("long mention dropped")
	}
	m := pub.Mentions[0]
	if len(m.Text) > mention.MaxTextBytes || string(m.Extra["truncated"]) != "true" {
		t.Errorf("text %d bytes, extra %v", len(m.Text), m.Extra)
	}
	if _, err := json.Marshal(m); err != nil {
		t.Error(err)
	}
}

type longCollector struct{}

func (longCollector) Collect(_ context.Context, _ []byte, out collector.Output) error {
	return out.Emit(&mention.Mention{Source: "x", ID: "1", Text: strings.Repeat("ä", mention.MaxTextBytes), PublishedAt: time.Now()})
}
