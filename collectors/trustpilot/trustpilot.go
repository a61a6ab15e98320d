// Package trustpilot collects the reviews of configured business units on
// Trustpilot, and the companies' replies to them, through the official API
// with an API key.
package trustpilot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("trustpilot", New) }

// Options are the trustpilot source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// BusinessUnits are business unit ids (as /v1/business-units/find
	// answers for a domain).
	BusinessUnits []string `yaml:"business_units"`
	// APIKeyEnv names the variable holding the API key (default
	// EWOM_TRUSTPILOT_API_KEY).
	APIKeyEnv string `yaml:"api_key_env"`
	// Languages filters reviews by language (ISO 639-1); none: the API's
	// default.
	Languages []string `yaml:"languages"`
	// BaseURL of the API (default https://api.trustpilot.com) and WebURL of
	// the review pages (default https://www.trustpilot.com).
	BaseURL string `yaml:"base_url"`
	WebURL  string `yaml:"web_url"`
	// max_pages (of 100 reviews per business unit and pass) and
	// reply_window (how far back each pass reads for new company replies;
	// default 14 days).
	collector.ReviewOptions `yaml:",inline"`
}

const pageSize = 100

var (
	unitPattern     = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	languagePattern = regexp.MustCompile(`^[a-z]{2}$`)
)

// New builds a Trustpilot collector: one review feed per business unit.
func New(env *collector.Env, o Options) (collector.Collector, error) {
	if len(o.BusinessUnits) == 0 {
		return nil, errors.New("business_units: give at least one business unit id")
	}
	secret, err := collector.LoadSecret("api_key_env", o.APIKeyEnv, "EWOM_TRUSTPILOT_API_KEY")
	if err != nil {
		return nil, err
	}
	key := secret.Value()
	for i, l := range o.Languages {
		if !languagePattern.MatchString(l) {
			return nil, fmt.Errorf("languages[%d]: %q is not a two-letter language code", i, l)
		}
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://api.trustpilot.com"
	}
	if o.WebURL == "" {
		o.WebURL = "https://www.trustpilot.com"
	}
	h, base, err := env.HTTPAt(o.HTTPOptions, o.BaseURL)
	if err != nil {
		return nil, err
	}
	web, err := url.Parse(strings.TrimRight(o.WebURL, "/"))
	if err != nil || web.Scheme == "" || web.Host == "" {
		return nil, fmt.Errorf("web_url: %q is not an absolute URL", o.WebURL)
	}
	header := http.Header{"Apikey": {key}}
	credentials := secret.String()
	parts := make([]collector.Part, 0, len(o.BusinessUnits))
	for i, id := range o.BusinessUnits {
		if !unitPattern.MatchString(id) {
			return nil, fmt.Errorf("business_units[%d]: %q is not a business unit id (24 hexadecimal digits)", i, id)
		}
		u := &unitFeed{http: h, header: header, credentials: credentials, unit: id, web: web, languages: o.Languages,
			list: base.JoinPath("v1/business-units", id, "reviews")}
		parts = append(parts, collector.Part{Key: id, C: o.Feed(u.fetch, 14*24*time.Hour)})
	}
	return collector.Combine(parts...), nil
}

// unitFeed reads one business unit's reviews.
type unitFeed struct {
	http        *collector.HTTP
	header      http.Header
	credentials string
	unit        string
	list, web   *url.URL
	languages   []string
}

// fetch reads a page; the token is the page number.
func (u *unitFeed) fetch(ctx context.Context, token string) (collector.ReviewPage, error) {
	page := 1
	if token != "" {
		page, _ = strconv.Atoi(token)
	}
	q := url.Values{"page": {strconv.Itoa(page)}, "perPage": {strconv.Itoa(pageSize)}, "orderBy": {"createdat.desc"}}
	for _, l := range u.languages {
		q.Add("language", l)
	}
	target := *u.list
	target.RawQuery = q.Encode()
	var body json.RawMessage
	if _, err := u.http.GetJSON(ctx, target.String(), u.header.Clone(), &body); err != nil {
		return collector.ReviewPage{}, collector.RefusedCredential(err, u.credentials)
	}
	pg, err := Parse(body, u.web, time.Now())
	if err != nil {
		return pg, fmt.Errorf("GET %s: %w", collector.RedactURL(&target), err)
	}
	if pg.Next != "" {
		pg.Next = strconv.Itoa(page + 1)
	}
	return pg, nil
}

type link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
}

// reviewsPage is a page of a business unit's reviews but its "reviews",
// which are decoded one by one.
type reviewsPage struct {
	Links []link `json:"links"`
}

type review struct {
	ID       string `json:"id"`
	Consumer struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"consumer"`
	BusinessUnit struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	} `json:"businessUnit"`
	Location *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"location"`
	Stars         int    `json:"stars"`
	Title         string `json:"title"`
	Text          string `json:"text"`
	Language      string `json:"language"`
	CreatedAt     string `json:"createdAt"`
	ExperiencedAt string `json:"experiencedAt"`
	IsVerified    bool   `json:"isVerified"`
	NumberOfLikes int64  `json:"numberOfLikes"`
	CompanyReply  *struct {
		Text                   string `json:"text"`
		AuthorBusinessUserName string `json:"authorBusinessUserName"`
		CreatedAt              string `json:"createdAt"`
	} `json:"companyReply"`
}

// Parse reads one page of a business unit's reviews; web is the site the
// review pages are on. Each review is read on its own: one that cannot be
// read is an item with Err, the others are kept. A review yields a mention,
// and a second, owned one for the company's reply. A review or reply
// without a usable createdAt gets fetched as its time, flagged. Next is
// "more" when the page links a next page or is full.
func Parse(body []byte, web *url.URL, fetched time.Time) (collector.ReviewPage, error) {
	var res reviewsPage
	reviews, errs, err := collector.DecodeItems[review](body, "reviews", &res)
	if err != nil {
		return collector.ReviewPage{}, fmt.Errorf("malformed reviews page: %w", err)
	}
	var pg collector.ReviewPage
	for _, l := range res.Links {
		if l.Rel == "next-page" {
			pg.Next = "more"
		}
	}
	if len(reviews) >= pageSize {
		pg.Next = "more"
	}
	pg.Items = make([]collector.ReviewItem, 0, len(reviews)*3/2)
	for i := range reviews {
		r, err := &reviews[i], errs[i]
		at, terr := mention.ParseTime(r.CreatedAt)
		if err == nil && r.ID == "" {
			err = errors.New("no id")
		}
		if err == nil && (r.Stars < 1 || r.Stars > 5) {
			err = fmt.Errorf("stars %d is not 1-5", r.Stars)
		}
		if err == nil && strings.TrimSpace(r.Text+r.Title) == "" {
			err = errors.New("no title or text")
		}
		if err != nil {
			pg.Add(time.Time{}, collector.BadReview(i, r.ID, at, err))
			continue
		}
		it := r.item(web, at, terr, fetched)
		cr := r.CompanyReply
		if cr == nil {
			pg.Add(it.At, it)
			continue
		}
		author := cr.AuthorBusinessUserName
		if strings.TrimSpace(author) == "" {
			author = r.BusinessUnit.DisplayName
		}
		replyAt, err := mention.ParseTime(cr.CreatedAt)
		reply := collector.OwnerReply(it.Mention, cr.Text, author, replyAt, err, fetched)
		if reply.Mention != nil {
			r.setUnit(reply.Mention)
		}
		pg.Add(it.At, it, reply)
	}
	return pg, nil
}

func (r *review) item(web *url.URL, at time.Time, terr error, fetched time.Time) collector.ReviewItem {
	stars := float64(r.Stars)
	m := &mention.Mention{
		Source:     "trustpilot",
		ID:         r.ID,
		URL:        web.JoinPath("reviews", r.ID).String(),
		Title:      strings.TrimSpace(r.Title),
		Text:       strings.TrimSpace(r.Text),
		Lang:       strings.ToLower(r.Language),
		Rating:     &stars,
		Engagement: mention.Engagement{Likes: max(r.NumberOfLikes, 0)},
	}
	it := collector.ReviewItem{ID: r.ID, Mention: m}
	it.Dated(at, terr, fetched)
	if name := strings.TrimSpace(r.Consumer.DisplayName); name != "" {
		m.Author.Name = name
		if r.Consumer.ID != "" {
			m.Author.URL = web.JoinPath("users", r.Consumer.ID).String()
		}
	}
	r.setUnit(m)
	collector.SetExtra(m, "verified", r.IsVerified)
	if t, err := mention.ParseTime(r.ExperiencedAt); err == nil {
		collector.SetExtra(m, "experienced_at", t.Format(time.RFC3339))
	}
	return it
}

// setUnit keeps the business unit and its location as extra fields.
func (r *review) setUnit(m *mention.Mention) {
	collector.SetExtra(m, "business_unit_id", r.BusinessUnit.ID)
	if n := strings.TrimSpace(r.BusinessUnit.DisplayName); n != "" {
		collector.SetExtra(m, "business_unit", n)
	}
	if l := r.Location; l != nil && l.Name != "" {
		collector.SetExtra(m, "location", l.Name)
		collector.SetExtra(m, "location_id", l.ID)
	}
}
