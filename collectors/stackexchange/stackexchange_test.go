package stackexchange

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

var fetched = time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC)

func questions(t testing.TB, body []byte) []Question {
	t.Helper()
	r, err := Parse(body, fetched)
	if err != nil {
		t.Fatal(err)
	}
	return r.Questions
}

func TestQuestionMention(t *testing.T) {
	qs := questions(t, collectortest.Fixture(t, "search_advanced.json"))
	for _, q := range qs {
		if q.Err != nil {
			t.Fatal(q.Err)
		}
	}
	m := qs[0].Mention("superuser")
	if m.ID != "superuser/q/1820001" || m.Title != `TietokoneKoijarit laptop: is the warranty valid "outside" Finland?` ||
		m.Text != "I bought a laptop from TietokoneKoijarit and the keyboard failed.\n\ndmesg | grep kbd" ||
		m.Author.Name != "Jörg Müller" || m.Author.Handle != "456" || m.Engagement.Likes != 2 || m.Engagement.Replies != 1 ||
		!m.PublishedAt.Equal(time.Unix(1795159000, 0)) || string(m.Extra["tags"]) != `["laptop","warranty"]` {
		t.Errorf("question %+v", m)
	}
	d := qs[1].Mention("superuser")
	if d.Author.Handle != "" || d.Engagement.Likes != 0 || d.Title != "Order stuck & no reply" {
		t.Errorf("deleted owner %+v", d)
	}
	for _, q := range qs {
		if err := q.Mention("superuser").Validate(); err != nil {
			t.Error(err)
		}
	}
}

// badPage is search_advanced.json with a question of the wrong shape first,
// the first question without creation_date, and an item without an id.
func badPage(t testing.TB) []byte {
	s := strings.Replace(string(collectortest.Fixture(t, "search_advanced.json")), `{"items":[`, `{"items":[{"question_id":1820100,"creation_date":1795160500,"title":"Tilaus?","owner":"deleted"},`, 1)
	s = strings.Replace(s, `"creation_date":1795159000,`, "", 1)
	return []byte(strings.Replace(s, "\n],", `,{"title":"no id","creation_date":1795150100}],`, 1))
}

// One question that cannot be read costs that question, not the page; one
// without creation_date is kept with the fetch time, flagged.
func TestQuestionsKeepThePageAroundBadOnes(t *testing.T) {
	qs := questions(t, badPage(t))
	if len(qs) != 4 {
		t.Fatalf("%d questions", len(qs))
	}
	if e := qs[0].Err; e == nil || !strings.Contains(e.Error(), "item 0 (question_id 1820100)") || !strings.Contains(e.Error(), "owner") || qs[0].CreationDate != 1795160500 {
		t.Errorf("wrong-typed question: %v %+v", e, qs[0])
	}
	if e := qs[3].Err; e == nil || !strings.Contains(e.Error(), "item 3 has no question_id") {
		t.Errorf("question without id: %v", e)
	}
	m := qs[1].Mention("superuser")
	if qs[1].Err != nil || !m.PublishedAt.Equal(fetched) || string(m.Extra[collector.ExtraTimeEstimated]) != "true" || m.Validate() != nil {
		t.Errorf("undated question %+v", m)
	}
	if m := qs[2].Mention("superuser"); qs[2].Err != nil || m.Extra[collector.ExtraTimeEstimated] != nil || !m.PublishedAt.Equal(time.Unix(1795150000, 0)) {
		t.Errorf("dated question %+v", m)
	}
}

// A page with questions of the wrong shape and one without a date stores
// the rest, the undated one with the fetch time; the bad question with a
// date moves the cursor, so it is reported once.
func TestCollectStoresThePageAroundABadQuestion(t *testing.T) {
	body := badPage(t)
	baseURL := collectortest.ServeJSON(t, body)
	h := collectortest.New(t, "{type: stackexchange, name: se, site: superuser, queries: [TietokoneKoijarit], base_url: '"+baseURL+"', allow_networks: [127.0.0.1]}")
	before := time.Now().Truncate(time.Second)
	ms, st := h.Pass(context.Background())
	if st.Err != nil || len(ms) != 2 || st.Skipped != 2 || st.Errors != 3 {
		t.Fatalf("pass: %d mentions %+v", len(ms), st)
	}
	if ms[0].ID != "superuser/q/1820001" || string(ms[0].Extra[collector.ExtraTimeEstimated]) != "true" || ms[0].PublishedAt.Before(before) || ms[1].ID != "superuser/q/1819990" {
		t.Errorf("mentions %s %v %s, %s", ms[0].ID, ms[0].PublishedAt, ms[0].Extra, ms[1].ID)
	}
	if c := string(h.Cursor()); !strings.Contains(c, `{"since":1795160500,"ids":["1820100"]}`) {
		t.Errorf("cursor %s", c)
	}
}

func TestCollectBackoffQuotaAndThrottle(t *testing.T) {
	var calls atomic.Int32
	var mode atomic.Value
	mode.Store("ok")
	page := collectortest.Fixture(t, "search_advanced.json")
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
			w.Write(page)
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
	f.Add(collectortest.Fixture(f, "search_advanced.json"))
	f.Add(badPage(f))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Parse(body, fetched)
		if err != nil {
			return
		}
		for _, q := range r.Questions {
			if q.Err != nil {
				continue
			}
			if m := q.Mention("so"); !strings.HasPrefix(m.ID, "so/q/") || m.Engagement.Likes < 0 || m.PublishedAt.IsZero() {
				t.Fatalf("bad mention %+v", m)
			}
		}
	})
}

// BenchmarkParse reports questions read per second, on pages of 100.
func BenchmarkParse(b *testing.B) {
	body := collectortest.BenchmarkPage(b, "items", "question_id", pageSize, map[string]any{"has_more": true, "quota_max": 10000, "quota_remaining": 9000}, "search_advanced.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := Parse(body, fetched)
		if err != nil || len(r.Questions) != pageSize || !r.HasMore || r.Questions[pageSize-1].Err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pageSize*b.N)/b.Elapsed().Seconds(), "questions/s")
}
