package collector_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

var day0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func at(h int) time.Time { return day0.Add(time.Duration(h) * time.Hour) }

func rev(id string, h int) collector.ReviewItem {
	return collector.ReviewItem{ID: id, At: at(h), Mention: &mention.Mention{Source: "x", ID: id, Text: "t", PublishedAt: at(h)}}
}

func reply(id string, h int) collector.ReviewItem {
	it := rev(id, h)
	it.Reply = true
	return it
}

// pages serves ReviewPages by token and counts the fetches.
type pages struct {
	byToken map[string]collector.ReviewPage
	fetched []string
}

func (p *pages) fetch(_ context.Context, token string) (collector.ReviewPage, error) {
	p.fetched = append(p.fetched, token)
	pg, ok := p.byToken[token]
	if !ok {
		return pg, errors.New("GET page " + token + ": HTTP 500")
	}
	return pg, nil
}

func page(next string, items ...collector.ReviewItem) collector.ReviewPage {
	pg := collector.ReviewPage{Items: items, Next: next}
	for _, it := range items {
		if !it.Reply && !it.At.IsZero() && (pg.Oldest.IsZero() || it.At.Before(pg.Oldest)) {
			pg.Oldest = it.At
		}
	}
	return pg
}

// pass runs the feed with the cursor and returns the output and the new
// cursor (the old one when none was stored).
func pass(t *testing.T, f *collector.ReviewFeed, cursor []byte) (*recordingOutput, []byte) {
	t.Helper()
	out := &recordingOutput{}
	if err := f.Collect(context.Background(), cursor, out); err != nil {
		t.Fatal(err)
	}
	if len(out.cursors) > 0 {
		cursor = []byte(out.cursors[len(out.cursors)-1])
	}
	return out, cursor
}

func TestReviewFeedEmitsEachItemOnceOldestFirst(t *testing.T) {
	bad := rev("r2", 2)
	bad.Mention, bad.Err = nil, errors.New("review r2: stars 9")
	undated := rev("r1", 0)
	undated.At, undated.Estimated, undated.Mention.PublishedAt = time.Time{}, errors.New("no createdAt"), at(100)
	p := &pages{byToken: map[string]collector.ReviewPage{
		"":  page("2", rev("r5", 5), rev("r4", 4), reply("r4/reply", 6)),
		"2": page("", rev("r3", 3), bad, undated),
	}}
	f := &collector.ReviewFeed{Fetch: p.fetch, MaxPages: 10, ReplyWindow: 24 * time.Hour}
	out, cur := pass(t, f, nil)
	if !slices.Equal(out.emitted, []string{"r3", "r4", "r5", "r4/reply", "r1"}) || !slices.Equal(out.skipped, []string{"malformed"}) ||
		!slices.Equal(out.warned, []string{"estimated_time"}) || len(out.cursors) != 1 {
		t.Fatalf("first pass: %+v", out)
	}
	if string(cur) != `{"reviews":{"since":1793552400,"ids":["r5"]},"replies":{"since":1793556000,"ids":["r4/reply"]}}` {
		t.Errorf("cursor %s", cur)
	}
	// A new review and a late reply to r3, which is older than the mark
	// (the reply window is long past): the first page is older than the
	// mark, so the second is not read and r3's reply is missed.
	p.byToken[""] = page("2", rev("r6", 7), rev("r5", 5), rev("r4", 4), reply("r4/reply", 6))
	p.byToken["2"] = page("", rev("r3", 3), reply("r3/reply", 8))
	p.fetched = nil
	out, cur = pass(t, f, cur)
	if !slices.Equal(out.emitted, []string{"r6"}) || len(out.skipped) != 3 || !slices.Equal(p.fetched, []string{""}) {
		t.Fatalf("second pass: %+v, fetched %q", out, p.fetched)
	}
	// With a reply window reaching back to r3, the reply is found once.
	f.ReplyWindow = 100 * 365 * 24 * time.Hour
	out, cur = pass(t, f, cur)
	if !slices.Equal(out.emitted, []string{"r3/reply"}) {
		t.Fatalf("within the reply window: %+v", out)
	}
	if out, _ = pass(t, f, cur); len(out.emitted) != 0 || len(out.cursors) != 0 {
		t.Fatalf("again: %+v", out)
	}
}

// A listing paged by number shifts when reviews arrive between two
// fetches: an item seen on two pages is emitted once.
func TestReviewFeedDropsRepeatsAcrossPages(t *testing.T) {
	undated := rev("u", 0)
	undated.At, undated.Estimated = time.Time{}, errors.New("no date")
	p := &pages{byToken: map[string]collector.ReviewPage{
		"":  page("2", rev("c", 3), rev("b", 2), undated),
		"2": page("", rev("b", 2), undated, rev("a", 1)),
	}}
	out, _ := pass(t, &collector.ReviewFeed{Fetch: p.fetch, MaxPages: 5}, nil)
	if !slices.Equal(out.emitted, []string{"u", "a", "b", "c"}) || !slices.Equal(out.skipped, []string{"seen", "seen"}) {
		t.Fatalf("%+v", out)
	}
}

// Running out of pages before the last pass's newest review is reported;
// on the first pass it is the backfill's limit, not a gap.
func TestReviewFeedReportsThePageCap(t *testing.T) {
	p := &pages{byToken: map[string]collector.ReviewPage{
		"":  page("2", rev("d", 4), rev("c", 3)),
		"2": page("3", rev("b", 2)),
		"3": page("", rev("a", 1)),
	}}
	f := &collector.ReviewFeed{Fetch: p.fetch, MaxPages: 1}
	out, cur := pass(t, f, nil)
	if !slices.Equal(out.emitted, []string{"c", "d"}) || len(out.warned) != 0 {
		t.Fatalf("first pass: %+v", out)
	}
	p.byToken[""] = page("2", rev("f", 6), rev("e", 5))
	p.byToken["2"] = page("3", rev("d", 4), rev("c", 3))
	out, _ = pass(t, f, cur)
	if !slices.Equal(out.emitted, []string{"e", "f"}) || !slices.Equal(out.warned, []string{"page_cap"}) {
		t.Fatalf("capped pass: %+v", out)
	}
}

func TestReviewFeedFailures(t *testing.T) {
	p := &pages{byToken: map[string]collector.ReviewPage{"": page("2", rev("b", 2))}}
	f := &collector.ReviewFeed{Fetch: p.fetch, MaxPages: 5}
	out := &recordingOutput{}
	// A failing page costs the pass: nothing emitted, the cursor kept.
	if err := f.Collect(context.Background(), nil, out); err == nil || len(out.emitted) != 0 || len(out.cursors) != 0 {
		t.Fatalf("failing page: %v %+v", err, out)
	}
	if err := f.Collect(context.Background(), []byte(`{"reviews":`), out); err == nil {
		t.Fatal("corrupt cursor accepted")
	}
}
