package youtube

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

// ThreadPage is one commentThreads.list response, read thread by thread.
type ThreadPage struct {
	Threads       []Thread
	NextPageToken string
}

// Thread is a top-level comment with the replies the thread lists (not
// necessarily all of them: TotalReplies says how many there are).
type Thread struct {
	ID string
	// ChannelID is the channel the thread belongs to (the video's
	// uploader); empty when the response does not say.
	ChannelID    string
	VideoID      string
	TotalReplies int64
	Top          Comment
	Replies      []Comment
	// Err says why the thread cannot be read; ID and Top.Published are
	// kept when they could be.
	Err error
}

// CommentPage is one comments.list response (the replies to a comment).
type CommentPage struct {
	Comments      []Comment
	NextPageToken string
}

// Comment is a top-level comment or a reply.
type Comment struct {
	ID              string
	VideoID         string
	ChannelID       string
	ParentID        string
	AuthorName      string
	AuthorURL       string
	AuthorChannelID string
	Text            string
	Likes           int64
	// Published is zero when the comment has no readable publishedAt.
	Published time.Time
	Err       error
}

type listResponse struct {
	Items         []json.RawMessage `json:"items"`
	NextPageToken string            `json:"nextPageToken"`
	Kind          string            `json:"kind"`
}

type rawComment struct {
	ID      string `json:"id"`
	Snippet struct {
		AuthorDisplayName string `json:"authorDisplayName"`
		AuthorChannelURL  string `json:"authorChannelUrl"`
		AuthorChannelID   struct {
			Value string `json:"value"`
		} `json:"authorChannelId"`
		ChannelID    string `json:"channelId"`
		VideoID      string `json:"videoId"`
		TextDisplay  string `json:"textDisplay"`
		TextOriginal string `json:"textOriginal"`
		ParentID     string `json:"parentId"`
		LikeCount    int64  `json:"likeCount"`
		PublishedAt  string `json:"publishedAt"`
	} `json:"snippet"`
}

type rawThread struct {
	ID      string `json:"id"`
	Snippet struct {
		ChannelID       string      `json:"channelId"`
		VideoID         string      `json:"videoId"`
		TopLevelComment *rawComment `json:"topLevelComment"`
		TotalReplyCount int64       `json:"totalReplyCount"`
	} `json:"snippet"`
	Replies struct {
		Comments []json.RawMessage `json:"comments"`
	} `json:"replies"`
}

func readList(body []byte, kind string) (*listResponse, error) {
	var r listResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("not a %s: %w", kind, err)
	}
	if r.Kind != "" && r.Kind != kind {
		return nil, fmt.Errorf("got a %s, want a %s", r.Kind, kind)
	}
	return &r, nil
}

// ParseThreads reads a commentThreads.list response. Each thread, and each
// reply in it, is read on its own: one with a field of the wrong JSON type
// or without an id costs only itself.
func ParseThreads(body []byte) (*ThreadPage, error) {
	r, err := readList(body, "youtube#commentThreadListResponse")
	if err != nil {
		return nil, err
	}
	p := &ThreadPage{NextPageToken: r.NextPageToken, Threads: make([]Thread, len(r.Items))}
	for i, raw := range r.Items {
		p.Threads[i] = readThread(i, raw)
	}
	return p, nil
}

func readThread(i int, raw json.RawMessage) Thread {
	var rt rawThread
	err := json.Unmarshal(raw, &rt)
	t := Thread{ID: rt.ID, ChannelID: rt.Snippet.ChannelID, VideoID: rt.Snippet.VideoID, TotalReplies: max(rt.Snippet.TotalReplyCount, 0)}
	if top := rt.Snippet.TopLevelComment; top != nil {
		// Decoded with the thread: a top-level comment that cannot be
		// read costs its thread anyway.
		t.Top = top.comment(0, nil)
	}
	switch {
	case err != nil:
		t.Err = fmt.Errorf("thread %d (%q): %w", i, rt.ID, err)
	case rt.ID == "":
		t.Err = fmt.Errorf("thread %d has no id", i)
	case t.Top.ID == "":
		t.Err = fmt.Errorf("thread %d (%s) has no top-level comment with an id", i, rt.ID)
	}
	if t.Err != nil {
		return t
	}
	t.Top.VideoID = cmp.Or(t.Top.VideoID, t.VideoID)
	t.Top.ChannelID = cmp.Or(t.Top.ChannelID, t.ChannelID)
	for j, rr := range rt.Replies.Comments {
		c := readComment(j, rr)
		c.VideoID = cmp.Or(c.VideoID, t.VideoID)
		c.ChannelID = cmp.Or(c.ChannelID, t.ChannelID)
		c.ParentID = cmp.Or(c.ParentID, t.ID)
		if c.Err != nil {
			c.Err = fmt.Errorf("thread %d (%s): %w", i, rt.ID, c.Err)
		}
		t.Replies = append(t.Replies, c)
	}
	return t
}

// ParseComments reads a comments.list response comment by comment.
func ParseComments(body []byte) (*CommentPage, error) {
	r, err := readList(body, "youtube#commentListResponse")
	if err != nil {
		return nil, err
	}
	p := &CommentPage{NextPageToken: r.NextPageToken, Comments: make([]Comment, len(r.Items))}
	for i, raw := range r.Items {
		p.Comments[i] = readComment(i, raw)
	}
	return p, nil
}

func readComment(i int, raw json.RawMessage) Comment {
	var rc rawComment
	err := json.Unmarshal(raw, &rc)
	return rc.comment(i, err)
}

// comment is the decoded comment rc, item i of its list, read with err.
func (rc *rawComment) comment(i int, err error) Comment {
	s := &rc.Snippet
	c := Comment{ID: rc.ID, VideoID: s.VideoID, ChannelID: s.ChannelID, ParentID: s.ParentID,
		AuthorName: s.AuthorDisplayName, AuthorURL: s.AuthorChannelURL, AuthorChannelID: s.AuthorChannelID.Value,
		Text: s.TextOriginal, Likes: max(s.LikeCount, 0)}
	if c.Text == "" {
		c.Text = collector.HTMLToText(s.TextDisplay)
	}
	if t, err := time.Parse(time.RFC3339Nano, s.PublishedAt); err == nil {
		c.Published = t.UTC()
	}
	switch {
	case err != nil:
		c.Err = fmt.Errorf("comment %d (%q): %w", i, rc.ID, err)
	case rc.ID == "":
		c.Err = fmt.Errorf("comment %d has no id", i)
	}
	return c
}

// Stamp is the comment's place in a TopDown cursor.
func (c *Comment) Stamp() collector.Stamp {
	var t int64
	if !c.Published.IsZero() {
		t = c.Published.Unix()
	}
	return collector.Stamp{T: t, ID: c.ID}
}

// Context is what the collector knows around a comment: its video and
// which channels are the brand's.
type Context struct {
	Video Video
	// Own are the brand's channel ids.
	Own map[string]bool
	// Replies is the thread's reply count, for a top-level comment.
	Replies int64
	// Fetched dates a comment without publishedAt.
	Fetched time.Time
}

// Mention normalises a comment read without error. A comment without
// publishedAt gets the fetch time, flagged.
func (c *Comment) Mention(ctx Context) *mention.Mention {
	m := &mention.Mention{
		Source:      "youtube",
		ID:          c.ID,
		URL:         commentURL(c.VideoID, c.ChannelID, c.ID),
		Text:        c.Text,
		PublishedAt: c.Published,
		Author:      mention.Author{Name: c.AuthorName, URL: c.AuthorURL, Handle: c.AuthorChannelID},
		Engagement:  mention.Engagement{Likes: c.Likes, Replies: max(ctx.Replies, 0)},
		Extra:       map[string]json.RawMessage{},
	}
	if h, ok := strings.CutPrefix(c.AuthorName, "@"); ok && h != "" {
		m.Author.Handle = h
	}
	if c.Published.IsZero() {
		collector.EstimatePublished(m, ctx.Fetched)
	}
	if c.ParentID != "" {
		m.ParentURL = commentURL(c.VideoID, c.ChannelID, c.ParentID)
	}
	channel := cmp.Or(c.ChannelID, ctx.Video.ChannelID)
	collector.SetExtra(m, "video_id", c.VideoID)
	collector.SetExtra(m, "video_title", ctx.Video.Title)
	collector.SetExtra(m, "channel_id", channel)
	collector.SetExtra(m, "author_channel_id", c.AuthorChannelID)
	switch {
	case ctx.Own[c.AuthorChannelID]:
		m.Extra[mention.ExtraByBrand] = json.RawMessage("true")
	case c.AuthorChannelID != "" && c.AuthorChannelID == channel:
		m.Extra["by_channel_owner"] = json.RawMessage("true")
	}
	if ctx.Own[channel] {
		collector.SetExtra(m, collector.ExtraContextTouchpoint, "owned")
	}
	return m
}

// commentURL links a comment (lc=) under its video, or on its channel.
func commentURL(videoID, channelID, commentID string) string {
	lc := url.QueryEscape(commentID)
	switch {
	case videoID != "":
		return "https://www.youtube.com/watch?v=" + url.QueryEscape(videoID) + "&lc=" + lc
	case channelID != "":
		return "https://www.youtube.com/channel/" + url.PathEscape(channelID) + "?lc=" + lc
	}
	return "https://www.youtube.com/?lc=" + lc
}

// Video is what the collector keeps of a video: comments under it carry
// its title and channel.
type Video struct {
	ID        string    `json:"id"`
	Title     string    `json:"title,omitempty"`
	ChannelID string    `json:"channel_id,omitempty"`
	Published time.Time `json:"published,omitzero"`
}

// ParseVideos reads a search.list (type=video) or videos.list response;
// an item that cannot be read, or is not a video, is left out and counted
// in bad.
func ParseVideos(body []byte) (videos []Video, next string, bad int, err error) {
	var r listResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, "", 0, fmt.Errorf("not a search or video list: %w", err)
	}
	if r.Kind != "youtube#searchListResponse" && r.Kind != "youtube#videoListResponse" {
		return nil, "", 0, fmt.Errorf("got %q, want a search or video list", r.Kind)
	}
	for _, raw := range r.Items {
		var it struct {
			ID      json.RawMessage `json:"id"`
			Snippet struct {
				Title       string `json:"title"`
				ChannelID   string `json:"channelId"`
				PublishedAt string `json:"publishedAt"`
			} `json:"snippet"`
		}
		if json.Unmarshal(raw, &it) != nil {
			bad++
			continue
		}
		v := Video{Title: html.UnescapeString(it.Snippet.Title), ChannelID: it.Snippet.ChannelID}
		v.Published, _ = time.Parse(time.RFC3339Nano, it.Snippet.PublishedAt)
		// search.list ids are {"kind","videoId"}; videos.list ids strings.
		var sid struct {
			VideoID string `json:"videoId"`
		}
		if json.Unmarshal(it.ID, &v.ID) != nil && json.Unmarshal(it.ID, &sid) == nil {
			v.ID = sid.VideoID
		}
		if v.ID == "" {
			bad++
			continue
		}
		videos = append(videos, v)
	}
	return videos, r.NextPageToken, bad, nil
}

// apiError is the error object of Google APIs.
type apiError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Errors  []struct {
			Reason string `json:"reason"`
			Domain string `json:"domain"`
		} `json:"errors"`
		Status  string `json:"status"`
		Details []struct {
			Reason string `json:"reason"`
		} `json:"details"`
	} `json:"error"`
}

// errorReason returns the first reason of a Google API error body
// ("quotaExceeded", "keyInvalid", "API_KEY_INVALID", "commentsDisabled").
func errorReason(raw []byte) string {
	var e apiError
	if json.Unmarshal(raw, &e) != nil {
		return ""
	}
	for _, x := range e.Error.Errors {
		if x.Reason != "" {
			return x.Reason
		}
	}
	for _, d := range e.Error.Details {
		if d.Reason != "" {
			return d.Reason
		}
	}
	return e.Error.Status
}
