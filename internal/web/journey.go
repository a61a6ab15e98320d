package web

import (
	"context"
	"encoding/hex"
	"fmt"
	"iter"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// maxSteps caps the journey flow's depth: later steps are rare and make the
// chart unreadable.
const maxSteps = 5

// Transitions are moves between journey stages by authors seen more than
// once, as an acyclic flow: step i goes from the i-th stage an author
// mentioned to the (i+1)-th (repeats of the same stage collapsed).
type Transitions struct {
	From    time.Time    `json:"from"` // the period read, for drill-down
	To      time.Time    `json:"to"`
	Authors int64        `json:"authors"` // authors with at least one transition
	Links   []Transition `json:"links"`
}

// Transition is one link of the flow.
type Transition struct {
	Step  int    `json:"step"` // 1-based
	From  string `json:"from"`
	To    string `json:"to"`
	Count int64  `json:"count"`
}

// handleTransitions answers the flow from each author's stages in time
// order, repeats collapsed (their journey_stage != 'none' rows; rows of
// one second in stage order), for authors with at least two stages.
func (s *Server) handleTransitions(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	paths, err := s.authorPaths(r.Context(), f) // drill.go
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type row struct {
		Step               num
		FromStage, ToStage string
		N                  num
	}
	rows, err := queryAs[row](r.Context(), s, "SELECT step, "+store.StageCodes+"[from_code] AS from_stage, "+store.StageCodes+"[to_code] AS to_stage,"+
		" count() AS n FROM ("+paths+")"+
		" ARRAY JOIN arrayEnumerate(arrayPopBack(path)) AS step, arrayPopBack(path) AS from_code, arrayPopFront(path) AS to_code"+
		" GROUP BY step, from_code, to_code ORDER BY step, n DESC, from_stage, to_stage")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := Transitions{From: f.From, To: f.To, Links: make([]Transition, 0, len(rows))}
	for _, x := range rows {
		if x.Step == 1 { // every author with a transition has exactly one first step
			out.Authors += int64(x.N)
		}
		out.Links = append(out.Links, Transition{Step: int(x.Step), From: x.FromStage, To: x.ToStage, Count: int64(x.N)})
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// pseudonym is the SQL expression for an author's pseudonymous id: a keyed
// hash of the handle, so the journey view shows paths, not people.
func (s *Server) pseudonym(handle string) string {
	return "lower(hex(sipHash64(concat(" + store.Quote(hex.EncodeToString(s.pseudoKey)) + ", " + handle + "))))"
}

var pseudonymRE = regexp.MustCompile(`^[0-9a-f]{16}$`)

// JourneyAuthors are the (pseudonymous) authors seen more than once.
type JourneyAuthors struct {
	Authors []JourneyAuthor `json:"authors"`
}

// JourneyAuthor summarises one author's path.
type JourneyAuthor struct {
	ID         string    `json:"id"` // pseudonym
	Mentions   int64     `json:"mentions"`
	Negative   int64     `json:"negative"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	FirstStage string    `json:"first_stage"`
	LastStage  string    `json:"last_stage"`
}

// handleJourneyAuthors answers the authors with more than one post in
// the range, most negative posts first, then most posts, then by the hash
// of the handle. A post naming two brands counts once (negative when any
// of its matching brands is), and so does a version not yet merged away.
// First and last are the times of the author's first and last rows, and
// their stages; of rows in the same second, the first in stage order is
// first and the last last.
func (s *Server) handleJourneyAuthors(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	src, err := s.authorRows(r.Context(), f, "posts", "negative_posts", "first_key", "last_key")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type row struct {
		AuthorHash     string
		N, Neg, FK, LK num
	}
	rows, err := queryAs[row](r.Context(), s, "SELECT toString(author) AS author_hash, n, neg, fk, lk FROM (SELECT author, sum(posts) AS n,"+
		" sum(negative_posts) AS neg, min(first_key) AS fk, max(last_key) AS lk FROM ("+src+") GROUP BY author HAVING n > 1)"+
		" ORDER BY neg DESC, n DESC, author LIMIT "+strconv.Itoa(s.cfg.Web.TimelineAuthors))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The pseudonyms, from each author's first row: found by its second.
	ids, err := s.authorsAt(r.Context(), f, len(rows), func(yield func(hash string, second int64) bool) {
		for _, x := range rows {
			if !yield(x.AuthorHash, int64(x.FK)/256) {
				return
			}
		}
	}, "any("+s.pseudonym("author_handle")+") AS id", "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := JourneyAuthors{Authors: make([]JourneyAuthor, 0, len(rows))}
	for _, x := range rows {
		id, ok := ids[x.AuthorHash]
		if !ok {
			continue // removed between the two queries
		}
		first, last := int64(x.FK), int64(x.LK)
		out.Authors = append(out.Authors, JourneyAuthor{ID: id.ID, Mentions: int64(x.N), Negative: int64(x.Neg),
			First: time.Unix(first/256, 0).UTC(), Last: time.Unix(last/256, 0).UTC(), FirstStage: stageName(first % 256),
			LastStage: stageName(last % 256)})
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// stageName is the journey stage of a store.StageCodes code ("" for 0).
func stageName(code int64) string {
	if code < 1 || int(code) > len(mention.JourneyStages) {
		return ""
	}
	return mention.JourneyStages[code-1]
}

// authorRow is what authorsAt reads of an author's row.
type authorRow struct {
	Author, ID, Handle, Name, URL, Src string
}

// authorsAt reads, for n authors (hashes of their handles) each with the
// second of one of their rows in f (at), columns (aggregates over those
// rows of the author, matching cond too: id, handle, name, url, src) keyed
// by the hash. It reads only the rows of those seconds.
func (s *Server) authorsAt(ctx context.Context, f Filter, n int, at iter.Seq2[string, int64], columns, cond string) (map[string]authorRow, error) {
	out := make(map[string]authorRow, n)
	if n == 0 {
		return out, nil
	}
	var seconds, hashes []string
	for hash, sec := range at {
		if _, err := strconv.ParseUint(hash, 10, 64); err != nil {
			return nil, fmt.Errorf("author hash %q: %w", hash, err)
		}
		seconds = append(seconds, store.Time(time.Unix(sec, 0)))
		hashes = append(hashes, hash)
	}
	rows, err := queryAs[authorRow](ctx, s, "SELECT toString(cityHash64(author_handle)) AS author, "+columns+" FROM "+s.store.Table("mentions")+
		" WHERE published_at IN ("+strings.Join(seconds, ", ")+")"+f.dims()+f.labels()+f.Search+" AND author_handle != ''"+
		" AND cityHash64(author_handle) IN ("+strings.Join(hashes, ", ")+")"+cond+" GROUP BY author")
	for _, x := range rows {
		out[x.Author] = x
	}
	return out, err
}

// Timeline is one pseudonymous author's touchpoints in time order.
type Timeline struct {
	ID     string          `json:"id"`
	Events []TimelineEvent `json:"events"`
}

// TimelineEvent is one mention on an author's path. BrandLabels holds each
// of its brands' labels (those the brand filter selects) and Brands their
// names, in the same order; the per-brand fields (Brand, Touchpoint,
// JourneyStage, Sentiment) repeat the first label's.
type TimelineEvent struct {
	MentionID    string       `json:"mention_id"`
	PublishedAt  time.Time    `json:"published_at"`
	Source       string       `json:"source"`
	Brand        string       `json:"brand"`
	Touchpoint   string       `json:"touchpoint"`
	JourneyStage string       `json:"journey_stage"`
	Sentiment    string       `json:"sentiment"`
	Title        string       `json:"title"` // the title, or the text's start
	Lang         string       `json:"lang"`  // the post's language, as detected
	Brands       []string     `json:"brands"`
	BrandLabels  []BrandLabel `json:"brand_labels"`
}

func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if !pseudonymRE.MatchString(id) {
		writeError(w, http.StatusBadRequest, "id: want a 16-character author pseudonym from /api/v1/journey/authors")
		return
	}
	type row struct {
		MentionID, Src, Snip, Lng               string
		At                                      time.Time
		Brands, Touchpoints, Stages, Sentiments []string
		Scores                                  []num
	}
	// One event per post: its brand rows (newest version each) are
	// gathered into arrays.
	rows, err := queryAs[row](r.Context(), s, "SELECT mention_id, min(published_at) AS at, any(source) AS src, any(snippet) AS snip, any(lang) AS lng,"+
		" groupArray(brand) AS brands, groupArray(touchpoint) AS touchpoints, groupArray(journey_stage) AS stages,"+
		" groupArray(sentiment) AS sentiments, groupArray(sentiment_score) AS scores FROM (SELECT mention_id, published_at, source, lang,"+
		" brand, touchpoint, journey_stage, sentiment, sentiment_score, if(title != '', title, substringUTF8(text, 1, 160)) AS snippet FROM "+
		s.store.Table("mentions")+" WHERE published_at >= "+store.Time(f.From)+" AND published_at < "+store.Time(f.To)+f.dims()+f.Search+
		" AND author_handle != '' AND "+s.pseudonym("author_handle")+" = "+store.Quote(id)+" ORDER BY version DESC"+
		" LIMIT 1 BY mention_id, brand) GROUP BY mention_id ORDER BY at, mention_id LIMIT 500")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := Timeline{ID: id, Events: make([]TimelineEvent, 0, len(rows))}
	for _, x := range rows {
		labels := make([]BrandLabel, len(x.Brands))
		for i, b := range x.Brands {
			labels[i] = BrandLabel{Brand: b, Touchpoint: x.Touchpoints[i], JourneyStage: x.Stages[i], Sentiment: x.Sentiments[i],
				SentimentScore: float64(x.Scores[i]), Match: true}
		}
		slices.SortFunc(labels, func(a, b BrandLabel) int { return strings.Compare(a.Brand, b.Brand) })
		first := labels[0]
		out.Events = append(out.Events, TimelineEvent{MentionID: x.MentionID, PublishedAt: x.At.UTC(), Source: x.Src,
			Brand: first.Brand, Touchpoint: first.Touchpoint, JourneyStage: first.JourneyStage, Sentiment: first.Sentiment,
			Title: x.Snip, Lang: x.Lng, Brands: brandNames(labels), BrandLabels: labels})
	}
	api.WriteJSON(w, http.StatusOK, out)
}
