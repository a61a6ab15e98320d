package store

import (
	"context"
	"fmt"
	"regexp"

	"github.com/ewom/ewom/internal/config"
)

var validDatabase = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Open connects to the store the config names: a ClickHouse server (or
// cluster, with store.cluster) when store.dsn is set, else embedded chDB
// under dataDir. It does not migrate.
func Open(ctx context.Context, cfg config.Store, dataDir string) (Store, error) {
	if cfg.DSN != "" {
		return OpenCluster(ctx, cfg.DSN, cfg.Cluster)
	}
	if cfg.Cluster != "" {
		return nil, fmt.Errorf("store.cluster %q needs a ClickHouse server: set store.dsn (the embedded engine is a single node)", cfg.Cluster)
	}
	return OpenEmbedded(cfg.ChdbLib, dataDir, "ewom")
}

// OpenServer connects to a ClickHouse server over the native protocol.
func OpenServer(ctx context.Context, dsn string) (Store, error) {
	return OpenCluster(ctx, dsn, "")
}

// OpenCluster connects to a server of ClickHouse cluster cluster (a name in
// its <remote_servers>), whose tables are Replicated and Distributed (see
// cluster.go); "" is a single server, as OpenServer.
func OpenCluster(ctx context.Context, dsn, cluster string) (Store, error) {
	e, db, err := openNative(ctx, dsn, cluster != "")
	if err != nil {
		return nil, err
	}
	if !validDatabase.MatchString(db) {
		e.close()
		return nil, fmt.Errorf("store.dsn: database name %q must be letters, digits and _", db)
	}
	ver, err := e.version(ctx)
	if err != nil {
		e.close()
		return nil, fmt.Errorf("ClickHouse server at %s is not answering: %w (is it running? check store.dsn)", config.RedactDSN(dsn), err)
	}
	caps, err := detectCapabilities(ver)
	if err != nil {
		e.close()
		return nil, err
	}
	e.caps = caps
	return &common{engine: e, db: db, cluster: cluster, caps: caps, info: Info{Engine: "clickhouse", Version: ver, Database: db}}, nil
}

// OpenEmbedded opens chDB with its data under dataDir, keeping tables in
// database db. A process can hold one embedded engine at a time.
func OpenEmbedded(libPath, dataDir, db string) (Store, error) {
	if !validDatabase.MatchString(db) {
		return nil, fmt.Errorf("database name %q must be letters, digits and _", db)
	}
	e, _, err := openChdb(libPath, dataDir)
	if err != nil {
		return nil, err
	}
	ver, err := e.version()
	if err != nil {
		e.close()
		return nil, fmt.Errorf("chDB version: %w", err)
	}
	caps, err := detectCapabilities(ver)
	if err != nil {
		e.close()
		return nil, err
	}
	return &common{engine: e, db: db, caps: caps, info: Info{Engine: "chdb", Version: ver, Database: db}}, nil
}

// sharedEngine lets several stores use one engine; closing a view leaves it open.
type sharedEngine struct{ engine }

func (sharedEngine) close() error { return nil }

// InDatabase returns a view of s keeping its tables in database db; closing
// the view leaves s open. Tests use it to isolate themselves on the single
// embedded engine a process can hold.
func InDatabase(s Store, db string) (Store, error) {
	c, ok := s.(*common)
	if !ok {
		return nil, fmt.Errorf("store: InDatabase needs a store from this package, got %T", s)
	}
	if !validDatabase.MatchString(db) {
		return nil, fmt.Errorf("database name %q must be letters, digits and _", db)
	}
	info := c.info
	info.Database = db
	e := c.engine
	if _, shared := e.(sharedEngine); !shared {
		e = sharedEngine{e} // a view of a view shares the same engine
	}
	return &common{engine: e, db: db, cluster: c.cluster, caps: c.caps, info: info}, nil
}
