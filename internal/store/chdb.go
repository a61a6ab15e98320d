package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"time"

	"github.com/ewom/ewom/internal/store/chdblib"
)

// chdbEngine runs the ClickHouse engine in-process through libchdb.
type chdbEngine struct {
	conn *chdblib.Conn
	// buffers keeps insert encoding buffers (a batch is megabytes) for reuse.
	buffers sync.Pool
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
	bp, _ := e.buffers.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer e.buffers.Put(bp)
	buf := (*bp)[:0]
	for i := range rows {
		buf = appendRowBinary(buf, &rows[i])
	}
	*bp = buf
	// RowBinary costs the engine far less to parse than a text format.
	return e.conn.Insert("INSERT INTO "+table+" ("+columnNames()+") SETTINGS async_insert=0", "RowBinary", buf)
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

// appendRowBinary encodes a row in ClickHouse's RowBinary format without
// reflection: inserts are the pipeline's hot path.
func appendRowBinary(buf []byte, r *Row) []byte {
	for _, c := range mentionColumns {
		switch v := c.value(r).(type) {
		case string:
			buf = appendBinaryString(buf, v)
		case uint64:
			buf = binary.LittleEndian.AppendUint64(buf, v)
		case uint8:
			buf = append(buf, v)
		case float32:
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		case *float32:
			if v == nil {
				buf = append(buf, 1)
			} else {
				buf = binary.LittleEndian.AppendUint32(append(buf, 0), math.Float32bits(*v))
			}
		case time.Time:
			// DateTime is seconds since the epoch in a UInt32.
			buf = binary.LittleEndian.AppendUint32(buf, uint32(min(max(v.Unix(), 0), math.MaxUint32)))
		case []string:
			buf = binary.AppendUvarint(buf, uint64(len(v)))
			for _, s := range v {
				buf = appendBinaryString(buf, s)
			}
		default:
			panic(fmt.Sprintf("store: column %s has unsupported Go type %T", c.name, v))
		}
	}
	return buf
}

func appendBinaryString(buf []byte, s string) []byte {
	return append(binary.AppendUvarint(buf, uint64(len(s))), s...)
}
