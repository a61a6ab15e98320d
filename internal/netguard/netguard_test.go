package netguard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestCheckAddrRefusesInternal(t *testing.T) {
	var p *Policy
	for _, s := range []string{
		"127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", "169.254.1.1", "100.64.0.1", "100.100.100.200", "0.0.0.0", "255.255.255.255",
		"224.0.0.1", "::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", // IPv4-mapped
		"64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
		"::127.0.0.1",        // IPv4-compatible
		"2002:7f00:1::1",     // 6to4 of 127.0.0.1
	} {
		ip := netip.MustParseAddr(s)
		err := p.CheckAddr(s, ip)
		if !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: got %v, want blocked", s, err)
		}
	}
	for _, s := range []string{"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "151.101.1.69", "100.128.0.1"} {
		if err := p.CheckAddr(s, netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s: got %v, want allowed", s, err)
		}
	}
}

func TestParseHostIPLegacyForms(t *testing.T) {
	cases := map[string]string{
		"2130706433":          "127.0.0.1",
		"0x7f000001":          "127.0.0.1",
		"0x7F.0.0.1":          "127.0.0.1",
		"0177.0.0.1":          "127.0.0.1",
		"127.1":               "127.0.0.1",
		"127.0.1":             "127.0.0.1",
		"2852039166":          "169.254.169.254",
		"0xa9.0xfe.0xa9.0xfe": "169.254.169.254",
		"[::ffff:7f00:1]":     "::ffff:127.0.0.1",
		"10.0.0.1.":           "10.0.0.1",
	}
	for in, want := range cases {
		got, ok := ParseHostIP(in)
		if !ok || got.String() != want {
			t.Errorf("ParseHostIP(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"example.com", "1.2.3.4.5", "256.1.1.1", "0x1g", "", "1..2", "4294967296"} {
		if ip, ok := ParseHostIP(in); ok {
			t.Errorf("ParseHostIP(%q) = %v, want not an IP", in, ip)
		}
	}
}

func TestCheckURL(t *testing.T) {
	p, err := NewPolicy([]string{"10.9.0.0/16", "feeds.internal"})
	if err != nil {
		t.Fatal(err)
	}
	blocked := []string{
		"http://2130706433/", "http://0x7f000001/latest", "http://127.1/", "http://[::ffff:127.0.0.1]/",
		"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://100.100.100.200/",
		"http://localhost:8080/", "http://app.localhost/",
	}
	for _, s := range blocked {
		u, _ := url.Parse(s)
		if err := p.CheckURL(u); !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: got %v, want blocked", s, err)
		}
	}
	for _, s := range []string{"file:///etc/passwd", "gopher://x/", "http://user:pw@example.com/", "http:///x"} {
		u, _ := url.Parse(s)
		if err := p.CheckURL(u); err == nil {
			t.Errorf("%s: accepted", s)
		}
	}
	for _, s := range []string{"https://example.com/feed", "http://10.9.3.4/", "http://feeds.internal:8080/x", "wss://jetstream.example/subscribe"} {
		u, _ := url.Parse(s)
		if err := p.CheckURL(u); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestNewPolicyErrors(t *testing.T) {
	for _, bad := range [][]string{{""}, {"10.0.0.0/33"}, {"http://x/"}} {
		if _, err := NewPolicy(bad); err == nil || !strings.Contains(err.Error(), "allow_networks[0]") {
			t.Errorf("NewPolicy(%q) = %v, want an error naming allow_networks[0]", bad, err)
		}
	}
}

func TestMetadataNeedsExactAllow(t *testing.T) {
	p, _ := NewPolicy([]string{"169.254.0.0/16"})
	if err := p.CheckAddr("x", netip.MustParseAddr("169.254.169.254")); !errors.Is(err, ErrBlocked) {
		t.Fatalf("metadata allowed by a broad range: %v", err)
	}
	if err := p.CheckAddr("x", netip.MustParseAddr("169.254.3.3")); err != nil {
		t.Fatalf("allowed range refused: %v", err)
	}
	p, _ = NewPolicy([]string{"169.254.169.254"})
	if err := p.CheckAddr("x", netip.MustParseAddr("169.254.169.254")); err != nil {
		t.Fatalf("exact allow refused: %v", err)
	}
}

func TestClientRefusesLoopbackAtDialTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }))
	defer srv.Close()
	var p *Policy
	c := p.NewClient(ClientOptions{Timeout: 5 * time.Second})
	// A name that resolves to loopback: only the dial-time check can see it.
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/", "http://2130706433:" + port + "/", "http://[::ffff:127.0.0.1]:" + port + "/"} {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: fetched, want refused", u)
		}
		if !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: got %v, want ErrBlocked", u, err)
		}
	}
}

func TestClientDialCheckSeesResolvedAddress(t *testing.T) {
	var p *Policy
	dial := p.Dialer(time.Second)
	// The dialer has no name test: "localhost" is resolved (from /etc/hosts)
	// and the answer, 127.0.0.1 or ::1, is refused by the Control hook.
	_, err := dial(context.Background(), "tcp", "localhost:1")
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("got %v, want ErrBlocked", err)
	}
}

func TestClientRedirectToInternalRefused(t *testing.T) {
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }))
	defer internal.Close()
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/meta":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			http.Redirect(w, r, internal.URL, http.StatusFound)
		}
	}))
	defer public.Close()
	// Only the "public" server's name is allowed, as a stand-in for a public host.
	pubURL, _ := url.Parse(public.URL)
	p, err := NewPolicy([]string{"public.test"})
	if err != nil {
		t.Fatal(err)
	}
	c := p.NewClient(ClientOptions{Timeout: 5 * time.Second, MaxRedirects: 3})
	c.Transport.(*guardedTransport).next.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if host == "public.test" {
			return (&net.Dialer{}).DialContext(ctx, network, pubURL.Host)
		}
		return p.Dialer(time.Second)(ctx, network, addr)
	}
	for path, want := range map[string]error{"/": ErrBlocked, "/meta": ErrBlocked} {
		resp, err := c.Get("http://public.test" + path)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: redirect followed", path)
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v", path, err)
		}
	}
	resp, err := c.Get("http://public.test/loop")
	if err == nil || !strings.Contains(err.Error(), "stopped after 3 redirects") {
		if resp != nil {
			resp.Body.Close()
		}
		t.Errorf("redirect loop: got %v", err)
	}
}

func TestClientBodyLimitAndAllowList(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 5000))
	}))
	defer srv.Close()
	p, err := NewPolicy([]string{"127.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	for limit, wantErr := range map[int64]bool{1000: true, 5000: false, 4999: true} {
		c := p.NewClient(ClientOptions{MaxBodyBytes: limit})
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if gotErr := errors.Is(err, ErrBodyTooLarge); gotErr != wantErr {
			t.Errorf("limit %d: read %d bytes, err %v", limit, len(b), err)
		}
		if int64(len(b)) > limit {
			t.Errorf("limit %d: read %d bytes", limit, len(b))
		}
	}
}

func FuzzParseHostIP(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "0x7f.1", "2130706433", "[::ffff:127.0.0.1]", "example.com", "1.2.3.4.5"} {
		f.Add(s)
	}
	var p *Policy
	f.Fuzz(func(t *testing.T, host string) {
		ip, ok := ParseHostIP(host)
		if !ok {
			return
		}
		// Whatever the spelling, a loopback or private result is refused.
		if err := p.CheckAddr(host, ip); err == nil && (ip.Unmap().IsLoopback() || ip.Unmap().IsPrivate() || ip.Unmap().IsLinkLocalUnicast()) {
			t.Fatalf("%q → %s allowed", host, ip)
		}
	})
}
