// Package proctest helps tests run servers as child processes on ports the
// servers choose themselves (":0"), which they report in their logs: a port
// a test finds free and hands to a server may be taken by another process
// before the server binds it.
package proctest

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Output is a child process's stdout or stderr: it keeps everything
// written, readable while the process runs, and watches each line for a
// pattern.
type Output struct {
	re    *regexp.Regexp
	found chan string

	mu      sync.Mutex
	buf     bytes.Buffer
	scanned int // bytes of buf already split into lines
	matched bool
}

// NewOutput returns an Output that reports the first submatch of re (the
// whole match if re has no group) in a line.
func NewOutput(re *regexp.Regexp) *Output {
	return &Output{re: re, found: make(chan string, 1)}
}

// Write implements io.Writer.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	for !o.matched {
		rest := o.buf.Bytes()[o.scanned:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		o.scanned += i + 1
		if m := o.re.FindSubmatch(rest[:i]); m != nil {
			o.matched = true
			o.found <- string(m[len(m)-1])
		}
	}
	return len(p), nil
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// Tail returns the last n lines written so far.
func (o *Output) Tail(n int) string {
	lines := strings.Split(strings.TrimSpace(o.String()), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Await waits for the pattern's first match. It fails when exited (closed
// once the process has exited; nil if not known) is closed first or when
// the timeout passes, with the output in the error.
func (o *Output) Await(timeout time.Duration, exited <-chan struct{}) (string, error) {
	select {
	case m := <-o.found:
		return m, nil
	case <-exited:
		// The last lines may have been written just before the exit.
		select {
		case m := <-o.found:
			return m, nil
		default:
		}
		return "", fmt.Errorf("exited before logging %s:\n%s", o.re, o.String())
	case <-time.After(timeout):
		return "", fmt.Errorf("no %s within %s:\n%s", o.re, timeout, o.String())
	}
}
