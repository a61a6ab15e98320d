package storetest

import (
	"context"
	"net"
	"os"
	"sync/atomic"
	"testing"

	"github.com/ewom/ewom/internal/store"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// handOut makes pickPort return taken first, then free ports, for this test.
func handOut(t *testing.T, taken ...int) {
	var n atomic.Int32
	pickPort = func() (int, error) {
		if i := int(n.Add(1)) - 1; i < len(taken) {
			return taken[i], nil
		}
		return freePort()
	}
	t.Cleanup(func() { pickPort = freePort })
}

func listen(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

func ping(t *testing.T, srv *Server) {
	t.Helper()
	s, err := store.OpenServer(context.Background(), srv.DSN(""))
	if err != nil {
		t.Fatalf("the server on port %d does not answer: %v", srv.port, err)
	}
	defer s.Close()
	if _, err := s.Query(context.Background(), "SELECT 1 AS one"); err != nil {
		t.Fatalf("query on port %d: %v", srv.port, err)
	}
}

// TestServerStartsOnNewPortsWhenOneIsTaken: a port found free can be taken
// by another process before the server binds it (the flake "clickhouse-server
// exited at start: Address already in use"). Start-up then tries new ports,
// and another process accepting on the port, even another ClickHouse server,
// is not taken for the one started.
func TestServerStartsOnNewPortsWhenOneIsTaken(t *testing.T) {
	other := RunServer(t)
	for name, taken := range map[string][]int{
		"native port held by a listener":    {listen(t)},
		"HTTP port held by a listener":      {0, listen(t)},
		"native port of another ClickHouse": {other.port},
		"HTTP port of another ClickHouse":   {0, other.ports.http},
	} {
		t.Run(name, func(t *testing.T) {
			if taken[0] == 0 {
				free, err := freePort()
				if err != nil {
					t.Fatal(err)
				}
				taken[0] = free
			}
			handOut(t, taken...)
			srv := RunServer(t)
			for _, p := range taken {
				if srv.port == p || srv.ports.http == p {
					t.Fatalf("server kept the taken port %d", p)
				}
			}
			ping(t, srv)
		})
	}
	ping(t, other)
}

// TestZooKeeperStartsOnANewPortWhenItsPortIsTaken: ZooKeeper exits without
// a word when its port is taken, and a listener on the port must not pass
// for it.
func TestZooKeeperStartsOnANewPortWhenItsPortIsTaken(t *testing.T) {
	taken := listen(t)
	handOut(t, taken)
	zk, err := startZooKeeper(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer zk.stop()
	if zk.port == taken || !zk.serving() {
		t.Fatalf("ZooKeeper on port %d (taken: %d), serving %v", zk.port, taken, zk.serving())
	}
}
