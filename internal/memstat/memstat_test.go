package memstat

import (
	"os"
	"testing"
	"time"
)

// TestProcessCPU reads this process's CPU time from /proc as another
// process's would be read, and finds what getrusage says, to the tick.
func TestProcessCPU(t *testing.T) {
	// Use some CPU, so that both readings are well above zero.
	x := 0
	for start := CPU(); CPU()-start < 50*time.Millisecond; x++ {
	}
	got, err := ProcessCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	own := CPU()
	if got <= 0 || got > own+time.Second/clockTicks {
		t.Fatalf("ProcessCPU = %s, getrusage after it = %s (x %d)", got, own, x)
	}
	if _, err := ProcessCPU(-1); err == nil {
		t.Fatal("ProcessCPU of no process: no error")
	}
}
