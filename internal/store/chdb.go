package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"

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
