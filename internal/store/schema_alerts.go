package store

// Alerting tables (versions 100-199): the spike detector's alert lifecycle.
func init() {
	registerMigrations(migration{version: 100, name: "alerts table", stmts: func(s *common) []string {
		// One row per alert state change; the highest version is current.
		// resolved_at and notified_at are the epoch while unset.
		return s.createTable(mergeTable{name: "alerts", columns: "id String, fingerprint String, kind String, brand String, segment_kind String, segment_value String," +
			" state String, severity String, started_at DateTime('UTC'), fired_at DateTime('UTC')," +
			" updated_at DateTime('UTC'), resolved_at DateTime('UTC'), notified_at DateTime('UTC')," +
			" window String, observed Float64, expected Float64, ratio Float64, p_value Float64, score Float64," +
			" method String, baseline String, share Float64, expected_share Float64, share_p_value Float64," +
			" explanation String, version UInt64",
			kind: "ReplacingMergeTree", args: "version", keys: "PARTITION BY toYYYYMM(fired_at) ORDER BY (fired_at, id)",
			// All versions of an alert on one shard, where FINAL collapses them.
			shardBy: "cityHash64(id)"})
	}}, migration{version: 101, name: "alert actions", stmts: func(s *common) []string {
		// The alert workflow's audit trail: one row per action taken on an
		// alert (acknowledge, assign, comment, snooze, resolve), by whom and
		// when; never updated. An alert's workflow state is read from its
		// rows in order of version. until is the epoch unless snoozed.
		return s.createTable(mergeTable{name: "alert_actions", columns: "alert_id String, action String, actor String," +
			" at DateTime('UTC'), assignee String, comment String, until DateTime('UTC'), version UInt64",
			kind: "MergeTree", keys: "ORDER BY (alert_id, version)",
			// With the alert's rows.
			shardBy: "cityHash64(alert_id)"})
	}})
}
