package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/netguard"
)

// Alerts configures the negative-eWOM spike detector and its notifiers.
type Alerts struct {
	NegativeSpike NegativeSpike `yaml:"negative_spike"`
	Notify        []Notifier    `yaml:"notify"`
	// ExternalURL is the address users reach ewom at; alert links and
	// Alertmanager's generatorURL point there.
	ExternalURL string `yaml:"external_url"`
}

// NegativeSpike tunes the detector. See docs/alerting.md for the method.
type NegativeSpike struct {
	// Windows are the lengths observed counts are summed over; multiples of 5m.
	Windows []time.Duration `yaml:"windows"`
	// MinCount is the fewest negative mentions in a window that can alert.
	MinCount int `yaml:"min_count"`
	// Segments are the segment kinds evaluated besides the whole brand:
	// touchpoint, source, journey_stage.
	Segments []string `yaml:"segments"`
	// Interval is the evaluation step (a multiple of 5m, the rollup bucket).
	Interval time.Duration `yaml:"interval"`
	// Lag waits after a bucket closes before it is evaluated, for late mentions.
	Lag time.Duration `yaml:"lag"`
	// SeasonWeeks is how many past weeks give the same-hour-of-week baseline.
	SeasonWeeks int `yaml:"season_weeks"`
	// Alpha is the p-value below which a brand's window counts as a spike;
	// StrongAlpha fires without waiting for persistence. Segments are many,
	// so they test at SegmentAlpha (and StrongAlpha scaled alike).
	Alpha        float64 `yaml:"alpha"`
	StrongAlpha  float64 `yaml:"strong_alpha"`
	SegmentAlpha float64 `yaml:"segment_alpha"`
	// ShareAlpha is the binomial test's level for the negative share.
	ShareAlpha float64 `yaml:"share_alpha"`
	// MinRatio is the smallest observed/expected ratio that can alert;
	// MinShareRatio the smallest rise of the negative share.
	MinRatio      float64 `yaml:"min_ratio"`
	MinShareRatio float64 `yaml:"min_share_ratio"`
	// LargeCount is the expected count from which the robust z-score is
	// used instead of the negative binomial tail.
	LargeCount float64 `yaml:"large_count"`
	// Dispersion is the least extra-Poisson variation assumed (coefficient
	// of variation of the baseline).
	Dispersion float64 `yaml:"dispersion"`
	// Persistence is how many evaluations in a row must see a spike before
	// it fires; ResolveAfter how many quiet ones resolve it.
	Persistence  int `yaml:"persistence"`
	ResolveAfter int `yaml:"resolve_after"`
	// Cooldown keeps a resolved alert from firing again for this long.
	Cooldown time.Duration `yaml:"cooldown"`
	// Severities are tried in order; the first whose limits hold is used.
	Severities []Severity `yaml:"severities"`
	// Queries are watched scopes besides brands and segments: each counts
	// only the mentions its search query (docs/query.md) matches, per brand
	// (segment kind "query", value its name). The query is compiled when
	// the alert service is built, which reports a bad one with its key.
	Queries []AlertQuery `yaml:"queries"`
}

// AlertQuery is a search query the detector watches for the brands named
// (every configured brand when none is).
type AlertQuery struct {
	Name   string   `yaml:"name"`
	Query  string   `yaml:"query"`
	Brands []string `yaml:"brands"`
}

// Severity names a level an alert's strength reaches.
type Severity struct {
	Name     string  `yaml:"name"`
	MinRatio float64 `yaml:"min_ratio"`
	MaxP     float64 `yaml:"max_p"`
}

// Notifier is one alert destination.
type Notifier struct {
	Type      string `yaml:"type"` // webhook, slack, alertmanager
	URL       string `yaml:"url"`
	SecretEnv string `yaml:"secret_env"` // webhook: HMAC key; slack/alertmanager: unused
	// MinSeverity drops alerts below this severity for this destination.
	MinSeverity string            `yaml:"min_severity"`
	Timeout     time.Duration     `yaml:"timeout"`
	Retries     int               `yaml:"retries"`
	Labels      map[string]string `yaml:"labels"` // alertmanager: extra labels
	// AllowNetworks lists CIDRs, IPs or host names the notifier may reach
	// although they are internal (an Alertmanager on the private network);
	// like collectors, notifiers refuse internal addresses otherwise.
	AllowNetworks []string `yaml:"allow_networks"`
}

// Policy is the notifier's SSRF policy, built from AllowNetworks.
func (n Notifier) Policy() (*netguard.Policy, error) {
	return netguard.NewPolicy(n.AllowNetworks)
}

// SegmentKinds are the segment kinds the detector knows.
var SegmentKinds = []string{"touchpoint", "source", "journey_stage"}

func defaultAlerts() Alerts {
	return Alerts{NegativeSpike: NegativeSpike{
		Windows:  []time.Duration{15 * time.Minute, time.Hour, 24 * time.Hour},
		MinCount: 5, Segments: []string{"touchpoint", "source", "journey_stage"},
		Interval: 5 * time.Minute, Lag: time.Minute, SeasonWeeks: 4,
		Alpha: 1e-5, StrongAlpha: 1e-6, SegmentAlpha: 1e-6, ShareAlpha: 1e-4,
		MinRatio: 2, MinShareRatio: 1.3, LargeCount: 30, Dispersion: 0.15,
		Persistence: 2, ResolveAfter: 3, Cooldown: time.Hour,
		Severities: []Severity{
			{Name: "critical", MinRatio: 5, MaxP: 1e-10},
			{Name: "major", MinRatio: 3, MaxP: 1e-6},
			{Name: "warning", MinRatio: 0, MaxP: 1},
		},
	}}
}

// WithDefaults fills a notifier's unset options.
func (n Notifier) WithDefaults() Notifier {
	if n.Timeout == 0 {
		n.Timeout = 10 * time.Second
	}
	if n.Retries == 0 {
		n.Retries = 4
	}
	return n
}

const alertBucket = 5 * time.Minute

func (a *Alerts) validate(bad badFunc) {
	ns := &a.NegativeSpike
	p := "alerts.negative_spike."
	if len(ns.Windows) == 0 {
		bad(p+"windows", "at least one window is needed")
	}
	for i, w := range ns.Windows {
		if w < alertBucket || w%alertBucket != 0 || w > 7*24*time.Hour {
			bad(fmt.Sprintf(p+"windows[%d]", i), "%s is not a multiple of 5m between 5m and 168h", w)
		}
	}
	for i, s := range ns.Segments {
		if !contains(SegmentKinds, s) {
			bad(fmt.Sprintf(p+"segments[%d]", i), "%q is not one of touchpoint, source, journey_stage", s)
		}
	}
	if ns.Interval < alertBucket || ns.Interval%alertBucket != 0 {
		bad(p+"interval", "%s is not a multiple of 5m", ns.Interval)
	}
	if ns.Lag < 0 || ns.Lag >= ns.Interval {
		bad(p+"lag", "%s is not between 0 and the interval", ns.Lag)
	}
	if ns.MinCount < 1 {
		bad(p+"min_count", "%d is below 1", ns.MinCount)
	}
	if ns.SeasonWeeks < 1 || ns.SeasonWeeks > 12 {
		bad(p+"season_weeks", "%d is not between 1 and 12", ns.SeasonWeeks)
	}
	for name, v := range map[string]float64{"alpha": ns.Alpha, "strong_alpha": ns.StrongAlpha,
		"segment_alpha": ns.SegmentAlpha, "share_alpha": ns.ShareAlpha} {
		if v <= 0 || v >= 1 {
			bad(p+name, "%g is not between 0 and 1", v)
		}
	}
	if ns.StrongAlpha > ns.Alpha {
		bad(p+"strong_alpha", "%g is above alpha %g", ns.StrongAlpha, ns.Alpha)
	}
	if ns.SegmentAlpha > ns.Alpha {
		bad(p+"segment_alpha", "%g is above alpha %g", ns.SegmentAlpha, ns.Alpha)
	}
	if ns.MinRatio < 1 {
		bad(p+"min_ratio", "%g is below 1", ns.MinRatio)
	}
	if ns.MinShareRatio < 1 {
		bad(p+"min_share_ratio", "%g is below 1", ns.MinShareRatio)
	}
	if ns.LargeCount < 1 {
		bad(p+"large_count", "%g is below 1", ns.LargeCount)
	}
	if ns.Dispersion < 0 || ns.Dispersion > 2 {
		bad(p+"dispersion", "%g is not between 0 and 2", ns.Dispersion)
	}
	if ns.Persistence < 1 {
		bad(p+"persistence", "%d is below 1", ns.Persistence)
	}
	if ns.ResolveAfter < 1 {
		bad(p+"resolve_after", "%d is below 1", ns.ResolveAfter)
	}
	if ns.Cooldown < 0 {
		bad(p+"cooldown", "%s is negative", ns.Cooldown)
	}
	if len(ns.Severities) == 0 {
		bad(p+"severities", "at least one severity is needed")
	}
	var queries []string
	for i, q := range ns.Queries {
		qp := fmt.Sprintf(p+"queries[%d]", i)
		if q.Name == "" || len(q.Name) > 64 || contains(queries, q.Name) {
			bad(qp+".name", "%q is empty, longer than 64 bytes or used twice", q.Name)
		}
		queries = append(queries, q.Name)
		if strings.TrimSpace(q.Query) == "" {
			bad(qp+".query", "empty")
		}
	}
	var names []string
	for i, s := range ns.Severities {
		sp := fmt.Sprintf(p+"severities[%d]", i)
		if s.Name == "" || contains(names, s.Name) {
			bad(sp+".name", "%q is empty or used twice", s.Name)
		}
		names = append(names, s.Name)
		if s.MaxP <= 0 || s.MaxP > 1 {
			bad(sp+".max_p", "%g is not in (0, 1]", s.MaxP)
		}
	}
	if a.ExternalURL != "" {
		if !isHTTPURL(a.ExternalURL) {
			bad("alerts.external_url", "%q is not an http(s) URL", a.ExternalURL)
		}
	}
	for i, n := range a.Notify {
		np := fmt.Sprintf("alerts.notify[%d]", i)
		if !contains([]string{"webhook", "slack", "alertmanager"}, n.Type) {
			bad(np+".type", "%q is not one of webhook, slack, alertmanager", n.Type)
		}
		p, err := n.Policy()
		if err != nil {
			bad(np, "%v", err)
		}
		if u, uerr := url.Parse(n.URL); uerr != nil || !isHTTPURL(n.URL) {
			bad(np+".url", "%q is not an http(s) URL", n.URL)
		} else if err == nil {
			// Addresses written as IPs (and localhost) are refused here;
			// names are checked on every connection.
			if err := p.CheckURL(u); err != nil {
				bad(np+".url", "%v", err)
			}
		}
		if n.MinSeverity != "" && !contains(names, n.MinSeverity) {
			bad(np+".min_severity", "%q is not a configured severity", n.MinSeverity)
		}
		if n.Timeout < 0 || n.Retries < 0 {
			bad(np, "timeout and retries must not be negative")
		}
	}
}

// isHTTPURL reports whether s is an absolute http(s) URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
