// Package bustest starts real JetStream servers for tests, in the manner of
// nats-server's RunBasicJetStreamServer: in-process, t.TempDir() storage.
package bustest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/config"
)

// RunJetStream opens a bus on a fresh embedded JetStream server whose storage
// is a temporary directory; it is closed when the test ends.
func RunJetStream(t testing.TB) *bus.Bus {
	t.Helper()
	return RunJetStreamIn(t, t.TempDir(), config.Default().NATS)
}

// RunJetStreamIn opens a bus on an embedded server storing under dir, so a
// test can close it and open another on the same storage (a restart).
func RunJetStreamIn(t testing.TB, dir string, cfg config.NATS) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Open(ctx, cfg, dir, bus.NewMetrics(prometheus.NewRegistry()), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start embedded JetStream: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// Servers are NATS servers with JetStream run in-process on fixed local
// ports, so that a test can stop one and start it again where it was (a
// restart, an outage). More than one form a cluster, every node routing to
// every other; one is a standalone server.
type Servers struct {
	t    testing.TB
	opts []*server.Options
	srvs []*server.Server
}

// NewServers configures n servers storing under temporary directories; it
// starts none (see Start). They are shut down when the test ends.
func NewServers(t testing.TB, n int) *Servers {
	t.Helper()
	s := &Servers{t: t, srvs: make([]*server.Server, n)}
	clusterPorts := freePorts(t, n)
	var routes []string
	for _, p := range clusterPorts {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	for i, port := range freePorts(t, n) {
		o := &server.Options{ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: port, JetStream: true,
			StoreDir: t.TempDir(), NoSigs: true, NoLog: true}
		if n > 1 {
			o.Cluster = server.ClusterOpts{Name: "ewom-test", Host: "127.0.0.1", Port: clusterPorts[i]}
			o.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		}
		s.opts = append(s.opts, o)
	}
	t.Cleanup(func() {
		for i := range s.srvs {
			s.Stop(i)
		}
	})
	return s
}

// freePorts returns n ports that were free a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// URL lists every server's client URL, as nats.url does for a cluster.
func (s *Servers) URL() string {
	var urls []string
	for _, o := range s.opts {
		urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", o.Port))
	}
	return strings.Join(urls, ",")
}

// Start starts server i (again, after Stop) and waits until it takes
// connections.
func (s *Servers) Start(i int) {
	s.t.Helper()
	srv, err := server.NewServer(s.opts[i])
	if err != nil {
		s.t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		s.t.Fatalf("NATS server %s did not take connections within 30s", s.opts[i].ServerName)
	}
	s.srvs[i] = srv
}

// StartAll starts every server not running and, for a cluster, waits until
// JetStream has elected its meta leader and that leader can place assets
// on every server.
func (s *Servers) StartAll() {
	s.t.Helper()
	for i := range s.opts {
		if s.srvs[i] == nil {
			s.Start(i)
		}
	}
	if len(s.srvs) == 1 {
		return
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		for _, srv := range s.srvs {
			if srv.JetStreamIsLeader() && len(srv.JetStreamClusterPeers()) == len(s.srvs) {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatal("no JetStream meta leader with every server as a peer within 60s")
		}
	}
}

// Stop shuts server i down (a no-op when it is not running).
func (s *Servers) Stop(i int) {
	if srv := s.srvs[i]; srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		s.srvs[i] = nil
	}
}

// Server returns server i, nil while it is stopped.
func (s *Servers) Server(i int) *server.Server { return s.srvs[i] }

// Unacknowledged makes b's publishes go unacknowledged, as they do while a
// replicated stream has no leader: the stream stays (and answers) but is
// bound to other subjects, and a subscriber that never answers takes the
// mention subjects, so a publish is delivered and never acknowledged
// (without it, NATS would answer "no responders" at once). The returned
// function restores the stream.
func Unacknowledged(t testing.TB, b *bus.Bus, cfg config.NATS) (restore func()) {
	t.Helper()
	ctx := context.Background()
	js := b.JetStream()
	s, err := js.Stream(ctx, cfg.Stream)
	if err != nil {
		t.Fatal(err)
	}
	sc := s.CachedInfo().Config
	orig := sc.Subjects
	sc.Subjects = []string{"ewom.unbound.>"}
	if _, err := js.UpdateStream(ctx, sc); err != nil {
		t.Fatal(err)
	}
	sub, err := js.Conn().SubscribeSync(bus.RawSubjectPrefix + ">")
	if err != nil {
		t.Fatal(err)
	}
	// Closing the bus drains its subscriptions, this one too, whose
	// messages nobody reads.
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return func() {
		t.Helper()
		if err := sub.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		sc.Subjects = orig
		if _, err := js.UpdateStream(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
}
