package collector

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/mention"
)

// ReviewItem is a review, or the reviewed business's own reply to one, read
// from a page of a review listing (app stores, review sites, business
// profiles).
type ReviewItem struct {
	// ID is the item's id in the source; a reply's is its review's id with
	// a suffix.
	ID string
	// Reply marks the business's reply. Replies keep a position of their
	// own in the cursor, as they come long after their reviews.
	Reply bool
	// At is the item's time as the source gave it, zero when it gave none
	// that can be used: the Mention then carries an estimate, flagged, and
	// Estimated says why.
	At        time.Time
	Estimated error
	// Mention is the normalised item; nil when Err is set.
	Mention *mention.Mention
	// Err says why the item cannot be stored. The ID and At that could be
	// read are kept, so that it still moves the cursor and is reported once.
	Err error
}

// ReviewPage is one page of a listing ordered newest first.
type ReviewPage struct {
	Items []ReviewItem
	// Oldest is the listing's sort key (creation or modification time) of
	// the page's oldest review; zero when no review on the page had one.
	Oldest time.Time
	// Next is the token of the next page, "" after the last.
	Next string
}

// BadReview is the item of the i-th review of a page that cannot be read
// (err): its id and time (zero when unreadable) are kept for the cursor.
func BadReview(i int, id string, at time.Time, err error) ReviewItem {
	return ReviewItem{ID: id, At: at, Err: fmt.Errorf("review %d (%q): %w", i, id, err)}
}

// Dated sets the time of the item and its mention to t, which the source
// gave (err nil); when it gave none that a mention accepts, the mention
// gets fetched as its time, flagged, and Estimated says why.
func (it *ReviewItem) Dated(t time.Time, err error, fetched time.Time) {
	if err == nil && (t.Year() < 1990 || t.After(time.Now().Add(48*time.Hour))) {
		err = fmt.Errorf("%s is outside the accepted range", t.UTC().Format(time.RFC3339))
	}
	if err != nil {
		what := "review"
		if it.Reply {
			what = "reply"
		}
		it.At, it.Estimated = time.Time{}, fmt.Errorf("%s %s: %w; stored with the fetch time", what, it.ID, err)
		EstimatePublished(it.Mention, fetched)
		return
	}
	it.At, it.Mention.PublishedAt = t.UTC(), t.UTC()
}

// OwnerReply is the item of the reviewed business's own reply to review:
// a mention of the review's source, id "<review id>/reply", by author,
// dated by at (or fetched, flagged, when atErr), with the review's URL as
// parent and the extra fields by_brand (the classifier's sign of an owned
// mention, and with the parent of the service stage) and in_reply_to (the review's id). A reply without text
// is an item with Err.
func OwnerReply(review *mention.Mention, text, author string, at time.Time, atErr error, fetched time.Time) ReviewItem {
	it := ReviewItem{ID: review.ID + "/reply", Reply: true}
	if text = strings.TrimSpace(text); text == "" {
		it.Err = fmt.Errorf("reply to review %s has no text", review.ID)
		return it
	}
	review.Engagement.Replies = 1
	it.Mention = &mention.Mention{Source: review.Source, ID: it.ID, URL: review.URL, Text: text, Author: mention.Author{Name: strings.TrimSpace(author)}}
	it.Dated(at, atErr, fetched)
	it.Mention.ParentURL = review.URL
	SetExtra(it.Mention, mention.ExtraByBrand, true)
	SetExtra(it.Mention, "in_reply_to", review.ID)
	return it
}

// Add appends items to the page; sortKey is the listing's order key of the
// review among them (its creation or modification time; zero if unknown),
// which Oldest follows.
func (pg *ReviewPage) Add(sortKey time.Time, items ...ReviewItem) {
	if !sortKey.IsZero() && (pg.Oldest.IsZero() || sortKey.Before(pg.Oldest)) {
		pg.Oldest = sortKey
	}
	pg.Items = append(pg.Items, items...)
}

// ReviewOptions are the keys of a source that reads review listings; embed
// it with `yaml:",inline"`.
type ReviewOptions struct {
	// MaxPages bounds the pages per listing and pass (default 10).
	MaxPages int `yaml:"max_pages"`
	// ReplyWindow is how far back each pass reads for new replies by the
	// business (the source's default when unset).
	ReplyWindow time.Duration `yaml:"reply_window"`
}

// Feed returns a ReviewFeed over fetch with these options, or the defaults.
func (o ReviewOptions) Feed(fetch func(ctx context.Context, token string) (ReviewPage, error), defaultWindow time.Duration) *ReviewFeed {
	f := &ReviewFeed{Fetch: fetch, MaxPages: o.MaxPages, ReplyWindow: o.ReplyWindow}
	if f.MaxPages <= 0 {
		f.MaxPages = 10
	}
	if f.ReplyWindow <= 0 {
		f.ReplyWindow = defaultWindow
	}
	return f
}

// ReviewFeed collects one review listing that is ordered newest first and
// has no "since" parameter: it reads pages until they are older than the
// last pass's newest review and than the reply window, then emits what is
// new oldest first. Its cursor holds two watermarks: the newest review and
// the newest reply emitted, so that a reply written days after its review
// (found again within the reply window) is emitted once, and a review once.
type ReviewFeed struct {
	// Fetch reads the page with the given token ("" for the first).
	Fetch func(ctx context.Context, token string) (ReviewPage, error)
	// MaxPages bounds the pages of one pass.
	MaxPages int
	// ReplyWindow is how long ago the pages read reach back at least,
	// however new the last pass's newest review, so that replies to recent
	// reviews are found.
	ReplyWindow time.Duration
}

// reviewCursor is a ReviewFeed's cursor.
type reviewCursor struct {
	Reviews Watermark `json:"reviews"`
	Replies Watermark `json:"replies"`
}

// Collect does one pass over the listing.
func (f *ReviewFeed) Collect(ctx context.Context, raw []byte, out Output) error {
	var cur reviewCursor
	if err := LoadCursor(raw, &cur); err != nil {
		return err
	}
	items, err := f.read(ctx, cur.Reviews.Since, out)
	if err != nil {
		return err
	}
	slices.SortStableFunc(items, func(a, b ReviewItem) int { return itemTime(a).Compare(itemTime(b)) })
	undated := map[string]bool{}
	moved := false
	for _, it := range items {
		mark := &cur.Reviews
		if it.Reply {
			mark = &cur.Replies
		}
		dated := !it.At.IsZero()
		if dated && mark.Seen(it.At.Unix(), it.ID) || !dated && undated[it.ID] {
			out.Skip("seen")
			continue
		}
		if it.Err != nil {
			out.SkipBad(it.Err)
		} else {
			if !dated {
				out.Warn("estimated_time", it.Estimated)
			}
			if err := out.Emit(it.Mention); err != nil {
				return err
			}
		}
		switch {
		case dated && it.ID != "":
			mark.Advance(it.At.Unix(), it.ID)
			moved = true
		case it.ID != "":
			undated[it.ID] = true
		}
	}
	if !moved {
		return nil
	}
	return CheckpointJSON(out, cur)
}

// read fetches pages newest first until one is older than both the mark
// (the last pass's newest review) and the reply window, the listing ends,
// or MaxPages is reached; reaching it before the mark is reported.
func (f *ReviewFeed) read(ctx context.Context, mark int64, out Output) ([]ReviewItem, error) {
	horizon := time.Now().Add(-f.ReplyWindow).Unix()
	var items []ReviewItem
	token := ""
	for page := 1; ; page++ {
		pg, err := f.Fetch(ctx, token)
		if err != nil {
			return nil, err
		}
		items = append(items, pg.Items...)
		oldest := pg.Oldest.Unix()
		if pg.Next == "" || !pg.Oldest.IsZero() && oldest < mark && oldest < horizon {
			return items, nil
		}
		if page >= f.MaxPages {
			if mark > 0 && (pg.Oldest.IsZero() || oldest >= mark) {
				out.Warn("page_cap", fmt.Errorf("stopped at max_pages (%d) before reaching the last pass's newest review: new reviews older than the pages read are not collected", f.MaxPages))
			}
			return items, nil
		}
		token = pg.Next
	}
}

// itemTime orders items: the source's time, else the estimate.
func itemTime(it ReviewItem) time.Time {
	if it.At.IsZero() && it.Mention != nil {
		return it.Mention.PublishedAt
	}
	return it.At
}
