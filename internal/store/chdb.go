package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/ewom/ewom/internal/store/chdblib"
)

// chdbEngine runs the ClickHouse engine in-process through libchdb.
type chdbEngine struct {
	conn *chdblib.Conn
	// insertMu guards insertBuf, the encoding buffer kept across inserts
	// (a batch is megabytes; a sync.Pool would lose it at every GC). The
	// engine runs one statement at a time anyway.
	insertMu  sync.Mutex
	insertBuf []byte
	// lookupMu guards the id lookup's session table across its statements.
	lookupMu    sync.Mutex
	lookupReady bool
}

// openChdb loads libchdb (from libPath or the default places) and opens the
// engine with its data under dataDir/chdb.
func openChdb(libPath, dataDir string) (*chdbEngine, string, error) {
	path, err := chdblib.Load(libPath)
	if err != nil {
		return nil, "", fmt.Errorf("embedded ClickHouse (chDB): %w", err)
	}
	conn, err := chdblib.Open(filepath.Join(dataDir, "chdb"))
	if err != nil {
		return nil, "", fmt.Errorf("embedded ClickHouse (chDB, %s): %w", path, err)
	}
	return &chdbEngine{conn: conn}, path, nil
}

func (e *chdbEngine) exec(ctx context.Context, q string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := e.conn.Query(q, "TabSeparated")
	return err
}

// chdbOutputSettings make JSON output match the native engine's: ISO times,
// unquoted 64-bit integers.
const chdbOutputSettings = " SETTINGS date_time_output_format='iso', output_format_json_quote_64bit_integers=0"

func (e *chdbEngine) queryJSON(ctx context.Context, q string) ([]json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out, err := e.conn.Query(q+chdbOutputSettings, "JSONEachRow")
	if err != nil {
		return nil, err
	}
	var rows []json.RawMessage
	for line := range bytes.SplitSeq(out, []byte("\n")) {
		if len(line) > 0 {
			rows = append(rows, json.RawMessage(line))
		}
	}
	return rows, nil
}

func (e *chdbEngine) insertRows(ctx context.Context, table string, rows []Row) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	size := 0
	for i := range rows {
		size += rows[i].Size()
	}
	e.insertMu.Lock()
	defer e.insertMu.Unlock()
	// Grown at once to the batch's size: growing by doubling would copy
	// the megabytes several times.
	e.insertBuf = appendNativeBlock(slices.Grow(e.insertBuf[:0], size), rows)
	return e.conn.Insert("INSERT INTO "+table+" ("+columnNames()+") SETTINGS async_insert=0", "Native", e.insertBuf)
}

// existingIDs inserts the ids as a Native block into a temporary table,
// which lives in the engine's session only (no database holds it and a
// restart starts it empty), and selects the stored ones with lookupQuery.
// A literal of 5,000 ids costs the engine about 5 ms to parse; a lookup of
// 20,000 ids so costs 1.8 µs CPU per id against 0.65 µs this way.
func (e *chdbEngine) existingIDs(ctx context.Context, index string, ids []string, from, to time.Time) (map[string]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.lookupMu.Lock()
	defer e.lookupMu.Unlock()
	if !e.lookupReady {
		if err := e.exec(ctx, "CREATE TEMPORARY TABLE IF NOT EXISTS "+lookupTable+" (id String)"); err != nil {
			return nil, err
		}
		e.lookupReady = true
	}
	// Emptied first, so a call that failed half-way leaves nothing behind.
	if err := e.exec(ctx, "TRUNCATE TABLE "+lookupTable); err != nil {
		e.lookupReady = false
		return nil, err
	}
	block := binary.AppendUvarint(nil, 1)
	block = binary.AppendUvarint(block, uint64(len(ids)))
	block = appendNativeString(appendNativeString(block, "id"), "String")
	for _, id := range ids {
		block = appendNativeString(block, id)
	}
	if err := e.conn.Insert("INSERT INTO "+lookupTable+" (id)", "Native", block); err != nil {
		e.lookupReady = false
		return nil, err
	}
	// RowBinary: a found id is its length and bytes, nothing to unescape.
	out, err := e.conn.Query(lookupQuery(index, from, to), "RowBinary")
	if err != nil {
		return nil, err
	}
	found := make(map[string]bool)
	for len(out) > 0 {
		n, size := binary.Uvarint(out)
		if size <= 0 || uint64(len(out)-size) < n {
			return nil, fmt.Errorf("id lookup: malformed RowBinary output")
		}
		found[string(out[size:size+int(n)])] = true
		out = out[size+int(n):]
	}
	return found, nil
}

func (e *chdbEngine) ping(ctx context.Context) error {
	_, err := e.conn.Query("SELECT 1", "TabSeparated")
	return err
}

func (e *chdbEngine) version() (string, error) {
	out, err := e.conn.Query("SELECT version()", "TabSeparated")
	return string(bytes.TrimSpace(out)), err
}

func (e *chdbEngine) close() error {
	e.conn.Close()
	return nil
}
