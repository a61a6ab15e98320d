package config

import (
	"fmt"
	"net/url"
	"time"
)

// Alerts configures the negative-eWOM spike detector and its notifiers.
type Alerts struct {
	NegativeSpike NegativeSpike `yaml:"negative_spike"`
	Notify        []Notifier    `yaml:"notify"`
}

// NegativeSpike tunes the detector.
type NegativeSpike struct {
	Windows  []time.Duration `yaml:"windows"`
	MinCount int             `yaml:"min_count"`
}

// Notifier is one alert destination.
type Notifier struct {
	Type      string `yaml:"type"` // webhook, slack, alertmanager
	URL       string `yaml:"url"`
	SecretEnv string `yaml:"secret_env"`
}

func defaultAlerts() Alerts {
	return Alerts{NegativeSpike: NegativeSpike{Windows: []time.Duration{15 * time.Minute, time.Hour, 24 * time.Hour}, MinCount: 5}}
}

func (a *Alerts) validate(bad badFunc) {
	for i, w := range a.NegativeSpike.Windows {
		if w < time.Minute {
			bad(fmt.Sprintf("alerts.negative_spike.windows[%d]", i), "%s is below 1m", w)
		}
	}
	for i, n := range a.Notify {
		p := fmt.Sprintf("alerts.notify[%d]", i)
		if !contains([]string{"webhook", "slack", "alertmanager"}, n.Type) {
			bad(p+".type", "%q is not one of webhook, slack, alertmanager", n.Type)
		}
		if u, err := url.Parse(n.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(p+".url", "%q is not an http(s) URL", n.URL)
		}
	}
}
