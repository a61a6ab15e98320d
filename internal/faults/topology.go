// Package faults runs ewom's production topology on one machine — a
// three-node JetStream cluster of nats-server processes, a ClickHouse server
// and ewom split into an api process, classify processes and an alert
// process — and injects faults into it while mentions are imported through
// the ingest API, then checks that every mention was stored and counted
// exactly once (docs/scaling.md, "Fault suite").
package faults

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/memstat"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// Binaries are the programs the topology runs.
type Binaries struct {
	Ewom, NATSServer string
}

// Build compiles ewom and nats-server (the version in go.mod) into a
// temporary directory; the go command must be on PATH.
func Build(t testing.TB) Binaries {
	t.Helper()
	dir := t.TempDir()
	b := Binaries{Ewom: filepath.Join(dir, "ewom"), NATSServer: filepath.Join(dir, "nats-server")}
	for pkg, out := range map[string]string{"github.com/ewom/ewom/cmd/ewom": b.Ewom, "github.com/nats-io/nats-server/v2": b.NATSServer} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return b
}

// Options shape a topology.
type Options struct {
	Binaries
	// Dir holds every process's data and log; a test's temporary
	// directory when empty.
	Dir string
	// Classifiers is the number of classify processes.
	Classifiers int
	// Pipeline is the YAML of ewom's pipeline section, "" for the defaults.
	Pipeline string
	// Logf reports progress; t.Logf when nil.
	Logf func(format string, args ...any)
}

// Topology is the running processes and the harness's own connections to
// the bus and the store, which it checks with.
type Topology struct {
	NATS        *NATSCluster
	ClickHouse  *storetest.Server
	Store       store.Store
	API         *Role
	Classifiers []*Role
	Alert       *Role
	Token       string
	Stream      string

	logf   func(string, ...any)
	mu     sync.Mutex
	events []string // start-up retries and crashes, drained by takeEvents
}

// Start brings the topology up; everything it starts is stopped when the
// test ends.
func Start(t testing.TB, o Options) *Topology {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Logf == nil {
		o.Logf = t.Logf
	}
	topo := &Topology{Token: "faults-token-0123456789abcdef", Stream: config.Default().NATS.Stream, logf: o.Logf}
	begin := time.Now()
	topo.ClickHouse = storetest.RunServer(t)
	nc, err := startNATS(o.NATSServer, filepath.Join(o.Dir, "nats"), 3)
	if err != nil {
		t.Fatalf("NATS cluster: %v", err)
	}
	topo.NATS = nc
	t.Cleanup(nc.stop)
	// ewom starts while the cluster elects its JetStream leader, as it
	// does when a deployment comes up at once.
	dsn := topo.ClickHouse.DSN("")
	rc := roleConfig{natsURL: nc.URL(), replicas: 3, dsn: dsn, pipeline: o.Pipeline}
	role := func(name, roles string) *Role {
		r, err := newRole(o.Ewom, o.Dir, name, roles, topo.Token, rc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.Kill)
		return r
	}
	// The api first: it creates the stream and migrates the database, so
	// the others do not race it to.
	topo.API = role("api", "api")
	for i := range o.Classifiers {
		topo.Classifiers = append(topo.Classifiers, role(fmt.Sprintf("classify-%d", i+1), "classify"))
	}
	topo.Alert = role("alert", "alert")
	if err := topo.startRole(topo.API); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(topo.Classifiers)+1)
	for _, r := range append([]*Role{topo.Alert}, topo.Classifiers...) {
		wg.Go(func() { errs <- topo.startRole(r) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.connect(); err != nil {
		t.Fatal(err)
	}
	if topo.Store, err = store.OpenServer(context.Background(), dsn); err != nil {
		t.Fatalf("connect to ClickHouse: %v", err)
	}
	t.Cleanup(func() { topo.Store.Close() })
	o.Logf("topology up in %s: NATS %s, ClickHouse %s, ewom api + %d classify + alert, data in %s",
		time.Since(begin).Round(100*time.Millisecond), nc.URL(), dsn, len(topo.Classifiers), o.Dir)
	return topo
}

// startRole starts r, recording start-up attempts that exited.
func (topo *Topology) startRole(r *Role) error {
	begin := time.Now()
	retries, err := r.start()
	for _, e := range retries {
		topo.event("start-up of %s exited, started again: %s", r.Name, e)
	}
	if err == nil {
		topo.logf("%s up in %s", r.Name, time.Since(begin).Round(100*time.Millisecond))
	}
	return err
}

func (topo *Topology) event(format string, args ...any) {
	topo.mu.Lock()
	defer topo.mu.Unlock()
	topo.events = append(topo.events, fmt.Sprintf(format, args...))
}

// takeEvents returns the events recorded since the last call.
func (topo *Topology) takeEvents() []string {
	topo.mu.Lock()
	defer topo.mu.Unlock()
	out := topo.events
	topo.events = nil
	return out
}

func (topo *Topology) roles() []*Role {
	return append([]*Role{topo.API, topo.Alert}, topo.Classifiers...)
}

// restartCrashed starts again every process that exited without the
// harness killing it, recording the crash.
func (topo *Topology) restartCrashed() error {
	for _, r := range topo.roles() {
		if ok, tail := r.proc.crashed(); ok {
			topo.event("%s exited on its own: %s", r.Name, tail)
			if err := topo.startRole(r); err != nil {
				return err
			}
		}
	}
	for _, c := range topo.NATS.crashed() {
		topo.event("%s", c)
	}
	for i := range topo.NATS.nodes {
		if !topo.NATS.nodes[i].proc.running() {
			if err := topo.NATS.Restart(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// Healthy waits until no process is down and the stream has a leader and
// current replicas.
func (topo *Topology) Healthy(ctx context.Context) error {
	if err := topo.restartCrashed(); err != nil {
		return err
	}
	return poll(2*time.Minute, func() error { return topo.NATS.StreamHealthy(ctx, topo.Stream) })
}

// Drain waits until the classifier consumer has no message left to
// deliver and none unacknowledged; it gives up once the backlog has not
// shrunk for stall.
func (topo *Topology) Drain(ctx context.Context, stall time.Duration) error {
	return waitProgress(ctx, stall, func() (int, error) {
		p, ack, err := topo.NATS.Pending(ctx, topo.Stream, bus.ConsumerName)
		if err != nil {
			return 0, err
		}
		if p > 0 || ack > 0 {
			return int(p) + ack, fmt.Errorf("%d messages pending, %d awaiting an ack", p, ack)
		}
		return 0, nil
	})
}

// restart kills the processes and starts them again.
func (topo *Topology) restart(roles ...*Role) error {
	for _, r := range roles {
		r.Kill()
		if err := topo.startRole(r); err != nil {
			return err
		}
	}
	return nil
}

// waitProgress calls left until it reports nothing left (0, nil). It
// gives up with left's last error once left has not fallen for stall.
func waitProgress(ctx context.Context, stall time.Duration, left func() (int, error)) error {
	best, since := -1, time.Now()
	for {
		n, err := left()
		if n == 0 && err == nil {
			return nil
		}
		if n > 0 && (best < 0 || n < best) {
			best, since = n, time.Now()
		}
		if time.Since(since) > stall {
			return fmt.Errorf("no progress for %s: %w", stall, err)
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

// processCPU is the CPU time each running process of the topology has used
// so far, by name; a process that is not running or cannot be read is left
// out (/proc is Linux's).
func (topo *Topology) processCPU() map[string]time.Duration {
	pids := map[string]int{"clickhouse": topo.ClickHouse.Pid(), topo.API.Name: topo.API.proc.pid(), topo.Alert.Name: topo.Alert.proc.pid()}
	for _, r := range topo.Classifiers {
		pids[r.Name] = r.proc.pid()
	}
	for _, n := range topo.NATS.nodes {
		pids["nats "+n.name] = n.proc.pid()
	}
	out := make(map[string]time.Duration, len(pids))
	for name, pid := range pids {
		if pid == 0 {
			continue
		}
		if cpu, err := memstat.ProcessCPU(pid); err == nil {
			out[name] = cpu
		}
	}
	return out
}
