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
func init() {
	registerMigrations(migration{version: 510, name: "words of mentions for search",
		stmts: func(s *common) []string { return s.addMentionColumns(wordsDefinition(s, wordsName, wordsExpr)) },
		then: func(ctx context.Context, s *common) error {
			return s.storeComputedColumn(ctx, "words", wordsExpr, false)
		}},
		migration{version: 511, name: "words of mentions as one text for search",
			stmts: func(s *common) []string {
				return s.addMentionColumns(wordsDefinition(s, wordsTextName, wordsTextFromWords))
			},
			then: func(ctx context.Context, s *common) error {
				return s.storeComputedColumn(ctx, "words_text", wordsTextFromWords, true)
			}},
		migration{version: 512, name: "words text of mentions from their text, without the words array",
			stmts: func(s *common) []string {
				drop := "DROP COLUMN "
				if s.caps.addColumnIfNotExists {
					drop += "IF EXISTS "
				}
				return s.alterMentions("MODIFY COLUMN "+wordsDefinition(s, wordsTextName, wordsTextExpr), drop+"words")
			}})
}

// wordsDefinition is the definition of a column computed from a row's
// title and text: MATERIALIZED on one server, DEFAULT on a cluster.
func wordsDefinition(s *common, name, expr string) string {
	if s.cluster != "" {
		return name + " DEFAULT " + expr
	}
	return name + " MATERIALIZED " + expr
}

// storeComputedColumn stores column (computed by expr) in the rows stored
// before it was added where the engine could not compute it for them:
// servers that cannot compute it when PREWHERE reads the text rewrite the
// rows; the others compute it when they read such a row. With materialize,
// servers that can materialize a column do so (a search then reads it
// instead of computing it on every read: 6 s for 10M rows with chDB); the
// words array (migration 510) is not, as migration 512 drops it.
func (s *common) storeComputedColumn(ctx context.Context, column, expr string, materialize bool) error {
	if materialize && s.caps.materializeColumn {
		return s.mutate(ctx, "mentions", "MATERIALIZE COLUMN "+column)
	}
	if s.caps.computesAddedColumnsInPrewhere {
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
	wordsExpr = `arrayDistinct(extractAll(lowerUTF8(concat(title, ' ', text)), '[\\p{L}\\p{N}]+'))`
)

const (
	wordsTextName = "words_text String"
	// wordsTextFromWords was words_text's expression from migration 511
	// to 512.
	wordsTextFromWords = `concat(' ', arrayStringConcat(words, ' '), ' ')`
	wordsTextExpr      = `concat(' ', arrayStringConcat(` + wordsExpr + `, ' '), ' ')`
)

// WordsTextColumn is the words text's definition on one server.
const WordsTextColumn = wordsTextName + " MATERIALIZED " + wordsTextExpr

// WordsRewrite is the mutation that stores the words of the rows stored
// before their column was added, on servers before 20.1: setting the title
// to itself recomputes the columns made from it (a MATERIALIZED column
// cannot be set; OPTIMIZE … FINAL would do, but 18.16 refuses it on
// replicated tables).
const WordsRewrite = "UPDATE title = title WHERE 1"
