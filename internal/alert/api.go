package alert

import (
	"net/http"
	"strconv"
	"time"

	"github.com/ewom/ewom/internal/api"
)

// Register implements api.Routes: GET /api/v1/alerts lists alerts, newest
// first: ?state=firing (the default) or resolved or all, ?brand=,
// ?from=&to= (RFC 3339, on fired_at), ?limit= (default 50, at most 500)
// and ?offset= for paging through history.
func (s *Service) Register(mux *http.ServeMux, authenticate func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /api/v1/alerts", authenticate(s.handleList))
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := Filter{State: q.Get("state"), Brand: q.Get("brand"), Limit: 50}
	bad := func(msg string) { api.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": msg}) }
	switch f.State {
	case "":
		f.State = StateFiring
	case "all":
		f.State = ""
	case StateFiring, StateResolved:
	default:
		bad("state must be firing, resolved or all")
		return
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				bad(name + " must be an RFC 3339 time")
				return
			}
			*dst = t
		}
	}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (name == "limit" && (n == 0 || n > 500)) {
				bad(name + " must be a non-negative integer (limit 1-500)")
				return
			}
			*dst = n
		}
	}
	page := f
	page.Limit++ // one more tells whether there is a next page
	alerts, err := s.repo.List(r.Context(), page)
	if err != nil {
		s.log.Error("list alerts", "err", err)
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	resp := struct {
		Alerts     []Alert `json:"alerts"`
		NextOffset *int    `json:"next_offset,omitempty"`
	}{Alerts: alerts}
	if len(alerts) > f.Limit {
		resp.Alerts = alerts[:f.Limit]
		next := f.Offset + f.Limit
		resp.NextOffset = &next
	}
	if resp.Alerts == nil {
		resp.Alerts = []Alert{}
	}
	api.WriteJSON(w, http.StatusOK, resp)
}
