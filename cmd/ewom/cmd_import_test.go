package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
