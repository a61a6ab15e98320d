package store

// Digest tables (dashboards area, versions 220-239).
func init() {
	registerMigrations(migration{version: 220, name: "digest sends", stmts: func(s *common) []string {
		// One row per step of sending a digest for a period: a process
		// claims a round ("claimed"), then records "sent" or "failed". The
		// earliest claim of a round, by the server's clock at insert, wins
		// (internal/digest, "Exactly once").
		return s.createTable(mergeTable{name: "digest_sends", columns: "digest String, period_start DateTime('UTC'), period_end DateTime('UTC')," +
			" round UInt32, state String, claim String, recipients UInt32, detail String, at DateTime('UTC')",
			kind: "MergeTree", keys: "ORDER BY (digest, period_start, round, at)", shardBy: "cityHash64(digest)"})
	}})
}
