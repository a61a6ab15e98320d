package store

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/ewom/ewom/internal/mention"
)

// The author table, author_days: per UTC day and author (a hash of the
// handle), the figures the dashboards' per-author views need — rows,
// negative rows, posts, negative posts, the first and last (time, stage),
// the day's stage sequence, the largest follower count and when it was
// first seen — for one brand's rows (all_brands = 0) and for every brand's
// together (all_brands = 1). A month of one brand's author figures is then
// a third as many rows of a few numbers each, where the mentions table has
// a row per mention with the handle as a string.
//
// First and last stages and the order of stages cannot be subtracted, nor
// summed from parts written by different inserts (an author's mentions of
// a day arrive in many batches, interleaved in time), so a day's rows are
// not maintained on insert: they are built from the day's mentions at once
// (BuildAuthorDays), each build under a version of its own, and read only
// while the day is unchanged since. That is decided from mention_days, a
// tally per day of the mention rows with an author (their number and a sum
// of a hash of each row's id, brand and version) that a materialized view
// adds every insert to and Retract subtracts from, as it does for the
// rollups: a build records the tally of the rows it read
// (author_day_builds), and a day whose current tally differs — a mention
// stored, reclassified or erased since — is read from the mentions rows
// until it is built again. Readers thus never see a stale figure, whatever
// writes or background merges happen. Retract also deletes the author
// table's rows of the authors and days it removes rows from, so that an
// erased author leaves nothing behind in older builds.
//
// Builds are versioned instead of replacing a day's rows in place: a
// reader finds the rows of the build it was told to read however builds
// and merges interleave; the builds a newer recorded one superseded are
// deleted once a day (PruneAuthorDays). On a cluster a build reads the day through the Distributed
// mentions table (an author's mentions are on every shard: mentions are
// sharded by id) and its rows are sharded by author.
func init() {
	registerMigrations(migration{version: 7, name: "author table", stmts: func(s *common) []string {
		stmts := s.createTable(mergeTable{name: "mention_days", columns: "day Date, rows Int64, checksum Int64",
			kind: "SummingMergeTree", keys: "PARTITION BY toYYYYMM(day) ORDER BY day", shardBy: "rand()"})
		stmts = append(stmts, s.createTable(authorDaysTable(s.caps))...)
		// A build of a day in a scope: the tally of the rows it read, whether
		// it may be read (usable: the day's tally was the same when it was
		// done) and the tally it saw then.
		stmts = append(stmts, s.createTable(mergeTable{name: "author_day_builds",
			columns: "day Date, all_brands UInt8, definition UInt64, build UInt64, rows Int64, checksum Int64, usable UInt8," +
				" seen_rows Int64, seen_checksum Int64, built_at DateTime('UTC')",
			kind: "ReplacingMergeTree", args: "build", keys: "PARTITION BY toYYYYMM(day) ORDER BY (day, all_brands, definition)",
			// A day's builds together, where the newest replaces the others.
			shardBy: "toUInt32(day)"})...)
		view := "SELECT toDate(published_at) AS day, toInt64(1) AS rows, " + rowHash + " AS checksum FROM " + s.local("mentions") +
			" WHERE author_handle != ''"
		if !s.caps.optimizeOnInsert {
			view = "SELECT toDate(published_at) AS day, toInt64(count()) AS rows, sum(" + rowHash + ") AS checksum FROM " +
				s.local("mentions") + " WHERE author_handle != '' GROUP BY day"
		}
		// The tallies of rows stored before the view existed are added
		// after it, from the mentions. A row inserted between the two is
		// counted twice; its day is then reconciled as after a merge that
		// removed a duplicate (BuildAuthorDays).
		return append(stmts, s.createView("mention_days_mv", "mention_days", view),
			"INSERT INTO "+s.Table("mention_days")+" (day, rows, checksum) SELECT toDate(published_at) AS day, toInt64(count()),"+
				" sum("+rowHash+") FROM "+s.Table("mentions")+" WHERE author_handle != '' GROUP BY day")
	}})
}

// rowHash is the hash of a mentions row that mention_days sums per day and
// a build per author: a row of another version, brand or mention changes
// the sum.
const rowHash = "toInt64(cityHash64(mention_id, brand, version))"

func authorDaysTable(caps capabilities) mergeTable {
	cols := []string{"all_brands UInt8", "brand " + caps.colType(column{typ: "String", low: true}), "day Date", "author UInt64", "build UInt64"}
	for _, m := range authorMeasures {
		cols = append(cols, m.name+" "+m.typ)
	}
	return mergeTable{name: "author_days", columns: strings.Join(cols, ", "), kind: "MergeTree",
		keys:    "PARTITION BY toYYYYMM(day) ORDER BY (all_brands, brand, day, author)",
		shardBy: "author"}
}

// AuthorDayStages is how many stages of an author's day the author table
// keeps: the first ones of the day's stage sequence. That is enough for
// journey flows of up to AuthorDayStages−1 steps (CollapsedStages).
const AuthorDayStages = 8

// StageCodes is the journey stages as a SQL array: a stage's code is its
// 1-based position there (indexOf), 0 for a value not in it.
var StageCodes = "[" + strings.Trim(QuoteList(mention.JourneyStages), "()") + "]"

// stageKey orders an author's rows: the second of publication times 256
// plus the journey stage's code, so rows of the same second come in stage
// order.
var stageKey = "toUInt64(toUInt32(published_at)) * 256 + indexOf(" + StageCodes + ", journey_stage)"

// CollapsedStages is the SQL expression for the first keep elements of
// codes, an Array(UInt8) of stage codes in time order, with consecutive
// repeats collapsed. Each code is compared with its predecessor through
// the array shifted by one (a lambda indexing the captured array copies it
// for every element); a leading 0 is dropped as a repeat.
func CollapsedStages(codes string, keep int) string {
	return "arraySlice(arrayFilter((x, prev) -> x != prev, " + codes + ", arraySlice(arrayPushFront(" + codes + ", toUInt8(0)), 1, length(" +
		codes + "))), 1, " + strconv.Itoa(keep) + ")"
}

// authorMeasure is a column of the author table: agg computes it from an
// author's mentions rows of a day, or, with final set, computes an
// intermediate value (named name + "_agg") that final turns into it.
type authorMeasure struct {
	name, typ, agg string
	final          func(agg string) string
}

var negative = Quote(mention.Negative)

// authorMeasures are the author table's figures. first_key and last_key
// are the smallest and largest stageKey (the time and stage of the first
// and last row), stages the stage codes of the day's rows in stageKey
// order without "none", repeats collapsed, the first AuthorDayStages of
// them; reach_at is when the largest follower count (reach) was first seen.
var authorMeasures = []authorMeasure{
	{name: "rows", typ: "UInt64", agg: "count()"},
	{name: "checksum", typ: "Int64", agg: "sum(" + rowHash + ")"},
	{name: "negative_rows", typ: "UInt64", agg: "countIf(sentiment = " + negative + ")"},
	{name: "posts", typ: "UInt64", agg: "uniqExact(mention_id)"},
	{name: "negative_posts", typ: "UInt64", agg: "uniqExactIf(mention_id, sentiment = " + negative + ")"},
	{name: "first_key", typ: "UInt64", agg: "min(" + stageKey + ")"},
	{name: "last_key", typ: "UInt64", agg: "max(" + stageKey + ")"},
	{name: "stages", typ: "Array(UInt8)",
		agg:   "arrayMap(x -> toUInt8(x % 256), arraySort(groupArrayIf(" + stageKey + ", journey_stage != 'none')))",
		final: func(agg string) string { return CollapsedStages(agg, AuthorDayStages) }},
	{name: "reach", typ: "UInt64", agg: "max(author_followers)"},
	{name: "reach_at", typ: "DateTime('UTC')", agg: "argMin(published_at, (-toInt64(author_followers), published_at))"},
}

// authorDefinition identifies the measures' definitions: a build made by
// other definitions (an older ewom) is never read.
var authorDefinition = func() uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, AuthorDayStages, StageCodes, rowHash)
	for _, m := range authorMeasures {
		fmt.Fprint(h, "\x00", m.name, m.typ, m.agg)
		if m.final != nil {
			fmt.Fprint(h, m.final(m.name))
		}
	}
	return h.Sum64()
}()

// measures returns the measures named, in the order named.
func measures(names []string) ([]authorMeasure, error) {
	out := make([]authorMeasure, 0, len(names))
	for _, n := range names {
		i := -1
		for j, m := range authorMeasures {
			if m.name == n {
				i = j
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("store: no author measure %q", n)
		}
		out = append(out, authorMeasures[i])
	}
	return out, nil
}

// authorDaySelect returns a query of ms per day and author (and brand,
// with byBrand) over the mentions rows matching where (conditions joined
// by AND), rows without an author left out. Columns: [brand,] day, author,
// then ms by name.
func (c *common) authorDaySelect(where string, byBrand bool, ms []authorMeasure) string {
	keys := "day, author"
	if byBrand {
		keys = "brand, day, author"
	}
	inner, outer := []string{"toDate(published_at) AS day", "cityHash64(author_handle) AS author"}, []string{"day", "author"}
	if byBrand {
		inner, outer = append([]string{"brand"}, inner...), append([]string{"brand"}, outer...)
	}
	for _, m := range ms {
		if m.final == nil {
			inner = append(inner, m.agg+" AS "+m.name)
			outer = append(outer, m.name)
			continue
		}
		inner = append(inner, m.agg+" AS "+m.name+"_agg")
		outer = append(outer, m.final(m.name+"_agg")+" AS "+m.name)
	}
	return "SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(inner, ", ") + " FROM " + c.Table("mentions") +
		" WHERE " + where + " AND author_handle != '' GROUP BY " + keys + ")"
}
