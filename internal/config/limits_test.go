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
