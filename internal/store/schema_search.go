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
func init() {
	registerMigrations(migration{version: 510, name: "words of mentions for search",
		stmts: func(s *common) []string {
			if s.cluster != "" {
				return s.addMentionColumns(wordsName + " DEFAULT " + wordsExpr)
			}
			return s.addMentionColumns(WordsColumn)
		},
		then: func(ctx context.Context, s *common) error {
			if s.caps.computesAddedColumnsInPrewhere {
				return nil
			}
			if s.cluster != "" {
				return s.mutate(ctx, "mentions", "UPDATE words = "+wordsExpr+" WHERE 1")
			}
			return s.mutate(ctx, "mentions", WordsRewrite)
		}})
}

const (
	wordsName = "words Array(String)"
	// wordsExpr: lowerUTF8 and the word characters are those of the search
	// patterns (internal/query).
	wordsExpr = `arrayDistinct(extractAll(lowerUTF8(concat(title, ' ', text)), '[\\p{L}\\p{N}]+'))`
)

// WordsColumn is the words column's definition on one server.
const WordsColumn = wordsName + " MATERIALIZED " + wordsExpr

// WordsRewrite is the mutation that stores the words of the rows stored
// before WordsColumn was added, on servers before 20.1: setting the title
// to itself recomputes the columns made from it (a MATERIALIZED column
// cannot be set; OPTIMIZE … FINAL would do, but 18.16 refuses it on
// replicated tables).
const WordsRewrite = "UPDATE title = title WHERE 1"
