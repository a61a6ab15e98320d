package youtube

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
)

// walk is what one feed's walk read.
type walk struct {
	threads  []Thread
	complete bool
	// budget is set when the daily budget ran out during the walk.
	budget error
}

// collectFeed walks a feed's threads newest first down to its mark and
// reply_lookback below it (the first walk reads one page), lists the
// replies of threads that have more than they show, and emits what is new,
// oldest first. A budget that runs out mid-walk ends the walk there: what
// was read is emitted and the mark stays until a walk reaches it.
func (p *pass) collectFeed(f feed) error {
	pos := p.cur.Feeds[f.key]
	if pos == nil {
		pos = &feedPos{}
		p.cur.Feeds[f.key] = pos
	}
	w, err := p.walkThreads(f, pos)
	if err != nil {
		if p.unavailable(f, err) {
			return nil
		}
		return err
	}
	replies := p.listReplies(pos, &w)
	fetched := time.Now()
	var (
		met   []collector.Stamp
		fresh []*Comment
		ctxs  = map[*Comment]Context{}
	)
	for i := range w.threads {
		t := &w.threads[i]
		if t.Err != nil {
			if t.ID != "" {
				met = append(met, collector.Stamp{T: t.Top.Stamp().T, ID: t.ID})
				if pos.Seen(met[len(met)-1]) {
					p.out.Skip("seen")
					continue
				}
			}
			p.out.SkipBad(fmt.Errorf("%s: %w", f.key, t.Err))
			continue
		}
		for j, c := range append([]*Comment{&t.Top}, pointers(t.Replies)...) {
			if c.Err != nil {
				p.out.SkipBad(fmt.Errorf("%s: %w", f.key, c.Err))
				continue
			}
			st := c.Stamp()
			met = append(met, st)
			if pos.Seen(st) {
				p.out.Skip("seen")
				continue
			}
			ctx := Context{Own: p.c.own, Fetched: fetched}
			if j == 0 {
				ctx.Replies = t.TotalReplies
			}
			fresh = append(fresh, c)
			ctxs[c] = ctx
		}
	}
	titles := p.titles(f, fresh)
	slices.SortStableFunc(fresh, func(a, b *Comment) int { return collector.CompareDated(a.Published, b.Published) })
	for _, c := range fresh {
		ctx := ctxs[c]
		ctx.Video = titles[c.VideoID]
		m := c.Mention(ctx)
		if c.Published.IsZero() {
			p.out.Warn("estimated_time", fmt.Errorf("%s: comment %s has no readable publishedAt; stored with the fetch time", f.key, c.ID))
		}
		if err := p.out.Emit(m); err != nil {
			return err
		}
	}
	pos.Walked(met, w.complete)
	pos.Replies = replies
	if err := collector.CheckpointJSON(p.out, p.cur); err != nil {
		return err
	}
	return w.budget
}

func pointers(cs []Comment) []*Comment {
	out := make([]*Comment, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	return out
}

func (p *pass) walkThreads(f feed, pos *feedPos) (walk, error) {
	var (
		w     walk
		token string
	)
	first := pos.Since == 0 && len(pos.Above) == 0
	lookback := int64(p.c.o.ReplyLookback / time.Second)
	for range p.c.o.MaxPages {
		v := url.Values{"part": {"snippet,replies"}, f.param: {f.id}, "order": {"time"}, "maxResults": {"100"}, "textFormat": {"plainText"}}
		if token != "" {
			v.Set("pageToken", token)
		}
		body, target, err := p.get("commentThreads", v)
		if errors.Is(err, errBudget) {
			w.budget = err
			return w, nil
		}
		if err != nil {
			return w, err
		}
		page, err := ParseThreads(body)
		if err != nil {
			return w, fmt.Errorf("GET %s: %w", target, err)
		}
		w.threads = append(w.threads, page.Threads...)
		below := slices.ContainsFunc(page.Threads, func(t Thread) bool {
			return !t.Top.Published.IsZero() && pos.Below(t.Top.Published.Unix()+lookback)
		})
		if token = page.NextPageToken; token == "" || first || below {
			w.complete = true
			return w, nil
		}
	}
	return w, nil
}

// listReplies reads all replies of the threads that list fewer than they
// have, unless their count is what it was when they were read last. It
// returns the counts to keep for the threads of this walk; a budget that
// runs out leaves the walk incomplete.
func (p *pass) listReplies(pos *feedPos, w *walk) map[string]int64 {
	counts := map[string]int64{}
	for i := range w.threads {
		t := &w.threads[i]
		if t.Err != nil || t.TotalReplies <= int64(len(t.Replies)) {
			continue
		}
		if n, ok := pos.Replies[t.ID]; ok && n == t.TotalReplies {
			counts[t.ID] = n
			continue
		}
		if w.budget != nil {
			w.complete = false
			continue
		}
		all, done, err := p.replies(t.ID)
		switch {
		case errors.Is(err, errBudget):
			w.budget, w.complete = err, false
		case err != nil:
			// The thread's listed replies are still stored; the rest are
			// tried again next pass.
			p.out.Warn("replies", fmt.Errorf("replies of %s: %w", t.ID, err))
		case done:
			counts[t.ID] = t.TotalReplies
		}
		for _, r := range all {
			if !slices.ContainsFunc(t.Replies, func(c Comment) bool { return c.ID == r.ID }) {
				r.VideoID = cmp.Or(r.VideoID, t.VideoID)
				r.ChannelID = cmp.Or(r.ChannelID, t.ChannelID)
				r.ParentID = cmp.Or(r.ParentID, t.ID)
				t.Replies = append(t.Replies, r)
			}
		}
	}
	return counts
}

// replies lists the replies to a top-level comment, up to max_pages pages;
// done says it read them all.
func (p *pass) replies(parent string) (all []Comment, done bool, err error) {
	token := ""
	for range p.c.o.MaxPages {
		v := url.Values{"part": {"snippet"}, "parentId": {parent}, "maxResults": {"100"}, "textFormat": {"plainText"}}
		if token != "" {
			v.Set("pageToken", token)
		}
		body, target, err := p.get("comments", v)
		if err != nil {
			return all, false, err
		}
		page, err := ParseComments(body)
		if err != nil {
			return all, false, fmt.Errorf("GET %s: %w", target, err)
		}
		for _, c := range page.Comments {
			if c.Err != nil {
				c.Err = fmt.Errorf("replies of %s: %w", parent, c.Err)
			}
			all = append(all, c)
		}
		if token = page.NextPageToken; token == "" {
			return all, true, nil
		}
	}
	return all, false, nil
}

// titles returns the videos the fresh comments stand under: from the feed,
// the searches and the cursor's titles, looking up the others with
// videos.list (50 a call) as far as the budget allows.
func (p *pass) titles(f feed, fresh []*Comment) map[string]Video {
	known := map[string]Video{}
	for _, v := range slices.Concat(p.cur.Titles, p.cur.Found) {
		known[v.ID] = v
	}
	if f.video.ID != "" {
		known[f.video.ID] = f.video
	}
	var missing []string
	for _, c := range fresh {
		if _, ok := known[c.VideoID]; !ok && c.VideoID != "" && !slices.Contains(missing, c.VideoID) {
			missing = append(missing, c.VideoID)
		}
	}
	for chunk := range slices.Chunk(missing, 50) {
		body, target, err := p.get("videos", url.Values{"part": {"snippet"}, "id": {strings.Join(chunk, ",")}, "maxResults": {"50"}})
		if errors.Is(err, errBudget) {
			break
		}
		if err == nil {
			var videos []Video
			var bad int
			if videos, _, bad, err = ParseVideos(body); err == nil && bad > 0 {
				err = fmt.Errorf("%d videos not readable", bad)
			}
			for _, v := range videos {
				known[v.ID] = v
				p.cur.Titles = append(p.cur.Titles, v)
			}
		}
		if err != nil {
			p.out.Warn("titles", fmt.Errorf("GET %s: video titles: %w", target, err))
		}
	}
	if n := len(p.cur.Titles); n > maxTitles {
		p.cur.Titles = p.cur.Titles[n-maxTitles:]
	}
	return known
}

// unavailable drops a video found by search whose comments cannot be read
// (comments turned off, the video gone) instead of failing every pass on
// it, and reports it once.
func (p *pass) unavailable(f feed, err error) bool {
	var se *collector.StatusError
	if f.video.ID == "" || !errors.As(err, &se) {
		return false
	}
	switch errorReason(se.Raw) {
	case "commentsDisabled", "videoNotFound", "forbidden":
	default:
		return false
	}
	p.cur.Found = slices.DeleteFunc(p.cur.Found, func(v Video) bool { return v.ID == f.video.ID })
	p.out.Warn("unavailable", fmt.Errorf("%s: comments cannot be read, no longer followed: %w", f.key, err))
	return true
}
