package proctest

import (
	"io"
	"log/slog"
	"regexp"
	"testing"
	"time"
)

// Log is a logger whose lines a test can wait for, as it waits for a child
// process's: for components that run in the test's own process.
type Log struct {
	*slog.Logger
	all  *Output
	msgs map[string]*Output
}

// NewLog returns a debug-level text logger that watches for a line of each
// message in msgs (a line whose msg starts with it).
func NewLog(msgs ...string) *Log {
	never := regexp.MustCompile(`[^\s\S]`) // all keeps the lines and watches for none
	l := &Log{all: NewOutput(never), msgs: map[string]*Output{}}
	ws := []io.Writer{l.all}
	for _, m := range msgs {
		o := NewOutput(regexp.MustCompile(`msg="?` + regexp.QuoteMeta(m) + `.*`))
		l.msgs[m] = o
		ws = append(ws, o)
	}
	l.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(ws...), &slog.HandlerOptions{Level: slog.LevelDebug}))
	return l
}

// Await returns the first line of msg (one NewLog was given), failing the
// test when none comes within timeout.
func (l *Log) Await(t testing.TB, msg string, timeout time.Duration) string {
	t.Helper()
	line, err := l.msgs[msg].Await(timeout, nil)
	if err != nil {
		t.Fatal(err)
	}
	return line
}

// String returns everything logged so far.
func (l *Log) String() string { return l.all.String() }
