// Package storetest gives tests real ClickHouse engines: the embedded chDB
// library and a ClickHouse server process, each on fresh storage.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/memstat"
	"github.com/ewom/ewom/internal/store"
)

// Engine is a named store for table-driven tests over every engine.
type Engine struct {
	Name  string
	Store store.Store
	// CPU, if set, is the CPU time the engine has used so far: this
	// process's for the embedded engine, the server process's for a server.
	CPU func() time.Duration
}

var (
	embeddedOnce  sync.Once
	embedded      store.Store
	embeddedErr   error
	dbCounter     atomic.Int64
	serverCounter atomic.Int64

	sharedMu     sync.Mutex
	sharedServer *Server
)

// Embedded returns a migrated store on the process's embedded chDB engine, in
// a database of its own. The library comes from CHDB_LIB_PATH or the default
// install places (scripts/install-chdb.sh).
func Embedded(t testing.TB) store.Store {
	t.Helper()
	embeddedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ewom-chdb-test-")
		if err != nil {
			embeddedErr = err
			return
		}
		embedded, embeddedErr = store.OpenEmbedded(os.Getenv("CHDB_LIB_PATH"), dir, "ewom")
	})
	if embeddedErr != nil {
		t.Fatalf("embedded ClickHouse: %v", embeddedErr)
	}
	return migrated(t, embedded)
}

// EmbeddedKept returns a migrated store on the embedded chDB engine with
// its data in dir, kept after the test (for benchmarks that fill millions
// of rows once and measure them in many runs). A process uses one engine:
// call it instead of Embedded, not beside it.
func EmbeddedKept(t testing.TB, dir string) store.Store {
	t.Helper()
	embeddedOnce.Do(func() {
		embedded, embeddedErr = store.OpenEmbedded(os.Getenv("CHDB_LIB_PATH"), dir, "ewom")
	})
	if embeddedErr != nil {
		t.Fatalf("embedded ClickHouse in %s: %v", dir, embeddedErr)
	}
	if _, err := embedded.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate the kept store in %s: %v", dir, err)
	}
	return embedded
}

// OnServer returns a migrated store in a fresh database on a ClickHouse
// server shared by the test binary (started on first use; stop it in
// TestMain with StopShared).
func OnServer(t testing.TB) store.Store {
	t.Helper()
	sharedMu.Lock()
	if sharedServer == nil {
		srv, err := startServer(os.TempDir(), false, nil)
		if err != nil {
			sharedMu.Unlock()
			t.Fatalf("ClickHouse server: %v", err)
		}
		sharedServer = srv
	}
	srv := sharedServer
	sharedMu.Unlock()
	s, err := store.OpenServer(context.Background(), srv.DSN(""))
	if err != nil {
		t.Fatalf("connect to test ClickHouse server: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return migrated(t, s)
}

// StopShared stops the server OnServer started, if any. Call it from TestMain.
func StopShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedServer != nil {
		sharedServer.discard()
		os.RemoveAll(sharedServer.dir)
		sharedServer = nil
	}
}

// Engines returns a fresh migrated store on each supported engine.
func Engines(t testing.TB) []Engine {
	t.Helper()
	chdb, server := Embedded(t), OnServer(t)
	sharedMu.Lock()
	srv := sharedServer
	sharedMu.Unlock()
	return []Engine{{Name: "chdb", Store: chdb, CPU: memstat.CPU}, {Name: "clickhouse-18.16", Store: server, CPU: srv.CPU}}
}

// CPU is the CPU time, user and system, the server process has used
// (memstat.ProcessCPU); 0 if it cannot be read.
func (s *Server) CPU() time.Duration {
	pid := s.Pid()
	if pid == 0 {
		return 0
	}
	cpu, err := memstat.ProcessCPU(pid)
	if err != nil {
		return 0
	}
	return cpu
}

func migrated(t testing.TB, base store.Store) store.Store {
	t.Helper()
	db := fmt.Sprintf("t%d_%d", os.Getpid(), dbCounter.Add(1))
	s, err := store.InDatabase(base, db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s on %s: %v", db, s.Info().Engine, err)
	}
	t.Cleanup(func() { _ = s.Exec(context.Background(), "DROP DATABASE IF EXISTS `"+db+"`") })
	return s
}

// Server is a ClickHouse server process on loopback with its own data dir.
type Server struct {
	dir       string
	port      int // native protocol
	ports     serverPorts
	readyUser string
	cmd       *exec.Cmd
	done      chan struct{}
}

// RunServer starts a ClickHouse server for one test; it is stopped when the
// test ends. Tests may Stop and Start it to simulate an outage.
func RunServer(t testing.TB) *Server {
	t.Helper()
	srv, err := startServer(t.TempDir(), false, nil)
	if err != nil {
		t.Fatalf("ClickHouse server: %v", err)
	}
	t.Cleanup(srv.discard)
	return srv
}

// RunCluster starts a one-node ClickHouse cluster named name for one test:
// a ZooKeeper server and a ClickHouse server whose <remote_servers> lists
// itself as the single shard and replica, with {shard} and {replica} macros
// and distributed DDL, so that store.cluster migrations run on it. Both are
// stopped when the test ends.
func RunCluster(t testing.TB, name string) *Server {
	t.Helper()
	zk, err := startZooKeeper(t.TempDir())
	if err != nil {
		t.Fatalf("ZooKeeper: %v", err)
	}
	t.Cleanup(zk.stop)
	srv, err := startServer(t.TempDir(), true, func(p serverPorts) string {
		return fmt.Sprintf(`  <interserver_http_host>127.0.0.1</interserver_http_host>
  <interserver_http_port>%[1]d</interserver_http_port>
  <remote_servers><%[2]s><shard><internal_replication>true</internal_replication>
    <replica><host>127.0.0.1</host><port>%[3]d</port></replica>
  </shard></%[2]s></remote_servers>
  <macros><shard>01</shard><replica>r1</replica></macros>
  <zookeeper><node><host>127.0.0.1</host><port>%[4]d</port></node>
    <session_timeout_ms>30000</session_timeout_ms><operation_timeout_ms>10000</operation_timeout_ms></zookeeper>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
`, p.interserver, name, p.tcp, zk.port)
	})
	if err != nil {
		t.Fatalf("ClickHouse server: %v", err)
	}
	t.Cleanup(srv.discard)
	// 18.16 crashes on distributed DDL while its ZooKeeper session is not
	// up: wait until the server reads ZooKeeper.
	s, err := store.OpenServer(context.Background(), srv.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, err := s.Query(context.Background(), "SELECT name FROM system.zookeeper WHERE path = '/'")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ClickHouse server does not reach ZooKeeper: %v", err)
		}
	}
	return srv
}

// zooKeeper is a standalone ZooKeeper server (the Debian zookeeper package).
type zooKeeper struct {
	port    int
	dataDir string
	cmd     *exec.Cmd
	done    chan struct{}
}

const zooKeeperJar = "/usr/share/java/zookeeper.jar"

func startZooKeeper(dir string) (*zooKeeper, error) {
	if _, err := os.Stat(zooKeeperJar); err != nil {
		return nil, fmt.Errorf("%s not found: install it with 'apt-get install zookeeper' (needs java)", zooKeeperJar)
	}
	return retryOnTakenPort(func() (*zooKeeper, error) {
		port, err := pickPort()
		if err != nil {
			return nil, err
		}
		return startZooKeeperOn(dir, port)
	})
}

// startZooKeeperOn starts ZooKeeper on port; a port taken meanwhile is
// reported as errPortTaken.
func startZooKeeperOn(dir string, port int) (*zooKeeper, error) {
	out, err := os.Create(filepath.Join(dir, "zookeeper.log"))
	if err != nil {
		return nil, err
	}
	zk := &zooKeeper{port: port, dataDir: filepath.Join(dir, "data"), done: make(chan struct{})}
	zk.cmd = exec.Command("java", "-Dzookeeper.admin.enableServer=false", "-Dzookeeper.4lw.commands.whitelist=conf",
		"-cp", zooKeeperJar, "org.apache.zookeeper.server.ZooKeeperServerMain", strconv.Itoa(port), zk.dataDir)
	zk.cmd.Stdout, zk.cmd.Stderr = out, out
	if err := zk.cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start ZooKeeper: %w", err)
	}
	go func() { _ = zk.cmd.Wait(); out.Close(); close(zk.done) }()
	// It listens before it serves: wait until it reports its mode.
	deadline := time.Now().Add(60 * time.Second)
	for !zk.serving() {
		select {
		case <-zk.done:
		case <-time.After(200 * time.Millisecond):
			if time.Now().Before(deadline) {
				continue
			}
		}
		zk.stop()
		log, _ := os.ReadFile(filepath.Join(dir, "zookeeper.log"))
		// It exits without a word when its port is taken.
		return nil, portError(fmt.Errorf("ZooKeeper did not serve on port %d: %s", port, lastLines(string(log), 5)), port)
	}
	return zk, nil
}

// serving asks the conf command whether this ZooKeeper serves requests: it
// answers only once serving, and with its data directory, so another
// ZooKeeper on the port (another test binary's) is not taken for this one.
func (zk *zooKeeper) serving() bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", zk.port), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("conf")); err != nil {
		return false
	}
	out, _ := io.ReadAll(c)
	return strings.Contains(string(out), "dataDir="+zk.dataDir+string(filepath.Separator))
}

func (zk *zooKeeper) stop() {
	_ = zk.cmd.Process.Kill()
	<-zk.done
}

// DSN returns the server's address for database db ("" = ewom).
func (s *Server) DSN(db string) string {
	if db == "" {
		db = "ewom"
	}
	return fmt.Sprintf("clickhouse://default@127.0.0.1:%d/%s?dial_timeout=2s", s.port, db)
}

func serverBinary() (string, error) {
	for _, p := range []string{"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("clickhouse-server not found: install it with 'apt-get install clickhouse-server' (the .ci/run script does)")
}

// serverPorts are the ports a test server listens on (interserver only in
// a cluster).
type serverPorts struct{ tcp, http, interserver int }

func (p serverPorts) list() []int {
	out := []int{p.tcp, p.http}
	if p.interserver != 0 {
		out = append(out, p.interserver)
	}
	return out
}

// startServer starts a server with its data in a new directory under parent;
// extra, when not nil, adds elements to its config.xml given its ports
// (with an interserver port when cluster is set). ClickHouse cannot pick
// its own ports and report them, so free ports are chosen here; one taken
// by another process before the server binds it makes the attempt start
// over on new ports.
func startServer(parent string, cluster bool, extra func(serverPorts) string) (*Server, error) {
	return retryOnTakenPort(func() (*Server, error) {
		dir, err := os.MkdirTemp(parent, "clickhouse-")
		if err != nil {
			return nil, err
		}
		s, err := startServerIn(dir, cluster, extra)
		if err != nil {
			os.RemoveAll(dir)
		}
		return s, err
	})
}

func startServerIn(dir string, cluster bool, extra func(serverPorts) string) (*Server, error) {
	n := 2
	if cluster {
		n = 3
	}
	picked := make([]int, 3)
	for i := range n {
		var err error
		if picked[i], err = pickPort(); err != nil {
			return nil, err
		}
	}
	ports := serverPorts{tcp: picked[0], http: picked[1], interserver: picked[2]}
	extraConfig := ""
	if extra != nil {
		extraConfig = extra(ports)
	}
	cfg := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>%[1]s/server.log</log><errorlog>%[1]s/server.err.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>%[2]d</tcp_port>
  <http_port>%[3]d</http_port>
  <path>%[1]s/data/</path>
  <tmp_path>%[1]s/tmp/</tmp_path>
  <user_files_path>%[1]s/user_files/</user_files_path>
  <format_schema_path>%[1]s/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
%[4]s</yandex>
`, dir, ports.tcp, ports.http, extraConfig)
	// readyUser exists on this server only: the start-up check signs in as
	// it, so another ClickHouse on the port does not pass for this one.
	readyUser := fmt.Sprintf("ready_%d_%d", os.Getpid(), serverCounter.Add(1))
	users := fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <%[1]s><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></%[1]s></users>
  <quotas><default></default></quotas>
</yandex>
`, readyUser)
	if err := os.WriteFile(filepath.Join(dir, "config.xml"), []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(users), 0o600); err != nil {
		return nil, err
	}
	s := &Server{dir: dir, port: ports.tcp, ports: ports, readyUser: readyUser}
	return s, s.Start()
}

// Start launches the server process and waits until it answers on its own
// ports. A port held by another process fails with errPortTaken; a restart
// (after Stop) keeps its ports, which the stores connected to it use.
func (s *Server) Start() error {
	bin, err := serverBinary()
	if err != nil {
		return err
	}
	s.cmd = exec.Command(bin, "--config-file="+filepath.Join(s.dir, "config.xml"))
	out, err := os.OpenFile(filepath.Join(s.dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = out, out
	if err := s.cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start %s: %w", bin, err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); out.Close(); close(s.done) }()
	// Ready when this very server answers: a port that merely accepts may
	// be another process's. The server binds all its ports before it serves
	// any, so its answer on the HTTP port means the native port is its own.
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "server.err.log"))
			return portError(fmt.Errorf("clickhouse-server exited at start: %s", lastLines(string(log), 5)), s.ports.list()...)
		default:
		}
		if s.answers(client) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Stop()
	log, _ := os.ReadFile(filepath.Join(s.dir, "server.err.log"))
	return fmt.Errorf("clickhouse-server did not answer on port %d within 30s: %s", s.ports.http, lastLines(string(log), 5))
}

// answers reports whether this server runs a query for its own ready user.
func (s *Server) answers(client *http.Client) bool {
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/?user=%s&query=SELECT%%201", s.ports.http, s.readyUser))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16))
	return resp.StatusCode == http.StatusOK && string(b) == "1\n"
}

// Stop terminates the server process and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// discard kills the server whose data is thrown away: a graceful stop takes
// 18.16 ten seconds, for every test that starts a server.
func (s *Server) discard() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// errPortTaken marks a start-up that failed because a port chosen free was
// taken by another process before the server bound it.
var errPortTaken = errors.New("port taken by another process")

// portError wraps err, a failed start-up, with errPortTaken when one of the
// ports the server was given is now held by another process.
func portError(err error, ports ...int) error {
	for _, p := range ports {
		l, lerr := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if lerr != nil {
			return fmt.Errorf("%w (%d): %w", errPortTaken, p, err)
		}
		l.Close()
	}
	return err
}

// portAttempts is how many times a server is started on new ports before
// giving up.
const portAttempts = 5

// retryOnTakenPort runs start until it succeeds or fails for another reason
// than a taken port.
func retryOnTakenPort[T any](start func() (T, error)) (T, error) {
	var err error
	for range portAttempts {
		var v T
		if v, err = start(); !errors.Is(err, errPortTaken) {
			return v, err
		}
	}
	var zero T
	return zero, fmt.Errorf("%d attempts on new ports: %w", portAttempts, err)
}

// pickPort chooses a port that is free now; tests replace it to hand out a
// taken one.
var pickPort = freePort

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Pid is the server process's id (0 while it is stopped).
func (s *Server) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}
