package config

import (
	"strings"
	"testing"
	"time"
)

func TestPublishAndStartupBounds(t *testing.T) {
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NATS.PublishTimeout != 5*time.Second || cfg.StartupTimeout != 2*time.Minute {
		t.Fatalf("defaults: publish_timeout %s, startup_timeout %s", cfg.NATS.PublishTimeout, cfg.StartupTimeout)
	}
	cfg, err = Load(write(t, "startup_timeout: 0s\nnats: {publish_timeout: 10s}\n"))
	if err != nil || cfg.NATS.PublishTimeout != 10*time.Second || cfg.StartupTimeout != 0 {
		t.Fatalf("set: %+v, %v", cfg.NATS, err)
	}
	_, err = Load(write(t, "startup_timeout: -1s\nnats: {publish_timeout: 2m}\n"))
	for _, key := range []string{"startup_timeout: -1s", "nats.publish_timeout: 2m0s is outside 100ms..30s"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}
