package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store/storetest"
)

// valueList is "prefix0,prefix1,…" with n values.
func valueList(prefix string, n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "%s%d", prefix, i)
	}
	return sb.String()
}

// getWithin requests path with the API token and fails the test when the
// answer takes longer than limit.
func getWithin(t testing.TB, base, path string, limit time.Duration) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: limit}
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := c.Do(req)
	if err != nil {
		// The *url.Error would quote the whole (long) URL.
		t.Fatalf("GET %.60s…: no answer within %s: %v", path, limit, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Long filter lists are refused at once, by a limit the answer names, on
// every filter; a list within the limit still works.
func TestLongFilterListsAreRefusedAtOnce(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t))
	for _, key := range []string{"sentiment", "brand", "source", "lang", "touchpoint", "journey_stage"} {
		// 100,000 values: a URL of some 690 KB.
		code, body := getWithin(t, ts.URL, "/api/v1/mentions?"+key+"="+valueList("s", 100_000), 2*time.Second)
		if code != http.StatusRequestURITooLong || !strings.Contains(body, "http.max_url_bytes") {
			t.Errorf("%s with 100,000 values: %d %s", key, code, body)
		}
		// Within the URL limit, more values than a filter takes.
		code, body = getWithin(t, ts.URL, "/api/v1/mentions?"+week+"&"+key+"="+valueList("v", 201), 2*time.Second)
		if code != http.StatusBadRequest || !strings.Contains(body, key+": 201 values") || !strings.Contains(body, "web.max_filter_values") {
			t.Errorf("%s with 201 values: %d %s", key, code, body)
		}
	}
	code, body := getWithin(t, ts.URL, "/api/v1/mentions?"+week+"&brand="+valueList("b", 200), 2*time.Second)
	if code != http.StatusOK {
		t.Errorf("200 brands: %d %s", code, body)
	}
}

// More query parameters than the URL parser takes used to drop every
// filter silently (an unfiltered answer); now they are refused, also where
// http.max_url_bytes is raised enough to let them through.
func TestTooManyQueryParametersAreRefused(t *testing.T) {
	ts := newTestServer(t, storetest.Embedded(t), func(c *config.Config) { c.HTTP.MaxURLBytes = 1 << 20 })
	path := "/api/v1/mentions?brand=Rival&" + week + strings.Repeat("&a", 10_001)
	code, body := getWithin(t, ts.URL, path, 5*time.Second)
	if code != http.StatusBadRequest || !strings.Contains(body, "query: number of URL query parameters exceeded limit") {
		t.Fatalf("10,003 parameters: %d %s", code, body)
	}
}

// BenchmarkLongFilterRefused requests the mention list with a 100,000-value
// sentiment filter (a 689 KB URL) through the real server: refused by
// http.max_url_bytes as configured by default, and, with that raised to
// 1 MiB, by web.max_filter_values. "http" is a request over loopback,
// client and transfer included; "handler" the server's handler alone. The
// issue's bar is 10 ms a request.
//
//	go test ./internal/web -run '^$' -bench LongFilterRefused
func BenchmarkLongFilterRefused(b *testing.B) {
	s := storetest.Embedded(b)
	path := "/api/v1/mentions?" + week + "&sentiment=" + valueList("s", 100_000)
	for _, c := range []struct {
		name     string
		urlBytes int
		code     int
	}{{"url-limit", 16 << 10, http.StatusRequestURITooLong}, {"filter-limit", 1 << 20, http.StatusBadRequest}} {
		ts := newTestServer(b, s, func(cfg *config.Config) { cfg.HTTP.MaxURLBytes = c.urlBytes })
		b.Run(c.name+"/http", func(b *testing.B) {
			for b.Loop() {
				if code, body := getWithin(b, ts.URL, path, 10*time.Second); code != c.code {
					b.Fatalf("%d %s", code, body)
				}
			}
		})
		b.Run(c.name+"/handler", func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+testToken)
			for b.Loop() {
				rec := httptest.NewRecorder()
				ts.Config.Handler.ServeHTTP(rec, req)
				if rec.Code != c.code {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
