package web

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Limits of a PDF export: one rendering at a time (a browser is a few
// hundred MB), each within pdfTimeout and at most pdfMaxBytes.
const (
	pdfTimeout  = 45 * time.Second
	pdfMaxBytes = 20 << 20
)

// handleExportPDF renders one of the UI's own pages, as the signed-in user
// sees it with the same filters, in headless Chromium and answers the PDF.
// The browser is sent only to this server's own listener (the local address
// the request arrived on, never a Host header or a URL from the request),
// only to the pages above, with the user's own session cookie.
func (s *Server) handleExportPDF(w http.ResponseWriter, r *http.Request, _ session) {
	q := r.URL.Query()
	// Any UI page (uiPages) may be rendered: GET /export/<name>.pdf with the
	// page's query (its filters), linked from each page's "Download PDF".
	name := strings.TrimSuffix(r.PathValue("file"), ".pdf")
	path, ok := uiPages[name]
	if !ok {
		http.Error(w, "export one of "+strings.Join(slices.Sorted(maps.Keys(uiPages)), ", ")+" as /export/<page>.pdf", http.StatusNotFound)
		return
	}
	local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	cookie, err := r.Cookie(sessionCookie)
	if !ok || err != nil {
		http.Error(w, "no session to render the page with", http.StatusBadRequest)
		return
	}
	select {
	case s.pdfSlot <- struct{}{}:
		defer func() { <-s.pdfSlot }()
	default:
		s.pdfs.WithLabelValues("busy").Inc()
		w.Header().Set("Retry-After", "10")
		http.Error(w, "another PDF is being rendered; try again in a few seconds", http.StatusServiceUnavailable)
		return
	}
	target := url.URL{Scheme: "http", Host: local.String(), Path: path, RawQuery: q.Encode()}
	ctx, cancel := context.WithTimeout(r.Context(), pdfTimeout)
	defer cancel()
	start := time.Now()
	pdf, err := s.renderPDF(ctx, target, cookie.Value, langOf(r))
	if err != nil {
		s.pdfs.WithLabelValues("failed").Inc()
		s.log.Warn("web: PDF export failed", "view", path, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusBadGateway)
		return
	}
	s.pdfs.WithLabelValues("ok").Inc()
	s.log.Info("web: PDF exported", "view", path, "bytes", len(pdf), "duration", time.Since(start).Round(time.Millisecond))
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="ewom-`+name+"-"+s.now().Format("2006-01-02")+`.pdf"`)
	h.Set("Content-Length", strconv.Itoa(len(pdf)))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(pdf)
}

var errPDFTooLarge = errors.New("the PDF is larger than 20 MiB")

// renderPDF opens target in a fresh headless Chromium with the session's
// and the UI language's cookies, waits until the page has made no request
// for a moment (its cards load over the API), and prints it.
func (s *Server) renderPDF(ctx context.Context, target url.URL, session, lang string) ([]byte, error) {
	exe := s.cfg.Web.Chromium
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	dir, err := os.MkdirTemp("", "ewom-pdf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true))
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	base := url.URL{Scheme: target.Scheme, Host: target.Host, Path: "/"}
	err = chromedp.Do(bctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			for name, value := range map[string]string{sessionCookie: session, langCookie: lang} {
				if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: name, Value: value,
					URL: base.String(), Path: "/", HTTPOnly: ptr(true), SameSite: network.CookieSameSiteStrict}); err != nil {
					return err
				}
			}
			return nil
		}),
		chromedp.Navigate(target.String()))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", target.Path, err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](settled, chromedp.EvalAwaitPromise)); err != nil {
		return nil, fmt.Errorf("wait for %s: %w", target.Path, err)
	}
	pdf, err := chromedp.Run(bctx, func(ctx context.Context, _ *chromedp.Target) ([]byte, error) {
		res, err := chromedp.Call(ctx, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PrintBackground: ptr(true), PreferCSSPageSize: ptr(false)})
		return res.Data, err
	})
	if err != nil {
		return nil, fmt.Errorf("print %s: %w", target.Path, err)
	}
	if len(pdf) > pdfMaxBytes {
		return nil, errPDFTooLarge
	}
	return pdf, nil
}

// settled resolves once the document is loaded and no resource has
// finished loading for 800 ms (or after 15 s, for a page that polls).
const settled = `new Promise(done => {
  let seen = -1; const until = Date.now() + 15000;
  const tick = () => {
    const n = performance.getEntriesByType('resource').length;
    if ((n === seen && document.readyState === 'complete') || Date.now() > until) { done(true); return; }
    seen = n; setTimeout(tick, 800);
  };
  tick();
})`

func ptr[T any](v T) *T { return &v }
