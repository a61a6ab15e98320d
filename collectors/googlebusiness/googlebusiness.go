// Package googlebusiness collects the Google reviews of the brand's own
// locations (stores), and the owner's replies to them, through the Google
// Business Profile API with an OAuth refresh token. Each review keeps its
// store's name and address, so that stores can be compared.
package googlebusiness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

func init() { collector.RegisterTyped("googlebusiness", New) }

// Options are the googlebusiness source's keys.
type Options struct {
	collector.HTTPOptions `yaml:",inline"`
	// Account is the Business Profile account id (the digits of
	// accounts/{id}).
	Account   string     `yaml:"account"`
	Locations []Location `yaml:"locations"`
	// The OAuth client and the refresh token of a user who manages the
	// locations, from the environment (defaults EWOM_GBP_CLIENT_ID,
	// EWOM_GBP_CLIENT_SECRET, EWOM_GBP_REFRESH_TOKEN).
	ClientIDEnv     string `yaml:"client_id_env"`
	ClientSecretEnv string `yaml:"client_secret_env"`
	RefreshTokenEnv string `yaml:"refresh_token_env"`
	// BaseURL of the reviews API (default https://mybusiness.googleapis.com),
	// InfoURL of the Business Information API that names locations (default
	// https://mybusinessbusinessinformation.googleapis.com) and TokenURL of
	// the token endpoint (default https://oauth2.googleapis.com/token).
	BaseURL  string `yaml:"base_url"`
	InfoURL  string `yaml:"info_url"`
	TokenURL string `yaml:"token_url"`
	// max_pages (of 50 reviews per location and pass) and reply_window
	// (how far back each pass reads for new owner replies; default 14
	// days).
	collector.ReviewOptions `yaml:",inline"`
}

// Location is one store. Name and Address are kept on every review; when
// either is missing they are read from the Business Information API.
type Location struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
}

const pageSize = 50

var idPattern = regexp.MustCompile(`^[0-9]{1,30}$`)

// New builds a Google Business Profile collector: one review feed per
// location.
func New(env *collector.Env, o Options) (collector.Collector, error) {
	if !idPattern.MatchString(o.Account) {
		return nil, fmt.Errorf("account: %q is not an account id (the digits of accounts/{id})", o.Account)
	}
	if len(o.Locations) == 0 {
		return nil, errors.New("locations: give at least one location id")
	}
	defaults := []struct {
		v   *string
		def string
	}{
		{&o.ClientIDEnv, "EWOM_GBP_CLIENT_ID"}, {&o.ClientSecretEnv, "EWOM_GBP_CLIENT_SECRET"}, {&o.RefreshTokenEnv, "EWOM_GBP_REFRESH_TOKEN"},
		{&o.BaseURL, "https://mybusiness.googleapis.com"}, {&o.InfoURL, "https://mybusinessbusinessinformation.googleapis.com"},
		{&o.TokenURL, collector.GoogleTokenURL},
	}
	for _, d := range defaults {
		if *d.v == "" {
			*d.v = d.def
		}
	}
	var secrets [3]string
	for i, k := range []struct{ key, name string }{{"client_id_env", o.ClientIDEnv}, {"client_secret_env", o.ClientSecretEnv}, {"refresh_token_env", o.RefreshTokenEnv}} {
		s, err := collector.LoadSecret(k.key, k.name, "")
		if err != nil {
			return nil, err
		}
		secrets[i] = s.Value()
	}
	h, base, err := env.HTTPAt(o.HTTPOptions, o.BaseURL)
	if err != nil {
		return nil, err
	}
	info, err := h.CheckBaseURL("info_url", o.InfoURL)
	if err != nil {
		return nil, err
	}
	tokenURL, err := h.CheckBaseURL("token_url", o.TokenURL)
	if err != nil {
		return nil, err
	}
	credentials := fmt.Sprintf("$%s, $%s and $%s (client_id_env, client_secret_env, refresh_token_env)",
		o.ClientIDEnv, o.ClientSecretEnv, o.RefreshTokenEnv)
	tokens := collector.NewRefreshTokenSource(h, tokenURL.String(), secrets[0], secrets[1], secrets[2], credentials)
	parts := make([]collector.Part, 0, len(o.Locations))
	for i, l := range o.Locations {
		if !idPattern.MatchString(l.ID) {
			return nil, fmt.Errorf("locations[%d].id: %q is not a location id (the digits of locations/{id})", i, l.ID)
		}
		s := &store{tokens: tokens, account: o.Account, id: l.ID, name: l.Name, address: l.Address,
			list: base.JoinPath("v4/accounts", o.Account, "locations", l.ID, "reviews"), info: info.JoinPath("v1/locations", l.ID)}
		s.feed = o.Feed(s.fetch, 14*24*time.Hour)
		parts = append(parts, collector.Part{Key: "locations/" + l.ID, C: s})
	}
	return collector.Combine(parts...), nil
}

// store reads one location's reviews.
type store struct {
	tokens      *collector.TokenSource
	account, id string
	list, info  *url.URL
	feed        *collector.ReviewFeed
	// name, address and mapsURL describe the store on its reviews: from
	// the configuration, else looked up once.
	name, address, mapsURL string
	lookedUp               bool
}

// Collect names the store (once) and reads its reviews. A failed lookup
// is reported and retried on the next pass; the reviews are read anyway.
func (s *store) Collect(ctx context.Context, raw []byte, out collector.Output) error {
	if (s.name == "" || s.address == "") && !s.lookedUp {
		if err := s.lookup(ctx); err != nil {
			if ctx.Err() != nil {
				return err
			}
			out.Warn("location_lookup", fmt.Errorf("naming location %s (set its name and address in the configuration to skip this): %w", s.id, err))
		}
	}
	return s.feed.Collect(ctx, raw, out)
}

// locationInfo is the part of a Business Information API Location the
// reviews keep.
type locationInfo struct {
	Title             string `json:"title"`
	StorefrontAddress *struct {
		AddressLines []string `json:"addressLines"`
		PostalCode   string   `json:"postalCode"`
		Locality     string   `json:"locality"`
		RegionCode   string   `json:"regionCode"`
	} `json:"storefrontAddress"`
	Metadata struct {
		MapsURI string `json:"mapsUri"`
	} `json:"metadata"`
}

func (s *store) lookup(ctx context.Context) error {
	u := *s.info
	u.RawQuery = url.Values{"readMask": {"title,storefrontAddress,metadata"}}.Encode()
	var loc locationInfo
	if _, err := s.tokens.GetJSON(ctx, u.String(), &loc); err != nil {
		return err
	}
	if s.name == "" {
		s.name = strings.TrimSpace(loc.Title)
	}
	if s.address == "" {
		s.address = loc.address()
	}
	s.mapsURL = loc.Metadata.MapsURI
	s.lookedUp = true
	return nil
}

// address is "street, postal code locality, region".
func (l *locationInfo) address() string {
	a := l.StorefrontAddress
	if a == nil {
		return ""
	}
	var parts []string
	for _, line := range a.AddressLines {
		if line = strings.TrimSpace(line); line != "" {
			parts = append(parts, line)
		}
	}
	if city := strings.TrimSpace(a.PostalCode + " " + a.Locality); city != "" {
		parts = append(parts, city)
	}
	if a.RegionCode != "" {
		parts = append(parts, a.RegionCode)
	}
	return strings.Join(parts, ", ")
}

func (s *store) fetch(ctx context.Context, token string) (collector.ReviewPage, error) {
	u := *s.list
	q := url.Values{"pageSize": {fmt.Sprint(pageSize)}, "orderBy": {"updateTime desc"}}
	if token != "" {
		q.Set("pageToken", token)
	}
	u.RawQuery = q.Encode()
	var body json.RawMessage
	if _, err := s.tokens.GetJSON(ctx, u.String(), &body); err != nil {
		return collector.ReviewPage{}, err
	}
	pg, err := Parse(body, Store{Account: s.account, Location: s.id, Name: s.name, Address: s.address, MapsURL: s.mapsURL}, time.Now())
	if err != nil {
		return pg, fmt.Errorf("GET %s: %w", collector.RedactURL(&u), err)
	}
	return pg, nil
}

// Store is what the reviews of a location carry of it.
type Store struct {
	Account, Location, Name, Address string
	// MapsURL is the store's page on Google Maps, where its reviews are
	// shown: the reviews' URL, when known.
	MapsURL string
}

// reviewsPage is a reviews.list answer but its "reviews", which are
// decoded one by one.
type reviewsPage struct {
	NextPageToken string `json:"nextPageToken"`
}

type review struct {
	Name     string `json:"name"`
	ReviewID string `json:"reviewId"`
	Reviewer struct {
		DisplayName string `json:"displayName"`
		IsAnonymous bool   `json:"isAnonymous"`
	} `json:"reviewer"`
	StarRating  string `json:"starRating"`
	Comment     string `json:"comment"`
	CreateTime  string `json:"createTime"`
	UpdateTime  string `json:"updateTime"`
	ReviewReply *struct {
		Comment    string `json:"comment"`
		UpdateTime string `json:"updateTime"`
	} `json:"reviewReply"`
}

var stars = map[string]int{"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}

// Parse reads one reviews.list page of a store. Each review is read on its
// own: one that cannot be read is an item with Err, the others are kept. A
// review yields a mention, and a second, owned one for the owner's reply. A
// review without a comment (stars only) is kept with its stars as title,
// flagged rating_only. A review or reply without a usable time gets fetched
// as its time, flagged. A location without reviews answers {} (fields
// with default values are left out).
func Parse(body []byte, st Store, fetched time.Time) (collector.ReviewPage, error) {
	var res reviewsPage
	reviews, errs, err := collector.DecodeItems[review](body, "reviews", &res)
	if err != nil {
		return collector.ReviewPage{}, fmt.Errorf("malformed reviews page: %w", err)
	}
	pg := collector.ReviewPage{Next: res.NextPageToken}
	pg.Items = make([]collector.ReviewItem, 0, len(reviews)*3/2)
	for i := range reviews {
		r, err := &reviews[i], errs[i]
		if r.ReviewID == "" {
			r.ReviewID = r.Name[strings.LastIndexByte(r.Name, '/')+1:]
		}
		at, terr := mention.ParseTime(r.CreateTime)
		if err == nil && r.ReviewID == "" {
			err = errors.New("no reviewId")
		}
		if _, ok := stars[r.StarRating]; err == nil && !ok {
			err = fmt.Errorf("starRating %q is not ONE to FIVE", r.StarRating)
		}
		if err != nil {
			pg.Add(time.Time{}, collector.BadReview(i, r.ReviewID, at, err))
			continue
		}
		it := r.item(st, at, terr, fetched)
		// The listing is ordered by updateTime.
		sortKey, err := mention.ParseTime(r.UpdateTime)
		if err != nil {
			sortKey = it.At
		}
		rr := r.ReviewReply
		if rr == nil {
			pg.Add(sortKey, it)
			continue
		}
		original, translated := splitTranslation(rr.Comment)
		replyAt, err := mention.ParseTime(rr.UpdateTime)
		reply := collector.OwnerReply(it.Mention, original, st.Name, replyAt, err, fetched)
		if reply.Mention != nil {
			collector.SetExtra(reply.Mention, "translated_text", translated)
			st.set(reply.Mention)
		}
		pg.Add(sortKey, it, reply)
	}
	return pg, nil
}

func (r *review) item(st Store, at time.Time, terr error, fetched time.Time) collector.ReviewItem {
	n := stars[r.StarRating]
	rating := float64(n)
	original, translated := splitTranslation(r.Comment)
	m := &mention.Mention{Source: "googlebusiness", ID: r.ReviewID, URL: st.MapsURL, Text: original, Rating: &rating}
	it := collector.ReviewItem{ID: r.ReviewID, Mention: m}
	it.Dated(at, terr, fetched)
	if !r.Reviewer.IsAnonymous {
		m.Author.Name = strings.TrimSpace(r.Reviewer.DisplayName)
	}
	if m.Text == "" {
		m.Title = strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
		collector.SetExtra(m, "rating_only", true)
	}
	collector.SetExtra(m, "translated_text", translated)
	st.set(m)
	return it
}

// set keeps the store on a mention, so that stores can be compared.
func (st Store) set(m *mention.Mention) {
	collector.SetExtra(m, "account_id", st.Account)
	collector.SetExtra(m, "location_id", st.Location)
	collector.SetExtra(m, "store_name", st.Name)
	collector.SetExtra(m, "store_address", st.Address)
}

const (
	translatedMark = "(Translated by Google)"
	originalMark   = "(Original)"
)

// splitTranslation separates the reviewer's own words from the machine
// translation Google adds to a comment, in either of its two layouts:
// "(Translated by Google) …\n\n(Original)\n…" and
// "…\n\n(Translated by Google)\n…".
func splitTranslation(c string) (original, translated string) {
	if rest, ok := strings.CutPrefix(c, translatedMark); ok {
		if t, o, ok := strings.Cut(rest, "\n\n"+originalMark+"\n"); ok {
			return strings.TrimSpace(o), strings.TrimSpace(t)
		}
	}
	if o, t, ok := strings.Cut(c, "\n\n"+translatedMark+"\n"); ok {
		return strings.TrimSpace(o), strings.TrimSpace(t)
	}
	return strings.TrimSpace(c), ""
}
