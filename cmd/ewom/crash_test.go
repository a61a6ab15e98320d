package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/proctest"
	"github.com/ewom/ewom/internal/store/storetest"
)

// serveProcess is `ewom serve` running as a child process.
type serveProcess struct {
	cmd  *exec.Cmd
	base string
	log  *proctest.Output
}

// serveListening is serve's log line naming the HTTP address it bound.
var serveListening = regexp.MustCompile(`msg="http listening" addr=(\S+)`)

// startServe runs `ewom serve` with a configuration whose http.listen is
// "127.0.0.1:0": the process binds a free port itself and logs it, so no
// other process can take the port between choosing and binding it.
func startServe(t *testing.T, configPath string) *serveProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--config", configPath)
	cmd.Env = append(os.Environ(), "EWOM_TEST_RUN_MAIN=1", "EWOM_TOKEN=crash-test-token")
	log := proctest.NewOutput(serveListening)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, log: log}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	addr, err := log.Await(60*time.Second, nil)
	if err != nil {
		t.Fatalf("ewom serve: %v", err)
	}
	p.base = "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("ewom serve did not become ready:\n%s", log)
	return nil
}

func (p *serveProcess) post(chunk []byte) (int, error) {
	req, _ := http.NewRequest(http.MethodPost, p.base+"/api/v1/mentions", bytes.NewReader(chunk))
	req.Header.Set("Authorization", "Bearer crash-test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Persisted now or before: a mention the bus already held counts as a
	// duplicate, not as accepted.
	var out struct{ Accepted, Duplicates int }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode != 200 {
		return resp.StatusCode, fmt.Errorf("status %d", resp.StatusCode)
	}
	return out.Accepted + out.Duplicates, nil
}

func (p *serveProcess) count(t *testing.T, from, to time.Time) uint64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/mentions/count?from=%s&to=%s", p.base,
		from.Format(time.RFC3339), to.Format(time.RFC3339)), nil)
	req.Header.Set("Authorization", "Bearer crash-test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Count uint64 }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v.Count
}

// TestSIGKILLMidIngestLosesAndDuplicatesNothing kills `ewom serve` with
// SIGKILL while mentions stream in, restarts it on the same data, and has
// the client resend what it was not told was accepted (at-least-once). Every
// mention must be stored exactly once.
func TestSIGKILLMidIngestLosesAndDuplicatesNothing(t *testing.T) {
	engines := map[string]string{"chdb": ""}
	srv := storetest.RunServer(t)
	engines["clickhouse-18.16"] = srv.DSN("crash")
	for name, dsn := range engines {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "ewom.yaml")
			cfg := fmt.Sprintf("data_dir: %s\nhttp: {listen: \"127.0.0.1:0\"}\nstore: {dsn: %q, flush_interval: 100ms}\npipeline: {ack_wait: 5s}\nbrands: [{name: Koijarit}]\n", filepath.Join(dir, "data"), dsn)
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			const chunks, perChunk = 60, 100
			day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
			body := func(c int) []byte {
				var sb strings.Builder
				for i := c * perChunk; i < (c+1)*perChunk; i++ {
					fmt.Fprintf(&sb, `{"source":"crash","id":"%d","text":"Koijarit toimitus %d myöhässä, ei vastausta","published_at":%q}`+"\n",
						i, i, day.Add(time.Duration(i)*time.Second).Format(time.RFC3339))
				}
				return []byte(sb.String())
			}

			p := startServe(t, cfgPath)
			acked := make([]bool, chunks) // written by this goroutine only
			var ackedCount atomic.Int32   // read by the killer
			killed := make(chan struct{})
			go func() {
				// Kill once a third of the chunks were accepted, while posts continue.
				for {
					if ackedCount.Load() >= chunks/3 {
						_ = p.cmd.Process.Signal(syscall.SIGKILL)
						close(killed)
						return
					}
					time.Sleep(time.Millisecond)
				}
			}()
			for c := range chunks {
				select {
				case <-killed:
				default:
					if n, err := p.post(body(c)); err == nil && n == perChunk {
						acked[c] = true
						ackedCount.Add(1)
					}
					continue
				}
				break
			}
			<-killed
			_ = p.cmd.Wait()
			ackedBefore := int(ackedCount.Load())
			if ackedBefore == 0 || ackedBefore == chunks {
				t.Fatalf("the kill should land mid-ingest; %d of %d chunks were acked", ackedBefore, chunks)
			}

			p = startServe(t, cfgPath)
			for c := range chunks {
				if acked[c] {
					continue // the service said these were persisted: not resent
				}
				if n, err := p.post(body(c)); err != nil || n != perChunk {
					t.Fatalf("resend chunk %d: %d, %v", c, n, err)
				}
			}
			want := uint64(chunks * perChunk)
			var got uint64
			for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
				if got = p.count(t, day, day.Add(48*time.Hour)); got >= want {
					break
				}
			}
			time.Sleep(500 * time.Millisecond)
			if got = p.count(t, day, day.Add(48*time.Hour)); got != want {
				t.Fatalf("after SIGKILL (%d chunks acked before) and restart: %d mentions stored, want exactly %d\n%s", ackedBefore, got, want, p.log)
			}
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			if err := p.cmd.Wait(); err != nil {
				t.Fatalf("graceful stop: %v\n%s", err, p.log)
			}
		})
	}
}
