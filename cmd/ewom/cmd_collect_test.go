package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/mention"
)

func TestCollectOnce(t *testing.T) {
	feed, err := os.ReadFile("../../collectors/rss/testdata/rss2.xml")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body>maintenance</body></html>"))
			return
		}
		w.Write(feed)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ewom.yaml")
	os.WriteFile(cfg, []byte(`sources:
  - {type: rss, name: blog, url: "`+srv.URL+`/feed", allow_networks: [127.0.0.1]}
  - {type: rss, name: broken, url: "`+srv.URL+`/broken", allow_networks: [127.0.0.1]}
`), 0o600)

	var stdout, stderr bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
	code := run(context.Background(), env, []string{"collect", "--once", "--config", cfg})
	if code != exitFailure {
		t.Fatalf("exit %d with a failing source, want 1; stderr:\n%s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines on stdout:\n%s", len(lines), stdout.String())
	}
	for _, l := range lines {
		if _, err := mention.Parse([]byte(l)); err != nil {
			t.Errorf("line %q: %v", l, err)
		}
	}
	var first map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	if first["source"] != "rss" || first["id"] != "blogi-1842" {
		t.Errorf("first line %v", first)
	}
	for _, want := range []string{"SOURCE", "blog", "rss", "broken", `error: source "broken": GET ` + srv.URL + "/broken"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}

	// --source runs only the named source.
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), env, []string{"collect", "--once", "--config", cfg, "--source", "blog"}); code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "broken") || strings.Count(stdout.String(), "\n") != 4 {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
}

func TestCollectUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("sources:\n  - {type: rss, url: 'http://127.0.0.1/feed'}\n  - {type: nosuch}\n"), 0o600)
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("sources:\n  - {type: rss, url: 'https://example.com/feed'}\n"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"collect", "--config", good}, "--once is required"},
		{[]string{"collect", "--once"}, "--config is required"},
		{[]string{"collect", "--once", "--config", bad}, "sources[0] (rss-0): url: 127.0.0.1"},
		{[]string{"collect", "--once", "--config", bad}, `sources[1].type: unknown collector type "nosuch"`},
		{[]string{"collect", "--once", "--config", good, "--source", "nope"}, `no source named "nope"`},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), &cliEnv{stdout: &stdout, stderr: &stderr}, c.args)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}
