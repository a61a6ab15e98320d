// Package api serves ewom's HTTP interface: the ingest and query API, health
// endpoints and Prometheus metrics.
package api

import (
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
)

// Checker reports whether a dependency is ready.
type Checker interface {
	Ready(ctx context.Context) error
}

// CheckFunc is a function that is a Checker.
type CheckFunc func(ctx context.Context) error

// Ready calls f.
func (f CheckFunc) Ready(ctx context.Context) error { return f(ctx) }

// Server holds the API's dependencies. Fields must be set before Handler.
// Every process serves /metrics, /healthz and /readyz; the API proper
// (ingest, queries, webhooks, route sets) only where API is set.
type Server struct {
	API          bool
	Bus          Publisher
	Store        store.Store // nil when this process has no store (ingest-only)
	Token        string
	MaxBodyBytes int64
	// MaxURLBytes bounds a request's path and query (http.max_url_bytes).
	MaxURLBytes int
	// MaxItems bounds the mentions in one ingest request
	// (http.max_ingest_items).
	MaxItems int
	// Proxies may name the client in X-Forwarded-For (http.trusted_proxies).
	Proxies Proxies
	// AuthThrottle counts failed bearer tokens per client address
	// (http.auth_throttle); nil takes the configuration's default.
	AuthThrottle *Throttle
	// StatusAuth requires the bearer token on /metrics and /readyz
	// (http.status_auth); /healthz stays open for liveness probes.
	StatusAuth bool
	Gatherer   prometheus.Gatherer
	Registerer prometheus.Registerer
	// Ready lists what /readyz checks, by name: the process is ready when
	// all of them are.
	Ready map[string]Checker
	// Degraded lists further checks /readyz reports without making the
	// process unready: what some requests need but the roles' main work
	// does not (the store, for a process with only the api role, whose
	// ingest needs only the bus).
	Degraded map[string]Checker
	Log      *slog.Logger
	// Webhooks maps a name to the signature check guarding
	// POST /api/v1/webhooks/<name>, an ingest endpoint for systems that sign
	// requests instead of holding the bearer token.
	Webhooks map[string]func(http.Handler) http.Handler
	// Routes are further route sets (dashboards, alerts, webhooks) mounted
	// on the same mux.
	Routes []Routes

	metrics *metrics
}

type metrics struct {
	received   prometheus.Counter
	accepted   prometheus.Counter
	duplicates prometheus.Counter
	rejected   *prometheus.CounterVec
	failed     prometheus.Counter
	requests   *prometheus.CounterVec
	refused    *prometheus.CounterVec
	throttled  prometheus.Counter
}

// Routes is a set of routes another package mounts on the API's mux.
type Routes interface {
	// Register adds routes; authenticate wraps handlers that need the
	// bearer token (write and admin endpoints).
	Register(mux *http.ServeMux, authenticate func(http.HandlerFunc) http.HandlerFunc)
}

// Handler builds the HTTP routes. Limits left zero take their configuration
// defaults.
func (s *Server) Handler() http.Handler {
	def := config.Default().HTTP
	s.MaxURLBytes = cmp.Or(s.MaxURLBytes, def.MaxURLBytes)
	s.MaxItems = cmp.Or(s.MaxItems, def.MaxIngestItems)
	if s.AuthThrottle == nil {
		s.AuthThrottle = NewThrottle(def.AuthThrottle.PerAddress, def.AuthThrottle.Window)
	}
	s.metrics = &metrics{
		received: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_ingest_received_mentions_total",
			Help: "Mentions received by the ingest API, valid or not."}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_ingest_accepted_mentions_total",
			Help: "Mentions the ingest API persisted on the bus for the first time."}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_ingest_duplicate_mentions_total",
			Help: "Valid mentions the ingest API received again under a known id (not stored again)."}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_ingest_rejected_mentions_total",
			Help: "Mentions or requests the ingest API rejected, by reason."}, []string{"reason"}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_ingest_failed_mentions_total",
			Help: "Valid mentions the bus did not persist (the client was told to retry)."}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_http_requests_total",
			Help: "HTTP requests by route and status code."}, []string{"route", "code"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_http_refused_requests_total",
			Help: "HTTP requests refused before routing: URL too long, or a query that does not parse."}, []string{"reason"}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{Name: "ewom_api_throttled_requests_total",
			Help: "Requests refused (429) because their client address sent too many wrong bearer tokens."}),
	}
	s.Registerer.MustRegister(s.metrics.received, s.metrics.accepted, s.metrics.duplicates, s.metrics.rejected, s.metrics.failed,
		s.metrics.requests, s.metrics.refused, s.metrics.throttled)

	mux := http.NewServeMux()
	handle := func(pattern, route string, h http.HandlerFunc) {
		mux.Handle(pattern, s.count(route, h))
	}
	handle("GET /healthz", "healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	status := func(h http.HandlerFunc) http.HandlerFunc { return h }
	if s.StatusAuth {
		status = s.auth
	}
	handle("GET /readyz", "readyz", status(s.handleReady))
	mux.Handle("GET /metrics", status(promhttp.HandlerFor(s.Gatherer, promhttp.HandlerOpts{}).ServeHTTP))
	if !s.API {
		return securityHeaders(s.checkURL(mux))
	}
	handle("POST /api/v1/mentions", "ingest", s.auth(s.handleIngest))
	handle("GET /api/v1/mentions/count", "count", s.auth(s.handleCount))
	handle("POST /api/v1/webhooks/{name}", "webhook", s.handleWebhook)
	for _, r := range s.Routes {
		r.Register(mux, s.auth)
	}
	return securityHeaders(s.checkURL(mux))
}

// checkURL refuses, before any handler parses it, a URL longer than
// MaxURLBytes (414) and a query the URL parser rejects (400): more than
// 10,000 parameters, a bad escape. Handlers read r.URL.Query(), which drops
// such a query silently, filters and all.
func (s *Server) checkURL(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := len(r.URL.Path) + len(r.URL.RawQuery); n > s.MaxURLBytes {
			s.metrics.refused.WithLabelValues("url_too_long").Inc()
			WriteJSON(w, http.StatusRequestURITooLong, map[string]string{
				"error": fmt.Sprintf("the URL is %d bytes, over the limit of %d (http.max_url_bytes)", n, s.MaxURLBytes)})
			return
		}
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			s.metrics.refused.WithLabelValues("bad_query").Inc()
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "query: " + err.Error()})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) count(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		s.metrics.requests.WithLabelValues(route, fmt.Sprint(rec.code)).Inc()
	})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// auth requires the bearer token; comparison is constant-time. A client
// address that sent too many wrong tokens is refused (429) for a while.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		addr := s.Proxies.ClientAddr(r)
		if wait := s.AuthThrottle.Wait(addr); wait > 0 {
			s.metrics.throttled.Inc()
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			WriteJSON(w, http.StatusTooManyRequests, map[string]string{"error": fmt.Sprintf(
				"too many wrong bearer tokens from this address; try again in %s (http.auth_throttle)", wait.Round(time.Second))})
			return
		}
		got, ok := bearerToken(r)
		if !ok || s.Token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) != 1 {
			if ok {
				s.AuthThrottle.Fail(addr)
				s.Log.Warn("api: wrong bearer token", "client", addr, "path", r.URL.Path)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="ewom"`)
			WriteJSON(w, http.StatusUnauthorized, map[string]string{
				"error": "missing or wrong bearer token: send 'Authorization: Bearer <token>' (see http.token_file or EWOM_TOKEN)"})
			return
		}
		h(w, r)
	}
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header; the scheme is case-insensitive (RFC 9110, section 11.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	verify, ok := s.Webhooks[r.PathValue("name")]
	if !ok {
		WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no webhook of that name is configured (http.webhooks)"})
		return
	}
	verify(http.HandlerFunc(s.handleIngest)).ServeHTTP(w, r)
}

func (s *Server) handleCount(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err1 := parseQueryTime(q.Get("from"))
	to, err2 := parseQueryTime(q.Get("to"))
	if err1 != nil || err2 != nil {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "from and to are required RFC 3339 times, e.g. from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z"})
		return
	}
	if !to.After(from) {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "to must be after from"})
		return
	}
	n, err := s.Store.CountMentions(r.Context(), from, to, q.Get("brand"))
	if err != nil {
		s.Log.Error("count mentions", "err", err)
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "store unavailable: " + err.Error()})
		return
	}
	WriteJSON(w, http.StatusOK, map[string]uint64{"count": n})
}

func parseQueryTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("missing")
	}
	return time.Parse(time.RFC3339Nano, s)
}

// handleReady runs the checks side by side, so that a slow one does not
// eat the others' time. It answers "ok" or the error for each, and 503 when
// a Ready check failed; a failed Degraded check's error is prefixed
// "degraded: ".
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	status := map[string]string{}
	code := http.StatusOK
	run := func(checks map[string]Checker, required bool) {
		for name, c := range checks {
			wg.Go(func() {
				err := c.Ready(ctx)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					status[name] = "ok"
				case required:
					status[name] = err.Error()
					code = http.StatusServiceUnavailable
				default:
					status[name] = "degraded: " + err.Error()
				}
			})
		}
	}
	run(s.Ready, true)
	run(s.Degraded, false)
	wg.Wait()
	WriteJSON(w, code, status)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// WriteJSON answers with v as JSON: every API route set answers this way.
// (The encoder escapes <, > and &, defence in depth should a response ever
// be sniffed as HTML.)
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
