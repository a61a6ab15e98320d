package pipeline

import (
	"testing"

	"github.com/ewom/ewom/internal/store"
)

func testItem(id string, brands ...string) item {
	it := item{id: id}
	for _, b := range brands {
		it.rows = append(it.rows, store.Row{MentionID: id, Brand: b})
	}
	return it
}

// A batch leaves out mentions already stored and repeats within it, keeps
// every row of the rest, and starts empty again once reset.
func TestBatchUnstored(t *testing.T) {
	b := &batch{}
	for _, it := range []item{testItem("a", "x", "y"), testItem("b", "x"), testItem("a", "x", "y"), testItem("c", "")} {
		b.items = append(b.items, it)
		b.rows += len(it.rows)
	}
	rows, mentions := b.unstored(map[string]bool{"b": true})
	if mentions != 2 || len(rows) != 3 {
		t.Fatalf("unstored: %d mentions, %d rows; want 2 mentions (a, c), 3 rows", mentions, len(rows))
	}
	for i, want := range []string{"a", "a", "c"} {
		if rows[i].MentionID != want {
			t.Errorf("row %d is %q, want %q", i, rows[i].MentionID, want)
		}
	}
	b.reset()
	if len(b.items) != 0 || b.rows != 0 || len(b.seen) != 0 {
		t.Fatalf("reset left items %d, rows %d, seen %d", len(b.items), b.rows, len(b.seen))
	}
	b.items, b.rows = []item{testItem("a", "x", "y")}, 2
	if rows, mentions := b.unstored(nil); mentions != 1 || len(rows) != 2 {
		t.Fatalf("after reset: %d mentions, %d rows; want the one mention a and its 2 rows", mentions, len(rows))
	}
}
