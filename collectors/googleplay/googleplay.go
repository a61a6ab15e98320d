// Package googleplay collects the reviews of the app owner's own apps on
// Google Play, and the developer's replies to them, through the Google Play
// Developer API (reviews.list) with a service account.
package googleplay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("googleplay", New) }

// Scope is the OAuth scope of the Google Play Developer API.
const Scope = "https://www.googleapis.com/auth/androidpublisher"

// Options are the googleplay source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// Apps are package names (com.example.app) of apps the service account
	// may read in Play Console.
	Apps []string `yaml:"apps"`
	// KeyFile is the path of the service account's JSON key; KeyEnv names a
	// variable holding that JSON instead. One of them is required.
	KeyFile string `yaml:"key_file"`
	KeyEnv  string `yaml:"key_env"`
	// TranslationLanguage has Google translate the reviews (e.g. "fi");
	// the untranslated text is kept as original_text.
	TranslationLanguage string `yaml:"translation_language"`
	// BaseURL of the API (default https://androidpublisher.googleapis.com)
	// and TokenURL of the token endpoint (default the key's token_uri).
	BaseURL  string `yaml:"base_url"`
	TokenURL string `yaml:"token_url"`
	// max_pages (of 100 reviews per app and pass) and reply_window (how
	// far back each pass reads for new developer replies; default 7 days,
	// all the API keeps).
	collector.ReviewOptions `yaml:",inline"`
}

const pageSize = 100

var (
	packagePattern  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$`)
	languagePattern = regexp.MustCompile(`^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$`)
)

// New builds a Google Play collector: one review feed per app.
func New(env *collector.Env, o Options) (collector.Collector, error) {
	if len(o.Apps) == 0 {
		return nil, errors.New("apps: give at least one package name (com.example.app)")
	}
	if o.TranslationLanguage != "" && !languagePattern.MatchString(o.TranslationLanguage) {
		return nil, fmt.Errorf("translation_language: %q is not a language code such as fi or en_GB", o.TranslationLanguage)
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://androidpublisher.googleapis.com"
	}
	key, credentials, err := loadKey(o)
	if err != nil {
		return nil, err
	}
	h, base, err := env.HTTPAt(o.HTTPOptions, o.BaseURL)
	if err != nil {
		return nil, err
	}
	tokenURL := key.TokenURI
	if o.TokenURL != "" {
		tokenURL = o.TokenURL
	}
	if _, err := h.CheckBaseURL("token_url", tokenURL); err != nil {
		return nil, err
	}
	tokens := collector.NewServiceAccountSource(h, tokenURL, key, Scope, credentials)
	parts := make([]collector.Part, 0, len(o.Apps))
	for i, app := range o.Apps {
		app = strings.TrimSpace(app)
		if !packagePattern.MatchString(app) {
			return nil, fmt.Errorf("apps[%d]: %q is not a package name such as com.example.app", i, o.Apps[i])
		}
		a := &appFeed{tokens: tokens, app: app, list: base.JoinPath("androidpublisher/v3/applications", app, "reviews"), lang: o.TranslationLanguage}
		parts = append(parts, collector.Part{Key: app, C: o.Feed(a.fetch, 7*24*time.Hour)})
	}
	return collector.Combine(parts...), nil
}

// loadKey reads the service account key from key_file or key_env and
// names where it came from, for errors.
func loadKey(o Options) (*collector.ServiceAccountKey, string, error) {
	var raw []byte
	var key, credentials string
	switch {
	case o.KeyFile != "" && o.KeyEnv != "":
		return nil, "", errors.New("key_file: give key_file or key_env, not both")
	case o.KeyFile != "":
		key, credentials = "key_file", "key_file ("+o.KeyFile+")"
		b, err := os.ReadFile(o.KeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("key_file: %w", err)
		}
		raw = b
	default:
		key, credentials = "key_env", "$"+o.KeyEnv+" (key_env)"
		if o.KeyEnv == "" {
			return nil, "", errors.New("key_file: required, the path of the service account's JSON key (or key_env, a variable holding it)")
		}
		s, err := collector.LoadSecret("key_env", o.KeyEnv, "")
		if err != nil {
			return nil, "", err
		}
		raw = []byte(s.Value())
	}
	k, err := collector.ParseServiceAccountKey(raw)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", key, err)
	}
	return k, credentials, nil
}

// appFeed reads one app's reviews.
type appFeed struct {
	tokens *collector.TokenSource
	app    string
	list   *url.URL
	lang   string
}

func (a *appFeed) fetch(ctx context.Context, token string) (collector.ReviewPage, error) {
	u := *a.list
	q := url.Values{"maxResults": {strconv.Itoa(pageSize)}}
	if token != "" {
		q.Set("token", token)
	}
	if a.lang != "" {
		q.Set("translationLanguage", a.lang)
	}
	u.RawQuery = q.Encode()
	var body json.RawMessage
	if _, err := a.tokens.GetJSON(ctx, u.String(), &body); err != nil {
		return collector.ReviewPage{}, err
	}
	pg, err := Parse(body, a.app, time.Now())
	if err != nil {
		return pg, fmt.Errorf("GET %s: %w", collector.RedactURL(&u), err)
	}
	return pg, nil
}

// reviewsPage is a reviews.list answer but its "reviews", which are
// decoded one by one.
type reviewsPage struct {
	TokenPagination *struct {
		NextPageToken string `json:"nextPageToken"`
	} `json:"tokenPagination"`
}

type review struct {
	ReviewID   string    `json:"reviewId"`
	AuthorName string    `json:"authorName"`
	Comments   []comment `json:"comments"`
}

type comment struct {
	User      *userComment      `json:"userComment"`
	Developer *developerComment `json:"developerComment"`
}

type userComment struct {
	Text             string    `json:"text"`
	LastModified     timestamp `json:"lastModified"`
	StarRating       int       `json:"starRating"`
	ReviewerLanguage string    `json:"reviewerLanguage"`
	Device           string    `json:"device"`
	AndroidOSVersion int       `json:"androidOsVersion"`
	AppVersionCode   int64     `json:"appVersionCode"`
	AppVersionName   string    `json:"appVersionName"`
	ThumbsUpCount    int64     `json:"thumbsUpCount"`
	ThumbsDownCount  int64     `json:"thumbsDownCount"`
	DeviceMetadata   *struct {
		ProductName  string `json:"productName"`
		Manufacturer string `json:"manufacturer"`
		DeviceClass  string `json:"deviceClass"`
	} `json:"deviceMetadata"`
	OriginalText string `json:"originalText"`
}

type developerComment struct {
	Text         string    `json:"text"`
	LastModified timestamp `json:"lastModified"`
}

// timestamp is the API's {"seconds": "…", "nanos": …}.
type timestamp struct {
	Seconds json.Number `json:"seconds"`
	Nanos   int64       `json:"nanos"`
}

// time returns the timestamp, or an error when it is absent.
func (ts timestamp) time() (time.Time, error) {
	if ts.Seconds == "" {
		return time.Time{}, errors.New("no lastModified")
	}
	secs, err := ts.Seconds.Int64()
	if err != nil {
		return time.Time{}, fmt.Errorf("lastModified.seconds %q: %w", ts.Seconds, err)
	}
	return time.Unix(secs, max(min(ts.Nanos, 999_999_999), 0)).UTC(), nil
}

// Parse reads one reviews.list page of app. Each review is read on its
// own: one that cannot be read is an item with Err, the others are kept. A
// review yields a mention, and a second, owned one for the developer's
// reply. A comment without a usable lastModified gets fetched as its time,
// flagged.
func Parse(body []byte, app string, fetched time.Time) (collector.ReviewPage, error) {
	var res reviewsPage
	reviews, errs, err := collector.DecodeItems[review](body, "reviews", &res)
	if err != nil {
		return collector.ReviewPage{}, fmt.Errorf("malformed reviews page: %w", err)
	}
	var pg collector.ReviewPage
	if res.TokenPagination != nil {
		pg.Next = res.TokenPagination.NextPageToken
	}
	pg.Items = make([]collector.ReviewItem, 0, len(reviews)+len(reviews)/2)
	for i := range reviews {
		r, err := &reviews[i], errs[i]
		user, dev := r.comments()
		if err == nil && r.ReviewID == "" {
			err = errors.New("no reviewId")
		}
		if err == nil && user == nil {
			err = errors.New("no userComment")
		}
		if err != nil {
			var at time.Time
			if user != nil {
				at, _ = user.LastModified.time()
			}
			pg.Add(time.Time{}, collector.BadReview(i, r.ReviewID, at, err))
			continue
		}
		it := r.item(app, user, fetched)
		if dev == nil || it.Err != nil {
			pg.Add(it.At, it)
			continue
		}
		at, err := dev.LastModified.time()
		reply := collector.OwnerReply(it.Mention, dev.Text, "", at, err, fetched)
		if reply.Mention != nil {
			collector.SetExtra(reply.Mention, "app_id", app)
		}
		pg.Add(it.At, it, reply)
	}
	return pg, nil
}

// comments returns the user's comment and the developer's reply (the
// latest of each; the API sends at most one of each).
func (r *review) comments() (user *userComment, dev *developerComment) {
	for _, c := range r.Comments {
		if c.User != nil {
			user = c.User
		}
		if c.Developer != nil {
			dev = c.Developer
		}
	}
	return user, dev
}

func (r *review) item(app string, u *userComment, fetched time.Time) collector.ReviewItem {
	it := collector.ReviewItem{ID: r.ReviewID}
	at, atErr := u.LastModified.time()
	if u.StarRating < 1 || u.StarRating > 5 {
		it.At, it.Err = at, fmt.Errorf("review %s: starRating %d is not 1-5", r.ReviewID, u.StarRating)
		return it
	}
	// A review with a title has it before a tab, then the body.
	title, text, ok := strings.Cut(u.Text, "\t")
	if !ok {
		title, text = "", u.Text
	}
	rating := float64(u.StarRating)
	m := &mention.Mention{
		Source:     "googleplay",
		ID:         r.ReviewID,
		URL:        "https://play.google.com/store/apps/details?id=" + url.QueryEscape(app) + "&reviewId=" + url.QueryEscape(r.ReviewID),
		Title:      strings.TrimSpace(title),
		Text:       strings.TrimSpace(text),
		Author:     mention.Author{Name: strings.TrimSpace(r.AuthorName)},
		Lang:       primaryLanguage(u.ReviewerLanguage),
		Rating:     &rating,
		Engagement: mention.Engagement{Likes: max(u.ThumbsUpCount, 0)},
	}
	if m.Text == "" && m.Title == "" {
		it.At, it.Err = at, fmt.Errorf("review %s has no text", r.ReviewID)
		return it
	}
	it.Mention = m
	it.Dated(at, atErr, fetched)
	collector.SetExtra(m, "app_id", app)
	collector.SetExtra(m, "app_version", u.AppVersionName)
	if u.AppVersionCode > 0 {
		collector.SetExtra(m, "app_version_code", u.AppVersionCode)
	}
	// The device by its product name where the API gives one, else by
	// its codename.
	collector.SetExtra(m, "device", u.Device)
	if md := u.DeviceMetadata; md != nil {
		if strings.TrimSpace(md.ProductName) != "" {
			collector.SetExtra(m, "device", md.ProductName)
			collector.SetExtra(m, "device_codename", u.Device)
		}
		collector.SetExtra(m, "device_manufacturer", md.Manufacturer)
		collector.SetExtra(m, "device_class", md.DeviceClass)
	}
	if u.AndroidOSVersion > 0 {
		collector.SetExtra(m, "android_sdk", u.AndroidOSVersion)
	}
	collector.SetExtra(m, "reviewer_language", u.ReviewerLanguage)
	if u.ThumbsDownCount > 0 {
		collector.SetExtra(m, "thumbs_down", u.ThumbsDownCount)
	}
	if u.OriginalText != "" {
		// Translated: the text is in the requested language, not the
		// reviewer's.
		m.Lang = ""
		collector.SetExtra(m, "original_text", u.OriginalText)
	}
	return it
}

// primaryLanguage is "fi" for "fi", "fi_FI" or "fi-FI".
func primaryLanguage(tag string) string {
	p, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	return strings.ToLower(p)
}
