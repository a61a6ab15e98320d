package faults

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"time"

	"github.com/ewom/ewom/internal/proctest"
)

// process is a child process the harness starts, kills with SIGKILL and
// starts again: its output goes to a log file (appended over restarts) and
// is watched for the line that says it serves.
type process struct {
	name    string
	bin     string
	args    []string
	env     []string // nil: the harness's own environment
	ready   *regexp.Regexp
	logPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	out    *proctest.Output
	exited chan struct{}
}

// errStartExited marks a start-up in which the process exited before it
// logged its ready line (a crash, a taken port, a refused start-up).
var errStartExited = errors.New("exited during start-up")

// start launches the process and waits up to timeout for its ready line,
// returning the line's submatch. On failure the process is gone.
func (p *process) start(timeout time.Duration) (string, error) {
	p.mu.Lock()
	if p.cmd != nil {
		p.mu.Unlock()
		return "", fmt.Errorf("%s is running already", p.name)
	}
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		p.mu.Unlock()
		return "", err
	}
	fmt.Fprintf(f, "=== harness: start %s at %s\n", p.name, time.Now().Format(time.RFC3339Nano))
	out := proctest.NewOutput(p.ready)
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout = io.MultiWriter(f, out)
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		p.mu.Unlock()
		return "", fmt.Errorf("start %s: %w", p.name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); f.Close(); close(exited) }()
	p.cmd, p.out, p.exited = cmd, out, exited
	p.mu.Unlock()

	m, err := out.Await(timeout, exited)
	if err == nil {
		return m, nil
	}
	select {
	case <-exited:
		p.kill()
		return "", fmt.Errorf("%s %w: %s", p.name, errStartExited, out.Tail(6))
	default:
		p.kill()
		return "", fmt.Errorf("%s: %w", p.name, err)
	}
}

// kill sends SIGKILL (kill -9) and waits for the exit; a process not
// running is left alone.
func (p *process) kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}

// running reports whether the process was started and not killed (it may
// have crashed: see crashed).
func (p *process) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil
}

// crashed reports whether the process exited without the harness killing
// it, with the last lines of its output.
func (p *process) crashed() (bool, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false, ""
	}
	select {
	case <-p.exited:
		out := p.out.Tail(6)
		p.cmd = nil
		return true, out
	default:
		return false, ""
	}
}

// logSince returns the lines of the log file matching re that were written
// after the given size of the file.
func (p *process) logSince(offset int64, re *regexp.Regexp) []string {
	b, err := os.ReadFile(p.logPath)
	if err != nil || offset > int64(len(b)) {
		return nil
	}
	var out []string
	for line := range bytes.Lines(b[offset:]) {
		if re.Match(line) {
			out = append(out, string(bytes.TrimSpace(line)))
		}
	}
	return out
}

// logSize is the log file's size now, a mark for logSince.
func (p *process) logSize() int64 {
	fi, err := os.Stat(p.logPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// pid is the running process's id (0 when it is not running).
func (p *process) pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}
