package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/bus/bustest"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/proctest"
)

func TestImportJSONLAndCSVReportsRejectedLines(t *testing.T) {
	base, s := startService(t, "import-token")

	dir := t.TempDir()
	jsonl := filepath.Join(dir, "mentions.jsonl")
	var sb strings.Builder
	for i := range 250 {
		if i == 100 {
			sb.WriteString("{broken json\n")
		}
		sb.WriteString(`{"source":"import","id":"j` + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + `","text":"Hyvä palvelu","published_at":"2026-11-20T10:00:00Z"}` + "\n")
	}
	sb.WriteString(`{"source":"import","text":"no time"}` + "\n")
	if err := os.WriteFile(jsonl, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	csvPath := filepath.Join(dir, "reviews.csv")
	csv := "source,id,text,published_at,author_handle,author_followers,rating\n" +
		"appstore,r1,\"Sovellus kaatuu, \"\"huono\"\"\",2026-11-20T11:00:00Z,@a,10,1\n" +
		"appstore,r2,Toimii hyvin,2026-11-20T12:00:00Z,@b,not-a-number,5\n" +
		"appstore,r3,Ok,2026-11-20T13:00:00Z,@c,3,4\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	t.Setenv("EWOM_TOKEN", "import-token")
	code := run(context.Background(), env, []string{"import", "--server", base, "--chunk", "64", jsonl, csvPath})
	out := stderr.String()
	if code != exitFailure {
		t.Fatalf("exit %d, want 1 because lines were rejected:\n%s", code, out)
	}
	for _, want := range []string{"mentions.jsonl:101: rejected: invalid JSON", "mentions.jsonl:252: rejected: published_at: required",
		"reviews.csv:3: rejected: column author_followers", "import done: 255 read, 252 accepted, 3 rejected"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	from, to := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	var n uint64
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if n, err = s.CountMentions(context.Background(), from, to, ""); err == nil && n >= 252 {
			break
		}
	}
	if n != 252 {
		t.Fatalf("stored %d mentions, want 252", n)
	}

	code = run(context.Background(), env, []string{"import", "--server", base, "--token-file", filepath.Join(dir, "none")})
	if code != exitUsage {
		t.Fatalf("no files: exit %d, want 2", code)
	}
}

// A chunk the service could not persist (the bus did not acknowledge it)
// is sent again after the answer's Retry-After, and each re-send is logged
// with the chunk's lines and why.
func TestImportLogsResentChunks(t *testing.T) {
	a, s := startApp(t, "import-token", func(c *config.Config) { c.NATS.PublishTimeout = 300 * time.Millisecond })
	restore := bustest.Unacknowledged(t, a.Bus, a.Config.NATS)
	path := filepath.Join(t.TempDir(), "mentions.jsonl")
	var sb strings.Builder
	for i := range 30 {
		fmt.Fprintf(&sb, `{"source":"import","id":"r%d","text":"Hyvä palvelu","published_at":"2026-11-22T10:00:00Z"}`+"\n", i)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	stderr := proctest.NewOutput(regexp.MustCompile(`msg="re-sending chunk".*`))
	env := &cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: stderr}
	t.Setenv("EWOM_TOKEN", "import-token")
	exit := make(chan int, 1)
	go func() {
		exit <- run(context.Background(), env, []string{"import", "--server", "http://" + a.Addr(), "--chunk", "20", path})
	}()
	line, err := stderr.Await(time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lines=1-20", "mentions=20", "attempt=2", "of=6", "in=5s", "503", "nats.publish_timeout"} {
		if !strings.Contains(line, want) {
			t.Errorf("re-send line lacks %q: %s", want, line)
		}
	}
	restore()
	if code := <-exit; code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	if out := stderr.String(); !strings.Contains(out, "import done: 30 read, 30 accepted") {
		t.Fatalf("stderr:\n%s", out)
	}
	from, to := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	var n uint64
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && n < 30; time.Sleep(100 * time.Millisecond) {
		n, _ = s.CountMentions(context.Background(), from, to, "")
	}
	if n != 30 {
		t.Fatalf("stored %d mentions, want 30", n)
	}
}
