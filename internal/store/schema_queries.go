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
