package alert_test

import (
	"os/exec"
	"testing"
)

// TestPrometheusRules runs the rules' unit tests with promtool (Debian
// package prometheus).
func TestPrometheusRules(t *testing.T) {
	cmd := exec.Command("promtool", "test", "rules", "ewom-alerts.test.yml")
	cmd.Dir = "../../deploy/prometheus"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}
