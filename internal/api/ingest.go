package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/mention"
)

// Publisher persists mentions on the bus; *bus.Bus implements it. The
// result has one entry per mention.
type Publisher interface {
	PublishAll(ctx context.Context, ms []*mention.Mention) []bus.Published
}

// Rejection is one item of a request that was not accepted, and why.
type Rejection struct {
	Index int    `json:"index"`          // position in the array, or the NDJSON line index (0-based)
	Line  int    `json:"line,omitempty"` // NDJSON line number (1-based)
	Error string `json:"error"`
}

// MaxListedItems bounds each list of items in an ingest answer (rejected,
// duplicate, failed); the counts beside the lists count every item. It is
// ewom import's default chunk, so the importer names every bad line of a
// chunk of that size.
const MaxListedItems = 1000

// maxItemError bounds one listed item's error text, so that an answer stays
// well under 1 MiB whatever the request.
const maxItemError = 300

// IngestResponse is the answer to POST /api/v1/mentions.
type IngestResponse struct {
	// Accepted counts mentions persisted on the bus for the first time.
	Accepted int `json:"accepted"`
	// Duplicates counts valid mentions whose id was already received (still
	// on the bus within its duplicate window, or stored): they are not
	// stored again, so a changed text under a known id is dropped.
	// DuplicateItems names the first MaxListedItems of them.
	Duplicates     int         `json:"duplicates"`
	DuplicateItems []Rejection `json:"duplicate_items,omitempty"`
	// Rejected names the first MaxListedItems invalid items; RejectedTotal
	// counts them all.
	Rejected      []Rejection `json:"rejected"`
	RejectedTotal int         `json:"rejected_total"`
	// Failed counts valid mentions the bus did not persist; retry them.
	// FailedItems names the first MaxListedItems of them.
	Failed      int         `json:"failed,omitempty"`
	FailedItems []Rejection `json:"failed_items,omitempty"`
	Error       string      `json:"error,omitempty"`
}

// list appends it to items unless MaxListedItems are listed already.
func list(items []Rejection, it rawItem, msg string) []Rejection {
	if len(items) >= MaxListedItems {
		return items
	}
	if len(msg) > maxItemError {
		msg = strings.ToValidUTF8(msg[:maxItemError], "") + "…"
	}
	return append(items, Rejection{Index: it.index, Line: it.line, Error: msg})
}

// rawItem is one candidate mention with where it came from.
type rawItem struct {
	index, line int
	data        []byte
}

// tooManyItems is splitBody's error for a body of more items than allowed.
type tooManyItems struct{ limit int }

func (e *tooManyItems) Error() string {
	return fmt.Sprintf("the request has more than %d mentions, the limit a request (http.max_ingest_items): split it"+
		" (ewom import sends 1000 a request)", e.limit)
}

// splitBody accepts a JSON object, a JSON array of objects, or NDJSON, of at
// most limit items. It stops reading at the first item over the limit.
func splitBody(body []byte, limit int) ([]rawItem, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("empty body: send a mention JSON object, an array of them, or NDJSON (one object a line)")
	}
	if trimmed[0] == '[' {
		return splitArray(trimmed, limit)
	}
	if json.Valid(trimmed) {
		return []rawItem{{index: 0, data: trimmed}}, nil
	}
	var items []rawItem
	n := 0
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		n++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if len(items) == limit {
			return nil, &tooManyItems{limit}
		}
		items = append(items, rawItem{index: len(items), line: n, data: line})
	}
	return items, nil
}

// splitArray reads the items of a JSON array one by one.
func splitArray(body []byte, limit int) ([]rawItem, error) {
	invalid := func(err error) error {
		return fmt.Errorf("body starts with '[' but is not a valid JSON array: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil {
		return nil, invalid(err)
	}
	var items []rawItem
	for dec.More() {
		if len(items) == limit {
			return nil, &tooManyItems{limit}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, invalid(err)
		}
		items = append(items, rawItem{index: len(items), data: raw})
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, invalid(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid(errors.New("data after the closing bracket"))
	}
	return items, nil
}

func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBodyBytes)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.metrics.rejected.WithLabelValues("body_too_large").Inc()
			WriteJSON(w, http.StatusRequestEntityTooLarge, IngestResponse{Rejected: []Rejection{},
				Error: fmt.Sprintf("body larger than %d bytes (http.max_body_bytes): split it into smaller requests (ewom import does this)",
					s.MaxBodyBytes)})
			return
		}
		WriteJSON(w, http.StatusBadRequest, IngestResponse{Rejected: []Rejection{}, Error: "reading body: " + err.Error()})
		return
	}
	items, err := splitBody(body, s.MaxItems)
	if err != nil {
		code, reason := http.StatusBadRequest, "malformed_body"
		var tooMany *tooManyItems
		if errors.As(err, &tooMany) {
			code, reason = http.StatusRequestEntityTooLarge, "too_many_items"
		}
		s.metrics.rejected.WithLabelValues(reason).Inc()
		WriteJSON(w, code, IngestResponse{Rejected: []Rejection{}, Error: err.Error()})
		return
	}
	s.metrics.received.Add(float64(len(items)))
	resp := IngestResponse{Rejected: []Rejection{}}
	var valid []*mention.Mention
	var origin []rawItem // where each valid mention came from
	for _, it := range items {
		m, err := mention.Parse(it.data)
		if err != nil {
			reason := "invalid_item"
			if mention.IsMalformed(err) {
				reason = "malformed_item"
			}
			s.metrics.rejected.WithLabelValues(reason).Inc()
			resp.RejectedTotal++
			resp.Rejected = list(resp.Rejected, it, err.Error())
			continue
		}
		valid = append(valid, &m)
		origin = append(origin, it)
	}
	// Mentions stored already are not published again; the rest are, and
	// the bus says which of those it held already.
	published := make([]bus.Published, len(valid))
	var fresh []*mention.Mention
	var freshAt []int
	for i, stored := range s.storedAlready(r.Context(), valid) {
		if stored {
			published[i].Duplicate = true
			continue
		}
		fresh = append(fresh, valid[i])
		freshAt = append(freshAt, i)
	}
	for j, p := range s.Bus.PublishAll(r.Context(), fresh) {
		published[freshAt[j]] = p
	}
	var firstErr error
	for i, p := range published {
		switch {
		case p.Err != nil:
			resp.Failed++
			resp.FailedItems = list(resp.FailedItems, origin[i], p.Err.Error())
			firstErr = cmp.Or(firstErr, p.Err)
		case p.Duplicate:
			resp.Duplicates++
			resp.DuplicateItems = list(resp.DuplicateItems, origin[i], "mention id "+valid[i].Key()+
				": already received; this copy is not stored (a known id keeps its first version)")
		default:
			resp.Accepted++
		}
	}
	s.metrics.accepted.Add(float64(resp.Accepted))
	s.metrics.duplicates.Add(float64(resp.Duplicates))
	s.metrics.failed.Add(float64(resp.Failed))
	status := http.StatusOK
	switch {
	case resp.Failed > 0:
		// Valid mentions were not persisted: the client must retry them.
		s.Log.Warn("ingest: publish failed", "failed", resp.Failed, "of", len(valid), "first_err", firstErr)
		status = http.StatusServiceUnavailable
		resp.Error = fmt.Sprintf("%d mentions could not be persisted on the bus (failed_items names them; the first: %v); retry"+
			" the request (mentions already persisted are deduplicated)", resp.Failed, firstErr)
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	case resp.Accepted == 0 && resp.Duplicates == 0 && resp.RejectedTotal > 0:
		status = http.StatusUnprocessableEntity
		resp.Error = "no valid mentions in the request"
	}
	WriteJSON(w, status, resp)
}

// retryAfterSeconds is the Retry-After of an answer the bus did not
// acknowledge in full: time for a stream to elect a new leader, or for the
// client to reconnect.
const retryAfterSeconds = 5

// storeCheckTimeout bounds storedAlready's lookup.
const storeCheckTimeout = 2 * time.Second

// storedAlready reports which of the mentions are stored already: sent
// again after the bus's duplicate window, the classifier worker's id check
// (the same lookup) would drop them. It runs before publishing, so that a
// mention this request publishes is never found stored by its own
// request. Without a store (an ingest-only process), or when the store does
// not answer, it reports none; the bus's duplicate window still catches
// recent ones, and the worker the rest.
func (s *Server) storedAlready(ctx context.Context, ms []*mention.Mention) []bool {
	out := make([]bool, len(ms))
	if s.Store == nil || len(ms) == 0 {
		return out
	}
	ids := make([]string, len(ms))
	from, to := ms[0].PublishedAt, ms[0].PublishedAt
	for i, m := range ms {
		ids[i] = m.Key()
		if m.PublishedAt.Before(from) {
			from = m.PublishedAt
		}
		if m.PublishedAt.After(to) {
			to = m.PublishedAt
		}
	}
	// The bus, not the store, makes ingest durable: a slow store must not
	// hold the request for long.
	ctx, cancel := context.WithTimeout(ctx, storeCheckTimeout)
	defer cancel()
	found, err := s.Store.ExistingIDs(ctx, ids, from, to)
	if err != nil {
		s.Log.Warn("ingest: the store did not answer the duplicate check; mentions counted as accepted", "err", err)
		return out
	}
	for i, id := range ids {
		out[i] = found[id]
	}
	return out
}
