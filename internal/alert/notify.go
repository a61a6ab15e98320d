package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/collectors/webhook"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/netguard"
)

// Notifier delivers alert lifecycle events to one destination.
type Notifier interface {
	Name() string
	Notify(ctx context.Context, ev Event) error
}

// refresher is a notifier that wants the active alerts re-sent every
// cycle (Alertmanager resolves alerts that are not refreshed).
type refresher interface {
	Refresh(ctx context.Context, active []Alert, until time.Time) error
}

// sender posts JSON with retries: network errors, 429 and 5xx are retried
// with exponential backoff (honouring Retry-After); other 4xx are final.
type sender struct {
	client  *http.Client
	url     string
	retries int
	timeout time.Duration
	base    time.Duration // first backoff
}

var errPermanent = errors.New("rejected")

func (s *sender) post(ctx context.Context, body []byte, header func(http.Header)) error {
	var last error
	for attempt := 0; attempt <= s.retries; attempt++ {
		if attempt > 0 {
			wait := s.base << (attempt - 1)
			var ra retryAfter
			if errors.As(last, &ra) && time.Duration(ra) > wait {
				wait = time.Duration(ra)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
			case <-time.After(min(wait, time.Minute)):
			}
		}
		last = s.once(ctx, body, header)
		if last == nil || errors.Is(last, errPermanent) {
			return last
		}
	}
	return fmt.Errorf("after %d attempts: %w", s.retries+1, last)
}

type retryAfter time.Duration

func (r retryAfter) Error() string { return "retry after " + time.Duration(r).String() }

func (s *sender) once(ctx context.Context, body []byte, header func(http.Header)) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", errPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ewom-alerts")
	if header != nil {
		header(req.Header)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrBlocked) {
			return fmt.Errorf("%w: %w", errPermanent, err) // policy, not a network failure: no retries
		}
		return err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			return fmt.Errorf("%s: %w", resp.Status, retryAfter(time.Duration(secs)*time.Second))
		}
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(msg)))
	case resp.StatusCode < 400:
		return fmt.Errorf("%w: %s to %q: redirects are not followed, configure the final URL", errPermanent, resp.Status, resp.Header.Get("Location"))
	default:
		return fmt.Errorf("%w: %s: %s", errPermanent, resp.Status, strings.TrimSpace(string(msg)))
	}
}

// maxResponseBytes bounds what a notifier reads of an answer.
const maxResponseBytes = 64 << 10

// NewNotifier builds a notifier from config. externalURL links back to ewom.
// Deliveries go through the same SSRF guard as collectors (internal
// addresses only through n.AllowNetworks) and do not follow redirects: a
// redirected POST would be re-sent as a GET or to an address nobody
// configured, so a redirect is reported as a failed delivery.
func NewNotifier(n config.Notifier, externalURL string) (Notifier, error) {
	n = n.WithDefaults()
	policy, err := n.Policy()
	if err != nil {
		return nil, err
	}
	client := policy.NewClient(netguard.ClientOptions{Timeout: n.Timeout, MaxBodyBytes: maxResponseBytes, UserAgent: "ewom-alerts"})
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s := &sender{client: client, url: n.URL, retries: n.Retries, timeout: n.Timeout, base: 500 * time.Millisecond}
	switch n.Type {
	case "webhook":
		w := &Webhook{sender: s}
		if n.SecretEnv != "" {
			w.secret = []byte(os.Getenv(n.SecretEnv))
			if len(w.secret) == 0 {
				return nil, fmt.Errorf("webhook %s: environment variable %s is empty", n.URL, n.SecretEnv)
			}
		}
		return w, nil
	case "slack":
		return &Slack{sender: s, externalURL: externalURL}, nil
	case "alertmanager":
		if !strings.HasSuffix(s.url, "/api/v2/alerts") {
			s.url = strings.TrimRight(s.url, "/") + "/api/v2/alerts"
		}
		return &Alertmanager{sender: s, labels: n.Labels, externalURL: externalURL}, nil
	}
	return nil, fmt.Errorf("unknown notifier type %q", n.Type)
}

// Webhook posts {"event": ..., "alert": {...}} signed like ewom's own
// webhook source: X-Ewom-Timestamp (Unix seconds) and X-Ewom-Signature:
// sha256=hex(HMAC-SHA256(secret, timestamp + "." + body)).
type Webhook struct {
	*sender
	secret []byte
}

// Name implements Notifier.
func (w *Webhook) Name() string { return "webhook" }

// WebhookPayload is the body of a webhook delivery.
type WebhookPayload struct {
	Version string `json:"version"`
	Event   string `json:"event"` // firing, escalated, resolved or acknowledged
	Alert   Alert  `json:"alert"`
	// By is the person's action behind an acknowledgement or a resolution
	// by hand: who, when, and their comment.
	By *Action `json:"by,omitempty"`
}

// Notify implements Notifier.
func (w *Webhook) Notify(ctx context.Context, ev Event) error {
	body, err := json.Marshal(WebhookPayload{Version: "1", Event: ev.Type, Alert: ev.Alert, By: ev.By})
	if err != nil {
		return err
	}
	return w.post(ctx, body, func(h http.Header) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		h.Set("X-Ewom-Event", ev.Type)
		h.Set("Idempotency-Key", ev.Alert.ID+":"+ev.Type+":"+ev.Alert.Severity)
		if len(w.secret) > 0 {
			h.Set("X-Ewom-Timestamp", ts)
			h.Set("X-Ewom-Signature", webhook.Sign(w.secret, ts, body))
		}
	})
}

// Slack posts a readable message to a Slack-compatible incoming webhook.
type Slack struct {
	*sender
	externalURL string
}

// Name implements Notifier.
func (s *Slack) Name() string { return "slack" }

// SlackText renders an event as Slack mrkdwn.
func SlackText(ev Event, externalURL string) string {
	a := ev.Alert
	var sb strings.Builder
	switch {
	case ev.Type == EventResolved && ev.By != nil:
		fmt.Fprintf(&sb, ":white_check_mark: *Resolved by %s: negative spike for %s* (%s)", ev.By.Actor, a.Brand, a.Segment())
	case ev.Type == EventResolved:
		fmt.Fprintf(&sb, ":white_check_mark: *Resolved: negative spike for %s* (%s)", a.Brand, a.Segment())
	case ev.Type == EventAcknowledged:
		fmt.Fprintf(&sb, ":eyes: *Acknowledged by %s: negative spike for %s* (%s, %s)", ev.By.Actor, a.Brand, a.Segment(), a.Severity)
	default:
		icon := ":warning:"
		if ev.Type == EventEscalated || a.Severity == "critical" {
			icon = ":rotating_light:"
		}
		fmt.Fprintf(&sb, "%s *Negative spike for %s* (%s, %s)", icon, a.Brand, a.Segment(), a.Severity)
	}
	fmt.Fprintf(&sb, "\n%.0f negative mentions in %s, %.1f expected (%.1f×, p=%.2g); negative share %.0f%%, usually %.0f%%",
		a.Observed, a.Window, a.Expected, a.Ratio, a.PValue, 100*a.Share, 100*a.ExpectedShare)
	if ev.By != nil && ev.By.Comment != "" {
		fmt.Fprintf(&sb, "\n> %s", strings.NewReplacer("<", "‹", ">", "›", "\n", " ").Replace(truncate(ev.By.Comment, 300)))
	}
	if x := a.Explanation; x != nil && (ev.Type == EventFiring || ev.Type == EventEscalated) {
		if x.JourneyStage != "" {
			fmt.Fprintf(&sb, "\n*Journey stage:* %s", x.JourneyStage)
		}
		if len(x.TopTerms) > 0 {
			sb.WriteString("\n*Terms:* ")
			for i, t := range x.TopTerms[:min(5, len(x.TopTerms))] {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(t.Name)
			}
		}
		if len(x.TopSources) > 0 {
			sb.WriteString("\n*Sources:* ")
			for i, t := range x.TopSources {
				if i > 0 {
					sb.WriteString(", ")
				}
				fmt.Fprintf(&sb, "%s (%d)", t.Name, t.Count)
			}
		}
		for _, m := range x.Mentions {
			text := strings.NewReplacer("<", "‹", ">", "›", "|", "¦", "\n", " ").Replace(truncate(m.Text, 120))
			if m.URL != "" {
				fmt.Fprintf(&sb, "\n• <%s|%s> — %s", m.URL, m.Source, text)
			} else {
				fmt.Fprintf(&sb, "\n• %s — %s", m.Source, text)
			}
		}
	}
	if externalURL != "" {
		fmt.Fprintf(&sb, "\n<%s/api/v1/alerts?brand=%s|All alerts>", strings.TrimRight(externalURL, "/"), a.Brand)
	}
	return sb.String()
}

// Notify implements Notifier.
func (s *Slack) Notify(ctx context.Context, ev Event) error {
	body, err := json.Marshal(map[string]any{"text": SlackText(ev, s.externalURL), "mrkdwn": true})
	if err != nil {
		return err
	}
	return s.post(ctx, body, nil)
}

// Alertmanager posts to the Alertmanager API v2 (/api/v2/alerts).
type Alertmanager struct {
	*sender
	labels      map[string]string
	externalURL string
}

// Name implements Notifier.
func (am *Alertmanager) Name() string { return "alertmanager" }

type amAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

func (am *Alertmanager) convert(a Alert, endsAt time.Time) amAlert {
	labels := map[string]string{"alertname": "EwomNegativeSpike", "brand": a.Brand, "segment_kind": a.SegmentKind,
		"segment_value": a.SegmentValue, "severity": a.Severity, "fingerprint": a.Fingerprint}
	for k, v := range am.labels {
		labels[k] = v
	}
	ann := map[string]string{
		"summary":  fmt.Sprintf("Negative-eWOM spike for %s (%s)", a.Brand, a.Segment()),
		"observed": num(a.Observed), "expected": strconv.FormatFloat(a.Expected, 'f', 1, 64),
		"p_value": strconv.FormatFloat(a.PValue, 'g', 3, 64), "window": a.Window,
	}
	if w := a.Workflow; w != nil {
		if w.AcknowledgedBy != "" {
			ann["acknowledged_by"] = w.AcknowledgedBy
		}
		if w.Assignee != "" {
			ann["assignee"] = w.Assignee
		}
	}
	if a.Explanation != nil {
		ann["description"] = a.Explanation.Summary
		if a.Explanation.JourneyStage != "" {
			ann["journey_stage"] = a.Explanation.JourneyStage
		}
	}
	out := amAlert{Labels: labels, Annotations: ann, StartsAt: a.FiredAt, EndsAt: endsAt}
	if am.externalURL != "" {
		out.GeneratorURL = strings.TrimRight(am.externalURL, "/") + "/api/v1/alerts?brand=" + a.Brand
	}
	return out
}

func (am *Alertmanager) send(ctx context.Context, alerts []amAlert) error {
	body, err := json.Marshal(alerts)
	if err != nil {
		return err
	}
	return am.post(ctx, body, nil)
}

// Notify implements Notifier: a firing alert is sent open-ended (Refresh
// keeps it alive), a resolved one with its end time; an acknowledged one is
// sent again with acknowledged_by among its annotations.
func (am *Alertmanager) Notify(ctx context.Context, ev Event) error {
	var ends time.Time
	if ev.Alert.ResolvedAt != nil {
		ends = *ev.Alert.ResolvedAt
	}
	return am.send(ctx, []amAlert{am.convert(ev.Alert, ends)})
}

// Refresh re-sends the firing alerts, valid until the given time, as
// Alertmanager expects from its clients.
func (am *Alertmanager) Refresh(ctx context.Context, active []Alert, until time.Time) error {
	if len(active) == 0 {
		return nil
	}
	out := make([]amAlert, len(active))
	for i, a := range active {
		out[i] = am.convert(a, until)
	}
	return am.send(ctx, out)
}
