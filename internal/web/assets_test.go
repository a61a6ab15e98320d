package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
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
		resp, err := http.DefaultTransport.RoundTrip(req)
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
