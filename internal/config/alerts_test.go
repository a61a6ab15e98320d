package config

import (
	"strings"
	"testing"
)

// TestNotifierURLsGoThroughTheSSRFPolicy: an internal address written in a
// notifier URL is refused at load time with the key, unless allow_networks
// admits it; a bad allow_networks entry is named too.
func TestNotifierURLsGoThroughTheSSRFPolicy(t *testing.T) {
	_, err := Load(write(t, `
alerts:
  notify:
    - {type: webhook, url: "http://127.0.0.1:9000/hook"}
    - {type: alertmanager, url: "http://localhost:9093"}
    - {type: slack, url: "http://169.254.169.254/latest", allow_networks: [169.254.0.0/16]}
    - {type: webhook, url: "https://hooks.example.com/x", allow_networks: ["10.0.0.0/33"]}
`))
	if err == nil {
		t.Fatal("notifier URLs on internal addresses were accepted")
	}
	for _, want := range []string{"alerts.notify[0].url: 127.0.0.1: address not allowed: loopback",
		"alerts.notify[1].url: localhost: address not allowed", "alerts.notify[2].url: 169.254.169.254: address not allowed: cloud metadata",
		"alerts.notify[3]: allow_networks[0]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	cfg, err := Load(write(t, `
alerts:
  notify:
    - {type: alertmanager, url: "http://alertmanager:9093", allow_networks: [alertmanager]}
    - {type: webhook, url: "http://127.0.0.1:9000/hook", allow_networks: [127.0.0.1]}
    - {type: slack, url: "https://hooks.slack.com/services/T/B/X"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Alerts.Notify[0].AllowNetworks; len(got) != 1 || got[0] != "alertmanager" {
		t.Errorf("allow_networks = %v", got)
	}
}
