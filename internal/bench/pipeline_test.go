package bench

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}

// TestRunPipelineSmall runs the whole benchmark at a tiny size: every phase
// must finish, store what it sent (RunPipeline checks the count itself) and
// report figures.
func TestRunPipelineSmall(t *testing.T) {
	var out bytes.Buffer
	r, err := RunPipeline(context.Background(), PipelineOptions{Mentions: 3000, LatencyRate: 200,
		LatencyFor: time.Second, Workers: 1, Store: storetest.Embedded(t), Out: &out})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if r.BusRate <= 0 || r.InsertRate <= 0 || r.PipelineRate <= 0 || r.LatencySamples == 0 || r.LatencyP99 < r.LatencyP50 || r.PeakRSSBytes <= 0 {
		t.Fatalf("figures %+v\n%s", r, out.String())
	}
	for _, line := range []string{"limit 1", "limit 2", "of the smaller limit", "p99", "peak RSS"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
}
