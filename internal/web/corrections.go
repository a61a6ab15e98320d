package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/api"
	classeval "github.com/ewom/ewom/internal/classify/eval"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// CorrectionRequest changes one or more labels of one brand's row of a
// mention, or of every brand row when Brand is empty. Omitted labels keep
// each row's current value.
type CorrectionRequest struct {
	Brand        string `json:"brand,omitempty"`
	Sentiment    string `json:"sentiment,omitempty"`
	Touchpoint   string `json:"touchpoint,omitempty"`
	JourneyStage string `json:"journey_stage,omitempty"`
	Note         string `json:"note,omitempty"`
}

// Correction is the newest correction of a mention × brand.
type Correction struct {
	MentionID        string    `json:"mention_id"`
	Brand            string    `json:"brand"`
	PublishedAt      time.Time `json:"published_at"`
	Lang             string    `json:"lang"`
	Sentiment        string    `json:"sentiment"`
	Touchpoint       string    `json:"touchpoint"`
	JourneyStage     string    `json:"journey_stage"`
	OrigSentiment    string    `json:"original_sentiment"`
	OrigTouchpoint   string    `json:"original_touchpoint"`
	OrigJourneyStage string    `json:"original_journey_stage"`
	CorrectedBy      string    `json:"corrected_by"`
	Note             string    `json:"note"`
	CorrectedAt      time.Time `json:"corrected_at"`
	Title            string    `json:"title"`
	Text             string    `json:"text"`
}

// Corrections lists label corrections, for review and classifier tuning.
type Corrections struct {
	Corrections []Correction `json:"corrections"`
}

// corrections reads the newest correction per mention × brand matching where
// (a condition on label_corrections' columns), with the mention's title and
// text when withText (the join reads the mentions table).
func (s *Server) corrections(ctx context.Context, where string, withText bool) ([]Correction, error) {
	type row struct {
		MentionID, Brand                                string
		CPublishedAt                                    time.Time
		CLang                                           string
		NewSentiment, NewTouchpoint, NewJourneyStage    string
		OrigSentiment, OrigTouchpoint, OrigJourneyStage string
		CBy, CNote                                      string
		CAt                                             time.Time
		Title, Text                                     string
	}
	q := "SELECT * FROM (" + s.latestCorrections(where) + ") AS c"
	if withText {
		q += " ANY LEFT JOIN (SELECT mention_id, brand, title, text FROM " + s.store.Table("mentions") +
			" WHERE mention_id IN (SELECT mention_id FROM " + s.store.Table("label_corrections") + where +
			") ORDER BY version DESC LIMIT 1 BY mention_id, brand) AS m USING (mention_id, brand)"
	}
	rows, err := queryAs[row](ctx, s, q+" ORDER BY c_at DESC, mention_id LIMIT 100000")
	if err != nil {
		return nil, err
	}
	out := make([]Correction, len(rows))
	for i, x := range rows {
		out[i] = Correction{MentionID: x.MentionID, Brand: x.Brand, PublishedAt: x.CPublishedAt.UTC(), Lang: x.CLang,
			Sentiment: x.NewSentiment, Touchpoint: x.NewTouchpoint, JourneyStage: x.NewJourneyStage,
			OrigSentiment: x.OrigSentiment, OrigTouchpoint: x.OrigTouchpoint, OrigJourneyStage: x.OrigJourneyStage,
			CorrectedBy: x.CBy, Note: x.CNote, CorrectedAt: x.CAt.UTC(), Title: x.Title, Text: x.Text}
	}
	return out, nil
}

// handleCorrections exports corrections as JSON, CSV, or the TSV that
// `ewom eval --data` reads (text, pos/neu/neg, lang) for classifier tuning.
func (s *Server) handleCorrections(w http.ResponseWriter, r *http.Request) {
	cs, err := s.corrections(r.Context(), "", true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch format := r.URL.Query().Get("format"); format {
	case "", "json":
		api.WriteJSON(w, http.StatusOK, Corrections{Corrections: cs})
	case "csv":
		sh := s.newSheet(w, r, "ewom-corrections.csv")
		if sh == nil {
			return
		}
		sh.header("mention_id", "brand", "published_at", "lang", "sentiment", "touchpoint", "journey_stage",
			"original_sentiment", "original_touchpoint", "original_journey_stage", "corrected_by", "corrected_at", "note", "title", "text")
		for _, c := range cs {
			sh.row(text(c.MentionID), text(c.Brand), text(c.PublishedAt.Format(time.RFC3339)), text(c.Lang), text(c.Sentiment),
				text(c.Touchpoint), text(c.JourneyStage), text(c.OrigSentiment), text(c.OrigTouchpoint), text(c.OrigJourneyStage),
				text(c.CorrectedBy), text(c.CorrectedAt.Format(time.RFC3339)), text(c.Note), text(c.Title), text(c.Text))
		}
		sh.flush()
	case "tsv":
		w.Header().Set("Content-Type", "text/tab-separated-values; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="ewom-corrections.tsv"`)
		flat := strings.NewReplacer("\t", " ", "\r", " ", "\n", " ")
		seen := map[string]bool{}
		for _, c := range cs {
			if seen[c.MentionID] { // one line per mention, not per brand row
				continue
			}
			seen[c.MentionID] = true
			line := csvCell(strings.TrimSpace(flat.Replace(strings.TrimSpace(c.Title+" "+c.Text))), false)
			io.WriteString(w, line+"\t"+classeval.Label(c.Sentiment)+"\t"+csvCell(c.Lang, false)+"\n")
		}
	default:
		writeError(w, http.StatusBadRequest, "format: want json, csv or tsv")
	}
}

// CorrectionResult answers a correction.
type CorrectionResult struct {
	Corrected int    `json:"corrected"` // brand rows changed
	Labels    Labels `json:"labels"`    // the first brand row's new labels
}

func (s *Server) handleCorrect(w http.ResponseWriter, r *http.Request) {
	var req CorrectionRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body: want a JSON object with sentiment, touchpoint, journey_stage and note")
		return
	}
	if err := req.validate(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	id, rows, ok := s.pathRows(w, r)
	if !ok {
		return
	}
	if req.Brand != "" {
		rows = slices.DeleteFunc(rows, func(x storedRow) bool { return x.Brand != req.Brand })
		if len(rows) == 0 {
			writeError(w, http.StatusBadRequest, "brand: the mention does not name this brand")
			return
		}
	}
	prev, err := s.brandCorrections(r.Context(), " WHERE mention_id = "+store.Quote(id))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Unset labels keep each brand's current value: its last correction's,
	// else the classifier's. The new labels go into one insert, chosen by
	// brand.
	var brands, sent, tp, stage []string
	var next Labels
	for i, x := range rows {
		cur := Labels{Sentiment: x.Sentiment, Touchpoint: x.Touchpoint, JourneyStage: x.JourneyStage}
		if c, ok := prev[id+"\x00"+x.Brand]; ok {
			cur = Labels{Sentiment: c.Sentiment, Touchpoint: c.Touchpoint, JourneyStage: c.JourneyStage}
		}
		l := Labels{Sentiment: orDefault(req.Sentiment, cur.Sentiment), Touchpoint: orDefault(req.Touchpoint, cur.Touchpoint),
			JourneyStage: orDefault(req.JourneyStage, cur.JourneyStage)}
		if i == 0 {
			next = l
		}
		brands, sent, tp, stage = append(brands, x.Brand), append(sent, l.Sentiment), append(tp, l.Touchpoint), append(stage, l.JourneyStage)
	}
	byBrand := func(vs []string) string {
		return "transform(brand, " + quoteArray(brands) + ", " + quoteArray(vs) + ", '')"
	}
	now := s.now().UTC()
	user := principalFrom(r.Context()).user
	// INSERT … SELECT copies the stored labels as the originals (works on
	// every engine; old servers hang on INSERT … VALUES through Exec).
	q := "INSERT INTO " + s.store.Table("label_corrections") + " (mention_id, brand, published_at, bucket, source, lang, reach," +
		" engagement, orig_sentiment, orig_touchpoint, orig_journey_stage, new_sentiment, new_touchpoint, new_journey_stage," +
		" classifier_version, corrected_by, note, corrected_at, version) SELECT mention_id, brand, published_at," +
		" toStartOfFiveMinute(published_at), source, lang, author_followers, likes + reposts + replies, sentiment, touchpoint," +
		" journey_stage, " + byBrand(sent) + ", " + byBrand(tp) + ", " + byBrand(stage) +
		", classifier_version, " + store.Quote(user) + ", " + store.Quote(req.Note) + ", " + store.Time(now) + ", " +
		strconv.FormatInt(s.correctionVersion(now), 10) + " FROM " + s.store.Table("mentions") + " WHERE published_at = " +
		store.Time(rows[0].PublishedAt) + " AND mention_id = " + store.Quote(id) + " AND brand IN " + store.QuoteList(brands) +
		" ORDER BY version DESC LIMIT 1 BY mention_id, brand"
	ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
	defer cancel()
	if err := s.store.Exec(ctx, q); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("web: labels corrected", "mention_id", id, "brands", brands, "by", user, "sentiment", next.Sentiment,
		"touchpoint", next.Touchpoint, "journey_stage", next.JourneyStage)
	api.WriteJSON(w, http.StatusOK, CorrectionResult{Corrected: len(rows), Labels: next})
}

// correctionVersion orders a mention's corrections (the newest version wins):
// the clock's nanoseconds, but strictly increasing within the process, so a
// later correction wins even when the clock repeats or steps back.
func (s *Server) correctionVersion(now time.Time) int64 {
	for {
		last := s.lastVersion.Load()
		v := max(now.UnixNano(), last+1)
		if s.lastVersion.CompareAndSwap(last, v) {
			return v
		}
	}
}

// quoteArray returns an array literal of strings.
func quoteArray(vs []string) string {
	l := store.QuoteList(vs)
	return "[" + l[1:len(l)-1] + "]"
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (c CorrectionRequest) validate() error {
	if c.Sentiment == "" && c.Touchpoint == "" && c.JourneyStage == "" {
		return errors.New("set at least one of sentiment, touchpoint, journey_stage")
	}
	if c.Sentiment != "" && !slices.Contains(sentiments, c.Sentiment) {
		return errors.New("sentiment: want positive, neutral or negative")
	}
	if c.Touchpoint != "" && !slices.Contains(mention.Touchpoints, c.Touchpoint) {
		return errors.New("touchpoint: want owned, earned, paid or shared")
	}
	if c.JourneyStage != "" && !slices.Contains(mention.JourneyStages, c.JourneyStage) {
		return errors.New("journey_stage: want one of " + strings.Join(mention.JourneyStages, ", "))
	}
	if len(c.Note) > 1000 {
		return errors.New("note: at most 1000 bytes")
	}
	return nil
}
