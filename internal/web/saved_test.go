package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/store/storetest"
)

// send makes a JSON request with the session's CSRF token and returns the
// status and body.
func (c *client) send(method, path, body string) (int, string) {
	c.t.Helper()
	resp := c.do(method, path, strings.NewReader(body), map[string]string{"Content-Type": "application/json", csrfHeader: c.csrf})
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSavedQueries(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Store, 120)
			ts := newTestServer(t, e.Store)
			viewer := login(t, ts.URL, "viewer", "viewer-pass")
			admin := login(t, ts.URL, "admin", "admin-pass")
			create := func(c *client, body string, want int) SavedQuery {
				t.Helper()
				code, b := c.send("POST", "/api/v1/saved-queries", body)
				if code != want {
					t.Fatalf("create %s: %d %s, want %d", body, code, b, want)
				}
				var q SavedQuery
				if code == http.StatusCreated {
					if err := json.Unmarshal([]byte(b), &q); err != nil {
						t.Fatal(err)
					}
				}
				return q
			}
			list := func(c *client) []SavedQuery {
				t.Helper()
				var l SavedQueries
				c.getJSON("/api/v1/saved-queries", &l)
				return l.SavedQueries
			}

			mine := create(viewer, `{"name": "Delivery", "query": "toimitus OR delivery", "filters": "brand=TietokoneKoijarit"}`, http.StatusCreated)
			if mine.Owner != "viewer" || mine.Shared || mine.ID == "" {
				t.Fatalf("created %+v", mine)
			}
			create(viewer, `{"name": "All", "query": "x", "shared": true}`, http.StatusForbidden)
			create(viewer, `{"name": "Bad", "query": "toimitus AND"}`, http.StatusBadRequest)
			create(viewer, `{"name": "Bad", "filters": "sort=newest"}`, http.StatusBadRequest)
			create(viewer, `{"name": "", "query": "x"}`, http.StatusBadRequest)
			create(viewer, `{"name": "Nothing"}`, http.StatusBadRequest)
			if code, _ := viewer.post("/api/v1/saved-queries", `{"name": "No CSRF", "query": "x"}`, false); code != http.StatusForbidden {
				t.Fatalf("create without the CSRF token: %d", code)
			}
			shared := create(admin, `{"name": "Service", "query": "asiakaspalvelu OR \"customer service\"", "filters": "range=30d", "shared": true}`,
				http.StatusCreated)

			if l := list(viewer); len(l) != 2 || l[0].ID != mine.ID || l[1].ID != shared.ID {
				t.Fatalf("viewer's list %+v", l)
			}
			if l := list(admin); len(l) != 1 || l[0].ID != shared.ID {
				t.Fatalf("admin's list %+v (the viewer's own is private)", l)
			}
			if code, _ := viewer.send("PUT", "/api/v1/saved-queries/"+shared.ID, `{"name": "Mine now", "query": "x"}`); code != http.StatusForbidden {
				t.Fatalf("viewer changed a shared query: %d", code)
			}
			if code, _ := viewer.send("DELETE", "/api/v1/saved-queries/"+shared.ID, ""); code != http.StatusForbidden {
				t.Fatalf("viewer deleted a shared query: %d", code)
			}
			if code, _ := admin.send("DELETE", "/api/v1/saved-queries/"+mine.ID, ""); code != http.StatusNotFound {
				t.Fatalf("admin reached the viewer's private query: %d", code)
			}

			// saved=<id> is the same view as its parameters written out.
			same := func(c *client, path, savedQ, spelled string) {
				t.Helper()
				a := c.text("GET", path+"?"+savedQ, nil, http.StatusOK)
				b := c.text("GET", path+"?"+spelled, nil, http.StatusOK)
				if a != b {
					t.Fatalf("%s?%s:\n%s\nwant as %s:\n%s", path, savedQ, a, spelled, b)
				}
				if strings.Contains(a, `"mentions":[]`) || strings.Contains(a, `"current":{"mentions":0`) {
					t.Fatalf("%s?%s: nothing matched, a weak comparison", path, savedQ)
				}
			}
			q := url.QueryEscape
			same(viewer, "/api/v1/mentions", "saved="+mine.ID+"&"+week, "q="+q("toimitus OR delivery")+"&brand=TietokoneKoijarit&"+week)
			same(viewer, "/api/v1/summary", "saved="+mine.ID+"&"+week, "q="+q("toimitus OR delivery")+"&brand=TietokoneKoijarit&"+week)
			// The request's own filters win, its query is ANDed.
			same(viewer, "/api/v1/mentions", "saved="+mine.ID+"&brand=TietokoneKoijarit,Rival&q=fast&"+week,
				"q="+q("(toimitus OR delivery) AND (fast)")+"&brand=TietokoneKoijarit,Rival&"+week)
			// A saved range applies when the request names no time.
			same(admin, "/api/v1/summary", "saved="+shared.ID, "q="+q(`asiakaspalvelu OR "customer service"`)+"&range=30d")
			// The request's own bad query is reported where its sender wrote it.
			body := viewer.text("GET", "/api/v1/mentions?saved="+mine.ID+"&q="+q("late OR")+"&"+week, nil, http.StatusBadRequest)
			if !strings.Contains(body, `"position":6`) {
				t.Fatalf("bad own query with a saved one: %s", body)
			}
			admin.text("GET", "/api/v1/mentions?saved="+mine.ID, nil, http.StatusBadRequest) // not the admin's

			code, b := viewer.send("PUT", "/api/v1/saved-queries/"+mine.ID, `{"name": "Deliveries", "query": "deliver*", "filters": ""}`)
			if code != http.StatusOK {
				t.Fatalf("update: %d %s", code, b)
			}
			if l := list(viewer); l[0].Name != "Deliveries" || l[0].Query != "deliver*" || l[0].Filters != "" || !l[0].CreatedAt.Equal(mine.CreatedAt) {
				t.Fatalf("after the update: %+v", l[0])
			}
			if code, _ := viewer.send("DELETE", "/api/v1/saved-queries/"+mine.ID, ""); code != http.StatusNoContent {
				t.Fatalf("delete: %d", code)
			}
			if l := list(viewer); len(l) != 1 || l[0].ID != shared.ID {
				t.Fatalf("after the delete: %+v", l)
			}
			viewer.text("GET", "/api/v1/mentions?saved="+mine.ID, nil, http.StatusBadRequest)
		})
	}
}
