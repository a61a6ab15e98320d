package bluesky

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

func loadEvents(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(collectortest.Fixture(t, "events.jsonl")))
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	return out
}

var (
	testMatcher = NewMatcher([]string{"TietokoneKoijar"}, []string{"#tietokonekoijarit"}, nil)
	received    = time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)
)

func TestEvent(t *testing.T) {
	evs := loadEvents(t)
	var skips []string
	var got []Event
	for _, data := range evs {
		ev, err := testMatcher.Event(data, received)
		if err != nil {
			skips = append(skips, "error")
			continue
		}
		if ev.Mention == nil {
			skips = append(skips, ev.Skip)
			continue
		}
		got = append(got, ev)
	}
	wantSkips := "no match,not a post,delete,not a commit,not a commit,update,error"
	if strings.Join(skips, ",") != wantSkips {
		t.Errorf("skips %v, want %s", skips, wantSkips)
	}
	if len(got) != 3 {
		t.Fatalf("%d mentions", len(got))
	}
	m := got[0].Mention
	if m.ID != "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3l3qo2vuowo2b" ||
		m.URL != "https://bsky.app/profile/did:plc:eygmaihciaxprqvxpfvl6flk/post/3l3qo2vuowo2b" ||
		m.Text != "Tilasin TietokoneKoijareilta läppärin ja odotan yhä 😩" || m.Lang != "fi" ||
		!m.PublishedAt.Equal(time.Date(2026, 11, 20, 8, 20, 0, 102e6, time.UTC)) || got[0].TimeUS != 1795162800000001 {
		t.Errorf("keyword match %+v", m)
	}
	if got[1].Mention.Text != "Great service today #TK" {
		t.Errorf("hashtag facet match %+v", got[1].Mention)
	}
	r := got[2].Mention
	if r.ParentURL != "https://bsky.app/profile/did:plc:abc/post/3l3qo2vuowo2c" || r.Lang != "ja" ||
		!r.PublishedAt.Equal(time.UnixMicro(1795162800000010).UTC()) || string(r.Extra[collector.ExtraTimeEstimated]) != "true" ||
		got[2].Estimated == nil || !strings.Contains(got[2].Estimated.Error(), "implausible") {
		t.Errorf("reply with a future createdAt %+v %v", r, got[2].Estimated)
	}
	if got[0].Estimated != nil || got[0].Mention.Extra[collector.ExtraTimeEstimated] != nil {
		t.Errorf("dated post flagged: %v", got[0].Estimated)
	}
	for _, e := range got {
		if err := e.Mention.Validate(); err != nil {
			t.Error(err)
		}
	}
	fi := NewMatcher([]string{"tietokonekoijar"}, nil, []string{"fi"})
	if ev, _ := fi.Event(evs[9], received); ev.Skip != "language" {
		t.Errorf("language filter: %+v", ev)
	}
}

// A post event of the wrong shape is an error only if the post would be
// kept; one without createdAt or time_us is dated by when it was received.
func TestEventOfTheWrongShape(t *testing.T) {
	post := func(record string) []byte {
		return []byte(`{"did":"did:plc:abc","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"3x","record":` + record + `}}`)
	}
	if _, err := testMatcher.Event(post(`{"text":"TietokoneKoijarit taas","langs":"fi"}`), received); err == nil ||
		!strings.Contains(err.Error(), "post at://did:plc:abc/app.bsky.feed.post/3x") || !strings.Contains(err.Error(), "langs") {
		t.Errorf("matching post of the wrong shape: %v", err)
	}
	if ev, err := testMatcher.Event(post(`{"text":"something else","langs":"fi"}`), received); err != nil || ev.Skip != "no match" {
		t.Errorf("other post of the wrong shape: %+v %v", ev, err)
	}
	ev, err := testMatcher.Event(post(`{"text":"TietokoneKoijarit taas"}`), received)
	if err != nil || ev.Mention == nil || !ev.Mention.PublishedAt.Equal(received) || ev.Estimated == nil ||
		!strings.Contains(ev.Estimated.Error(), "the time received") || ev.Mention.Validate() != nil {
		t.Errorf("undated post: %+v %v", ev, err)
	}
}

// fakeJetstream replays events with time_us >= the cursor (all when none)
// and then keeps the connection open, or closes it when dropAfter is set.
type fakeJetstream struct {
	mu        sync.Mutex
	events    [][]byte
	queries   []string
	dropAfter bool
}

func (f *fakeJetstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.queries = append(f.queries, r.URL.RawQuery)
	events, drop := f.events, f.dropAfter
	f.mu.Unlock()
	if r.URL.Path != "/subscribe" || r.URL.Query().Get("wantedCollections") != postCollection {
		http.Error(w, "bad subscription", http.StatusBadRequest)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	cur, _ := strconv.ParseInt(r.URL.Query().Get("cursor"), 10, 64)
	for _, e := range events {
		var head struct {
			TimeUS int64 `json:"time_us"`
		}
		if json.Unmarshal(e, &head) == nil && head.TimeUS < cur {
			continue
		}
		if err := c.Write(r.Context(), websocket.MessageText, e); err != nil {
			return
		}
	}
	if drop {
		c.Close(websocket.StatusGoingAway, "server restart")
		return
	}
	<-r.Context().Done()
}

func TestCollectStreamsAndResumes(t *testing.T) {
	js := &fakeJetstream{events: loadEvents(t)}
	srv := httptest.NewServer(js)
	defer srv.Close()
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http")
	h := collectortest.New(t, "{type: bluesky, name: bsky, jetstream_url: '"+wsURL+"', keywords: [tietokonekoijar], hashtags: [TietokoneKoijarit], checkpoint_every: 10ms, rewind: 1ms, allow_networks: [127.0.0.1]}")
	h.StreamFor = 500 * time.Millisecond
	ctx := context.Background()

	ms, st := h.Pass(ctx)
	// Errors: the truncated event, and the post dated 2099 stored with the
	// relay's time.
	if st.Err != nil || len(ms) != 3 || st.Skipped != 7 || st.Errors != 2 {
		t.Fatalf("first pass: %d mentions, %+v", len(ms), st)
	}
	if string(h.Cursor()) != `{"time_us":1795162800000010}` {
		t.Fatalf("cursor %s", h.Cursor())
	}
	// Resume: the cursor is rewound by 1ms, new events arrive, and the
	// connection drops; the position reached is saved before the error.
	js.mu.Lock()
	js.events = append(js.events, []byte(fmt.Sprintf(`{"did":"did:plc:new","time_us":%d,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"3new","record":{"text":"tietokonekoijarit again","createdAt":"2026-11-20T09:00:00Z"}}}`, 1795162800005000)))
	js.dropAfter = true
	js.mu.Unlock()
	ms, st = h.Pass(ctx)
	if st.Err == nil || !strings.Contains(st.Err.Error(), "reading "+wsURL+"/subscribe") {
		t.Fatalf("dropped connection: err %v", st.Err)
	}
	// The 1ms rewind replays the three earlier posts (the bus drops them as
	// duplicates), then the new one.
	if len(ms) != 4 || ms[3].Text != "tietokonekoijarit again" || ms[0].ID != "at://did:plc:eygmaihciaxprqvxpfvl6flk/app.bsky.feed.post/3l3qo2vuowo2b" {
		t.Fatalf("second pass: %d mentions", len(ms))
	}
	js.mu.Lock()
	q := js.queries[len(js.queries)-1]
	js.mu.Unlock()
	if !strings.Contains(q, "cursor=1795162799999010") {
		t.Errorf("resume query %q", q)
	}
	if string(h.Cursor()) != `{"time_us":1795162800005000}` {
		t.Errorf("cursor after drop %s", h.Cursor())
	}
}

func FuzzEvent(f *testing.F) {
	for _, e := range loadEvents(f) {
		f.Add(e)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := testMatcher.Event(data, received)
		if err != nil {
			return
		}
		if (ev.Mention == nil) == (ev.Skip == "") {
			t.Fatalf("want exactly one of mention and skip reason: %+v", ev)
		}
		if ev.Mention != nil && (ev.Mention.ID == "" || ev.Mention.PublishedAt.IsZero()) {
			t.Fatalf("bad mention %+v", ev.Mention)
		}
	})
}

// BenchmarkEvent reports Jetstream post events parsed, matched and
// normalised per second (every event a matching post: the worst case).
func BenchmarkEvent(b *testing.B) {
	data := loadEvents(b)[0]
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if ev, err := testMatcher.Event(data, received); err != nil || ev.Mention == nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
