package meta

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

// Post is a Facebook Page post or an Instagram media object: what
// comments stand under, or itself a mention (a visitor's post on the Page,
// a post or media the brand is tagged in).
type Post struct {
	ID        string
	Text      string
	URL       string
	Published time.Time
	// AuthorID and AuthorName: the Page or user who posted (Facebook's
	// from), or the account's username (Instagram).
	AuthorID   string
	AuthorName string
	// Comments is the comment count the list gave (-1 when it gave none).
	Comments int64
	Likes    int64
	// Ad is set when the API says the post is an ad: listed by the Page's
	// ads_posts, or Instagram media of product type AD.
	Ad  bool
	Err error
}

// Comment is a comment or reply on a Facebook post or Instagram media.
type Comment struct {
	ID        string
	ParentID  string
	Text      string
	URL       string
	Published time.Time
	AuthorID  string
	// AuthorName is Facebook's from.name or Instagram's username.
	AuthorName string
	Likes      int64
	Replies    int64
	Err        error
}

type rawPost struct {
	ID           string `json:"id"`
	Message      string `json:"message"`
	Caption      string `json:"caption"`
	CreatedTime  string `json:"created_time"`
	Timestamp    string `json:"timestamp"`
	PermalinkURL string `json:"permalink_url"`
	Permalink    string `json:"permalink"`
	From         struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
	Username      string `json:"username"`
	ProductType   string `json:"media_product_type"`
	CommentsCount *int64 `json:"comments_count"`
	LikeCount     int64  `json:"like_count"`
	Comments      struct {
		Summary struct {
			TotalCount *int64 `json:"total_count"`
		} `json:"summary"`
	} `json:"comments"`
}

// ParsePosts reads a list of Facebook posts (feed, ads_posts, tagged) or
// Instagram media (media, tags), each item on its own.
func ParsePosts(body []byte) ([]Post, url.Values, error) {
	var l list
	if err := json.Unmarshal(body, &l); err != nil || l.Data == nil {
		return nil, nil, fmt.Errorf("not a Graph API list: %v", orNoData(err))
	}
	posts := make([]Post, len(l.Data))
	for i, raw := range l.Data {
		var rp rawPost
		err := json.Unmarshal(raw, &rp)
		p := Post{ID: rp.ID, Text: strings.TrimSpace(rp.Message + rp.Caption), URL: rp.PermalinkURL + rp.Permalink,
			AuthorID: rp.From.ID, AuthorName: rp.From.Name + rp.Username, Likes: max(rp.LikeCount, 0), Comments: -1,
			Ad: rp.ProductType == "AD"}
		p.Published, _ = graphTime(rp.CreatedTime + rp.Timestamp)
		switch {
		case rp.CommentsCount != nil:
			p.Comments = max(*rp.CommentsCount, 0)
		case rp.Comments.Summary.TotalCount != nil:
			p.Comments = max(*rp.Comments.Summary.TotalCount, 0)
		}
		switch {
		case err != nil:
			p.Err = fmt.Errorf("item %d (%q): %w", i, rp.ID, err)
		case rp.ID == "":
			p.Err = fmt.Errorf("item %d has no id", i)
		}
		posts[i] = p
	}
	return posts, l.nextQuery(), nil
}

func orNoData(err error) error {
	if err == nil {
		return fmt.Errorf("no data")
	}
	return err
}

type rawComment struct {
	ID           string `json:"id"`
	Message      string `json:"message"`
	Text         string `json:"text"`
	CreatedTime  string `json:"created_time"`
	Timestamp    string `json:"timestamp"`
	PermalinkURL string `json:"permalink_url"`
	From         struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Username string `json:"username"`
	} `json:"from"`
	Username     string `json:"username"`
	LikeCount    int64  `json:"like_count"`
	CommentCount int64  `json:"comment_count"`
	Parent       struct {
		ID string `json:"id"`
	} `json:"parent"`
	ParentID string          `json:"parent_id"`
	Replies  json.RawMessage `json:"replies"`
}

// ParseComments reads a comments list of a Facebook post (filter=stream:
// replies come in the same list, with parent) or of an Instagram media
// (replies nested in each comment's replies, returned after their
// comment; more of them is a list to page with next).
func ParseComments(body []byte) ([]Comment, url.Values, map[string]url.Values, error) {
	var l list
	if err := json.Unmarshal(body, &l); err != nil || l.Data == nil {
		return nil, nil, nil, fmt.Errorf("not a Graph API list: %v", orNoData(err))
	}
	var (
		out  []Comment
		more map[string]url.Values
	)
	for i, raw := range l.Data {
		c, replies := readComment(i, raw)
		out = append(out, c)
		if len(replies) == 0 || c.Err != nil {
			continue
		}
		var rl list
		if err := json.Unmarshal(replies, &rl); err != nil {
			out = append(out, Comment{Err: fmt.Errorf("replies of comment %s: %w", c.ID, err)})
			continue
		}
		for j, rr := range rl.Data {
			r, _ := readComment(j, rr)
			r.ParentID = c.ID
			if r.Err != nil {
				r.Err = fmt.Errorf("replies of comment %s: %w", c.ID, r.Err)
			}
			out = append(out, r)
		}
		if q := rl.nextQuery(); q != nil {
			if more == nil {
				more = map[string]url.Values{}
			}
			more[c.ID] = q
		}
	}
	return out, l.nextQuery(), more, nil
}

func readComment(i int, raw json.RawMessage) (Comment, json.RawMessage) {
	var rc rawComment
	err := json.Unmarshal(raw, &rc)
	c := Comment{ID: rc.ID, ParentID: rc.Parent.ID + rc.ParentID, Text: strings.TrimSpace(rc.Message + rc.Text), URL: rc.PermalinkURL,
		AuthorID: rc.From.ID, AuthorName: rc.From.Name, Likes: max(rc.LikeCount, 0), Replies: max(rc.CommentCount, 0)}
	if c.AuthorName == "" {
		c.AuthorName = cmp.Or(rc.Username, rc.From.Username)
	}
	c.Published, _ = graphTime(rc.CreatedTime + rc.Timestamp)
	if c.ID == "" {
		// Facebook permalinks name the comment (and a reply's parent):
		// .../posts/<post>/?comment_id=<c>&reply_comment_id=<r>.
		c.ID, c.ParentID = idsFromPermalink(rc.PermalinkURL)
	}
	switch {
	case err != nil:
		c.Err = fmt.Errorf("comment %d (%q): %w", i, c.ID, err)
	case c.ID == "":
		c.Err = fmt.Errorf("comment %d has no id", i)
	}
	return c, rc.Replies
}

func idsFromPermalink(raw string) (id, parent string) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", ""
	}
	q := u.Query()
	if r := q.Get("reply_comment_id"); r != "" {
		return r, q.Get("comment_id")
	}
	return q.Get("comment_id"), ""
}

// Stamp is the comment's place in a TopDown cursor.
func (c *Comment) Stamp() collector.Stamp { return stamp(c.Published, c.ID) }

// Stamp is the post's place in a TopDown cursor.
func (p *Post) Stamp() collector.Stamp { return stamp(p.Published, p.ID) }

func stamp(t time.Time, id string) collector.Stamp {
	if t.IsZero() {
		return collector.Stamp{ID: id}
	}
	return collector.Stamp{T: t.Unix(), ID: id}
}

// Network is Facebook or Instagram: the source name and how links and
// authors are written.
type Network string

// The networks.
const (
	Facebook  Network = "facebook"
	Instagram Network = "instagram"
)

// Under is what a comment stands under.
type Under struct {
	Post Post
	// Owner is the brand's own id (the Page) or username (the Instagram
	// account): comments by it are the brand's.
	Owner string
	// Own says the post is the brand's (a visitor's post is not).
	Own bool
	// Fetched dates a comment without a readable time.
	Fetched time.Time
}

// Mention normalises a comment read without error. One without a
// readable time gets the fetch time, flagged.
func (c *Comment) Mention(n Network, u Under) *mention.Mention {
	m := &mention.Mention{
		Source:      string(n),
		ID:          c.ID,
		Text:        c.Text,
		PublishedAt: c.Published,
		Engagement:  mention.Engagement{Likes: c.Likes, Replies: c.Replies},
		Extra:       map[string]json.RawMessage{},
	}
	if c.Published.IsZero() {
		collector.EstimatePublished(m, u.Fetched)
	}
	switch n {
	case Facebook:
		m.URL = cmp.Or(c.URL, "https://www.facebook.com/"+c.ID)
		if c.AuthorID != "" {
			m.Author = mention.Author{Handle: c.AuthorID, Name: c.AuthorName, URL: "https://www.facebook.com/" + c.AuthorID}
		}
		if c.ParentID != "" {
			m.ParentURL = facebookParentURL(c.URL, c.ParentID)
		}
		if u.Owner != "" && c.AuthorID == u.Owner {
			m.Extra[mention.ExtraByBrand] = json.RawMessage("true")
		}
	case Instagram:
		m.URL = instagramCommentURL(u.Post.URL, c.ID)
		if c.AuthorName != "" {
			m.Author = mention.Author{Handle: c.AuthorName, URL: "https://www.instagram.com/" + url.PathEscape(c.AuthorName) + "/"}
		}
		if c.ParentID != "" {
			m.ParentURL = instagramCommentURL(u.Post.URL, c.ParentID)
		}
		if u.Owner != "" && strings.EqualFold(c.AuthorName, u.Owner) {
			m.Extra[mention.ExtraByBrand] = json.RawMessage("true")
		}
	}
	collector.SetExtra(m, "post_id", u.Post.ID)
	collector.SetExtra(m, "post_url", u.Post.URL)
	collector.SetExtra(m, "post_text", collector.Clip(u.Post.Text, 280))
	switch {
	case u.Post.Ad:
		collector.SetExtra(m, collector.ExtraContextTouchpoint, "paid")
	case u.Own:
		collector.SetExtra(m, collector.ExtraContextTouchpoint, "owned")
	}
	return m
}

// Mention normalises a post that is itself a mention: a visitor's post on
// the Page, a post or media the brand is tagged in (kind says which).
func (p *Post) Mention(n Network, kind string, fetched time.Time) *mention.Mention {
	m := &mention.Mention{
		Source:      string(n),
		ID:          p.ID,
		URL:         p.URL,
		Text:        p.Text,
		PublishedAt: p.Published,
		Engagement:  mention.Engagement{Likes: p.Likes, Replies: max(p.Comments, 0)},
		Extra:       map[string]json.RawMessage{},
	}
	if p.Published.IsZero() {
		collector.EstimatePublished(m, fetched)
	}
	switch n {
	case Facebook:
		m.URL = cmp.Or(p.URL, "https://www.facebook.com/"+p.ID)
		if p.AuthorID != "" {
			m.Author = mention.Author{Handle: p.AuthorID, Name: p.AuthorName, URL: "https://www.facebook.com/" + p.AuthorID}
		}
	case Instagram:
		if p.AuthorName != "" {
			m.Author = mention.Author{Handle: p.AuthorName, URL: "https://www.instagram.com/" + url.PathEscape(p.AuthorName) + "/"}
		}
	}
	collector.SetExtra(m, "post_type", kind)
	return m
}

// facebookParentURL is the reply's permalink without reply_comment_id,
// which is its parent comment's (comment_id names the parent), else the
// parent's id on facebook.com.
func facebookParentURL(permalink, parent string) string {
	if u, err := url.Parse(permalink); err == nil && permalink != "" {
		q := u.Query()
		if q.Has("reply_comment_id") && q.Has("comment_id") {
			q.Del("reply_comment_id")
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return "https://www.facebook.com/" + parent
}

// instagramCommentURL links a comment under its media
// (https://www.instagram.com/p/<code>/c/<comment id>/).
func instagramCommentURL(media, comment string) string {
	if media == "" {
		return "https://www.instagram.com/"
	}
	return strings.TrimSuffix(media, "/") + "/c/" + url.PathEscape(comment) + "/"
}
