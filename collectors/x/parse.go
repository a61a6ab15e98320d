package x

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

// Page is one recent-search response, read post by post.
type Page struct {
	Posts []Post
	Meta  Meta
}

// Meta is the response's paging information.
type Meta struct {
	NewestID    string `json:"newest_id"`
	OldestID    string `json:"oldest_id"`
	NextToken   string `json:"next_token"`
	ResultCount int    `json:"result_count"`
}

// Post is one item of the response's data: the mention it makes, the
// reason it makes none (Skip), or why it cannot be read (Err).
type Post struct {
	// ID is the post's id when readable, "" otherwise.
	ID      string
	Mention *mention.Mention
	Skip    string
	Err     error
	// Estimated says why the mention's time is not the post's
	// created_at (nil when it is).
	Estimated error
}

type response struct {
	Data     []json.RawMessage `json:"data"`
	Includes struct {
		Users []json.RawMessage `json:"users"`
	} `json:"includes"`
	Meta   *Meta `json:"meta"`
	Errors []struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

type tweet struct {
	ID             string `json:"id"`
	Text           string `json:"text"`
	CreatedAt      string `json:"created_at"`
	Lang           string `json:"lang"`
	AuthorID       string `json:"author_id"`
	ConversationID string `json:"conversation_id"`
	PublicMetrics  struct {
		Retweets    int64 `json:"retweet_count"`
		Replies     int64 `json:"reply_count"`
		Likes       int64 `json:"like_count"`
		Quotes      int64 `json:"quote_count"`
		Impressions int64 `json:"impression_count"`
	} `json:"public_metrics"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
}

type user struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	Name          string `json:"name"`
	PublicMetrics struct {
		Followers int64 `json:"followers_count"`
	} `json:"public_metrics"`
}

// Parse reads a recent-search response. Each post is read on its own, so
// that one with a field of the wrong JSON type or without an id costs only
// itself; a user of the wrong shape leaves its posts without an author.
// handles are the brand's own accounts, lowercased; fetched dates a post
// whose created_at and id say nothing of its time. A body with neither
// data nor meta is an error (X's problem details, when it sends them).
func Parse(body []byte, handles map[string]bool, fetched time.Time) (*Page, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("not a recent-search response: %w", err)
	}
	if r.Data == nil && r.Meta == nil {
		if len(r.Errors) > 0 {
			return nil, fmt.Errorf("API error: %s: %s", r.Errors[0].Title, r.Errors[0].Detail)
		}
		return nil, errors.New("not a recent-search response: no data and no meta")
	}
	users := make(map[string]*user, len(r.Includes.Users))
	for _, raw := range r.Includes.Users {
		var u user
		if json.Unmarshal(raw, &u) == nil && u.ID != "" {
			users[u.ID] = &u
		}
	}
	p := &Page{Posts: make([]Post, len(r.Data))}
	if r.Meta != nil {
		p.Meta = *r.Meta
	}
	for i, raw := range r.Data {
		p.Posts[i] = readPost(i, raw, users, handles, fetched)
	}
	return p, nil
}

func readPost(i int, raw json.RawMessage, users map[string]*user, handles map[string]bool, fetched time.Time) Post {
	var t tweet
	err := json.Unmarshal(raw, &t)
	p := Post{ID: t.ID}
	if _, nerr := strconv.ParseUint(t.ID, 10, 64); nerr != nil {
		p.ID = ""
	}
	switch {
	case err != nil:
		p.Err = fmt.Errorf("post %d (id %q): %w", i, t.ID, err)
		return p
	case p.ID == "":
		p.Err = fmt.Errorf("post %d has no numeric id (%q)", i, t.ID)
		return p
	}
	for _, ref := range t.ReferencedTweets {
		if ref.Type == "retweeted" {
			p.Skip = "repost"
			return p
		}
	}
	m := &mention.Mention{
		Source: "x",
		ID:     t.ID,
		URL:    "https://x.com/i/web/status/" + t.ID,
		Text:   html.UnescapeString(t.Text),
		Lang:   language(t.Lang),
		Engagement: mention.Engagement{Likes: max(t.PublicMetrics.Likes, 0),
			Reposts: max(t.PublicMetrics.Retweets, 0) + max(t.PublicMetrics.Quotes, 0), Replies: max(t.PublicMetrics.Replies, 0)},
		Extra: map[string]json.RawMessage{},
	}
	if u := users[t.AuthorID]; u != nil && u.Username != "" {
		m.URL = "https://x.com/" + u.Username + "/status/" + t.ID
		m.Author = mention.Author{Handle: u.Username, Name: u.Name, URL: "https://x.com/" + u.Username, Followers: max(u.PublicMetrics.Followers, 0)}
		if handles[strings.ToLower(u.Username)] {
			m.Extra[mention.ExtraByBrand] = json.RawMessage("true")
		}
	}
	if created, err := time.Parse(time.RFC3339Nano, t.CreatedAt); err == nil {
		m.PublishedAt = created.UTC()
	} else {
		at, from := snowflakeTime(t.ID, fetched)
		collector.EstimatePublished(m, at)
		p.Estimated = fmt.Errorf("post %d (id %s) has no readable created_at (%q); dated by %s", i, t.ID, t.CreatedAt, from)
	}
	for _, ref := range t.ReferencedTweets {
		switch ref.Type {
		case "replied_to":
			m.ParentURL = "https://x.com/i/web/status/" + ref.ID
		case "quoted":
			m.Extra["quoted_id"], _ = json.Marshal(ref.ID)
		}
	}
	if t.ConversationID != "" {
		m.Extra["conversation_id"], _ = json.Marshal(t.ConversationID)
	}
	if t.PublicMetrics.Impressions > 0 {
		m.Extra["impressions"] = json.RawMessage(strconv.FormatInt(t.PublicMetrics.Impressions, 10))
	}
	p.Mention = m
	return p
}

// twitterEpoch is the start of X's snowflake ids, in Unix milliseconds.
const twitterEpoch = 1288834974657

// snowflakeTime is the creation time X's ids carry (ids of 2010 on), else
// fetched.
func snowflakeTime(id string, fetched time.Time) (time.Time, string) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n>>22 == 0 {
		return fetched, "the fetch time"
	}
	return time.UnixMilli(int64(n>>22) + twitterEpoch).UTC(), "its id"
}

// language drops X's codes for "no linguistic content" and undetermined
// text (und, zxx, qme, qam, qct, qht, qst).
func language(l string) string {
	if l == "und" || l == "zxx" || l == "art" || strings.HasPrefix(l, "q") {
		return ""
	}
	return l
}
