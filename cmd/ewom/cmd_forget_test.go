package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// forget and export with --server go through the running service, which
// owns the embedded engine and bus.
func TestForgetAndExportThroughTheRunningService(t *testing.T) {
	base, s := startService(t, "forget-token")

	body := `{"source":"mastodon","id":"f1","text":"Toimitus myöhässä","published_at":"2026-11-20T10:00:00Z","author":{"handle":"@moona@mastodon.social"}}
{"source":"mastodon","id":"f2","text":"Kiitos nopeasta avusta","published_at":"2026-11-20T11:00:00Z","author":{"handle":"@other@mastodon.social"}}`
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/mentions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer forget-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("ingest: %v %v", resp, err)
	}
	resp.Body.Close()
	for deadline := time.Now().Add(20 * time.Second); ; {
		n, err := s.CountMentions(context.Background(), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), "")
		if err == nil && n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored %d of 2 (%v)", n, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	t.Setenv("EWOM_TOKEN", "forget-token")
	cli := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		env := &cliEnv{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr}
		return run(context.Background(), env, args), stdout.String(), stderr.String()
	}
	code, out, errOut := cli("export", "--server", base, "--author", "@moona@mastodon.social")
	var exp struct{ Mentions []json.RawMessage }
	if code != 0 || json.Unmarshal([]byte(out), &exp) != nil || len(exp.Mentions) != 1 {
		t.Fatalf("export: exit %d, %s %s", code, out, errOut)
	}
	code, out, errOut = cli("forget", "--server", base, "--author", "@moona@mastodon.social")
	var rep struct{ Mentions int }
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Mentions != 1 {
		t.Fatalf("forget: exit %d, %s %s", code, out, errOut)
	}
	if n, err := s.CountMentions(context.Background(), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), ""); err != nil || n != 1 {
		t.Errorf("after forget %d mentions (%v), want the other author's 1", n, err)
	}
	t.Setenv("EWOM_TOKEN", "wrong")
	if code, _, errOut := cli("forget", "--server", base, "--author", "@other@mastodon.social"); code == 0 || !strings.Contains(errOut, "401") {
		t.Errorf("forget with a wrong token: exit %d, %s", code, errOut)
	}
}
