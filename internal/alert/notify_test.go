package alert_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/netguard"
	"github.com/ewom/ewom/internal/proctest"
)

func sampleEvent() alert.Event {
	at := time.Date(2026, 3, 24, 14, 5, 0, 0, time.UTC)
	return alert.Event{Type: alert.EventFiring, Alert: alert.Alert{ID: "abc-1", Fingerprint: "abc", Kind: alert.KindNegativeSpike,
		Brand: "Koijarit", SegmentKind: "journey_stage", SegmentValue: "delivery", State: alert.StateFiring, Severity: "major",
		StartedAt: at, FiredAt: at, UpdatedAt: at, Window: "15m0s", Observed: 24, Expected: 3.1, Ratio: 7.7, PValue: 2e-9,
		Share: 0.6, ExpectedShare: 0.2, Explanation: &alert.Explanation{Summary: "Koijarit: 24 negative mentions", JourneyStage: "delivery",
			TopTerms:   []alert.NameCount{{Name: "toimitus", Count: 20}, {Name: "myöhässä", Count: 15}},
			TopSources: []alert.NameCount{{Name: "mastodon", Count: 14}},
			Mentions:   []alert.Sample{{Source: "mastodon", URL: "https://example.org/1", Text: "Toimitus <myöhässä>"}}}}}
}

// loopback admits the tests' servers through the notifiers' SSRF guard.
var loopback = []string{"127.0.0.1"}

// TestNotifiersRefuseInternalAddresses: a notifier URL is as
// user-configured as a collector's and goes through the same guard. Loopback
// (the test server), localhost, a metadata address and a redirect to
// loopback are refused without a retry unless allowed; the allow-list admits
// the test server.
func TestNotifiersRefuseInternalAddresses(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, typ := range []string{"webhook", "slack", "alertmanager"} {
		for _, u := range []string{srv.URL, "http://localhost:" + port, "http://2130706433:" + port, "http://169.254.169.254/latest"} {
			n, err := alert.NewNotifier(config.Notifier{Type: typ, URL: u, Retries: 3}, "")
			if err != nil {
				t.Fatal(err)
			}
			err = n.Notify(context.Background(), sampleEvent())
			if !errors.Is(err, netguard.ErrBlocked) {
				t.Errorf("%s to %s: got %v, want an error wrapping netguard.ErrBlocked", typ, u, err)
			} else if strings.Contains(err.Error(), "attempts") {
				t.Errorf("%s to %s: %v; a policy refusal must not be retried", typ, u, err)
			}
		}
		// The allow-list admits loopback, but not the metadata address.
		n, err := alert.NewNotifier(config.Notifier{Type: typ, URL: srv.URL, AllowNetworks: loopback}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Notify(context.Background(), sampleEvent()); err != nil {
			t.Errorf("%s to %s with allow_networks %v: %v", typ, srv.URL, loopback, err)
		}
		n, _ = alert.NewNotifier(config.Notifier{Type: typ, URL: "http://169.254.169.254/", AllowNetworks: []string{"169.254.0.0/16"}}, "")
		if err := n.Notify(context.Background(), sampleEvent()); !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("%s to the metadata address with allow_networks 169.254.0.0/16: got %v, want refused", typ, err)
		}
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("the test server got %d deliveries, want 3 (one per type, through the allow-list)", got)
	}
	if _, err := alert.NewNotifier(config.Notifier{Type: "webhook", URL: srv.URL, AllowNetworks: []string{"10.0.0.0/33"}}, ""); err == nil {
		t.Error("a bad allow_networks entry was accepted")
	}
}

// TestNotifierDoesNotFollowRedirects: a redirect would re-send the alert as a
// GET (the body lost, yet "delivered") or to an address nobody configured.
func TestNotifierDoesNotFollowRedirects(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}
	}))
	defer srv.Close()
	n, _ := alert.NewNotifier(config.Notifier{Type: "webhook", URL: srv.URL, Retries: 3, AllowNetworks: loopback}, "")
	err := n.Notify(context.Background(), sampleEvent())
	if err == nil || !strings.Contains(err.Error(), "/elsewhere") || calls.Load() != 1 {
		t.Errorf("err %v after %d calls; want one call and an error naming the redirect target", err, calls.Load())
	}
}

func TestSlackMessage(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&got)
	}))
	defer srv.Close()
	n, err := alert.NewNotifier(config.Notifier{Type: "slack", URL: srv.URL, AllowNetworks: loopback}, "https://ewom.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(context.Background(), sampleEvent()); err != nil {
		t.Fatal(err)
	}
	text, _ := got["text"].(string)
	for _, want := range []string{"Negative spike for Koijarit", "journey_stage=delivery", "24 negative mentions in 15m0s, 3.1 expected",
		"*Journey stage:* delivery", "toimitus, myöhässä", "<https://example.org/1|mastodon> — Toimitus ‹myöhässä›", "mastodon (14)"} {
		if !strings.Contains(text, want) {
			t.Errorf("slack text lacks %q:\n%s", want, text)
		}
	}
}

func TestWebhookRetriesAndGivesUp(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		case 2:
			http.Error(w, "oops", http.StatusBadGateway)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	n, _ := alert.NewNotifier(config.Notifier{Type: "webhook", URL: srv.URL, Retries: 3, AllowNetworks: loopback}, "")
	start := time.Now()
	if err := n.Notify(context.Background(), sampleEvent()); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 || time.Since(start) < time.Second {
		t.Errorf("%d calls in %s; want 3, honouring Retry-After", calls.Load(), time.Since(start))
	}
	// A 4xx other than 429 is final.
	calls.Store(0)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer bad.Close()
	n, _ = alert.NewNotifier(config.Notifier{Type: "webhook", URL: bad.URL, Retries: 3, AllowNetworks: loopback}, "")
	if err := n.Notify(context.Background(), sampleEvent()); err == nil || calls.Load() != 1 {
		t.Errorf("err %v after %d calls; want one rejected call", err, calls.Load())
	}
}

// amListening is Alertmanager's log line naming the address it listens on.
var amListening = regexp.MustCompile(`msg="Listening on" address=(\S+)`)

// startAlertmanager runs the Debian prometheus-alertmanager on a port it
// chooses itself, read from its log (a port found free here could be taken
// before it binds it), and returns its URL once it is ready.
func startAlertmanager(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "am.yml")
	if err := os.WriteFile(cfg, []byte("route:\n  receiver: default\nreceivers:\n  - name: default\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("prometheus-alertmanager", "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:0", "--cluster.listen-address=")
	out := proctest.NewOutput(amListening)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus-alertmanager: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	addr, err := out.Await(30*time.Second, exited)
	if err != nil {
		t.Fatalf("prometheus-alertmanager: %v", err)
	}
	url := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return url
			}
		}
		if i > 100 {
			t.Fatalf("alertmanager not ready: %v\n%s", err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAlertmanager delivers to the Debian prometheus-alertmanager, through
// the SSRF guard's allow-list, and reads the alert back with amtool.
func TestAlertmanager(t *testing.T) {
	url := startAlertmanager(t)
	n, err := alert.NewNotifier(config.Notifier{Type: "alertmanager", URL: url, Labels: map[string]string{"team": "cx"},
		AllowNetworks: loopback}, "https://ewom.example")
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleEvent()
	ev.Alert.FiredAt = time.Now().Add(-time.Minute)
	if err := n.Notify(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	query := func() string {
		out, err := exec.Command("amtool", "--alertmanager.url="+url, "-o", "json", "alert", "query", "brand=Koijarit").CombinedOutput()
		if err != nil {
			t.Fatalf("amtool: %v: %s", err, out)
		}
		return string(out)
	}
	out := query()
	for _, want := range []string{`"alertname":"EwomNegativeSpike"`, `"severity":"major"`, `"segment_value":"delivery"`, `"team":"cx"`,
		`"journey_stage":"delivery"`, `"generatorURL":"https://ewom.example/api/v1/alerts?brand=Koijarit"`} {
		if !strings.Contains(out, want) {
			t.Errorf("amtool output lacks %s:\n%s", want, out)
		}
	}
	// An acknowledgement updates the alert's annotations: who took it, and
	// who it is assigned to.
	ack := ev
	ack.Type = alert.EventAcknowledged
	ack.By = &alert.Action{Action: alert.ActAcknowledge, Actor: "anna", At: time.Now()}
	ack.Alert.Workflow = &alert.Workflow{AcknowledgedBy: "anna", Assignee: "ben"}
	if err := n.Notify(context.Background(), ack); err != nil {
		t.Fatal(err)
	}
	out = query()
	for _, want := range []string{`"acknowledged_by":"anna"`, `"assignee":"ben"`, `"alertname":"EwomNegativeSpike"`} {
		if !strings.Contains(out, want) {
			t.Errorf("amtool output after the acknowledgement lacks %s:\n%s", want, out)
		}
	}
	// A resolution by hand ends it.
	ev.Type = alert.EventResolved
	ev.By = &alert.Action{Action: alert.ActResolve, Actor: "ben", At: time.Now()}
	now := time.Now().Add(-time.Second)
	ev.Alert.ResolvedAt = &now
	if err := n.Notify(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if out := query(); strings.Contains(out, "EwomNegativeSpike") {
		t.Errorf("resolved alert still active:\n%s", out)
	}
}

// TestSlackWorkflowMessages: an acknowledgement and a resolution by hand
// say who, with their comment, and not the firing alert's details again.
func TestSlackWorkflowMessages(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		text, _ := m["text"].(string)
		got = append(got, text)
	}))
	defer srv.Close()
	n, err := alert.NewNotifier(config.Notifier{Type: "slack", URL: srv.URL, AllowNetworks: loopback}, "")
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleEvent()
	ev.Type, ev.By = alert.EventAcknowledged, &alert.Action{Action: alert.ActAcknowledge, Actor: "anna", Comment: "Soitan <kuriirille>"}
	if err := n.Notify(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	ev.Type, ev.By = alert.EventResolved, &alert.Action{Action: alert.ActResolve, Actor: "ben"}
	if err := n.Notify(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], ":eyes: *Acknowledged by anna: negative spike for Koijarit* (journey_stage=delivery, major)") ||
		!strings.Contains(got[0], "\n> Soitan ‹kuriirille›") || strings.Contains(got[0], "*Terms:*") ||
		!strings.HasPrefix(got[1], ":white_check_mark: *Resolved by ben: negative spike for Koijarit*") {
		t.Errorf("slack messages:\n%s", strings.Join(got, "\n---\n"))
	}
}
