package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/query"
	"github.com/ewom/ewom/internal/store"
)

// SavedQuery is a named search and the filters it was saved with: a view
// any endpoint that takes filters applies with saved=<id>. It belongs to
// its owner, or, shared, to everyone (only admins share, and change or
// delete what is shared).
type SavedQuery struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Owner     string    `json:"owner"`
	Shared    bool      `json:"shared"`
	Query     string    `json:"query"`   // the search language (q); may be empty
	Filters   string    `json:"filters"` // filter parameters as a URL query (brand=X&range=30d)
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SavedQueries is the list answer.
type SavedQueries struct {
	SavedQueries []SavedQuery `json:"saved_queries"`
}

// savedFilterKeys are the parameters a saved query may hold besides q;
// timeKeys are applied together (a request that names any of them keeps
// its own time).
var (
	savedFilterKeys = append([]string{"range", "from", "to"}, listKeys...)
	timeKeys        = []string{"range", "from", "to"}
)

// Limits of saved queries.
const (
	maxSavedName     = 100
	maxSavedPerOwner = 200
)

func (s *Server) registerSaved(mux *http.ServeMux, authenticate func(http.HandlerFunc) http.HandlerFunc) {
	route := func(pattern, name string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, s.api(roleViewer, authenticate, s.timed(name, h)))
	}
	route("GET /api/v1/saved-queries", "saved_list", s.handleSavedList)
	route("POST /api/v1/saved-queries", "saved_create", s.handleSavedCreate)
	route("PUT /api/v1/saved-queries/{id}", "saved_update", s.handleSavedUpdate)
	route("DELETE /api/v1/saved-queries/{id}", "saved_delete", s.handleSavedDelete)
}

// savedQueries reads the current saved queries that p may see, or the one
// with id when id is not "".
func (s *Server) savedQueries(ctx context.Context, p principal, id string) ([]SavedQuery, error) {
	all, err := s.allSaved(ctx, id)
	if err != nil {
		return nil, err
	}
	out := slices.DeleteFunc(all, func(q SavedQuery) bool { return !q.Shared && q.Owner != p.user })
	slices.SortFunc(out, func(a, b SavedQuery) int {
		if a.Shared != b.Shared { // the user's own first
			if b.Shared {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// allSaved reads every current saved query, or the one with id when id is
// not "".
func (s *Server) allSaved(ctx context.Context, id string) ([]SavedQuery, error) {
	where := ""
	if id != "" {
		where = " WHERE id = " + store.Quote(id)
	}
	type row struct {
		ID, SName, SOwner, SQuery, SFilters string
		SShared, SDeleted                   num
		SCreated, SUpdated                  time.Time
	}
	rows, err := queryAs[row](ctx, s, "SELECT id, argMax(name, version) AS s_name, argMax(owner, version) AS s_owner,"+
		" argMax(shared, version) AS s_shared, argMax(query, version) AS s_query, argMax(filters, version) AS s_filters,"+
		" argMax(deleted, version) AS s_deleted, min(created_at) AS s_created, max(updated_at) AS s_updated FROM "+
		s.store.Table("saved_queries")+where+" GROUP BY id")
	if err != nil {
		return nil, err
	}
	out := []SavedQuery{}
	for _, r := range rows {
		if r.SDeleted == 0 {
			out = append(out, SavedQuery{ID: r.ID, Name: r.SName, Owner: r.SOwner, Shared: r.SShared != 0, Query: r.SQuery,
				Filters: r.SFilters, CreatedAt: r.SCreated.UTC(), UpdatedAt: r.SUpdated.UTC()})
		}
	}
	return out, nil
}

func (s *Server) handleSavedList(w http.ResponseWriter, r *http.Request) {
	out, err := s.savedQueries(r.Context(), principalFrom(r.Context()), "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, SavedQueries{SavedQueries: out})
}

// savedRequest is the body of a create or update.
type savedRequest struct {
	Name    string `json:"name"`
	Query   string `json:"query"`
	Filters string `json:"filters"`
	Shared  bool   `json:"shared"`
}

// check validates a saved query's fields, as a request with them would be.
func (s *Server) check(req *savedRequest) error {
	req.Name = strings.TrimSpace(req.Name)
	req.Query = strings.TrimSpace(req.Query)
	if req.Name == "" || utf8.RuneCountInString(req.Name) > maxSavedName {
		return badf("name: want 1 to %d characters", maxSavedName)
	}
	vals, err := url.ParseQuery(req.Filters)
	if err != nil {
		return badf("filters: not a URL query: %v", err)
	}
	for k := range vals {
		if !slices.Contains(savedFilterKeys, k) {
			return badf("filters: %q is not one of %s", k, strings.Join(savedFilterKeys, ", "))
		}
	}
	if err := checkLists(vals, s.cfg.Web.MaxFilterValues); err != nil {
		return err
	}
	if _, err := parseFilter(vals, s.now()); err != nil {
		return err
	}
	if req.Query == "" && len(vals) == 0 {
		return badf("query: a saved query needs a query or filters")
	}
	if req.Query != "" {
		if _, err := search(req.Query); err != nil {
			return err
		}
	}
	req.Filters = vals.Encode() // one spelling, keys sorted
	return nil
}

// write stores a version of a saved query, and of its SQL unless deleted.
func (s *Server) writeSaved(ctx context.Context, q SavedQuery, deleted bool) error {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	b := func(v bool) string { return map[bool]string{true: "1", false: "0"}[v] }
	version := time.Now().UnixNano()
	if err := s.store.Exec(ctx, "INSERT INTO "+s.store.Table("saved_queries")+" (id, name, owner, shared, query, filters, created_at,"+
		" updated_at, deleted, version) SELECT "+store.Quote(q.ID)+", "+store.Quote(q.Name)+", "+store.Quote(q.Owner)+", "+b(q.Shared)+
		", "+store.Quote(q.Query)+", "+store.Quote(q.Filters)+", "+store.Time(q.CreatedAt)+", "+store.Time(q.UpdatedAt)+", "+
		b(deleted)+", "+strconv.FormatInt(version, 10)); err != nil {
		return err
	}
	if deleted {
		return nil
	}
	cond, err := savedSQL(q)
	if err != nil {
		return err
	}
	return s.writeSavedSQL(ctx, q.ID, cond, version)
}

// savedSQL is the condition saved query q stands for on the mentions
// table's columns, its time range left out: what Grafana applies
// (docs/query.md, "Grafana"). Like the API, it is built from the
// compiler's words and escaped literals only.
func savedSQL(q SavedQuery) (string, error) {
	vals, err := url.ParseQuery(q.Filters)
	if err != nil {
		return "", badf("filters: not a URL query: %v", err)
	}
	for _, k := range timeKeys {
		vals.Del(k)
	}
	vals.Set("q", q.Query)
	f, err := parseFilter(vals, time.Now())
	if err != nil {
		return "", err
	}
	return "1 = 1" + f.dims() + f.labels() + f.Search, nil
}

func (s *Server) writeSavedSQL(ctx context.Context, id, cond string, version int64) error {
	return s.store.Exec(ctx, "INSERT INTO "+s.store.Table("saved_query_sql")+" (id, condition, version) SELECT "+store.Quote(id)+", "+
		store.Quote(cond)+", "+strconv.FormatInt(version, 10))
}

// SyncSavedSQL writes the SQL of every saved query whose stored SQL is not
// what this build compiles (saved before the table existed, or compiled
// by another version of the search language), and returns how many.
func (s *Server) SyncSavedSQL(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	all, err := s.allSaved(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("saved queries: %w", err)
	}
	type row struct{ ID, SCondition string }
	stored, err := queryAs[row](ctx, s, "SELECT id, argMax(condition, version) AS s_condition FROM "+s.store.Table("saved_query_sql")+" GROUP BY id")
	if err != nil {
		return 0, fmt.Errorf("saved queries' SQL: %w", err)
	}
	have := map[string]string{}
	for _, r := range stored {
		have[r.ID] = r.SCondition
	}
	n := 0
	for _, q := range all {
		cond, err := savedSQL(q)
		if err != nil {
			s.log.Warn("web: a saved query no longer compiles; Grafana keeps its old SQL", "id", q.ID, "err", err)
			continue
		}
		if have[q.ID] == cond {
			continue
		}
		if err := s.writeSavedSQL(ctx, q.ID, cond, time.Now().UnixNano()); err != nil {
			return n, fmt.Errorf("saved query %s: %w", q.ID, err)
		}
		n++
	}
	return n, nil
}

func decodeSaved(w http.ResponseWriter, r *http.Request) (savedRequest, error) {
	var req savedRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, badf("body: want {\"name\", \"query\", \"filters\", \"shared\"}: %v", err)
	}
	return req, nil
}

// savedBody reads and checks the body of a create or update by p; else it
// answers the request and returns false.
func (s *Server) savedBody(w http.ResponseWriter, r *http.Request, p principal) (savedRequest, bool) {
	req, err := decodeSaved(w, r)
	if err == nil {
		err = s.check(&req)
	}
	if err != nil {
		s.fail(w, r, err)
		return req, false
	}
	if req.Shared && p.role != roleAdmin {
		writeError(w, http.StatusForbidden, "sharing a saved query needs the admin role")
		return req, false
	}
	return req, true
}

func (s *Server) handleSavedCreate(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	req, ok := s.savedBody(w, r, p)
	if !ok {
		return
	}
	mine, err := s.savedQueries(r.Context(), p, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if n := len(slices.DeleteFunc(mine, func(q SavedQuery) bool { return q.Owner != p.user })); n >= maxSavedPerOwner {
		writeError(w, http.StatusConflict, "at most "+strconv.Itoa(maxSavedPerOwner)+" saved queries a user; delete some first")
		return
	}
	now := s.now().UTC().Truncate(time.Second)
	q := SavedQuery{ID: randomToken()[:22], Name: req.Name, Owner: p.user, Shared: req.Shared, Query: req.Query, Filters: req.Filters,
		CreatedAt: now, UpdatedAt: now}
	if err := s.writeSaved(r.Context(), q, false); err != nil {
		s.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, q)
}

// editable returns the saved query of the path's {id} if p may change it:
// their own, or a shared one for an admin. Otherwise it answers the
// request and returns false.
func (s *Server) editable(w http.ResponseWriter, r *http.Request, p principal) (SavedQuery, bool) {
	qs, err := s.savedQueries(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return SavedQuery{}, false
	}
	if len(qs) == 0 {
		writeError(w, http.StatusNotFound, "no saved query with this id")
		return SavedQuery{}, false
	}
	if qs[0].Shared && p.role != roleAdmin { // else it is p's own: others' are not listed

		writeError(w, http.StatusForbidden, "only its owner changes a saved query, and only an admin a shared one")
		return SavedQuery{}, false
	}
	return qs[0], true
}

func (s *Server) handleSavedUpdate(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	q, ok := s.editable(w, r, p)
	if !ok {
		return
	}
	req, ok := s.savedBody(w, r, p)
	if !ok {
		return
	}
	q.Name, q.Query, q.Filters, q.Shared, q.UpdatedAt = req.Name, req.Query, req.Filters, req.Shared, s.now().UTC().Truncate(time.Second)
	if err := s.writeSaved(r.Context(), q, false); err != nil {
		s.fail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, q)
}

func (s *Server) handleSavedDelete(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	q, ok := s.editable(w, r, p)
	if !ok {
		return
	}
	q.UpdatedAt = s.now().UTC().Truncate(time.Second)
	if err := s.writeSaved(r.Context(), q, true); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// applySaved expands saved=<id> in q: the saved query's filters apply
// where q sets none of its own (time: when q names no time at all), and
// its query is ANDed with q's. p must be allowed to see it.
func (s *Server) applySaved(ctx context.Context, p principal, q url.Values) (url.Values, error) {
	id := q.Get("saved")
	if id == "" {
		return q, nil
	}
	qs, err := s.savedQueries(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if len(qs) == 0 {
		return nil, badf("saved: no saved query %q", id)
	}
	sq := qs[0]
	vals, err := url.ParseQuery(sq.Filters)
	if err != nil {
		return nil, err // checked when saved
	}
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	out.Del("saved")
	ownTime := slices.ContainsFunc(timeKeys, q.Has)
	for k, v := range vals {
		if !q.Has(k) && !(ownTime && slices.Contains(timeKeys, k)) {
			out[k] = v
		}
	}
	if sq.Query != "" {
		combined := sq.Query
		if own := strings.TrimSpace(q.Get("q")); own != "" {
			// The request's own query is checked alone first, so that an
			// error's position is in the text its sender wrote.
			if _, err := search(own); err != nil {
				return nil, err
			}
			combined = "(" + sq.Query + ") AND (" + own + ")"
			if _, err := query.Parse(combined); err != nil {
				var qe *query.Error
				if errors.As(err, &qe) {
					return nil, badf("q: with saved query %q the search is too large: %s", sq.Name, qe.Msg)
				}
				return nil, err
			}
		}
		out.Set("q", combined)
	}
	return out, nil
}
