package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// nativeEngine talks to a ClickHouse server over the native protocol.
type nativeEngine struct {
	conn driver.Conn
	caps capabilities
}

// openNative connects to the server named by dsn (clickhouse://user:pass@host:9000/db)
// and returns the database the tables live in. distributed makes inserts into
// Distributed tables synchronous: they return once every shard has the rows,
// as Insert promises (and the next duplicate check relies on).
func openNative(ctx context.Context, dsn string, distributed bool) (*nativeEngine, string, error) {
	opts, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, "", fmt.Errorf("store.dsn: %w", err)
	}
	db := opts.Auth.Database
	if db == "" || db == "default" {
		db = "ewom"
	}
	// Connect to the always-present database: ours may not exist before migrate.
	opts.Auth.Database = "default"
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 5 * time.Second
	}
	opts.MaxOpenConns = max(opts.MaxOpenConns, 8)
	if distributed {
		if opts.Settings == nil {
			opts.Settings = clickhouse.Settings{}
		}
		opts.Settings["insert_distributed_sync"] = 1
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, "", fmt.Errorf("connect to ClickHouse %v: %w", opts.Addr, err)
	}
	return &nativeEngine{conn: conn}, db, nil
}

func (e *nativeEngine) exec(ctx context.Context, q string) error {
	return e.conn.Exec(ctx, q)
}

func (e *nativeEngine) queryJSON(ctx context.Context, q string) ([]json.RawMessage, error) {
	rows, err := e.conn.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	// Each column's JSON key, encoded once for all rows.
	keys := make([][]byte, len(types))
	for i, name := range rows.Columns() {
		if keys[i], err = json.Marshal(name); err != nil {
			return nil, err
		}
	}
	var out []json.RawMessage
	for rows.Next() {
		dest := make([]any, len(types))
		for i, t := range types {
			dest[i] = reflect.New(t.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		obj := make([]byte, 0, 64*len(keys))
		obj = append(obj, '{')
		for i, key := range keys {
			if i > 0 {
				obj = append(obj, ',')
			}
			obj = append(append(obj, key...), ':')
			v, err := json.Marshal(reflect.ValueOf(dest[i]).Elem().Interface())
			if err != nil {
				return nil, fmt.Errorf("encode column %s: %w", key, err)
			}
			obj = append(obj, v...)
		}
		out = append(out, append(obj, '}'))
	}
	return out, rows.Err()
}

func (e *nativeEngine) insertRows(ctx context.Context, table string, rows []Row) error {
	if e.caps.asyncInsert {
		// Current servers default to asynchronous inserts; we ack only after a real commit.
		ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"async_insert": 0}))
	}
	// Name the columns: 18.16 rejects a batch insert without a column list.
	batch, err := e.conn.PrepareBatch(ctx, "INSERT INTO "+table+" ("+columnNames()+")")
	if err != nil {
		return err
	}
	vals := make([]any, len(mentionColumns))
	for i := range rows {
		for j, c := range mentionColumns {
			vals[j] = c.value(&rows[i])
		}
		if err := batch.Append(vals...); err != nil {
			_ = batch.Abort()
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	return batch.Send()
}

// existingIDs sends the ids as external data, a Native block beside the
// query that the server holds as a temporary table for it (and forwards to
// the shards of a Distributed table): no literal to parse and no query
// size limit, whatever bytes the ids hold.
func (e *nativeEngine) existingIDs(ctx context.Context, index string, ids []string, from, to time.Time) (map[string]bool, error) {
	tbl, err := ext.NewTable(lookupTable, ext.Column("id", "String"))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if err := tbl.Append(id); err != nil {
			return nil, err
		}
	}
	rows, err := e.conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(tbl)), lookupQuery(index, from, to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[string]bool)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	return found, rows.Err()
}

func (e *nativeEngine) ping(ctx context.Context) error { return e.conn.Ping(ctx) }

func (e *nativeEngine) version(ctx context.Context) (string, error) {
	v, err := e.conn.ServerVersion()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d.%d.%d", v.Version.Major, v.Version.Minor, v.Version.Patch), nil
}

func (e *nativeEngine) close() error { return e.conn.Close() }
