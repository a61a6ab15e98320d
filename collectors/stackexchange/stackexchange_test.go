package stackexchange

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

func TestQuestionMention(t *testing.T) {
	var r Response
	b, _ := os.ReadFile("testdata/search_advanced.json")
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	m := r.Items[0].Mention("superuser")
	if m.ID != "superuser/q/1820001" || m.Title != `TietokoneKoijarit laptop: is the warranty valid "outside" Finland?` ||
		m.Text != "I bought a laptop from TietokoneKoijarit and the keyboard failed.\n\ndmesg | grep kbd" ||
		m.Author.Name != "Jörg Müller" || m.Author.Handle != "456" || m.Engagement.Likes != 2 || m.Engagement.Replies != 1 ||
		!m.PublishedAt.Equal(time.Unix(1795159000, 0)) || string(m.Extra["tags"]) != `["laptop","warranty"]` {
		t.Errorf("question %+v", m)
	}
	d := r.Items[1].Mention("superuser")
	if d.Author.Handle != "" || d.Engagement.Likes != 0 || d.Title != "Order stuck & no reply" {
		t.Errorf("deleted owner %+v", d)
	}
	for _, it := range r.Items {
		if err := it.Mention("superuser").Validate(); err != nil {
			t.Error(err)
		}
	}
}

func TestCollectBackoffQuotaAndThrottle(t *testing.T) {
	var calls atomic.Int32
	var mode atomic.Value
	mode.Store("ok")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		q := r.URL.Query()
		if r.URL.Path != "/2.3/search/advanced" || q.Get("site") != "superuser" || q.Get("sort") != "creation" || q.Get("filter") != "withbody" || q.Get("key") != "k" {
			http.Error(w, "bad request "+r.URL.RawQuery, 400)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch mode.Load() {
		case "throttle":
			w.WriteHeader(400)
			w.Write([]byte(`{"error_id":502,"error_message":"too many requests from this IP, more requests available in 8040 seconds","error_name":"throttle_violation"}`))
		case "backoff":
			w.Write([]byte(`{"items":[],"has_more":false,"quota_max":300,"quota_remaining":200,"backoff":1}`))
		case "quota":
			w.Write([]byte(`{"items":[],"has_more":false,"quota_max":300,"quota_remaining":0}`))
		default:
			b, _ := os.ReadFile("testdata/search_advanced.json")
			w.Write(b)
		}
	}))
	defer srv.Close()
	t.Setenv("SE_KEY", "k")
	h := collectortest.New(t, "{type: stackexchange, name: se, site: superuser, queries: [TietokoneKoijarit, laptop], key_env: SE_KEY, base_url: '"+srv.URL+"', allow_networks: [127.0.0.1]}")
	ctx := context.Background()
	ms, st := h.Pass(ctx)
	// Both queries return the same two questions; the mention keys are equal,
	// so the bus keeps one of each.
	if st.Err != nil || len(ms) != 4 || ms[0].ID != "superuser/q/1819990" {
		t.Fatalf("first pass: %d %+v", len(ms), st)
	}
	if err := st.Err; err != nil && strings.Contains(err.Error(), "=k&") {
		t.Error("key leaked")
	}

	mode.Store("throttle")
	_, st = h.Pass(ctx)
	d, ok := collector.RetryAfter(st.Err, time.Now())
	if !ok || d < 8000*time.Second || strings.Contains(st.Err.Error(), "key=k") {
		t.Fatalf("throttle: %v (retry after %v)", st.Err, d)
	}

	// "backoff": the next request to the method waits.
	mode.Store("backoff")
	start := time.Now()
	_, st = h.Pass(ctx)
	if st.Err != nil || time.Since(start) < 900*time.Millisecond {
		t.Fatalf("backoff: %v after %v", st.Err, time.Since(start))
	}

	mode.Store("quota")
	before := calls.Load()
	_, st = h.Pass(ctx)
	if _, ok := collector.RetryAfter(st.Err, time.Now()); !ok || calls.Load() != before+1 {
		t.Fatalf("quota: %v, %d calls", st.Err, calls.Load()-before)
	}
}

func FuzzQuestion(f *testing.F) {
	b, _ := os.ReadFile("testdata/search_advanced.json")
	f.Add(b)
	f.Fuzz(func(t *testing.T, body []byte) {
		var r Response
		if json.Unmarshal(body, &r) != nil {
			return
		}
		for _, it := range r.Items {
			if m := it.Mention("so"); !strings.HasPrefix(m.ID, "so/q/") || m.Engagement.Likes < 0 {
				t.Fatalf("bad mention %+v", m)
			}
		}
	})
}
