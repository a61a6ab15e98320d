package api

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestClientAddr(t *testing.T) {
	proxies, err := ParseProxies([]string{"10.0.0.0/8", "192.0.2.1", "2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ peer, xff, want string }{
		{"198.51.100.4:5000", "", "198.51.100.4"},
		{"198.51.100.4:5000", "203.0.113.9", "198.51.100.4"}, // not a proxy: its header is ignored
		{"10.1.2.3:5000", "", "10.1.2.3"},
		{"10.1.2.3:5000", "203.0.113.9", "203.0.113.9"},
		{"10.1.2.3:5000", "1.1.1.1, 203.0.113.9", "203.0.113.9"},   // the client's own entries come first
		{"10.1.2.3:5000", "203.0.113.9, 192.0.2.1", "203.0.113.9"}, // through two proxies
		{"10.1.2.3:5000", "10.9.9.9, 192.0.2.1", "10.9.9.9"},       // all proxies: the farthest
		{"10.1.2.3:5000", "203.0.113.9, junk", "10.1.2.3"},         // a hop that is no address
		{"10.1.2.3:5000", "203.0.113.9:4711", "203.0.113.9"},
		{"[2001:db8::1]:5000", "[2001:db8:ffff::2]:1, 2a00::7", "2a00::7"},
		{"[::ffff:10.0.0.1]:5000", "203.0.113.9", "203.0.113.9"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := proxies.ClientAddr(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	if _, err := ParseProxies([]string{"proxy.example"}); err == nil {
		t.Error("a host name was taken for a proxy address")
	}
}

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	th := NewThrottle(3, time.Minute)
	th.SetClock(func() time.Time { return now })
	for range 3 {
		if th.Wait("a") != 0 {
			t.Fatal("throttled before the third failure")
		}
		th.Fail("a")
		now = now.Add(10 * time.Second)
	}
	if w := th.Wait("a"); w != 30*time.Second || th.Wait("b") != 0 {
		t.Fatalf("after 3 failures: wait %s (want 30s, when the first leaves the window), other key %s", w, th.Wait("b"))
	}
	now = now.Add(30 * time.Second)
	if w := th.Wait("a"); w != 0 {
		t.Fatalf("the first failure left the window, still %s", w)
	}
	long := string(make([]byte, 10_000))
	th.Fail(long)
	for k := range th.m {
		if len(k) > 64 {
			t.Fatalf("a %d-byte key is kept as it is", len(k))
		}
	}
}
