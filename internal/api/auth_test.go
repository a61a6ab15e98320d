package api_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/bus/bustest"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store/storetest"
)

// countFrom asks the count endpoint from the TCP source address src with
// the Authorization header auth; it returns the status, Retry-After and body.
func countFrom(t testing.TB, base, src, auth string) (int, string, string) {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	defer c.CloseIdleConnections()
	req, _ := http.NewRequest("GET", base+"/api/v1/mentions/count?from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z", nil)
	req.Header.Set("Authorization", auth)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// The authentication scheme is case-insensitive (RFC 9110 11.1).
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	ts := ingestServer(t, bustest.RunJetStream(t), storetest.Embedded(t))
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		if code, _, body := countFrom(t, ts.URL, "127.0.0.1", scheme+" "+token); code != http.StatusOK {
			t.Errorf("%s: %d %s", scheme, code, body)
		}
	}
}

// Guessing the bearer token is throttled per client address, as sign-ins are.
func TestFailedBearerTokensAreThrottled(t *testing.T) {
	ts := ingestServer(t, bustest.RunJetStream(t), storetest.Embedded(t))
	perAddress := config.Default().HTTP.AuthThrottle.PerAddress
	for i := range perAddress {
		if code, _, body := countFrom(t, ts.URL, "127.0.0.1", "Bearer guess"); code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d %s", i, code, body)
		}
	}
	code, retry, body := countFrom(t, ts.URL, "127.0.0.1", "Bearer "+token)
	if code != http.StatusTooManyRequests || retry == "" || !strings.Contains(body, "http.auth_throttle") {
		t.Fatalf("right token after %d wrong ones: %d, Retry-After %q: %s", perAddress, code, retry, body)
	}
	if code, _, body := countFrom(t, ts.URL, "127.0.0.2", "Bearer "+token); code != http.StatusOK {
		t.Fatalf("right token from another address: %d %s", code, body)
	}
}

// With http.status_auth the status endpoints want the bearer token, except
// /healthz (liveness probes); without it they stay open, as before.
func TestStatusEndpointsCanRequireTheToken(t *testing.T) {
	for _, protect := range []bool{false, true} {
		b, s := bustest.RunJetStream(t), storetest.Embedded(t)
		reg := prometheus.NewRegistry()
		srv := &api.Server{API: true, Bus: b, Store: s, Token: token, MaxBodyBytes: 1 << 20, StatusAuth: protect,
			Gatherer: reg, Registerer: reg, Log: slog.New(slog.DiscardHandler), Ready: map[string]api.Checker{}}
		ts := httptest.NewServer(srv.Handler())
		for _, c := range []struct {
			path string
			open bool // answers without the token
		}{{"/healthz", true}, {"/readyz", !protect}, {"/metrics", !protect}} {
			for _, auth := range []string{"", "Bearer " + token} {
				req, _ := http.NewRequest("GET", ts.URL+c.path, nil)
				if auth != "" {
					req.Header.Set("Authorization", auth)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				want := http.StatusOK
				if auth == "" && !c.open {
					want = http.StatusUnauthorized
				}
				if resp.StatusCode != want {
					t.Errorf("status_auth %v, %s with token %v: %d, want %d", protect, c.path, auth != "", resp.StatusCode, want)
				}
			}
		}
		ts.Close()
	}
}
