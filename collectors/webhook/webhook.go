// Package webhook verifies HMAC-signed pushes to the ingest API, for tools
// that send mentions (Zendesk, review-platform exports, scripts) with a
// shared secret. Middleware checks the signature and timestamp and rejects
// replays before the ingest handler sees the body.
package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Schemes say where the signature and timestamp are and how they are made.
const (
	// SchemeEwom: X-Ewom-Timestamp (Unix seconds) and
	// X-Ewom-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body)).
	SchemeEwom = "ewom"
	// SchemeZendesk: X-Zendesk-Webhook-Signature-Timestamp (RFC 3339) and
	// X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + body)).
	SchemeZendesk = "zendesk"
)

// Options configure a Verifier (the YAML keys of a signed webhook).
type Options struct {
	SecretEnv string        `yaml:"secret_env"`
	Scheme    string        `yaml:"scheme"`
	Window    time.Duration `yaml:"window"`
	// MaxBodyBytes bounds the body read for verification (default 8 MiB).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// Verifier checks signed requests.
type Verifier struct {
	secret  []byte
	scheme  string
	window  time.Duration
	maxBody int64
	now     func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time // signatures inside the window: replay guard
}

// NewVerifier reads the secret from the environment.
func NewVerifier(o Options) (*Verifier, error) {
	if o.SecretEnv == "" {
		return nil, errors.New("secret_env: required (the variable holding the shared secret)")
	}
	secret := os.Getenv(o.SecretEnv)
	if len(secret) < 16 {
		return nil, fmt.Errorf("secret_env: $%s must hold a secret of at least 16 characters", o.SecretEnv)
	}
	switch o.Scheme {
	case "":
		o.Scheme = SchemeEwom
	case SchemeEwom, SchemeZendesk:
	default:
		return nil, fmt.Errorf("scheme: %q is not one of ewom, zendesk", o.Scheme)
	}
	if o.Window <= 0 {
		o.Window = 5 * time.Minute
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 8 << 20
	}
	return &Verifier{secret: []byte(secret), scheme: o.Scheme, window: o.Window, maxBody: o.MaxBodyBytes,
		now: time.Now, seen: map[string]time.Time{}}, nil
}

// Errors returned by Verify; all mean 401 except ErrTooLarge (413).
var (
	ErrMissing   = errors.New("missing signature or timestamp header")
	ErrSignature = errors.New("signature does not match")
	ErrStale     = errors.New("timestamp outside the accepted window")
	ErrReplay    = errors.New("request already received (replay)")
	ErrTooLarge  = errors.New("body too large")
)

// Verify checks a request's signature over body.
func (v *Verifier) Verify(h http.Header, body []byte) error {
	sigHeader, tsHeader := "X-Ewom-Signature", "X-Ewom-Timestamp"
	if v.scheme == SchemeZendesk {
		sigHeader, tsHeader = "X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp"
	}
	sig, ts := strings.TrimSpace(h.Get(sigHeader)), strings.TrimSpace(h.Get(tsHeader))
	if sig == "" || ts == "" {
		return fmt.Errorf("%w (%s, %s)", ErrMissing, sigHeader, tsHeader)
	}
	t, err := v.parseTime(ts)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrStale, tsHeader, err)
	}
	now := v.now()
	if d := now.Sub(t); d > v.window || d < -v.window {
		return fmt.Errorf("%w: %s is %s from now (window ±%s)", ErrStale, tsHeader, d.Round(time.Second), v.window)
	}
	if !hmac.Equal([]byte(sig), []byte(v.sign(ts, body))) {
		return ErrSignature
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for s, at := range v.seen {
		if now.Sub(at) > 2*v.window {
			delete(v.seen, s)
		}
	}
	if _, dup := v.seen[sig]; dup {
		return ErrReplay
	}
	v.seen[sig] = now
	return nil
}

func (v *Verifier) parseTime(ts string) (time.Time, error) {
	if v.scheme == SchemeZendesk {
		return time.Parse(time.RFC3339, ts)
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, errors.New("want Unix seconds")
	}
	return time.Unix(secs, 0), nil
}

// sign computes the expected signature header value.
func (v *Verifier) sign(ts string, body []byte) string {
	if v.scheme == SchemeZendesk {
		mac := hmac.New(sha256.New, v.secret)
		mac.Write([]byte(ts))
		mac.Write(body)
		return base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	return Sign(v.secret, ts, body)
}

// Sign returns the X-Ewom-Signature value of the ewom scheme for a body sent
// at ts (Unix seconds): what a sender — ewom's own alert webhooks included —
// puts beside X-Ewom-Timestamp.
func Sign(secret []byte, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Middleware verifies each request before passing it, with its body intact,
// to next. Failures are answered with 401 (or 413) and a short reason.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, v.maxBody))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				http.Error(w, ErrTooLarge.Error(), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := v.Verify(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}
