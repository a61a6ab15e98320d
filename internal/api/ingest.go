package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/ewom/ewom/internal/mention"
)

// Publisher persists mentions on the bus; *bus.Bus implements it. The
// result has one entry per mention, nil when it was persisted.
type Publisher interface {
	PublishAll(ctx context.Context, ms []*mention.Mention) []error
}

// Rejection is one item of a request that was not accepted.
type Rejection struct {
	Index int    `json:"index"`          // position in the array, or the NDJSON line index (0-based)
	Line  int    `json:"line,omitempty"` // NDJSON line number (1-based)
	Error string `json:"error"`
}

// IngestResponse is the answer to POST /api/v1/mentions.
type IngestResponse struct {
	Accepted int         `json:"accepted"`
	Rejected []Rejection `json:"rejected"`
	// Failed counts valid mentions the bus did not persist; retry them.
	Failed int    `json:"failed,omitempty"`
	Error  string `json:"error,omitempty"`
}

// rawItem is one candidate mention with where it came from.
type rawItem struct {
	index, line int
	data        []byte
}

// splitBody accepts a JSON object, a JSON array of objects, or NDJSON.
func splitBody(body []byte) ([]rawItem, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("empty body: send a mention JSON object, an array of them, or NDJSON (one object a line)")
	}
	if trimmed[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(trimmed, &arr); err != nil {
			return nil, fmt.Errorf("body starts with '[' but is not a valid JSON array: %v", err)
		}
		items := make([]rawItem, len(arr))
		for i, a := range arr {
			items[i] = rawItem{index: i, data: a}
		}
		return items, nil
	}
	if json.Valid(trimmed) {
		return []rawItem{{index: 0, data: trimmed}}, nil
	}
	var items []rawItem
	for n, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		items = append(items, rawItem{index: len(items), line: n + 1, data: line})
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
				Error: fmt.Sprintf("body larger than %d bytes: split it into smaller requests (ewom import does this)", s.MaxBodyBytes)})
			return
		}
		WriteJSON(w, http.StatusBadRequest, IngestResponse{Rejected: []Rejection{}, Error: "reading body: " + err.Error()})
		return
	}
	items, err := splitBody(body)
	if err != nil {
		s.metrics.rejected.WithLabelValues("malformed_body").Inc()
		WriteJSON(w, http.StatusBadRequest, IngestResponse{Rejected: []Rejection{}, Error: err.Error()})
		return
	}
	resp := IngestResponse{Rejected: []Rejection{}}
	var valid []*mention.Mention
	for _, it := range items {
		s.metrics.received.Inc()
		m, err := mention.Parse(it.data)
		if err != nil {
			reason := "invalid_item"
			if mention.IsMalformed(err) {
				reason = "malformed_item"
			}
			s.metrics.rejected.WithLabelValues(reason).Inc()
			resp.Rejected = append(resp.Rejected, Rejection{Index: it.index, Line: it.line, Error: err.Error()})
			continue
		}
		valid = append(valid, &m)
	}
	for i, err := range s.Bus.PublishAll(r.Context(), valid) {
		if err != nil {
			resp.Failed++
			s.metrics.failed.Inc()
			s.Log.Warn("ingest: publish failed", "source", valid[i].Source, "err", err)
			continue
		}
		resp.Accepted++
	}
	s.metrics.accepted.Add(float64(resp.Accepted))
	status := http.StatusOK
	switch {
	case resp.Failed > 0:
		// Valid mentions were not persisted: the client must retry them.
		status = http.StatusServiceUnavailable
		resp.Error = fmt.Sprintf("%d mentions could not be persisted on the bus; retry the request (accepted ones are deduplicated)", resp.Failed)
		w.Header().Set("Retry-After", strconv.Itoa(5))
	case resp.Accepted == 0 && len(resp.Rejected) > 0:
		status = http.StatusUnprocessableEntity
		resp.Error = "no valid mentions in the request"
	}
	WriteJSON(w, status, resp)
}
