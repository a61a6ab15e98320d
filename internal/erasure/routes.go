package erasure

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
)

// Routes serves erasure and access requests on the running service. With
// the embedded defaults one process owns the engine and the bus, so
// `ewom forget` and `ewom export` cannot open them while the service runs;
// with --server they send the request here instead.
//
//	POST /api/v1/authors/forget  {"author": "@handle as collected"} → Report
//	POST /api/v1/authors/export  {"author": "@handle as collected"} → Export
//
// Both need the bearer token. The handle is never logged: an erasure must
// not leave the name behind in the service's log.
type Routes struct {
	Store   store.Store
	JS      jetstream.JetStream
	Streams []string // the mention stream and its dead-letter stream
	Privacy config.Privacy
	Getenv  func(string) string
	Log     *slog.Logger
}

// AuthorRequest is the body of both requests.
type AuthorRequest struct {
	Author string `json:"author"`
}

// ForgetResponse is what a forget request returns.
type ForgetResponse struct {
	Author string `json:"author"`
	Report
}

// maxRequestBytes bounds a request body: it only names a handle.
const maxRequestBytes = 4 << 10

// Register mounts the routes behind authenticate.
func (rt Routes) Register(mux *http.ServeMux, authenticate func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("POST /api/v1/authors/forget", authenticate(rt.handleForget))
	mux.HandleFunc("POST /api/v1/authors/export", authenticate(rt.handleExport))
}

func (rt Routes) handleForget(w http.ResponseWriter, r *http.Request) {
	t, author, ok := rt.target(w, r)
	if !ok {
		return
	}
	rep, err := Forget(r.Context(), t)
	if err != nil {
		rt.Log.Error("erasing an author failed; the request can be repeated", "err", err)
		api.WriteJSON(w, http.StatusInternalServerError, map[string]string{
			"error": "erasure failed: " + err.Error() + "; what was erased stays erased, repeat the request"})
		return
	}
	rt.Log.Info("author erased", "mentions", rep.Mentions, "rows", rep.Rows, "label_corrections", rep.Corrections,
		"alerts", rep.Alerts, "bus_messages", rep.BusMessages)
	api.WriteJSON(w, http.StatusOK, ForgetResponse{Author: author, Report: rep})
}

func (rt Routes) handleExport(w http.ResponseWriter, r *http.Request) {
	t, _, ok := rt.target(w, r)
	if !ok {
		return
	}
	exp, err := ExportAuthor(r.Context(), t)
	if err != nil {
		rt.Log.Error("exporting an author failed", "err", err)
		api.WriteJSON(w, http.StatusInternalServerError, map[string]string{"error": "export failed: " + err.Error()})
		return
	}
	api.WriteJSON(w, http.StatusOK, exp)
}

// target reads the request's author; on a bad request it answers and
// reports false.
func (rt Routes) target(w http.ResponseWriter, r *http.Request) (Target, string, bool) {
	var req AuthorRequest
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes)).Decode(&req)
	if err == nil && strings.TrimSpace(req.Author) == "" {
		err = errors.New("author is empty")
	}
	if err != nil {
		api.WriteJSON(w, http.StatusBadRequest, map[string]string{
			"error": `want a JSON body {"author": "<handle as collected, e.g. @moona@mastodon.social>"}: ` + err.Error()})
		return Target{}, "", false
	}
	handles, err := Handles(req.Author, rt.Privacy, rt.Getenv)
	if err != nil {
		api.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return Target{}, "", false
	}
	return Target{Handles: handles, Store: rt.Store, JS: rt.JS, Streams: rt.Streams}, req.Author, true
}
