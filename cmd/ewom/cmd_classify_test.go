package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClassifyCommand(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "ewom.yaml")
	if err := os.WriteFile(cfg, []byte("brands:\n  - name: Finnair\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := strings.Join([]string{
		`{"source":"mastodon","id":"1","text":"Finnairin asiakaspalvelu ei vastaa 😡","published_at":"2026-11-20T08:15:00Z","lang":"en","custom":"kept"}`,
		`{"source":"mastodon"`,
		`Great service, thank you!`,
	}, "\n")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), &cliEnv{stdin: strings.NewReader(in), stdout: &stdout, stderr: &stderr}, []string{"classify", "--config", cfg, "--explain"})
	if code != exitFailure {
		t.Errorf("exit %d, want %d for a bad line", code, exitFailure)
	}
	if !strings.Contains(stderr.String(), "line 2") {
		t.Errorf("stderr %q does not name line 2", stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d output lines, want 2:\n%s", len(lines), stdout.String())
	}
	var first, second map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &second); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{"lang": "fi", "source_lang": "en", "sentiment": "negative", "journey_stage": "service", "custom": "kept", "touchpoint": "shared"}
	for k, want := range checks {
		if first[k] != want {
			t.Errorf("first line %s = %v, want %v", k, first[k], want)
		}
	}
	if brands, _ := first["brands"].([]any); len(brands) != 1 || brands[0] != "Finnair" {
		t.Errorf("brands %v, want [Finnair]", first["brands"])
	}
	if ev, _ := first["explanation"].([]any); len(ev) == 0 {
		t.Error("--explain gave no explanation")
	}
	if second["source"] != "stdin" || second["sentiment"] != "positive" || second["classifier_version"] == "" {
		t.Errorf("plain-text line: %v", second)
	}
}

func TestEvalCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "dev.tsv")
	tsv := "text\tlabel\tlang\nThis is great\tpos\ten\nThis is awful\tneg\ten\nTämä on huono\tneg\tfi\n"
	if err := os.WriteFile(data, []byte(tsv), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), &cliEnv{stdout: &stdout, stderr: &stderr}, []string{"eval", "--data", data}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"lang=en: n=2 accuracy=1.000 macro-F1=1.000", "lang=fi: n=1", "gold\\pred"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code := run(context.Background(), &cliEnv{stdout: &stdout, stderr: &stderr}, []string{"eval"}); code != exitUsage {
		t.Errorf("eval without --data: exit %d, want %d", code, exitUsage)
	}
}

// A dry-run classifier needs only the text: a JSON line without source or
// published_at gets defaults ("stdin", now), as a plain-text line does.
func TestClassifyTakesJSONWithOnlyText(t *testing.T) {
	in := `{"text":"Great service, thank you!"}` + "\n" + `{"title":"Huono palvelu","lang":"fi"}` + "\n" + `{"source":"x"}`
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), &cliEnv{stdin: strings.NewReader(in), stdout: &stdout, stderr: &stderr}, []string{"classify"})
	if code != exitFailure || !strings.Contains(stderr.String(), "line 3: text: text or title is required") ||
		strings.Contains(stderr.String(), "line 1") || strings.Contains(stderr.String(), "line 2") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d output lines, want 2:\n%s", len(lines), stdout.String())
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first["source"] != "stdin" || first["published_at"] == nil || first["sentiment"] != "positive" || first["mention_id"] == "" {
		t.Errorf("text-only line: %v", first)
	}
	var help bytes.Buffer
	run(context.Background(), &cliEnv{stdin: strings.NewReader(""), stdout: &help, stderr: &help}, []string{"classify", "--help"})
	if !strings.Contains(help.String(), `"stdin"`) || !strings.Contains(help.String(), "published_at") {
		t.Errorf("--help does not say what is defaulted:\n%s", help.String())
	}
}

// ewom eval --dev reports per-field accuracy and per-class precision and
// recall of a development set labelled per mention × brand.
func TestEvalDevCommand(t *testing.T) {
	dir := t.TempDir()
	brands := filepath.Join(dir, "brands.yaml")
	if err := os.WriteFile(brands, []byte("brands:\n  - name: Rantakoto\n  - name: Sinilintu\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dev := filepath.Join(dir, "dev.jsonl")
	lines := `{"id":"a","lang":"fi","source":"suomi24","text":"Siirryin Rantakodosta Sinilintuun, koska Rantakodon asiakaspalvelu ei vastaa koskaan.","gold":{"lang":"fi","touchpoint":"shared","brands":[{"brand":"Rantakoto","sentiment":"negative","stage":"churn"},{"brand":"Sinilintu","sentiment":"neutral","stage":"purchase"}]}}
{"id":"b","lang":"en","source":"trustpilot","rating":5,"text":"Great app, works perfectly.","gold":{"lang":"en","touchpoint":"earned","brands":[],"sentiment":"positive","stage":"usage"}}
`
	if err := os.WriteFile(dev, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), &cliEnv{stdout: &stdout, stderr: &stderr}, []string{"eval", "--dev", dev, "--brands", brands, "--misses"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"(2 mentions)", "all          2   1.000     1.000", "sentiment fi (n=2", "journey stage (n=3", "touchpoint (n=2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if err := os.WriteFile(dev, []byte(`{"id":"c","text":"x","gold":{"touchpoint":"shared","brands":[]}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := run(context.Background(), &cliEnv{stdout: &stdout, stderr: &stderr}, []string{"eval", "--dev", dev}); code != exitUsage ||
		!strings.Contains(stderr.String(), "gold.sentiment and gold.stage") {
		t.Errorf("a post without brands and without labels: exit %d, %s", code, stderr.String())
	}
}
