package store

import "context"

// Search (migration 510; docs/query.md, "How it runs"). A mention's words,
// every distinct run of letters and digits of its lowercased title and
// text, as the search patterns' word boundaries delimit them: a word or
// prefix search tests them instead of matching the text, and a phrase or
// NEAR search matches the text of the rows that have its words only. The
// engine computes the column from the row as it is inserted: MATERIALIZED
// (no insert names it, SELECT * leaves it out), on a cluster DEFAULT, as
// the Distributed table computes it and sends it to the shards (18.16
// refuses a MATERIALIZED column it is sent). For rows stored before the
// migration the engine computes it from their text when read, so every row
// is found alike, the old ones at the old cost. Servers before 20.1 fail to
// compute it so when PREWHERE reads the text (seen on 18.16: "Unknown
// identifier: text"), so there the migration rewrites the stored rows with
// their words and waits for that.
//
// Migration 511 adds the same words as one text, words_text: each word
// between single spaces, with a space before the first and after the last.
// A word's forms are then one pattern over one string, and a prefix or a
// single form one substring search, where testing each word of the array
// with a function cost about three times as much (BenchmarkSearch,
// docs/query.md). The column was made from the words column; migration
// 512 makes it from the text itself and drops the words array, which
// nothing reads any more and which was the table's largest column (397 MB
// of 10M rows, against 120 MB of words_text).
//
// Migration 513 writes the words text in the order written, repeats kept,
// the title's words apart from the text's (" | " between): a phrase is
// then its words between spaces, one substring search, and a NEAR one
// pattern over the words, where both matched a pattern on the title and
// the text (a phrase cost a third as much over 10M rows: docs/query.md).
// A word is found as before. The stored rows are rewritten, as their
// stored words text is stale, on every engine.
func init() {
	registerMigrations(migration{version: 510, name: "words of mentions for search",
		stmts: func(s *common) []string { return s.addMentionColumns(wordsDefinition(s, wordsName, wordsExpr)) },
		then: func(ctx context.Context, s *common) error {
			return s.storeComputedColumn(ctx, "words", wordsExpr, computedOnRead)
		}},
		migration{version: 511, name: "words of mentions as one text for search",
			stmts: func(s *common) []string {
				return s.addMentionColumns(wordsDefinition(s, wordsTextName, wordsTextFromWords))
			},
			then: func(ctx context.Context, s *common) error {
				return s.storeComputedColumn(ctx, "words_text", wordsTextFromWords, materializedWherePossible)
			}},
		migration{version: 512, name: "words text of mentions from their text, without the words array",
			stmts: func(s *common) []string {
				drop := "DROP COLUMN "
				if s.caps.addColumnIfNotExists {
					drop += "IF EXISTS "
				}
				return s.alterMentions("MODIFY COLUMN "+wordsDefinition(s, wordsTextName, wordsTextDistinctExpr), drop+"words")
			}},
		migration{version: 513, name: "words text of mentions in the order written, title apart",
			stmts: func(s *common) []string {
				return s.alterMentions("MODIFY COLUMN " + wordsDefinition(s, wordsTextName, wordsTextExpr))
			},
			then: func(ctx context.Context, s *common) error {
				return s.storeComputedColumn(ctx, "words_text", wordsTextExpr, rewrittenEverywhere)
			}})
}

// columnStore says which stored rows a migration gives a computed column.
type columnStore int

const (
	// computedOnRead: where the engine computes the added column for the
	// rows stored before it (servers from 20.1), nothing is stored; other
	// servers rewrite the rows.
	computedOnRead columnStore = iota
	// materializedWherePossible: as computedOnRead, but servers that can
	// materialize a column (from 22.1) store it, so a search reads it
	// instead of computing it on every read (6 s for 10M rows with chDB).
	materializedWherePossible
	// rewrittenEverywhere: the column's stored values are stale (its
	// expression changed), so every engine stores it anew.
	rewrittenEverywhere
)

// wordsDefinition is the definition of a column computed from a row's
// title and text: MATERIALIZED on one server, DEFAULT on a cluster.
func wordsDefinition(s *common, name, expr string) string {
	if s.cluster != "" {
		return name + " DEFAULT " + expr
	}
	return name + " MATERIALIZED " + expr
}

// storeComputedColumn stores column (computed by expr) in the rows stored
// before, as how says. Servers before 20.1 fail to compute an added column
// when PREWHERE reads the text, so there the rows are always rewritten.
// MATERIALIZE COLUMN also recomputes stored values after the expression
// changed.
func (s *common) storeComputedColumn(ctx context.Context, column, expr string, how columnStore) error {
	if how != computedOnRead && s.caps.materializeColumn {
		return s.mutate(ctx, "mentions", "MATERIALIZE COLUMN "+column)
	}
	if how != rewrittenEverywhere && s.caps.computesAddedColumnsInPrewhere {
		return nil
	}
	if s.cluster != "" {
		return s.mutate(ctx, "mentions", "UPDATE "+column+" = "+expr+" WHERE 1")
	}
	return s.mutate(ctx, "mentions", WordsRewrite)
}

const (
	wordsName = "words Array(String)"
	// wordsExpr: lowerUTF8 and the word characters are those of the search
	// patterns (internal/query).
	wordsExpr = `arrayDistinct(extractAll(lowerUTF8(concat(title, ' ', text)), ` + wordPattern + `))`
)

const (
	wordsTextName = "words_text String"
	// wordsTextFromWords was words_text's expression from migration 511
	// to 512, wordsTextDistinctExpr from 512 to 513.
	wordsTextFromWords    = `concat(' ', arrayStringConcat(words, ' '), ' ')`
	wordsTextDistinctExpr = `concat(' ', arrayStringConcat(` + wordsExpr + `, ' '), ' ')`
	// wordsTextExpr: " <title's words> | <text's words> ", each word
	// between single spaces; "|" is never a word, so no phrase spans the
	// two.
	wordsTextExpr = `concat(' ', arrayStringConcat(extractAll(lowerUTF8(title), ` + wordPattern + `), ' '), ' | ',` +
		` arrayStringConcat(extractAll(lowerUTF8(text), ` + wordPattern + `), ' '), ' ')`
	wordPattern = `'[\\p{L}\\p{N}]+'`
)

// WordsTextColumn is the words text's definition on one server.
const WordsTextColumn = wordsTextName + " MATERIALIZED " + wordsTextExpr

// WordsRewrite is the mutation that stores the words of the rows stored
// before their column was added, on servers before 20.1: setting the title
// to itself recomputes the columns made from it (a MATERIALIZED column
// cannot be set; OPTIMIZE … FINAL would do, but 18.16 refuses it on
// replicated tables).
const WordsRewrite = "UPDATE title = title WHERE 1"
