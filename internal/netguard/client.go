package netguard

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ErrBodyTooLarge is returned by a response body read past the size limit.
var ErrBodyTooLarge = errors.New("response body exceeds the size limit")

// ClientOptions configures NewClient. Zero values take the defaults.
type ClientOptions struct {
	Timeout      time.Duration // whole request including body; default 30s
	MaxBodyBytes int64         // default 16 MiB
	MaxRedirects int           // default 5; -1 refuses every redirect
	UserAgent    string        // default "ewom (+https://github.com/ewom/ewom)"
}

// Defaults for ClientOptions.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBodyBytes = 16 << 20
	DefaultMaxRedirects = 5
	DefaultUserAgent    = "ewom (+https://github.com/ewom/ewom)"
)

func (o ClientOptions) withDefaults() ClientOptions {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	return o
}

// NewClient returns an HTTP client for user-configured URLs: connections are
// checked by the policy at dial time, proxies from the environment are not
// used (a proxy would dial on our behalf, unchecked), every redirect target is
// checked and counted, and response bodies fail with ErrBodyTooLarge past the
// limit instead of being truncated silently.
func (p *Policy) NewClient(o ClientOptions) *http.Client {
	o = o.withDefaults()
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           p.Dialer(10 * time.Second),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: o.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Timeout:   o.Timeout,
		Transport: &guardedTransport{policy: p, next: tr, maxBody: o.MaxBodyBytes, userAgent: o.UserAgent},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if o.MaxRedirects < 0 || len(via) > o.MaxRedirects {
				return fmt.Errorf("stopped after %d redirects", len(via)-1)
			}
			return p.CheckURL(req.URL)
		},
	}
}

// guardedTransport checks the URL of every request (including redirects and
// IP literals in legacy spellings), sets the User-Agent and limits bodies.
type guardedTransport struct {
	policy    *Policy
	next      http.RoundTripper
	maxBody   int64
	userAgent string
}

func (t *guardedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.policy.CheckURL(req.URL); err != nil {
		return nil, err
	}
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.userAgent)
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// A 101 body is the raw connection of a WebSocket and must stay writable.
	if resp.StatusCode != http.StatusSwitchingProtocols {
		resp.Body = &limitedBody{rc: resp.Body, left: t.maxBody}
	}
	return resp, nil
}

// limitedBody fails once more than left bytes have been read.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrBodyTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n - int(-b.left), ErrBodyTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
