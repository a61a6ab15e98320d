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
			return append(s.createTable(termDays(s.caps)), s.createView("term_days_mv", "term_days", termDaysView(s.local("mentions"), s.caps)))
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
	var stmts []string
	for _, d := range defs {
		stmts = append(stmts, s.alter("mentions", add+d))
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

// termDaysView is the query of term_days_mv. Engines that sum each inserted
// block by key (optimize_on_insert) need no GROUP BY.
func termDaysView(from string, caps capabilities) string {
	if caps.optimizeOnInsert {
		return "SELECT toDate(published_at) AS day, brand, term, term_form AS form, toInt64(1) AS mentions," +
			" toInt64(sentiment = 'positive') AS positive, toInt64(sentiment = 'negative') AS negative," +
			" toFloat64(sentiment_score) AS score_sum, toInt64(author_followers) AS reach" + TermRows(from)
	}
	return "SELECT toDate(published_at) AS day, brand, term, any(term_form) AS form, toInt64(count()) AS mentions," +
		" toInt64(countIf(sentiment = 'positive')) AS positive, toInt64(countIf(sentiment = 'negative')) AS negative," +
		" sum(toFloat64(sentiment_score)) AS score_sum, toInt64(sum(author_followers)) AS reach" + TermRows(from) +
		" GROUP BY day, brand, term"
}

// retractTerms is the statement subtracting the term rows of the mentions
// rows matching where from term_days.
func (c *common) retractTerms(where string) string {
	return "INSERT INTO " + c.Table("term_days") + " (day, brand, term, form, mentions, positive, negative, score_sum, reach)" +
		" SELECT toDate(published_at) AS day, brand, term, any(term_form), -toInt64(count()), -toInt64(countIf(sentiment = 'positive'))," +
		" -toInt64(countIf(sentiment = 'negative')), -sum(toFloat64(sentiment_score)), -toInt64(sum(author_followers))" +
		TermRows(c.Table("mentions")) + where + " GROUP BY day, brand, term"
}
