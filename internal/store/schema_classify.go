package store

// Classifier tables (versions 400-499): deployment models learned from
// label corrections (`ewom learn`, internal/learn).
func init() {
	registerMigrations(migration{version: 400, name: "classifier models", stmts: func(s *common) []string {
		// One row per model state change; the newest version per
		// model_version is current. The active model is the one whose
		// current row has active = 1 and the highest version: activating
		// writes a newer row, a rollback writes active = 0 for the active
		// one, so the one activated before it is active again. A small
		// table every server holds in full (not sharded).
		return s.createTable(mergeTable{name: "classifier_models", columns: "model_version String, base_version String," +
			" created_at DateTime('UTC'), model String, metrics String, examples UInt32, active UInt8," +
			" changed_at DateTime('UTC'), changed_by String, version UInt64",
			kind: "ReplacingMergeTree", args: "version", keys: "ORDER BY model_version"})
	}})
}
