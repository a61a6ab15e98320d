package config

import (
	"os"
	"path/filepath"
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

// A short API token, or a token file other users can read, is refused with
// the setting that holds it, instead of being taken silently.
func TestWeakAPITokensAreRefused(t *testing.T) {
	t.Setenv("EWOM_TOKEN", "")
	dir := t.TempDir()
	file := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := "0123456789abcdef0123"
	for _, c := range []struct {
		name, env, file, want string
	}{
		{"short variable", "short", "", "EWOM_TOKEN: the API token is 5 bytes; use at least 16"},
		{"short file", "", file("short", "abc\n", 0o600), "http.token_file: the API token is 3 bytes; use at least 16"},
		{"world-readable file", "", file("open", good, 0o644), "is readable or writable by every user (mode 0644)"},
		{"world-writable file", "", file("writable", good, 0o602), "(mode 0602)"},
		{"private file", "", file("private", good, 0o600), ""},
		{"group-readable file", "", file("group", good, 0o640), ""},
		{"long variable", good, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("EWOM_TOKEN", c.env)
			yaml := "{}\n"
			if c.file != "" {
				yaml = "http: {token_file: " + c.file + "}\n"
			}
			cfg, err := Load(write(t, yaml))
			switch {
			case c.want == "" && (err != nil || cfg.HTTP.Token != good):
				t.Fatalf("token %q, err %v", cfg.HTTP.Token, err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}
