package store

// Topics (migrations 500-519; docs/topics.md). Every mentions row carries
// its terms (lemmas and phrases, internal/terms), the form of each to show,
// the extraction rules' version and its story (near-duplicate group). The
// daily term rollup, term_days, sums each term's rows per brand and UTC
// day: how many, how many positive and negative, their scores and reach.
// A materialized view on the mentions feeds it from the same insert, and
// Retract subtracts from it, as from the label rollups. Rows stored before
// migration 500 have no terms until `ewom reclassify` rewrites them; the
// rewrite's insert adds them to the rollup and the retraction of the old
// rows subtracts nothing.
func init() {
	registerMigrations(
		migration{version: 500, name: "terms and stories of mentions", stmts: func(s *common) []string {
			var defs []string
			for _, c := range mentionColumns[len(mentionColumns)-len(topicColumns):] {
				defs = append(defs, c.name+" "+s.caps.colType(c))
			}
			return s.addMentionColumns(defs...)
		}},
		migration{version: 501, name: "daily term rollup", stmts: func(s *common) []string {
			return append(s.createTable(termDays(s.caps)), s.createView("term_days_mv", "term_days", termDaysView(s.local("mentions"))))
		}},
		migration{version: 502, name: "daily term rollup grouped, from the term columns only", stmts: func(s *common) []string {
			// The view array-joined the inserted rows into a row per term
			// (~43 a mention). Grouping them in the view, as servers
			// without optimize_on_insert already did, costs less than the
			// summing engine's sort of them all: with the view an insert of
			// 10,000 rows cost chDB 26.7 1.0-1.6 CPU-s, grouped 0.8, without
			// it 0.4. Those older servers (18.16) hand a view the whole
			// inserted block, and its ARRAY JOIN copied every column of it
			// (text, raw, the words…) once per term: 4 CPU-s and 3.7 GB for
			// 30,000 rows instead of 1.2 and 0.26 GB. There a first view
			// keeps only the columns the rollup reads, into a Null table
			// (nothing stored), and term_days_mv array-joins that view's
			// blocks (18.16 pushes a view's blocks to the views reading
			// from it, not to those reading its table). A subquery in the
			// view does not help there: 18.16 replaces the view's whole
			// FROM with the block.
			//
			// An insert between the DROP and the CREATE (milliseconds; none
			// from this process, whose workers consume after migrating)
			// would not be counted in term_days: upgrade with the other
			// classifiers stopped (docs/scaling.md).
			drop := "DROP TABLE IF EXISTS " + s.Table("term_days_mv") + s.onCluster()
			if s.caps.optimizeOnInsert {
				return []string{drop, s.createView("term_days_mv", "term_days", termDaysView(s.local("mentions")))}
			}
			return []string{"CREATE TABLE IF NOT EXISTS " + s.local("term_rows") + s.onCluster() + " (" + termRowColumns + ") ENGINE = Null",
				s.createView("term_rows_mv", "term_rows", termRowsView(s.local("mentions"))),
				drop, s.createView("term_days_mv", "term_days", termDaysFromRows(s.Table("term_rows_mv")))}
		}},
	)
}

// addMentionColumns returns the statements adding columns (definitions) to
// the mentions table. Servers without IF NOT EXISTS here (18.16) cannot run
// them again if they stopped halfway; the error names the column that
// exists.
func (s *common) addMentionColumns(defs ...string) []string {
	add := "ADD COLUMN "
	if s.caps.addColumnIfNotExists {
		add += "IF NOT EXISTS "
	}
	actions := make([]string, len(defs))
	for i, d := range defs {
		actions[i] = add + d
	}
	return s.alterMentions(actions...)
}

// alterMentions returns the statements running each ALTER action on the
// mentions table, the Distributed table made again after them on a
// cluster.
func (s *common) alterMentions(actions ...string) []string {
	var stmts []string
	for _, a := range actions {
		stmts = append(stmts, s.alter("mentions", a))
	}
	if s.cluster != "" {
		// The Distributed table in front of the local ones is made again
		// with their columns: servers refuse ALTER ON CLUSTER of a table
		// that is not replicated on a replicated cluster. It holds no data
		// (inserts are synchronous).
		stmts = append(stmts, "DROP TABLE IF EXISTS "+s.Table("mentions")+s.onCluster())
		stmts = append(stmts, s.createTable(mentionsTable(s.caps, len(mentionColumns)))...)
	}
	return stmts
}

// topicColumns are the last columns of mentionColumns, added by migration 500.
var topicColumns = []string{"terms", "term_forms", "terms_version", "story"}

// termDays is the daily term rollup: a SummingMergeTree whose counters are
// signed, so that Retract can subtract. form is not summed: a merge keeps
// one of its rows' forms.
func termDays(caps capabilities) mergeTable {
	brand := "String"
	if caps.lowCardinality {
		brand = "LowCardinality(String)"
	}
	return mergeTable{name: "term_days",
		columns: "day Date, brand " + brand + ", term String, form String," +
			" mentions Int64, positive Int64, negative Int64, score_sum Float64, reach Int64",
		kind:    "SummingMergeTree",
		keys:    "PARTITION BY toYYYYMM(day) ORDER BY (brand, day, term)",
		shardBy: "rand()"}
}

// TermRows is the FROM clause of a mentions row per term: the rows of from
// with their terms array-joined (term, term_form; 18.16 refuses an ARRAY
// JOIN alias that is also the name of a result column).
func TermRows(from string) string {
	return " FROM " + from + " ARRAY JOIN terms AS term, arrayResize(term_forms, length(terms)) AS term_form"
}

// termDaysView is the query of term_days_mv reading the inserted mentions
// rows from, array-joined and grouped (since migration 502 on servers with
// optimize_on_insert; migration 501 created it on all and, on those
// servers, without the GROUP BY).
func termDaysView(from string) string {
	return "SELECT toDate(published_at) AS day, brand, term, any(term_form) AS form," + termSums + TermRows(from) +
		" GROUP BY day, brand, term"
}

// termSums are the counters of a grouped term_days query over rows with
// the mentions' sentiment, sentiment_score and author_followers.
const termSums = " toInt64(count()) AS mentions, toInt64(countIf(sentiment = 'positive')) AS positive," +
	" toInt64(countIf(sentiment = 'negative')) AS negative, sum(toFloat64(sentiment_score)) AS score_sum," +
	" toInt64(sum(author_followers)) AS reach"

// termRowColumns are the columns of the Null table term_rows (migration
// 502): of each inserted mentions row, what the term rollup reads, with
// as many forms as terms.
const termRowColumns = "day Date, brand String, sentiment String, sentiment_score Float32, author_followers UInt64," +
	" terms Array(String), term_forms Array(String)"

// termRowsView is the query of term_rows_mv: termRowColumns of the
// mentions rows from.
func termRowsView(from string) string {
	return "SELECT toDate(published_at) AS day, brand, sentiment, sentiment_score, author_followers, terms," +
		" arrayResize(term_forms, length(terms)) AS term_forms FROM " + from
}

// termDaysFromRows is the query of term_days_mv on servers without
// optimize_on_insert since migration 502: the rows of the view from
// (term_rows_mv) array-joined and grouped. The ARRAY JOIN has no aliases,
// so the arrays become their elements instead of being copied per term.
func termDaysFromRows(from string) string {
	return "SELECT day, brand, terms AS term, any(term_forms) AS form," + termSums +
		" FROM " + from + " ARRAY JOIN terms, term_forms GROUP BY day, brand, term"
}

// retractTerms is the statement subtracting the term rows of the mentions
// rows matching where from term_days.
func (c *common) retractTerms(where string) string {
	return "INSERT INTO " + c.Table("term_days") + " (day, brand, term, form, mentions, positive, negative, score_sum, reach)" +
		" SELECT toDate(published_at) AS day, brand, term, any(term_form), -toInt64(count()), -toInt64(countIf(sentiment = 'positive'))," +
		" -toInt64(countIf(sentiment = 'negative')), -sum(toFloat64(sentiment_score)), -toInt64(sum(author_followers))" +
		TermRows(c.Table("mentions")) + where + " GROUP BY day, brand, term"
}
