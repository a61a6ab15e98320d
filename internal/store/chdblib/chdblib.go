// Package chdblib binds libchdb.so (the ClickHouse engine as a library)
// through purego, so ewom builds without cgo.
//
// It loads the library lazily, on Open, from a path the caller chooses. The
// bindings in github.com/chdb-io/chdb-go load it in an init function and
// panic when it is missing, which would make every ewom command (even those
// that never touch the store) fail on a machine without the library.
package chdblib

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// InstallHint tells users how to get the library.
const InstallHint = "install it with scripts/install-chdb.sh (fetches the npm package @chdb/lib-linux-x64-gnu), " +
	"then set store.chdb_lib or CHDB_LIB_PATH to the libchdb.so path, or point store.dsn at a ClickHouse server"

// DefaultPaths are searched when no path is configured.
func DefaultPaths() []string {
	var paths []string
	if home, err := os.UserHomeDir(); err == nil {
		paths = append(paths, filepath.Join(home, ".local", "lib", "ewom", "libchdb.so"))
	}
	return append(paths, "/usr/local/lib/libchdb.so", "/usr/lib/libchdb.so")
}

type api struct {
	connect       func(argc int, argv []*byte) unsafe.Pointer
	closeConn     func(conn unsafe.Pointer)
	query         func(conn unsafe.Pointer, query string, format string) unsafe.Pointer
	insertStream  func(conn unsafe.Pointer, query string, format string) unsafe.Pointer
	insertError   func(stream unsafe.Pointer) string
	insertAppend  func(stream unsafe.Pointer, data *byte, n uintptr) int32
	insertDone    func(stream unsafe.Pointer) unsafe.Pointer
	destroyInsert func(stream unsafe.Pointer)
	destroyResult func(res unsafe.Pointer)
	resultBuffer  func(res unsafe.Pointer) unsafe.Pointer
	resultLength  func(res unsafe.Pointer) uintptr
	resultError   func(res unsafe.Pointer) string
	resultRows    func(res unsafe.Pointer) uint64
}

var (
	loadOnce sync.Once
	loaded   *api
	loadPath string
	loadErr  error
)

// Load opens the library once per process; later calls with another path
// return the first result, since a process can hold only one engine.
func Load(path string) (string, error) {
	loadOnce.Do(func() {
		candidates := []string{path}
		if path == "" {
			candidates = DefaultPaths()
		}
		for _, p := range candidates {
			if _, err := os.Stat(p); err != nil {
				continue
			}
			saved := saveSignals()
			handle, err := purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL)
			saved.restore()
			if err != nil {
				loadErr = fmt.Errorf("load %s: %w", p, err)
				return
			}
			a := &api{}
			purego.RegisterLibFunc(&a.connect, handle, "chdb_connect")
			purego.RegisterLibFunc(&a.closeConn, handle, "chdb_close_conn")
			purego.RegisterLibFunc(&a.query, handle, "chdb_query")
			purego.RegisterLibFunc(&a.insertStream, handle, "chdb_stream_insert")
			purego.RegisterLibFunc(&a.insertError, handle, "chdb_stream_insert_error")
			purego.RegisterLibFunc(&a.insertAppend, handle, "chdb_stream_append")
			purego.RegisterLibFunc(&a.insertDone, handle, "chdb_stream_done")
			purego.RegisterLibFunc(&a.destroyInsert, handle, "chdb_destroy_insert_stream")
			purego.RegisterLibFunc(&a.destroyResult, handle, "chdb_destroy_query_result")
			purego.RegisterLibFunc(&a.resultBuffer, handle, "chdb_result_buffer")
			purego.RegisterLibFunc(&a.resultLength, handle, "chdb_result_length")
			purego.RegisterLibFunc(&a.resultError, handle, "chdb_result_error")
			purego.RegisterLibFunc(&a.resultRows, handle, "chdb_result_rows_read")
			loaded, loadPath = a, p
			return
		}
		loadErr = fmt.Errorf("libchdb.so not found (looked in %v): %s", candidates, InstallHint)
	})
	return loadPath, loadErr
}

// Conn is an open embedded engine with its data under one directory. Its
// queries are serialised: the library's connection is not safe for
// concurrent queries.
type Conn struct {
	mu   sync.Mutex
	conn unsafe.Pointer // chdb_connection* as returned by chdb_connect
	api  *api
}

// ErrClosed is returned by queries on a closed connection.
var ErrClosed = errors.New("chdb: connection closed")

// Open starts the engine on dataDir. The library must be loaded first.
func Open(dataDir string) (*Conn, error) {
	if loaded == nil {
		if loadErr != nil {
			return nil, loadErr
		}
		return nil, errors.New("chdb: library not loaded; call Load first")
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("chdb: create %s: %w", dataDir, err)
	}
	args := []string{"clickhouse", "--path=" + dataDir,
		// The query profilers interrupt threads with SIGUSR1/SIGUSR2 timers;
		// in a Go process those signals land on Go threads and crash or
		// hang it, so they stay off.
		"--query_profiler_real_time_period_ns=0", "--query_profiler_cpu_time_period_ns=0"}
	argv := make([]*byte, len(args))
	for i, a := range args {
		b := append([]byte(a), 0)
		argv[i] = &b[0]
	}
	saved := saveSignals()
	conn := loaded.connect(len(argv), argv)
	saved.restore()
	if conn == nil {
		return nil, fmt.Errorf("chdb: could not open the engine on %s (is another process using it?)", dataDir)
	}
	return &Conn{conn: conn, api: loaded}, nil
}

// Query runs one statement and returns its output in format (e.g.
// JSONEachRow, TabSeparated). A failed statement returns the engine's message.
func (c *Conn) Query(q, format string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil, ErrClosed
	}
	// chdb_query takes the chdb_connection the pointer returned by chdb_connect points at.
	res := c.api.query(*(*unsafe.Pointer)(c.conn), q, format)

	if res == nil {
		return nil, nil
	}
	defer c.api.destroyResult(res)
	if msg := c.api.resultError(res); msg != "" {
		return nil, errors.New(msg)
	}
	n := c.api.resultLength(res)
	buf := c.api.resultBuffer(res)
	if n == 0 || buf == nil {
		return nil, nil
	}
	return append([]byte(nil), unsafe.Slice((*byte)(buf), n)...), nil
}

// Insert runs query (an INSERT without FORMAT or data) with data in
// format as its input, e.g. Native. Data goes through the library's
// streaming insert, which takes binary input as is and does not copy the
// statement into a C string.
func (c *Conn) Insert(query, format string, data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return ErrClosed
	}
	stream := c.api.insertStream(*(*unsafe.Pointer)(c.conn), query, format)
	if stream == nil {
		return errors.New("chdb: could not start the insert")
	}
	defer c.api.destroyInsert(stream)
	if msg := c.api.insertError(stream); msg != "" {
		return errors.New(msg)
	}
	if len(data) > 0 {
		ok := c.api.insertAppend(stream, &data[0], uintptr(len(data))) == 0
		runtime.KeepAlive(data)
		if !ok {
			if msg := c.api.insertError(stream); msg != "" {
				return errors.New(msg)
			}
			return errors.New("chdb: the insert failed and gave no reason")
		}
	}
	res := c.api.insertDone(stream)
	if res == nil {
		return errors.New("chdb: the insert did not finish")
	}
	defer c.api.destroyResult(res)
	if msg := c.api.resultError(res); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// Close shuts the engine down; data stays on disk.
func (c *Conn) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.api.closeConn(c.conn)
		c.conn = nil
	}
}
