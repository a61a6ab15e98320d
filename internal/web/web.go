// Package web serves the dashboards: the built-in UI (Overview, Mentions,
// Journey, Topics, Alerts, Competitors) and the JSON API behind it under
// /api/v1/, with viewer and admin sessions, CSRF protection and a strict
// Content-Security-Policy.
// The UI's JavaScript is built from dashboards/web (npm, esbuild) into
// assets/ and embedded, so the binary needs no network and no CDN.
package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
)

//go:embed assets
var assetFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

// csp allows only this site's own scripts, styles and API; no inline code.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';" +
	" font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Deps are what the dashboards need from the rest of the process.
type Deps struct {
	Store      store.Store
	Classifier *classify.Classifier // recomputes explanations; may be nil
	Config     config.Config        // HTTP.Token must already be resolved
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Server is the dashboards' route set (api.Routes).
type Server struct {
	store      store.Store
	classifier *classify.Classifier
	cfg        config.Config
	log        *slog.Logger
	accounts   map[string]account
	dummy      account // what unknown user names are checked against
	sessions   *sessions
	proxies    api.Proxies   // http.trusted_proxies: who may name the client
	byAddress  *api.Throttle // failed sign-ins per client address
	byAccount  *api.Throttle // failed sign-ins per user name
	throttled  *prometheus.CounterVec
	pdfs       *prometheus.CounterVec // PDF exports by outcome
	pdfSlot    chan struct{}          // one PDF rendering at a time
	tmpl       *template.Template
	files      fs.FS
	assets     map[string]asset // by path below assets/
	preload    []string         // modules every page starts with (assets/preload.txt)
	pseudoKey  []byte
	now        func() time.Time
	latency    *prometheus.HistogramVec

	lastVersion atomic.Int64 // the last correction's version

	valuesMu       sync.Mutex // guards the filter values cache
	valuesAt       time.Time
	sources, langs []string

	tier dailyTier // from when aggregates may read the daily rollup

	authors *authorBuilds // background builds of the author table
}

// New builds the dashboards' routes.
func New(d Deps) (*Server, error) {
	if d.Store == nil {
		return nil, errors.New("web: the dashboards need a store")
	}
	accts, err := accounts(d.Config)
	if err != nil {
		return nil, err
	}
	if len(accts) == 0 {
		return nil, errors.New("web: no users: configure web.users or an API token")
	}
	dummy, err := dummyAccount(accts)
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("").Funcs(template.FuncMap{"t": func(lang, key string) string { return tr(lang, key) }}).
		ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		return nil, err
	}
	loaded, err := loadAssets(assets)
	if err != nil {
		return nil, err
	}
	preload, err := fs.ReadFile(assets, "preload.txt")
	if err != nil {
		return nil, fmt.Errorf("web: the modules to preload: %w", err)
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	// Journey pseudonyms are keyed by the API token so they are stable across
	// restarts but cannot be recomputed from a handle by outsiders.
	mac := hmac.New(sha256.New, []byte(d.Config.HTTP.Token))
	mac.Write([]byte("ewom journey pseudonyms"))
	proxies, err := api.ParseProxies(d.Config.HTTP.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("web: http.trusted_proxies: %w", err)
	}
	th := d.Config.HTTP.AuthThrottle
	s := &Server{store: d.Store, classifier: d.Classifier, cfg: d.Config, log: log, accounts: accts, dummy: dummy,
		sessions: newSessions(d.Config.Web.SessionTTL, d.Config.Web.SessionMaxAge), proxies: proxies, byAddress: api.NewThrottle(th.PerAddress, th.Window),
		byAccount: api.NewThrottle(th.PerAccount, th.Window), tmpl: tmpl, files: assets, assets: loaded, preload: strings.Fields(string(preload)), pseudoKey: mac.Sum(nil)[:16], now: time.Now,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ewom_dashboard_query_seconds",
			Help:    "Time the dashboard API spent answering, by endpoint.",
			Buckets: []float64{.01, .025, .05, .1, .2, .5, 1, 2, 5}}, []string{"endpoint"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_web_throttled_logins_total",
			Help: "Sign-ins refused (429) after too many failures, by the limit reached: address or account."}, []string{"limit"}),
		pdfs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ewom_web_pdf_exports_total",
			Help: "PDF exports of pages by outcome: ok, failed (rendering), busy (another one running)."}, []string{"outcome"}),
		pdfSlot: make(chan struct{}, 1),
		authors: newAuthorBuilds()}
	if d.Registerer != nil {
		for _, c := range append([]prometheus.Collector{s.latency, s.throttled, s.pdfs}, s.authors.collectors()...) {
			if err := d.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("web: metrics: %w", err)
			}
		}
	}
	return s, nil
}

// uiPages are the UI's pages by name, with their paths; each can be
// exported as a PDF (pdf.go).
var uiPages = map[string]string{"overview": "/", "mentions": "/mentions", "journey": "/journey", "alerts": "/alerts",
	"topics": "/topics", "competitors": "/competitors"}

// Register mounts the UI and the dashboard API.
func (s *Server) Register(mux *http.ServeMux, authenticate func(http.HandlerFunc) http.HandlerFunc) {
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", s.serveAsset(http.FileServerFS(s.files))))
	for name, path := range uiPages {
		if path == "/" {
			path = "/{$}"
		}
		mux.HandleFunc("GET "+path, s.page(func(w http.ResponseWriter, r *http.Request, sess session) {
			lang := langOf(r)
			s.render(w, http.StatusOK, "page.html", map[string]any{"Page": name, "Title": tr(lang, "page."+name), "User": sess.user, "Role": sess.role,
				"CSRF": sess.csrf, "Preload": s.preload, "Brands": s.cfg.Brands, "Lang": lang, "Langs": langChoices(lang), "Next": r.URL.RequestURI()})
		}))
	}
	mux.HandleFunc("GET /export/{file}", s.page(s.handleExportPDF))
	mux.HandleFunc("GET /login", s.handleLoginForm)
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.HandleFunc("POST /logout", s.handleLogout)
	mux.HandleFunc("POST /lang", s.handleLang)

	viewer := func(pattern, name string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, s.api(roleViewer, authenticate, s.timed(name, h)))
	}
	viewer("GET /api/v1/meta", "meta", s.handleMeta)
	viewer("GET /api/v1/summary", "summary", s.handleSummary)
	viewer("GET /api/v1/timeseries", "timeseries", s.handleTimeseries)
	viewer("GET /api/v1/breakdown", "breakdown", s.handleBreakdown)
	viewer("GET /api/v1/mentions", "mentions", s.handleMentions)
	viewer("GET /api/v1/mentions/export", "export", s.handleExport)
	viewer("GET /api/v1/mentions/{id}", "mention", s.handleMention)
	viewer("GET /api/v1/authors/top", "authors", s.handleTopAuthors)
	viewer("GET /api/v1/journey/transitions", "transitions", s.handleTransitions)
	viewer("GET /api/v1/journey/authors", "journey_authors", s.handleJourneyAuthors)
	viewer("GET /api/v1/journey/authors/{id}", "timeline", s.handleTimeline)
	viewer("GET /api/v1/corrections", "corrections", s.handleCorrections)
	viewer("GET /api/v1/topics", "topics", s.handleTopics)
	viewer("GET /api/v1/topics/compare", "topics_compare", s.handleCompareTopics)
	viewer("GET /api/v1/stories", "stories", s.handleStories)
	viewer("GET /api/v1/competitors", "competitors", s.handleCompetitors)
	mux.HandleFunc("POST /api/v1/mentions/{id}/labels", s.api(roleAdmin, authenticate, s.timed("correct", s.handleCorrect)))
	s.registerSaved(mux, authenticate)
}

func (s *Server) timed(name string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h(w, r)
		s.latency.WithLabelValues(name).Observe(time.Since(start).Seconds())
	}
}

func (s *Server) render(w http.ResponseWriter, code int, name string, data any) {
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("web: render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func apiHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
}

// Error is the body of every failed API call.
type Error struct {
	Error string `json:"error"`
	// Position is the character (1-based) of the search query (q) the
	// error is about, when it is about one.
	Position int `json:"position,omitempty"`
	// Code and Args name a search query's problem (query.Error) for the
	// UI, which says it in its language.
	Code string            `json:"code,omitempty"`
	Args map[string]string `json:"args,omitempty"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	api.WriteJSON(w, code, Error{Error: msg})
}

// fail answers a handler error: the client's fault (400) or the store's (503).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var br *badRequest
	if errors.As(err, &br) {
		api.WriteJSON(w, http.StatusBadRequest, Error{Error: br.msg, Position: br.pos, Code: br.code, Args: br.args})
		return
	}
	s.log.Error("web: query failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusServiceUnavailable, "the store did not answer; try again")
}

// WithSessions adapts another route set (the alert role's GET /api/v1/alerts)
// so that its endpoints also accept UI sessions: reads need a viewer,
// writes an admin with the CSRF token; the bearer token works as before.
func (s *Server) WithSessions(r api.Routes) api.Routes { return sessionRoutes{s, r} }

type sessionRoutes struct {
	s *Server
	r api.Routes
}

func (x sessionRoutes) Register(mux *http.ServeMux, authenticate func(http.HandlerFunc) http.HandlerFunc) {
	x.r.Register(mux, func(h http.HandlerFunc) http.HandlerFunc {
		read, write := x.s.api(roleViewer, authenticate, h), x.s.api(roleAdmin, authenticate, h)
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				read(w, r)
				return
			}
			write(w, r)
		}
	})
}
