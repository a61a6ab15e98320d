package youtube

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
	"github.com/ewom/ewom/internal/mention"
)

const (
	brandChannel    = "UCk0ijar1tTK5yK1aLn3wOQg"
	reviewerChannel = "UCtekniikkaaFi8xQ2mB7aZw"
	threadA         = "Ugwxp5QEz-_x9L6HzGp4AaABAg"
	threadB         = "UgwPwEvEzUz_BMHaRZC4AaABAg"
	replyA          = threadA + ".QRMq3c2su2a6mbG2Z981tC"
	lateReplyB      = threadB + ".xtSzceqPthEuRMPPQHKTD8"
)

var fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)

// Recorded responses of the real API (python-youtube's test data).
func TestParseRecorded(t *testing.T) {
	p, err := ParseThreads(collectortest.Fixture(t, "pyyoutube_comment_threads_by_video.json"))
	if err != nil || len(p.Threads) != 5 || p.NextPageToken == "" {
		t.Fatalf("%+v %v", p, err)
	}
	th := p.Threads[0]
	if th.Err != nil || th.ID != "UgyZ1jqkHKYvi1-ruOZ4AaABAg" || th.VideoID != "F1UP7wRCPH8" || th.Top.Text != "Google.com" ||
		th.Top.AuthorChannelID != "UCzj-CjKYmGlZ7vTL-vOe57A" || !th.Top.Published.Equal(time.Date(2019, 11, 26, 15, 51, 44, 0, time.UTC)) {
		t.Errorf("thread %+v", th)
	}
	m := p.Threads[2].Top.Mention(Context{Fetched: fetched})
	if m.URL != "https://www.youtube.com/watch?v=F1UP7wRCPH8&lc=UgysQP-vp089eFP0Stl4AaABAg" || m.Author.Name != "Andres Jorquera" ||
		m.Author.Handle != "UCzZ87J8wYVpOADFviqyFKhw" || m.Engagement.Likes != 4 || m.ParentURL != "" || m.Validate() != nil ||
		string(m.Extra["video_id"]) != `"F1UP7wRCPH8"` || m.Extra[mention.ExtraByBrand] != nil {
		t.Errorf("mention %+v %s", m, m.Extra)
	}

	all, err := ParseThreads(collectortest.Fixture(t, "pyyoutube_comment_threads_all_to_channel.json"))
	if err != nil || len(all.Threads) != 4 || all.Threads[0].ChannelID != "UCa-vrCLQHviTOVnEKDOdetQ" || all.Threads[2].VideoID != "" {
		t.Fatalf("all threads of a channel: %+v %v", all, err)
	}
	if m := all.Threads[2].Top.Mention(Context{Fetched: fetched}); m.URL != "https://www.youtube.com/channel/UCa-vrCLQHviTOVnEKDOdetQ?lc=Ugy0FhSzKMNMT9qs6zt4AaABAg" {
		t.Errorf("a comment on the channel itself: %s", m.URL)
	}

	c, err := ParseComments(collectortest.Fixture(t, "pyyoutube_comments_by_parent_p1.json"))
	if err != nil || len(c.Comments) != 2 || c.NextPageToken == "" {
		t.Fatalf("replies %+v %v", c, err)
	}
	r := c.Comments[0]
	r.VideoID = "JE8xdDp5B8Q"
	if m := r.Mention(Context{Fetched: fetched}); m.ParentURL != "https://www.youtube.com/watch?v=JE8xdDp5B8Q&lc=Ugw5zYU6n9pmIgAZWvN4AaABAg" ||
		m.URL != "https://www.youtube.com/watch?v=JE8xdDp5B8Q&lc=Ugw5zYU6n9pmIgAZWvN4AaABAg.91zT3cYb5B291za6voUoRh" || m.Text != "this is the third reply!" {
		t.Errorf("reply %+v", m)
	}

	videos, next, bad, err := ParseVideos(collectortest.Fixture(t, "pyyoutube_search_videos_by_channel.json"))
	if err != nil || len(videos) != 5 || bad != 0 || next != "CAUQAA" || videos[1].Title != "YouTube's API and The News" || videos[1].ChannelID != "UC_x5XG1OV2P6uZZ5FSM9Ttw" {
		t.Errorf("search %+v %v", videos, err)
	}
	videos, _, _, err = ParseVideos(collectortest.Fixture(t, "pyyoutube_videos_info_single.json"))
	if err != nil || len(videos) != 1 || videos[0].ID != "D-lhorsDlUQ" || videos[0].Title != "What are Actions on Google (Assistant on Air)" {
		t.Errorf("videos %+v %v", videos, err)
	}
	if _, _, _, err := ParseVideos(collectortest.Fixture(t, "threads_video.json")); err == nil {
		t.Error("a thread list read as videos")
	}
	for name, want := range map[string]string{"pyyoutube_error_key_invalid.json": "keyInvalid", "quota_exceeded.json": "quotaExceeded", "comments_disabled.json": "commentsDisabled"} {
		if got := errorReason(collectortest.Fixture(t, name)); got != want {
			t.Errorf("%s: reason %q", name, got)
		}
	}
}

// badThreads is pyyoutube_comment_threads_by_video.json with a thread of
// the wrong shape first, a reply without an id in the second, and the
// third's top-level comment without publishedAt.
func badThreads(t testing.TB) []byte {
	s := string(collectortest.Fixture(t, "pyyoutube_comment_threads_by_video.json"))
	s = strings.Replace(s, `"items": [`, `"items": [{"kind": "youtube#commentThread", "id": "UgzBAD0000000000000004AaABAg", "snippet": {"videoId": "F1UP7wRCPH8", "totalReplyCount": "many"}},`, 1)
	s = strings.Replace(s, `"canReply": true,
        "totalReplyCount": 0,
        "isPublic": true
      }
    },`, `"canReply": true,
        "totalReplyCount": 1,
        "isPublic": true
      },
      "replies": {"comments": [{"kind": "youtube#comment", "snippet": {"textOriginal": "ei tunnistetta"}}]}
    },`, 1)
	return []byte(strings.Replace(s, `"publishedAt": "2019-11-21T19:18:39.000Z",`, "", 1))
}

func TestParseKeepsThePageAroundBadThreads(t *testing.T) {
	p, err := ParseThreads(badThreads(t))
	if err != nil || len(p.Threads) != 6 {
		t.Fatalf("%d threads, %v", len(p.Threads), err)
	}
	if e := p.Threads[0].Err; e == nil || !strings.Contains(e.Error(), `thread 0 ("UgzBAD0000000000000004AaABAg")`) || !strings.Contains(e.Error(), "totalReplyCount") {
		t.Errorf("wrong-typed thread: %v", e)
	}
	if th := p.Threads[1]; th.Err != nil || len(th.Replies) != 1 || th.Replies[0].Err == nil || !strings.Contains(th.Replies[0].Err.Error(), "comment 0 has no id") {
		t.Errorf("reply without id: %+v", th)
	}
	undated := p.Threads[2].Top
	m := undated.Mention(Context{Fetched: fetched})
	if p.Threads[2].Err != nil || !undated.Published.IsZero() || !m.PublishedAt.Equal(fetched) || string(m.Extra[collector.ExtraTimeEstimated]) != "true" {
		t.Errorf("undated comment %+v", m)
	}
	for _, body := range []string{`[]`, `{"kind": "youtube#videoListResponse", "items": []}`, `<html>`} {
		if _, err := ParseThreads([]byte(body)); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}

// api replays the fixtures as the YouTube Data API would answer.
type api struct {
	*collectortest.API
	t *testing.T
	// later: thread B has an eighth reply.
	later bool
	// fail answers every call with this status and body.
	failStatus int
	failBody   []byte
	failHeader http.Header
	// videoFail answers the video feed's threads with this body (403).
	videoFail []byte
}

func newAPI(t *testing.T) (*api, string) {
	a := &api{t: t}
	a.API = collectortest.NewAPI(t, a.serve)
	t.Setenv("YT_KEY", "s3cret-key")
	return a, a.URL
}

func (a *api) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	write := func(status int, body []byte) {
		w.WriteHeader(status)
		w.Write(body)
	}
	if a.failStatus != 0 {
		for k, v := range a.failHeader {
			w.Header()[k] = v
		}
		write(a.failStatus, a.failBody)
		return
	}
	if q.Get("key") != "s3cret-key" {
		write(400, collectortest.Fixture(a.t, "pyyoutube_error_key_invalid.json"))
		return
	}
	token := q.Get("pageToken")
	switch {
	case r.URL.Path == "/search" && q.Get("type") == "video" && q.Get("q") == "TietokoneKoijarit" && q.Get("relevanceLanguage") == "fi":
		write(200, collectortest.Fixture(a.t, "search.json"))
	case r.URL.Path == "/commentThreads" && q.Get("allThreadsRelatedToChannelId") == brandChannel && q.Get("part") == "snippet,replies":
		if token == "" {
			body := collectortest.Fixture(a.t, "threads_channel_p1.json")
			if a.later {
				body = bytes.Replace(body, []byte(`"totalReplyCount": 7`), []byte(`"totalReplyCount": 8`), 1)
			}
			write(200, body)
		} else {
			write(200, collectortest.Fixture(a.t, "threads_channel_p2.json"))
		}
	case r.URL.Path == "/commentThreads" && q.Get("videoId") == "Rv5nKs1YtHb":
		if a.videoFail != nil {
			write(403, a.videoFail)
			return
		}
		write(200, collectortest.Fixture(a.t, "threads_video.json"))
	case r.URL.Path == "/comments" && q.Get("parentId") == threadB:
		switch {
		case token == "":
			write(200, collectortest.Fixture(a.t, "replies_p1.json"))
		case a.later:
			write(200, collectortest.Fixture(a.t, "replies_p2_later.json"))
		default:
			write(200, collectortest.Fixture(a.t, "replies_p2.json"))
		}
	case r.URL.Path == "/videos" && q.Get("id") == "Lq8mW3vZ0Ap":
		write(200, collectortest.Fixture(a.t, "videos.json"))
	default:
		write(404, []byte(`{"error": {"code": 404, "message": "not found: `+r.URL.String()+`"}}`))
	}
}

func source(url, extra string) string {
	return "{type: youtube, name: yt, own_channels: [" + brandChannel + "], search: [TietokoneKoijarit], relevance_language: fi, key_env: YT_KEY, base_url: '" +
		url + "', allow_networks: [127.0.0.1]" + extra + "}"
}

type savedCursor struct {
	Quota struct {
		Day  string `json:"day"`
		Used int    `json:"used"`
	} `json:"quota"`
	Found []Video `json:"found"`
	Next  int     `json:"next"`
}

func cursorOf(t *testing.T, h *collectortest.Harness) savedCursor {
	t.Helper()
	var c savedCursor
	if err := json.Unmarshal(h.Cursor(), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCollectThreadsRepliesAndResume(t *testing.T) {
	a, url := newAPI(t)
	h := collectortest.New(t, source(url, ""))
	ctx := context.Background()

	// First pass: the search finds two videos (one on the brand's own
	// channel, read through the channel); the channel's newest page of
	// threads, all replies of the thread with more than it lists, the
	// video's threads.
	ms, st := h.Pass(ctx)
	if st.Err != nil || len(ms) != 14 || st.Errors != 0 {
		t.Fatalf("first pass: %d mentions %+v", len(ms), st)
	}
	for i := 1; i < 11; i++ {
		if ms[i].PublishedAt.Before(ms[i-1].PublishedAt) {
			t.Errorf("the channel's comments are not oldest first: %v after %v", ms[i].PublishedAt, ms[i-1].PublishedAt)
		}
	}
	got := collectortest.ByID(ms)
	reply := got[replyA]
	if reply == nil || reply.ParentURL != "https://www.youtube.com/watch?v=tK9xLp2QwEr&lc="+threadA || string(reply.Extra[mention.ExtraByBrand]) != "true" ||
		string(reply.Extra["video_title"]) != `"Joulun lahjaideat 2026 | TietokoneKoijarit"` || reply.Author.Handle != "TietokoneKoijarit" ||
		string(reply.Extra[collector.ExtraContextTouchpoint]) != `"owned"` {
		t.Errorf("the channel owner's reply %+v %s", reply, reply.Extra)
	}
	top := got[threadB]
	if top == nil || top.Engagement.Replies != 7 || top.Engagement.Likes != 12 || string(top.Extra["video_title"]) != `"Pelikoneen kokoaminen alle 1000 eurolla"` ||
		top.Extra[mention.ExtraByBrand] != nil || top.Author.Handle != "linaberg" || top.Author.URL != "http://www.youtube.com/@linaberg" {
		t.Errorf("a customer's comment %+v %s", top, top.Extra)
	}
	n := 0
	for _, m := range ms {
		if m.ParentURL == "https://www.youtube.com/watch?v=Lq8mW3vZ0Ap&lc="+threadB {
			n++
		}
	}
	if n != 7 || got[lateReplyB] != nil {
		t.Errorf("%d of thread B's 7 replies", n)
	}
	reviewer := got["Ugx2iISV9dfBhHuGnNA4AaABAg.HkF4qbxgtQc0RGnUE1EpcW"]
	if reviewer == nil || string(reviewer.Extra["by_channel_owner"]) != "true" || reviewer.Extra[mention.ExtraByBrand] != nil ||
		reviewer.Extra[collector.ExtraContextTouchpoint] != nil || collectortest.ExtraString(reviewer, "video_title") != "TietokoneKoijarit vs Gigantti & Verkkokauppa – missä halvin läppäri?" {
		t.Errorf("a reviewer answering under their own video %+v", reviewer)
	}
	c := cursorOf(t, h)
	if c.Quota.Used != 105 || len(c.Found) != 2 || a.Calls("/search") != 1 || a.Calls("/videos") != 1 || a.Calls("/comments") != 2 {
		t.Errorf("quota %+v, calls %q", c.Quota, a.Queries())
	}
	if strings.Contains(string(h.Cursor()), "s3cret") {
		t.Error("the key is in the cursor")
	}

	// A restart: no search (not due), the walk goes down to the mark and
	// reply_lookback below it, nothing is new, no replies are listed again.
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 0 || a.Calls("/search") != 1 || a.Calls("/comments") != 2 || a.Calls("/commentThreads") != 5 {
		t.Fatalf("second pass: %d mentions %+v, calls %q", len(ms), st, a.Queries())
	}

	// Thread B gets an eighth reply: only it is new.
	a.Do(func() { a.later = true })
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 1 || ms[0].ID != lateReplyB || a.Calls("/comments") != 4 {
		t.Fatalf("third pass: %v %+v, calls %q", collectortest.ByID(ms), st, a.Queries())
	}
}

// A budget that runs out ends the pass without error after storing what
// was read; the next pass on the same day calls nothing, and after the
// reset the pass goes on with the feed it stopped at.
func TestCollectDailyBudget(t *testing.T) {
	a, url := newAPI(t)
	h := collectortest.New(t, source(url, ", daily_quota: 103"))
	ctx := context.Background()
	ms, st := h.Pass(ctx)
	if st.Err != nil || len(ms) != 11 || a.Calls("/videos") != 0 || a.Calls("/commentThreads") != 1 {
		t.Fatalf("first pass: %d mentions %+v, calls %q", len(ms), st, a.Queries())
	}
	if m := collectortest.ByID(ms)[threadB]; m.Extra["video_title"] != nil {
		t.Errorf("a title looked up beyond the budget: %s", m.Extra)
	}
	c := cursorOf(t, h)
	if c.Quota.Used != 103 || c.Next != 1 {
		t.Fatalf("cursor %s", h.Cursor())
	}

	calls := a.Calls("/commentThreads")
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 0 || a.Calls("/commentThreads") != calls {
		t.Fatalf("same day: %d mentions %+v, calls %q", len(ms), st, a.Queries())
	}

	// Midnight Pacific time: yesterday's count is dropped.
	raw := strings.Replace(string(h.Cursor()), `"day":"`+c.Quota.Day+`"`, `"day":"2026-01-01"`, 1)
	h.Cursors.Put(ctx, "yt", []byte(raw))
	ms, st = h.Pass(ctx)
	if st.Err != nil || len(ms) != 3 || ms[0].Extra["video_id"] == nil || string(ms[0].Extra["video_id"]) != `"Rv5nKs1YtHb"` {
		t.Fatalf("after the reset: %d mentions %+v", len(ms), st)
	}
	if c := cursorOf(t, h); c.Next != 0 || c.Quota.Day == "2026-01-01" {
		t.Errorf("cursor %s", h.Cursor())
	}
}

func TestCollectQuotaExceededWaitsForMidnightPacific(t *testing.T) {
	a, url := newAPI(t)
	a.Do(func() { a.failStatus, a.failBody = 403, collectortest.Fixture(t, "quota_exceeded.json") })
	h := collectortest.New(t, source(url, ""))
	_, st := h.Pass(context.Background())
	d, ok := collector.RetryAfter(st.Err, time.Now())
	pacific, _ := time.LoadLocation("America/Los_Angeles")
	now := time.Now().In(pacific)
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, pacific)
	if !ok || (time.Until(midnight)-d).Abs() > time.Minute || !strings.Contains(st.Err.Error(), "quotaExceeded") {
		t.Fatalf("quotaExceeded: %v (retry after %v, midnight in %v)", st.Err, d, time.Until(midnight))
	}
	if c := cursorOf(t, h); c.Quota.Used != 10000 {
		t.Errorf("the day's quota is not marked spent: %+v", c.Quota)
	}
}

func TestCollectRateLimitedAndRefusedKey(t *testing.T) {
	a, url := newAPI(t)
	a.Do(func() {
		a.failStatus, a.failBody, a.failHeader = http.StatusTooManyRequests, []byte(`{"error": {"code": 429}}`), http.Header{"Retry-After": {"30"}}
	})
	_, st := collectortest.New(t, source(url, "")).Pass(context.Background())
	if d, ok := collector.RetryAfter(st.Err, time.Now()); !ok || d < 25*time.Second || d > 30*time.Second {
		t.Fatalf("429: %v (%v)", st.Err, d)
	}

	a.Do(func() { a.failStatus, a.failHeader = 0, nil })
	t.Setenv("YT_KEY", "wrong")
	_, st = collectortest.New(t, source(url, "")).Pass(context.Background())
	if st.Err == nil || !strings.Contains(st.Err.Error(), "$YT_KEY (key_env) was refused") || !strings.Contains(st.Err.Error(), "keyInvalid") ||
		strings.Contains(st.Err.Error(), "wrong") {
		t.Fatalf("bad key: %v", st.Err)
	}
	t.Setenv("YT_KEY", "")
	if _, err := New(&collector.Env{Name: "yt"}, Options{Search: []string{"k"}, KeyEnv: "YT_KEY"}); err == nil || !strings.Contains(err.Error(), "key_env: $YT_KEY is not set") {
		t.Errorf("unset key: %v", err)
	}
}

// A video found by search whose comments are off is dropped, reported
// once, and does not fail the pass.
func TestCollectCommentsDisabled(t *testing.T) {
	a, url := newAPI(t)
	a.Do(func() { a.videoFail = collectortest.Fixture(t, "comments_disabled.json") })
	h := collectortest.New(t, source(url, ""))
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 11 || st.Errors != 1 {
		t.Fatalf("%d mentions %+v", len(ms), st)
	}
	if c := cursorOf(t, h); len(c.Found) != 1 || c.Found[0].ID != "tK9xLp2QwEr" {
		t.Errorf("found %+v", c.Found)
	}
}

func TestCollectStoresThePageAroundABadThread(t *testing.T) {
	body := badThreads(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/videos":
			w.Write(collectortest.Fixture(t, "pyyoutube_videos_info_single.json"))
		case "/comments":
			w.Write([]byte(`{"kind": "youtube#commentListResponse", "items": []}`))
		default:
			w.Write(body)
		}
	}))
	defer srv.Close()
	t.Setenv("YT_KEY", "k")
	h := collectortest.New(t, "{type: youtube, name: yt, channels: [UC_x5XG1OV2P6uZZ5FSM9Ttw], key_env: YT_KEY, base_url: '"+srv.URL+"', allow_networks: [127.0.0.1]}")
	ms, st := h.Pass(context.Background())
	// 5 readable threads; the bad thread and the reply without an id are
	// skipped; the undated comment is stored with the fetch time.
	if st.Err != nil || len(ms) != 5 || st.Skipped != 2 || st.Errors != 3 {
		t.Fatalf("%d mentions %+v", len(ms), st)
	}
	if !strings.Contains(string(h.Cursor()), `"UgzBAD0000000000000004AaABAg"`) {
		t.Errorf("the bad thread is not remembered: %s", h.Cursor())
	}
	// Nothing is stored twice; the bad thread is not reported again (its
	// id is remembered), the reply with neither id nor time is.
	ms, st = h.Pass(context.Background())
	if st.Err != nil || len(ms) != 0 || st.Errors != 1 {
		t.Errorf("second pass: %d mentions %+v", len(ms), st)
	}
}

func FuzzParseThreads(f *testing.F) {
	for _, name := range []string{"threads_channel_p1.json", "threads_video.json", "pyyoutube_comment_threads_by_video.json", "pyyoutube_comment_threads_all_to_channel.json"} {
		f.Add(collectortest.Fixture(f, name))
	}
	f.Add(badThreads(f))
	own := map[string]bool{brandChannel: true}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParseThreads(body)
		if err != nil {
			return
		}
		for _, th := range p.Threads {
			if th.Err != nil {
				continue
			}
			for _, c := range append([]Comment{th.Top}, th.Replies...) {
				if c.Err != nil {
					continue
				}
				m := c.Mention(Context{Own: own, Fetched: fetched, Replies: th.TotalReplies})
				if m.Source != "youtube" || m.ID == "" || m.PublishedAt.IsZero() || m.Engagement.Likes < 0 || m.Engagement.Replies < 0 ||
					!strings.HasPrefix(m.URL, "https://www.youtube.com/") || (c.ParentID != "" && !strings.HasPrefix(m.ParentURL, "https://www.youtube.com/")) {
					t.Fatalf("bad mention %+v", m)
				}
			}
		}
	})
}

// BenchmarkParse reports comments (top-level and replies) decoded and
// normalised per second, on pages of 100 threads.
func BenchmarkParse(b *testing.B) {
	var r struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(collectortest.Fixture(b, "threads_channel_p1.json"), &r); err != nil {
		b.Fatal(err)
	}
	body := collectortest.Page(`{"kind": "youtube#commentThreadListResponse", "nextPageToken": "x", "items": [`, r.Items, 100, `]}`)
	own := map[string]bool{brandChannel: true}
	comments := 0
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := ParseThreads(body)
		if err != nil || len(p.Threads) != 100 {
			b.Fatal(err)
		}
		for _, th := range p.Threads {
			for _, c := range append([]Comment{th.Top}, th.Replies...) {
				if c.Mention(Context{Own: own, Fetched: fetched}) == nil {
					b.Fatal("no mention")
				}
				comments++
			}
		}
	}
	b.ReportMetric(float64(comments)/b.Elapsed().Seconds(), "comments/s")
}

func TestNewValidates(t *testing.T) {
	t.Setenv("YT_KEY", "k")
	for o, want := range map[*Options]string{
		{KeyEnv: "YT_KEY"}: "channels: give channels",
		{OwnChannels: []string{"tietokonekoijarit"}, KeyEnv: "YT_KEY"}: `own_channels[0]: "tietokonekoijarit" is not a channel id`,
		{Search: []string{"k"}, DailyQuota: -1, KeyEnv: "YT_KEY"}:      "must be positive",
		{Search: []string{strings.Repeat("k", 401)}, KeyEnv: "YT_KEY"}: "search: search term",
	} {
		if _, err := New(&collector.Env{Name: "yt"}, *o); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want %q", *o, err, want)
		}
	}
}
