package store

import (
	"strings"
)

// Cluster mode (store.cluster). Every schema file builds its DDL through the
// helpers below, so a migration is written once and comes out either as
// plain tables on one server or, on a cluster:
//
//   - every statement ON CLUSTER;
//   - each MergeTree-family table as <name>_local with the Replicated
//     engine (ZooKeeper path per shard, replica from the {replica} macro),
//     plus a Distributed table under the original name, so that every query
//     of the codebase reads and writes through it unchanged;
//   - materialized views reading and writing the local tables, so rollups and
//     the id index are computed per shard from the rows the shard stores.
//
// Sharding: mentions, mention_ids, alerts and label_corrections are sharded
// by the hash of the mention (or alert) id. All rows of one mention (one per
// brand, and every later version from a reclassification) then live on one
// shard, where ReplacingMergeTree collapses the versions and FINAL (applied
// per shard by a Distributed table) sees them together; its id-index row is
// written by the view on the same shard's insert. Retract's version-bounded
// DELETE and its rollup subtraction read the same rows the dedup did. The
// rollup is only ever summed, so its rows (and the negative rows Retract
// adds) may land on any shard: it is sharded at random.

// local names the table that stores the rows: <name>_local on a cluster
// (the Replicated table behind the Distributed one), else the table itself.
// ALTERs, materialized views and system-table lookups use it.
func (c *common) local(name string) string {
	if c.cluster == "" {
		return c.Table(name)
	}
	return c.Table(name + "_local")
}

// localName is local without the database, as system tables list it.
func (c *common) localName(name string) string {
	return strings.TrimPrefix(c.local(name), "`"+c.db+"`.")
}

// onCluster is the ON CLUSTER clause of every DDL statement ("" on one server).
func (c *common) onCluster() string {
	if c.cluster == "" {
		return ""
	}
	return " ON CLUSTER `" + c.cluster + "`"
}

// mergeTable describes a MergeTree-family table for createTable.
type mergeTable struct {
	name    string // unqualified
	columns string // column list, without parentheses
	kind    string // MergeTree, ReplacingMergeTree, SummingMergeTree…
	args    string // engine arguments after the replication ones, e.g. "version"
	keys    string // PARTITION BY … ORDER BY …
	// shardBy is the Distributed table's sharding key. Empty means the table
	// is not sharded: on a cluster every node holds a full replica of it
	// (schema_migrations), so it needs no Distributed table.
	shardBy string
}

// createTable returns the statements creating t: the table itself on one
// server; on a cluster the Replicated local table and the Distributed table
// in front of it (or, for an unsharded table, one table replicated to all).
func (c *common) createTable(t mergeTable) []string {
	create := func(name, body string) string {
		return "CREATE TABLE IF NOT EXISTS " + c.Table(name) + c.onCluster() + " " + body
	}
	engine := func(kind, args string) string {
		if args == "" {
			return kind
		}
		return kind + "(" + args + ")"
	}
	if c.cluster == "" {
		return []string{create(t.name, "("+t.columns+") ENGINE = "+engine(t.kind, t.args)+" "+t.keys)}
	}
	// One ZooKeeper path per shard and table; the {shard} and {replica}
	// macros come from each server's <macros>. An unsharded table has one
	// path for the whole cluster and every server is a replica of it.
	path, replica := "/clickhouse/tables/{shard}/"+c.db+"/"+t.name, "{replica}"
	name := t.name + "_local"
	if t.shardBy == "" {
		path, replica, name = "/clickhouse/tables/"+c.db+"/"+t.name, "{shard}-{replica}", t.name
	}
	args := Quote(path) + ", " + Quote(replica)
	if t.args != "" {
		args += ", " + t.args
	}
	stmts := []string{create(name, "("+t.columns+") ENGINE = "+engine("Replicated"+t.kind, args)+" "+t.keys)}
	if t.shardBy != "" {
		stmts = append(stmts, create(t.name, "AS "+c.Table(name)+" ENGINE = Distributed("+
			Quote(c.cluster)+", "+Quote(c.db)+", "+Quote(name)+", "+t.shardBy+")"))
	}
	return stmts
}

// createView returns the statement creating materialized view name, which
// feeds table to with query. The query must read c.local tables: on a
// cluster the view fires on each shard's local inserts.
func (c *common) createView(name, to, query string) string {
	return "CREATE MATERIALIZED VIEW IF NOT EXISTS " + c.Table(name) + c.onCluster() + " TO " + c.local(to) + " AS " + query
}

// alter returns ALTER TABLE for the table storing name's rows (on every
// shard of a cluster) with action, e.g. "DELETE WHERE …" or "MODIFY TTL …".
func (c *common) alter(name, action string) string {
	return "ALTER TABLE " + c.local(name) + c.onCluster() + " " + action
}

// system names a system table covering every server the store's tables
// live on: on a cluster every replica (clusterAllReplicas, 20.1+) or, on
// older servers, one replica per shard (cluster).
func (c *common) system(table string) string {
	switch {
	case c.cluster == "":
		return "system." + table
	case c.caps.clusterAllReplicas:
		return "clusterAllReplicas(" + Quote(c.cluster) + ", system, " + table + ")"
	default:
		return "cluster(" + Quote(c.cluster) + ", system, " + table + ")"
	}
}
