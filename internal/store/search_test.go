package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// TestWordsTextMigrationsKeepStoredRowsFound takes a store back to its
// schema before migration 511 (the words array, no words text), stores
// rows, migrates again and checks that the rows stored before are found
// by their words, through the words text that migrations 511 and 512 made
// from the array and then from the text, and by their phrases through the
// words text in the order written that migration 513 stores anew, on both
// engines.
func TestWordsTextMigrationsKeepStoredRowsFound(t *testing.T) {
	ctx := context.Background()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := e.Store
			mentions := "ALTER TABLE " + s.Table("mentions") + " "
			for _, stmt := range []string{mentions + "DROP COLUMN words_text",
				mentions + `ADD COLUMN words Array(String) MATERIALIZED arrayDistinct(extractAll(lowerUTF8(concat(title, ' ', text)), '[\\p{L}\\p{N}]+'))`} {
				if err := s.Exec(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
			if err := store.Mutate(ctx, s, "ALTER TABLE "+s.Table("schema_migrations")+" DELETE WHERE version IN (511, 512, 513)"); err != nil {
				t.Fatal(err)
			}
			late := row("late", "Koijarit", t0, "negative")
			late.Title, late.Text = "Toimitus", "Paketti, paketti tuli viikon myöhässä."
			other := row("other", "Koijarit", t0, "positive")
			other.Title, other.Text = "", "Hyvä kauppa, nopea toimituksen seuranta."
			if err := s.Insert(ctx, []store.Row{late, other}); err != nil {
				t.Fatal(err)
			}
			applied, err := s.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) != 3 {
				t.Fatalf("migrate applied %v, want 511 to 513", applied)
			}
			for word, want := range map[string][]string{" toimitus ": {"late"}, " paketti ": {"late"}, " toimituksen ": {"other"},
				" toimitu": {"late", "other"}, " myöhässä ": {"late"}, " viikko ": nil,
				// Phrases: a repeated word kept in its place, the title's
				// words apart from the text's.
				" paketti paketti tuli ": {"late"}, " viikon myöhässä ": {"late"}, " toimitus paketti ": nil,
				" hyvä kauppa nopea ": {"other"}} {
				rows, err := s.Query(ctx, "SELECT mention_id FROM "+s.Table("mentions")+" WHERE position(words_text, "+store.Quote(word)+") > 0 ORDER BY mention_id")
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range rows {
					got = append(got, string(r))
				}
				var wantJSON []string
				for _, id := range want {
					wantJSON = append(wantJSON, `{"mention_id":"`+id+`"}`)
				}
				if !slices.Equal(got, wantJSON) {
					t.Errorf("%q: %v, want %v", word, got, wantJSON)
				}
			}
		})
	}
}
