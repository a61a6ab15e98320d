package pipeline

import (
	"context"
	"testing"
	"time"

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

// The tracker holds up to its limit, hands out due messages oldest first,
// puts kept ones back by their new time (behind any that arrived while
// the keep-alive was sent), or back at the front when the keep-alive
// failed, and forgets settled ones, even while a keep-alive for them is
// under way.
func TestTrackerKeepAliveOrder(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	tr := newTracker(3)
	a, b, c := tr.add(nil, at(0)), tr.add(nil, at(1)), tr.add(nil, at(2))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n := tr.room(ctx); n != 0 {
		t.Fatalf("room at the limit = %d, want 0 (ctx ended)", n)
	}
	if next, ok := tr.nextDue(10 * time.Second); !ok || !next.Equal(at(10)) {
		t.Fatalf("next due %v %v, want the oldest's time + 10s", next, ok)
	}
	due := tr.due(at(1))
	if len(due) != 2 || due[0] != a || due[1] != b {
		t.Fatalf("due = %v, want a and b", due)
	}
	tr.settle(b) // acked while its keep-alive was sent
	tr.kept(due, at(5), false)
	if due := tr.due(at(0)); len(due) != 1 || due[0] != a {
		t.Fatalf("after a failed keep-alive, due = %v; want a again, first", due)
	}
	tr.settle(c)
	d := tr.add(nil, at(6)) // arrived while a's keep-alive was sent
	tr.kept([]*held{a}, at(5), true)
	if !a.since.Equal(at(5)) {
		t.Fatalf("a's timer restarted at %v, want the keep-alive's time", a.since)
	}
	if due := tr.due(at(6)); len(due) != 2 || due[0] != a || due[1] != d {
		t.Fatalf("due = %v, want a (kept alive at 5s) before d (arrived at 6s); b and c settled", due)
	}
	tr.kept([]*held{a, d}, at(7), true)
	if n := tr.room(context.Background()); n != 1 || tr.held() != 2 {
		t.Fatalf("room %d with %d held, want 1 and 2", n, tr.held())
	}
	d.since = at(8)
	if got := tr.oldest(&batch{items: []item{{held: d}, {held: a}}}); !got.Equal(at(7)) {
		t.Fatalf("batch oldest = %v, want a's keep-alive time", got)
	}
	if got := newTiming(60 * time.Second).deadline(t0); !got.Equal(at(35)) {
		t.Fatalf("deadline with ack_wait 60s = %v after the timer restarted, want 35s", got.Sub(t0))
	}
}
