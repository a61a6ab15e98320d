package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Role is one `ewom serve --roles …` process. It serves HTTP on a port the
// system picks, so a restart may move it: ask URL each time.
type Role struct {
	Name string
	proc *process

	mu   sync.Mutex
	addr string
}

// ewomReady is the line ewom serve logs once it runs its roles.
var ewomReady = regexp.MustCompile(`msg="http listening" addr=(\S+)`)

// roleConfig is the part of the YAML every role shares: the cluster, the
// server, the brands the generated mentions name.
type roleConfig struct {
	natsURL  string
	replicas int
	dsn      string
	// pipeline is the YAML of the pipeline section ("" for the defaults).
	pipeline string
}

const brandsYAML = `brands:
  - {name: TietokoneKoijarit, aliases: [Koijarit]}
  - {name: Gigantti}
  - {name: Finnair}
  - {name: Elisa}
`

func newRole(bin, dir, name, roles, token string, rc roleConfig) (*Role, error) {
	roleDir := filepath.Join(dir, name)
	if err := os.MkdirAll(roleDir, 0o750); err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`data_dir: %q
http: {listen: "127.0.0.1:0"}
nats: {url: %q, replicas: %d}
store: {dsn: %q}
%s%s`, filepath.Join(roleDir, "data"), rc.natsURL, rc.replicas, rc.dsn, rc.pipeline, brandsYAML)
	cfgPath := filepath.Join(roleDir, "ewom.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	env := []string{"EWOM_TOKEN=" + token}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "EWOM_") {
			env = append(env, kv)
		}
	}
	return &Role{Name: name, proc: &process{name: name, bin: bin, args: []string{"serve", "--config", cfgPath, "--roles", roles},
		env: env, ready: ewomReady, logPath: filepath.Join(roleDir, "ewom.log")}}, nil
}

// startAttempts bounds how often start tries again after the process
// exited during start-up.
const startAttempts = 10

// start launches the process, again after an exit during start-up (ewom
// serve gives up when, say, the replicated stream has no leader yet), and
// returns the reasons of the failed attempts.
func (r *Role) start() (retries []string, err error) {
	for range startAttempts {
		addr, err := r.proc.start(90 * time.Second)
		if err == nil {
			r.mu.Lock()
			r.addr = addr
			r.mu.Unlock()
			return retries, nil
		}
		if !errors.Is(err, errStartExited) {
			return retries, err
		}
		retries = append(retries, err.Error())
		time.Sleep(time.Second)
	}
	return retries, fmt.Errorf("%s: %d start attempts failed; last: %s", r.Name, startAttempts, retries[len(retries)-1])
}

// Kill sends SIGKILL.
func (r *Role) Kill() { r.proc.kill() }

// URL is the base URL of the process's HTTP server.
func (r *Role) URL() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return "http://" + r.addr
}

// Ready asks the process's /readyz; nil when it answers 200.
func (r *Role) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL()+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s /readyz: %d %s", r.Name, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}
