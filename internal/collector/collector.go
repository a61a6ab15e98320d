// Package collector defines the collector interface, the registry that
// collector packages add themselves to from init (Telegraf style), the runner
// that schedules them, publishes their mentions and keeps their cursors, and
// the HTTP helpers they share (SSRF guard, rate limits, size limits).
//
// A collector is given the cursor it saved last time (nil on the first run)
// and an Output. Pollers do one pass and return; streamers (Bluesky
// Jetstream) run until the context ends. Either kind calls Checkpoint with a
// new cursor after emitting the mentions it covers: the runner has published
// every emitted mention before it stores the cursor, so a crash between the
// two repeats mentions (deduplicated on the bus by Mention.Key) but never
// skips one.
package collector

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/netguard"
)

// Collector fetches mentions from one configured source.
type Collector interface {
	Collect(ctx context.Context, cursor []byte, out Output) error
}

// Streamer is implemented by collectors whose Collect runs until the context
// ends instead of doing one pass.
type Streamer interface {
	Collector
	Streaming() bool
}

// Output receives a collector's results. Its methods are called from one
// goroutine at a time.
type Output interface {
	// Emit publishes a mention. Invalid mentions are counted, logged and
	// dropped (nil error); an error means publishing failed and the pass
	// should stop without checkpointing.
	Emit(m *mention.Mention) error
	// Skip counts an item that was fetched but not emitted (already seen,
	// not matching, a delete) with a short reason.
	Skip(reason string)
	// SkipBad drops one item that cannot be read (a missing id, a rating
	// out of range): it is logged, counted as skipped ("malformed") and as
	// an error, and the rest of the page goes on.
	SkipBad(err error)
	// Warn reports damage that did not stop the pass: a document read only
	// up to a break, a field replaced by a documented fallback. It is
	// logged and counted as an error of the given kind.
	Warn(kind string, err error)
	// Checkpoint stores the cursor after everything emitted so far.
	Checkpoint(cursor []byte) error
}

// Publisher publishes a mention on the bus and returns after it is acked;
// the bus deduplicates by m.Key().
type Publisher interface {
	Publish(ctx context.Context, m *mention.Mention) error
}

// CursorStore keeps collector cursors (a JetStream key-value bucket in
// production). Get returns nil, nil when the key is absent.
type CursorStore interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Put(ctx context.Context, key string, val []byte) error
}

// Env is what a factory gets besides the source's configuration.
type Env struct {
	// Name is the source's display name, also its cursor key and metrics label.
	Name    string
	Logger  *slog.Logger
	metrics *Metrics
}

// HTTPOptions are the HTTP keys every collector that fetches accepts; embed
// it in the options struct with `yaml:",inline"`.
type HTTPOptions struct {
	// AllowNetworks lists CIDRs, IPs or host names that may be fetched even
	// though they are internal (self-hosted instances, test servers).
	AllowNetworks []string      `yaml:"allow_networks"`
	Timeout       time.Duration `yaml:"timeout"`
	MaxBodyBytes  int64         `yaml:"max_body_bytes"`
	UserAgent     string        `yaml:"user_agent"`
}

// HTTP returns the guarded client for this source, configured by o.
func (e *Env) HTTP(o HTTPOptions) (*HTTP, error) {
	p, err := netguard.NewPolicy(o.AllowNetworks)
	if err != nil {
		return nil, err
	}
	c := p.NewClient(netguard.ClientOptions{Timeout: o.Timeout, MaxBodyBytes: o.MaxBodyBytes, UserAgent: o.UserAgent})
	return &HTTP{client: c, policy: p, source: e.Name, metrics: e.metrics, maxWait: 2 * time.Minute}, nil
}

// RegisterTyped registers a collector type whose constructor takes its
// decoded options: the source's own keys are decoded strictly into O.
func RegisterTyped[O any, C Collector](typ string, build func(env *Env, o O) (C, error)) {
	Register(typ, func(src config.Source, env *Env) (Collector, error) {
		var o O
		if err := src.Decode(&o); err != nil {
			return nil, err
		}
		c, err := build(env, o)
		if err != nil {
			return nil, err // not a typed nil inside the interface
		}
		return c, nil
	})
}

// HTTPAt returns the guarded client and the checked base URL of a source
// that talks to one API; a refused base URL is reported as base_url.
func (e *Env) HTTPAt(o HTTPOptions, baseURL string) (*HTTP, *url.URL, error) {
	h, err := e.HTTP(o)
	if err != nil {
		return nil, nil, err
	}
	base, err := h.CheckBaseURL("base_url", baseURL)
	if err != nil {
		return nil, nil, err
	}
	return h, base, nil
}

// Factory builds a collector from its configuration. It should decode the
// type-specific keys with src.Decode and fail on invalid settings.
type Factory func(src config.Source, env *Env) (Collector, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Factory{}
)

// Register adds a collector type. It is called from collector packages'
// init functions and panics on a duplicate type.
func Register(typ string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[typ]; dup {
		panic("collector: type registered twice: " + typ)
	}
	registry[typ] = f
}

// Types lists the registered collector types, sorted.
func Types() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return typesLocked()
}

func lookup(typ string) (Factory, error) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	f, ok := registry[typ]
	if !ok {
		return nil, fmt.Errorf("unknown collector type %q (known: %v)", typ, typesLocked())
	}
	return f, nil
}

func typesLocked() []string {
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
