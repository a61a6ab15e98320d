package store

// Saved queries (versions 520-539; 500-599 topics and queries).
func init() {
	registerMigrations(migration{version: 520, name: "saved queries", stmts: func(s *common) []string {
		// One row per change of a saved search (internal/web, saved.go): a
		// query in the search language and the filters it was saved with,
		// owned by a user or shared with everyone. The newest version per id
		// is current; a deletion is a row with deleted = 1. A small table
		// every server holds in full (not sharded).
		return s.createTable(mergeTable{name: "saved_queries", columns: "id String, name String, owner String, shared UInt8," +
			" query String, filters String, created_at DateTime('UTC'), updated_at DateTime('UTC'), deleted UInt8, version UInt64",
			kind: "ReplacingMergeTree", args: "version", keys: "ORDER BY id"})
	}})
}

// The SQL of saved queries (version 530): each saved query's condition on
// the mentions table's columns, compiled by ewom from its search and
// filters, so that Grafana's dashboards, which query ClickHouse directly,
// can apply a saved search (docs/query.md, "Grafana"). The newest version
// per id is current; the web role writes one with every change of a saved
// query and again when its compiler's output changes.
func init() {
	registerMigrations(migration{version: 530, name: "saved queries' SQL", stmts: func(s *common) []string {
		return s.createTable(mergeTable{name: "saved_query_sql", columns: "id String, condition String, version UInt64",
			kind: "ReplacingMergeTree", args: "version", keys: "ORDER BY id"})
	}})
}
