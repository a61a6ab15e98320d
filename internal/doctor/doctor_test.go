package doctor

import (
	"context"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/config"
)

func find(t *testing.T, checks []Check, name string) Check {
	t.Helper()
	for _, c := range checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %q check in %+v", name, checks)
	return Check{}
}

func TestEmbeddedInstallationNeverMigrated(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:1" // nothing serves there
	checks := Run(context.Background(), cfg)
	if Failed(checks) {
		t.Fatalf("a fresh embedded install should not fail: %+v", checks)
	}
	if c := find(t, checks, "schema"); c.Status != Warn || !strings.Contains(c.Fix, "ewom migrate") {
		t.Fatalf("schema check = %+v, want a warning telling to migrate", c)
	}
	if c := find(t, checks, "bus"); c.Status != OK {
		t.Fatalf("bus check = %+v", c)
	}
}

func TestUnreachableServersFailWithAFix(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:1"
	cfg.NATS.URL = "nats://127.0.0.1:1"
	cfg.Store.DSN = "clickhouse://default:secret-pw@127.0.0.1:1/ewom?dial_timeout=500ms"
	checks := Run(context.Background(), cfg)
	if !Failed(checks) {
		t.Fatal("unreachable servers must fail")
	}
	for _, name := range []string{"bus", "store"} {
		c := find(t, checks, name)
		if c.Status != Fail || c.Fix == "" {
			t.Errorf("%s check = %+v, want FAIL with a fix", name, c)
		}
		if strings.Contains(c.Detail, "secret-pw") {
			t.Errorf("%s check leaks the password: %s", name, c.Detail)
		}
	}
}
