package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/bus/bustest"
	"github.com/ewom/ewom/internal/config"
)

const secret = "0123456789abcdef-shared"

func ewomSign(ts string, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, ts+"."+body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func newVerifier(t *testing.T, scheme string, now time.Time) *Verifier {
	t.Helper()
	t.Setenv("HOOK_SECRET", secret)
	v, err := NewVerifier(Options{SecretEnv: "HOOK_SECRET", Scheme: scheme, MaxBodyBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	v.now = func() time.Time { return now }
	return v
}

func TestVerifyEwomScheme(t *testing.T) {
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	v := newVerifier(t, "", now)
	body := `{"source":"zendesk","text":"Tilaus myöhässä","published_at":"2026-11-20T07:59:00Z"}`
	ts := strconv.FormatInt(now.Unix(), 10)
	h := http.Header{}
	h.Set("X-Ewom-Timestamp", ts)
	h.Set("X-Ewom-Signature", ewomSign(ts, body))
	if err := v.Verify(h, []byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(h, []byte(body)); !errors.Is(err, ErrReplay) {
		t.Errorf("replay: %v", err)
	}
	if err := v.Verify(h, []byte(body+" ")); !errors.Is(err, ErrSignature) {
		t.Errorf("tampered body: %v", err)
	}
	old := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
	h.Set("X-Ewom-Timestamp", old)
	h.Set("X-Ewom-Signature", ewomSign(old, body))
	if err := v.Verify(h, []byte(body)); !errors.Is(err, ErrStale) {
		t.Errorf("stale: %v", err)
	}
	if err := v.Verify(http.Header{}, []byte(body)); !errors.Is(err, ErrMissing) {
		t.Errorf("missing: %v", err)
	}
}

func TestVerifyZendeskScheme(t *testing.T) {
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	v := newVerifier(t, SchemeZendesk, now)
	body := `{"ticket":{"id":35436,"description":"Paketti ei tullut"}}`
	ts := now.Add(-time.Minute).Format(time.RFC3339)
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, ts+body)
	h := http.Header{}
	h.Set("X-Zendesk-Webhook-Signature-Timestamp", ts)
	h.Set("X-Zendesk-Webhook-Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	if err := v.Verify(h, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func TestMiddleware(t *testing.T) {
	now := time.Now()
	v := newVerifier(t, "", now)
	var got string
	srv := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		w.WriteHeader(http.StatusAccepted)
	})))
	defer srv.Close()
	post := func(body, sig string) int {
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(body))
		ts := strconv.FormatInt(now.Unix(), 10)
		req.Header.Set("X-Ewom-Timestamp", ts)
		if sig == "" {
			sig = ewomSign(ts, body)
		}
		req.Header.Set("X-Ewom-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(`{"text":"ok"}`, ""); code != http.StatusAccepted || got != `{"text":"ok"}` {
		t.Errorf("valid: %d, body %q", code, got)
	}
	if code := post(`{"text":"x"}`, "sha256=00"); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d", code)
	}
	if code := post(strings.Repeat("x", 2000), ""); code != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d", code)
	}
}

// A signed batch with one bad item stores the others and answers which
// item was rejected: through the real ingest API onto a real JetStream bus.
func TestSignedBatchStoresAroundABadItem(t *testing.T) {
	b := bustest.RunJetStream(t)
	v := newVerifier(t, "", time.Now())
	cfg := config.Default()
	reg := prometheus.NewRegistry()
	ingest := &api.Server{API: true, Bus: b, MaxBodyBytes: cfg.HTTP.MaxBodyBytes, MaxURLBytes: cfg.HTTP.MaxURLBytes, MaxItems: cfg.HTTP.MaxIngestItems,
		Webhooks: map[string]func(http.Handler) http.Handler{"zd": v.Middleware}, Gatherer: reg, Registerer: reg,
		Log: slog.New(slog.DiscardHandler), Ready: map[string]api.Checker{}}
	srv := httptest.NewServer(ingest.Handler())
	defer srv.Close()
	body := `[{"source":"zendesk","id":"1","text":"Tilaus myöhässä","published_at":"2026-11-20T07:59:00Z"},
{"source":"zendesk","id":"2","text":{"fi":"Paketti ei tullut"},"published_at":"2026-11-20T08:00:00Z"},
{"source":"zendesk","id":"3","text":"Kiitos nopeasta palautuksesta","published_at":"2026-11-20T08:01:00Z"}]`
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/webhooks/zd", strings.NewReader(body))
	req.Header.Set("X-Ewom-Timestamp", ts)
	req.Header.Set("X-Ewom-Signature", ewomSign(ts, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		Accepted int `json:"accepted"`
		Rejected []struct {
			Index int    `json:"index"`
			Error string `json:"error"`
		} `json:"rejected"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || a.Accepted != 2 || len(a.Rejected) != 1 || a.Rejected[0].Index != 1 || !strings.Contains(a.Rejected[0].Error, "text") {
		t.Fatalf("%d %+v", resp.StatusCode, a)
	}
	stream, err := b.JetStream().Stream(context.Background(), cfg.NATS.Stream)
	if err != nil {
		t.Fatal(err)
	}
	var stored []string
	for seq := uint64(1); ; seq++ {
		msg, err := stream.GetMsg(context.Background(), seq)
		if err != nil {
			break
		}
		var m struct{ ID string }
		json.Unmarshal(msg.Data, &m)
		stored = append(stored, m.ID)
	}
	if strings.Join(stored, ",") != "1,3" {
		t.Errorf("stored %v", stored)
	}
}

func TestNewVerifierValidates(t *testing.T) {
	t.Setenv("SHORT", "abc")
	for _, o := range []Options{{}, {SecretEnv: "SHORT"}, {SecretEnv: "HOOK_SECRET", Scheme: "github"}} {
		t.Setenv("HOOK_SECRET", secret)
		if _, err := NewVerifier(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
