package config

import (
	"strings"
	"testing"
)

// Request limits out of range are configuration errors naming their keys.
func TestRequestLimitsAreValidated(t *testing.T) {
	_, err := Load(write(t, "http: {max_url_bytes: 100, max_ingest_items: 0}\nweb: {max_filter_values: 0}\n"))
	for _, want := range []string{"http.max_url_bytes: 100 is outside 1024..1048576", "http.max_ingest_items: 0 is outside 1..1000000",
		"web.max_filter_values: 0 is outside 1..10000"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in: %v", want, err)
		}
	}
	cfg, err := Load(write(t, "http: {max_url_bytes: 65536}\nweb: {max_filter_values: 1000}\n"))
	if err != nil || cfg.HTTP.MaxURLBytes != 65536 || cfg.Web.MaxFilterValues != 1000 {
		t.Fatalf("raised limits: %+v %v", cfg.HTTP, err)
	}
}

func TestTrustedProxiesAndAuthThrottleAreValidated(t *testing.T) {
	_, err := Load(write(t, "http:\n  trusted_proxies: [10.0.0.0/8, proxy.example]\n  auth_throttle: {window: 0s, per_address: 0, per_account: 0}\n"))
	for _, want := range []string{`http.trusted_proxies[1]: "proxy.example" is neither an address nor a CIDR prefix`,
		"http.auth_throttle.window: 0s is outside 1s..24h", "http.auth_throttle.per_address: 0 is outside 1..10000",
		"http.auth_throttle.per_account: 0 is outside 1..10000"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "trusted_proxies[0]") {
		t.Errorf("a CIDR prefix was refused: %v", err)
	}
}
