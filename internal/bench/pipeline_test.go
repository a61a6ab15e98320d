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

// TestRunPipelineSmall runs the whole benchmark at a tiny size in two
// rounds: every phase must finish, store what it sent (RunPipeline checks
// the count itself) and report figures, each round's and their medians.
func TestRunPipelineSmall(t *testing.T) {
	var out bytes.Buffer
	r, err := RunPipeline(context.Background(), PipelineOptions{Mentions: 3000, LatencyRate: 200,
		LatencyFor: time.Second, Workers: 1, Rounds: 2, Store: storetest.Embedded(t), Out: &out})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	m := r.Medians()
	if len(r.Rounds) != 2 || m.BusRate <= 0 || m.InsertRate <= 0 || m.PipelineRate <= 0 || r.LatencySamples == 0 || r.LatencyP99 < r.LatencyP50 || r.PeakRSSBytes <= 0 {
		t.Fatalf("figures %+v\n%s", r, out.String())
	}
	// With two rounds each median lies between the rounds' figures.
	a, b := r.Rounds[0], r.Rounds[1]
	if lo, hi := min(a.PipelineRate, b.PipelineRate), max(a.PipelineRate, b.PipelineRate); m.PipelineRate < lo || m.PipelineRate > hi {
		t.Errorf("median pipeline rate %.0f outside the rounds' %.0f..%.0f", m.PipelineRate, lo, hi)
	}
	if f := r.Fraction(); f != (a.Fraction()+b.Fraction())/2 {
		t.Errorf("median fraction %.3f, rounds %.3f and %.3f", f, a.Fraction(), b.Fraction())
	}
	for _, line := range []string{"round 2 of 2", "limit 1", "limit 2", "of the smaller limit", "medians of 2 rounds", "p99", "peak RSS"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
}

// TestRunPipelineComparesTerms runs the pipeline without terms and with
// them in each round and reports the ratio of their rates.
func TestRunPipelineComparesTerms(t *testing.T) {
	var out bytes.Buffer
	r, err := RunPipeline(context.Background(), PipelineOptions{Mentions: 2000, Workers: 1, Rounds: 2,
		Store: storetest.Embedded(t), Out: &out, PipelineOnly: true, CompareTerms: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, x := range r.Rounds {
		if x.UnannotatedRate <= 0 || x.PipelineRate <= 0 || x.TermsRatio() <= 0 {
			t.Fatalf("round %+v\n%s", x, out.String())
		}
	}
	for _, line := range []string{"pipeline without terms and stories", "terms and stories: ", "pipeline with terms over without, median"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
}
