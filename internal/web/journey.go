package web

import (
	"encoding/hex"
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

// stageCodes is the journey stages as a SQL array: a stage's code is its
// 1-based index there (indexOf), 0 none.
var stageCodes = "[" + strings.Trim(store.QuoteList(mention.JourneyStages), "()") + "]"

// stageSequences selects, per author, the codes of the journey stages of
// their mentions in time order with consecutive repeats collapsed (column
// stages, an Array(UInt8)), for authors with at least two different
// consecutive stages. Collapsing repeats also absorbs the same mention seen
// under two brands or in two unmerged versions, so no costly deduplication
// by mention id is needed. Authors are grouped by a hash of the handle, far
// cheaper than the string, and each mention is one number, its second
// times 256 plus its stage's code, so ordering an author's mentions is a
// plain sort of integers (of tuples with strings it was half of the query;
// mentions in the same second are ordered by stage).
func (s *Server) stageSequences(f Filter) string {
	// Each stage is compared with its predecessor by zipping the array with
	// itself shifted by one: a lambda indexing the captured array would copy
	// it for every element (quadratic for prolific authors).
	return "SELECT arrayFilter((x, prev) -> x != prev, raw_stages, arrayPushFront(arrayPopBack(raw_stages), 0)) AS stages" +
		" FROM (SELECT arrayMap(x -> toUInt8(x % 256), arraySort(groupArray(toUInt64(toUInt32(published_at)) * 256 + indexOf(" +
		stageCodes + ", journey_stage)))) AS raw_stages FROM " + s.store.Table("mentions") +
		" WHERE published_at >= " + store.Time(f.From) + " AND published_at < " + store.Time(f.To) + f.dims() + f.labels() +
		" AND author_handle != '' AND journey_stage != 'none'" +
		" GROUP BY cityHash64(author_handle) HAVING count() > 1) WHERE length(stages) > 1"
}

func (s *Server) handleTransitions(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type row struct {
		Step               num
		FromStage, ToStage string
		N                  num
	}
	rows, err := queryAs[row](r.Context(), s, "SELECT step, "+stageCodes+"[from_code] AS from_stage, "+stageCodes+"[to_code] AS to_stage,"+
		" count() AS n FROM ("+s.stageSequences(f)+")"+
		" ARRAY JOIN arrayEnumerate(arrayPopBack(stages)) AS step, arrayPopBack(stages) AS from_code, arrayPopFront(stages) AS to_code"+
		" WHERE step <= "+strconv.Itoa(maxSteps)+" GROUP BY step, from_code, to_code ORDER BY step, n DESC, from_stage, to_stage")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := Transitions{Links: make([]Transition, 0, len(rows))}
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

func (s *Server) handleJourneyAuthors(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type row struct {
		ID                    string
		N, Neg                num
		First, Last           time.Time
		FirstStage, LastStage string
	}
	// Counts are of posts, the events a timeline shows: a post naming two
	// brands counts once (negative when any of its matching brands is),
	// and so does a version not yet merged away. The pseudonym is computed
	// only for the authors kept, and authors are grouped by a hash of the
	// handle: both matter on millions of rows.
	rows, err := queryAs[row](r.Context(), s, "SELECT "+s.pseudonym("handle")+" AS id, n, neg, first, last, first_stage, last_stage"+
		" FROM (SELECT any(author_handle) AS handle, uniqExact(mention_id) AS n, uniqExactIf(mention_id, sentiment = 'negative') AS neg,"+
		" min(published_at) AS first, max(published_at) AS last, argMin(journey_stage, published_at) AS first_stage,"+
		" argMax(journey_stage, published_at) AS last_stage FROM "+s.store.Table("mentions")+
		" WHERE published_at >= "+store.Time(f.From)+" AND published_at < "+store.Time(f.To)+f.dims()+f.labels()+
		" AND author_handle != '' GROUP BY cityHash64(author_handle) AS h HAVING n > 1"+
		" ORDER BY neg DESC, n DESC, h LIMIT "+strconv.Itoa(s.cfg.Web.TimelineAuthors)+")")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := JourneyAuthors{Authors: make([]JourneyAuthor, 0, len(rows))}
	for _, x := range rows {
		out.Authors = append(out.Authors, JourneyAuthor{ID: x.ID, Mentions: int64(x.N), Negative: int64(x.Neg),
			First: x.First.UTC(), Last: x.Last.UTC(), FirstStage: x.FirstStage, LastStage: x.LastStage})
	}
	api.WriteJSON(w, http.StatusOK, out)
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
		MentionID, Src, Snip                    string
		At                                      time.Time
		Brands, Touchpoints, Stages, Sentiments []string
		Scores                                  []num
	}
	// One event per post: its brand rows (newest version each) are
	// gathered into arrays.
	rows, err := queryAs[row](r.Context(), s, "SELECT mention_id, min(published_at) AS at, any(source) AS src, any(snippet) AS snip,"+
		" groupArray(brand) AS brands, groupArray(touchpoint) AS touchpoints, groupArray(journey_stage) AS stages,"+
		" groupArray(sentiment) AS sentiments, groupArray(sentiment_score) AS scores FROM (SELECT mention_id, published_at, source,"+
		" brand, touchpoint, journey_stage, sentiment, sentiment_score, if(title != '', title, substringUTF8(text, 1, 160)) AS snippet FROM "+
		s.store.Table("mentions")+" WHERE published_at >= "+store.Time(f.From)+" AND published_at < "+store.Time(f.To)+f.dims()+
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
			Title: x.Snip, Brands: brandNames(labels), BrandLabels: labels})
	}
	api.WriteJSON(w, http.StatusOK, out)
}
