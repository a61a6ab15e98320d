package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/store/storetest"
)

// The bundle goes out gzipped to a browser that takes gzip, as it is to
// one that does not, and either is revalidated by its own ETag.
func TestAssetsGzipped(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t))
	want, err := assetFS.ReadFile("assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	get := func(encoding, etag string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/assets/app.js", nil)
		// Set, so that the transport neither asks for gzip nor unpacks it.
		req.Header.Set("Accept-Encoding", encoding)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		return readResponse(t)(http.DefaultTransport.RoundTrip(req))
	}

	resp, body := get("br, gzip;q=0.8", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" ||
		resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("gzip answer %d, headers %v", resp.StatusCode, resp.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("unpacked %d bytes (%v), want the bundle's %d", len(got), err, len(want))
	}
	t.Logf("app.js: %d bytes, %d gzipped (%.0f %%)", len(want), len(body), 100*float64(len(body))/float64(len(want)))
	if len(body) > len(want)/2 {
		t.Errorf("gzipped %d of %d bytes", len(body), len(want))
	}
	gzTag := resp.Header.Get("ETag")

	resp, body = get("identity", "")
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, want) {
		t.Fatalf("identity answer: encoding %q, %d bytes", resp.Header.Get("Content-Encoding"), len(body))
	}
	plainTag := resp.Header.Get("ETag")
	if plainTag == "" || plainTag == gzTag {
		t.Fatalf("ETags %q (plain) and %q (gzip) must differ", plainTag, gzTag)
	}
	for _, refused := range []string{"gzip;q=0", "gzip; q=0.000", "deflate"} {
		if resp, _ = get(refused, ""); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q got gzip", refused)
		}
	}
	if resp, _ = get("gzip", gzTag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the gzip ETag: %d, want 304", resp.StatusCode)
	}
	if resp, _ = get("identity", plainTag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the plain ETag: %d, want 304", resp.StatusCode)
	}
}

var (
	modulePreload = regexp.MustCompile(`<link rel="modulepreload" href="/assets/([^"]+)">`)
	staticImport  = regexp.MustCompile(`(?:import|from)\s*"\./([^"]+\.js)"`)
	dynamicImport = regexp.MustCompile(`import\("\./([^"]+\.js)"\)`)
)

// A page names as modulepreload every module its app.js imports and
// ECharts' (a module app.js imports dynamically, with its imports), and no
// other: the Journey's chart kinds load where drawn. Each is served as
// JavaScript under the page's CSP, gzipped (all but a tiny one), a chunk
// (its name holds its content's hash) as immutable.
func TestPagesPreloadModules(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t))
	page := login(t, ts.URL, "viewer", "viewer-pass").text("GET", "/", nil, http.StatusOK)
	preloaded := map[string]bool{}
	for _, m := range modulePreload.FindAllStringSubmatch(page, -1) {
		preloaded[m[1]] = true
	}
	if !strings.Contains(page, `<script type="module" src="/assets/app.js">`) {
		t.Fatal("the page does not load app.js as a module")
	}
	get := func(name string) string {
		resp, b := readResponse(t)(http.Get(ts.URL + "/assets/" + name))
		cache := "no-cache"
		if strings.HasPrefix(name, "chunk-") {
			cache = "public, max-age=31536000, immutable"
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" ||
			resp.Header.Get("Content-Security-Policy") != csp || resp.Header.Get("Cache-Control") != cache {
			t.Fatalf("%s: %d, headers %v", name, resp.StatusCode, resp.Header)
		}
		// The transport asked for gzip and unpacked it.
		if len(b) > 1024 && !resp.Uncompressed {
			t.Errorf("%s (%d bytes) was not sent gzipped", name, len(b))
		}
		return string(b)
	}
	// closure is name's module with every module it imports statically; dyn
	// collects the modules they import dynamically.
	dyn := map[string]bool{}
	var closure func(name string, into map[string]bool)
	closure = func(name string, into map[string]bool) {
		into[name] = true
		src := get(name)
		for _, m := range dynamicImport.FindAllStringSubmatch(src, -1) {
			dyn[m[1]] = true
		}
		for _, m := range staticImport.FindAllStringSubmatch(src, -1) {
			if !into[m[1]] {
				closure(m[1], into)
			}
		}
	}
	app := map[string]bool{}
	closure("app.js", app)
	delete(app, "app.js")
	for m := range app {
		if !preloaded[m] {
			t.Errorf("app.js imports %s, not preloaded", m)
		}
	}
	var lazy []string // dynamic imports left to load where used
	for d := range maps.Clone(dyn) {
		mods := map[string]bool{}
		closure(d, mods)
		all := true
		for m := range mods {
			all = all && (preloaded[m] || app[m])
		}
		if !all {
			lazy = append(lazy, d)
			continue
		}
		maps.Copy(app, mods)
	}
	for m := range preloaded {
		if !app[m] {
			t.Errorf("%s preloaded, but neither app.js nor a dynamic import preloaded whole imports it", m)
		}
	}
	if len(lazy) != 1 {
		t.Errorf("dynamic imports not preloaded: %v, want one (the Journey's kinds)", lazy)
	}
	t.Logf("preloaded %d modules; left to load where used: %v", len(preloaded), lazy)
}

// readResponse returns a function that takes a request's outcome and
// returns the response with its whole body, failing t on an error.
func readResponse(t testing.TB) func(*http.Response, error) (*http.Response, []byte) {
	return func(resp *http.Response, err error) (*http.Response, []byte) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
}
