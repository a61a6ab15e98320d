package proctest

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestOutputFindsTheAddressAcrossWrites(t *testing.T) {
	o := NewOutput(regexp.MustCompile(`msg="Listening on" address=(\S+)`))
	for _, chunk := range []string{"level=info msg=start\nlevel=info msg=\"Liste", "ning on\" address=127.0.0.1:4", "1234 x\n", "msg=\"Listening on\" address=other\n"} {
		fmt.Fprint(o, chunk)
	}
	got, err := o.Await(time.Second, nil)
	if err != nil || got != "127.0.0.1:41234" {
		t.Fatalf("got %q, %v", got, err)
	}
	if !strings.Contains(o.String(), "address=other") {
		t.Errorf("output not kept: %q", o.String())
	}
	if tail := o.Tail(2); tail != "level=info msg=\"Listening on\" address=127.0.0.1:41234 x\nmsg=\"Listening on\" address=other" {
		t.Errorf("Tail(2) = %q", tail)
	}
	if tail := o.Tail(10); tail != strings.TrimSpace(o.String()) {
		t.Errorf("Tail(10) = %q, want everything", tail)
	}
}

func TestAwaitReportsAnExitWithTheOutput(t *testing.T) {
	o := NewOutput(regexp.MustCompile(`listening on (\S+)`))
	cmd := exec.Command("sh", "-c", "echo bind: address already in use >&2; exit 1")
	cmd.Stdout, cmd.Stderr = o, o
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	if _, err := o.Await(10*time.Second, exited); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("err = %v", err)
	}
}
