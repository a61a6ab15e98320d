package faults

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATSCluster is a JetStream cluster of nats-server processes on loopback,
// each with its own store directory.
type NATSCluster struct {
	nodes []*natsNode
	nc    *nats.Conn
	js    jetstream.JetStream
}

type natsNode struct {
	name       string // its server_name, as StreamInfo.Cluster names leaders
	clientPort int
	proc       *process
}

// natsReady is the last line nats-server logs once it listens for clients
// and routes.
var natsReady = regexp.MustCompile(`Listening for route connections on (\S+)`)

// startNATS starts a cluster of n nodes and returns once each listens,
// before they have elected a JetStream leader. nats-server must know every
// route port before it starts (a JetStream cluster needs configured
// routes), so ports are chosen free here; when one is taken before its
// server binds it, the cluster starts over on new ports.
func startNATS(bin, dir string, n int) (*NATSCluster, error) {
	var err error
	for range portAttempts {
		var c *NATSCluster
		if c, err = startNATSOnce(bin, dir, n); err == nil {
			return c, nil
		}
		if !strings.Contains(err.Error(), "address already in use") {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%d attempts on new ports: %w", portAttempts, err)
}

// portAttempts is how often a cluster is started on new ports.
const portAttempts = 5

func startNATSOnce(bin, dir string, n int) (*NATSCluster, error) {
	ports, err := freePorts(2 * n)
	if err != nil {
		return nil, err
	}
	routes := make([]string, n)
	for i := range n {
		routes[i] = fmt.Sprintf("nats-route://127.0.0.1:%d", ports[n+i])
	}
	c := &NATSCluster{}
	for i := range n {
		node := &natsNode{name: fmt.Sprintf("n%d", i+1), clientPort: ports[i]}
		nodeDir := filepath.Join(dir, node.name)
		if err := os.MkdirAll(nodeDir, 0o750); err != nil {
			return nil, err
		}
		conf := fmt.Sprintf(`server_name: %s
host: 127.0.0.1
port: %d
jetstream { store_dir: %q }
cluster { name: ewom-faults, host: 127.0.0.1, port: %d, routes: [%s] }
`, node.name, node.clientPort, filepath.Join(nodeDir, "js"), ports[n+i], strings.Join(routes, ", "))
		confPath := filepath.Join(nodeDir, "nats.conf")
		if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
			return nil, err
		}
		node.proc = &process{name: "nats " + node.name, bin: bin, args: []string{"-c", confPath},
			ready: natsReady, logPath: filepath.Join(nodeDir, "nats.log")}
		c.nodes = append(c.nodes, node)
	}
	for _, node := range c.nodes {
		if _, err := node.proc.start(30 * time.Second); err != nil {
			c.stop()
			return nil, err
		}
	}
	return c, nil
}

// connect opens the harness's own connection, used to watch the stream,
// and waits until JetStream answers (the cluster has a meta leader).
func (c *NATSCluster) connect() error {
	var err error
	if c.nc, err = nats.Connect(c.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond)); err != nil {
		return fmt.Errorf("connect to the NATS cluster: %w", err)
	}
	if c.js, err = jetstream.New(c.nc); err != nil {
		return err
	}
	return poll(60*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := c.js.AccountInfo(ctx)
		return err
	})
}

// URL lists every node's client address, as nats.url does.
func (c *NATSCluster) URL() string {
	urls := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		urls[i] = fmt.Sprintf("nats://127.0.0.1:%d", n.clientPort)
	}
	return strings.Join(urls, ",")
}

// Kill sends SIGKILL to node i.
func (c *NATSCluster) Kill(i int) { c.nodes[i].proc.kill() }

// Restart starts node i again on its ports and store.
func (c *NATSCluster) Restart(i int) error {
	_, err := c.nodes[i].proc.start(30 * time.Second)
	return err
}

// Name is node i's server name.
func (c *NATSCluster) Name(i int) string { return c.nodes[i].name }

// StreamLeader returns the node that leads the stream's replicas.
func (c *NATSCluster) StreamLeader(ctx context.Context, stream string) (int, error) {
	info, err := c.streamInfo(ctx, stream)
	if err != nil {
		return 0, err
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return 0, fmt.Errorf("stream %s has no leader", stream)
	}
	for i, n := range c.nodes {
		if n.name == info.Cluster.Leader {
			return i, nil
		}
	}
	return 0, fmt.Errorf("stream %s is led by %q, not a node of this cluster", stream, info.Cluster.Leader)
}

func (c *NATSCluster) streamInfo(ctx context.Context, stream string) (*jetstream.StreamInfo, error) {
	// Only the leader answers: short, so a new leader is seen soon.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := c.js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	return s.Info(ctx)
}

// StreamHealthy reports nil once the stream has a leader and every other
// replica is online and current.
func (c *NATSCluster) StreamHealthy(ctx context.Context, stream string) error {
	info, err := c.streamInfo(ctx, stream)
	if err != nil {
		return err
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return fmt.Errorf("stream %s has no leader", stream)
	}
	if len(info.Cluster.Replicas) != len(c.nodes)-1 {
		return fmt.Errorf("stream %s: %d followers, want %d", stream, len(info.Cluster.Replicas), len(c.nodes)-1)
	}
	for _, r := range info.Cluster.Replicas {
		if r.Offline || !r.Current {
			return fmt.Errorf("stream %s: replica %s not current (offline %t, lag %d)", stream, r.Name, r.Offline, r.Lag)
		}
	}
	return nil
}

// Pending is the classifier consumer's backlog: messages not yet delivered
// and delivered but not acknowledged.
func (c *NATSCluster) Pending(ctx context.Context, stream, consumer string) (pending uint64, ackPending int, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cons, err := c.js.Consumer(ctx, stream, consumer)
	if err != nil {
		return 0, 0, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, 0, err
	}
	return info.NumPending, info.NumAckPending, nil
}

// Messages counts the messages a stream holds on subject.
func (c *NATSCluster) Messages(ctx context.Context, stream, subject string) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := c.js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return 0, err
	}
	return info.State.Subjects[subject], nil
}

// crashed names nodes that exited without the harness killing them.
func (c *NATSCluster) crashed() []string {
	var out []string
	for _, n := range c.nodes {
		if ok, tail := n.proc.crashed(); ok {
			out = append(out, fmt.Sprintf("nats %s exited: %s", n.name, tail))
		}
	}
	return out
}

func (c *NATSCluster) stop() {
	if c.nc != nil {
		c.nc.Close()
	}
	for _, n := range c.nodes {
		n.proc.kill()
	}
}

// freePorts returns n distinct ports free now.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

// poll calls f until it returns nil or timeout passes, returning its last
// error then.
func poll(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s: %w", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
