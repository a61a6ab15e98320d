package digest

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}

var helsinki, _ = time.LoadLocation("Europe/Helsinki")

// seed stores a day of mentions for Acme and Rival on 6 December 2026
// (Helsinki) and a few the day before, and an alert for Acme.
func seed(t *testing.T, st store.Store) {
	t.Helper()
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, helsinki)
	var rows []store.Row
	add := func(id, brand, sentiment string, at time.Time, text, url string, likes uint64) {
		rows = append(rows, store.Row{MentionID: id, Brand: brand, Brands: []string{brand}, Source: "forum", URL: url, Text: text,
			PublishedAt: at.UTC(), IngestedAt: at.UTC(), Lang: "fi", Sentiment: sentiment, Touchpoint: "earned", Likes: likes})
	}
	for i := range 12 { // Acme: 6 positive, 2 neutral, 4 negative this day
		s := []string{"positive", "positive", "neutral", "negative"}[i%4]
		if i >= 8 {
			s = "positive"
		}
		add(fmt.Sprintf("acme-%d", i), "Acme", s, day.Add(time.Duration(i)*time.Hour+30*time.Minute), "Acme post "+strconv.Itoa(i), "", 0)
	}
	add("acme-bad", "Acme", "negative", day.Add(20*time.Hour), `Toimitus myöhässä <script>alert("x")</script> & asiakaspalvelu ei vastaa`,
		"https://forum.example/t/1?a=1&b=2", 90)
	add("acme-js", "Acme", "negative", day.Add(21*time.Hour), "javascript link", "javascript:alert(1)", 5)
	for i := range 4 { // Rival: 4 neutral
		add(fmt.Sprintf("rival-%d", i), "Rival", "neutral", day.Add(time.Duration(i)*time.Hour), "Rival post", "", 0)
	}
	for i := range 3 { // the day before: Acme 3 negative
		add(fmt.Sprintf("acme-prev-%d", i), "Acme", "negative", day.Add(-time.Duration(i+2)*time.Hour), "earlier", "", 0)
	}
	add("outside", "Acme", "negative", day.Add(25*time.Hour), "after the period", "", 1000)
	if err := st.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	fired := day.Add(19 * time.Hour).UTC()
	a := alert.Alert{ID: "al-1", Fingerprint: "fp", Kind: "negative_spike", Brand: "Acme", SegmentKind: "all", State: "resolved",
		Severity: "critical", StartedAt: fired, FiredAt: fired, UpdatedAt: fired, Window: "15m0s", Observed: 16, Expected: 0.2,
		Ratio: 80, PValue: 1e-12, Share: 0.8, ExpectedShare: 0.2}
	if err := alert.NewRepo(st).Save(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

func newService(t *testing.T, st store.Store, m *mta, tlsMode string, logs io.Writer, now time.Time) *Service {
	t.Helper()
	host, port, _ := net.SplitHostPort(m.addr)
	p, _ := strconv.Atoi(port)
	t.Setenv("EWOM_TEST_SMTP_PW", m.pass)
	cfg := config.Digests{
		SMTP: config.SMTP{Host: host, Port: p, TLS: tlsMode, Username: m.user, PasswordEnv: "EWOM_TEST_SMTP_PW", Password: m.pass,
			From: "ewom <digest@ewom.test>", CAFile: m.caFile, Timeout: 10 * time.Second},
		Lists: []config.Digest{{Name: "marketing", Schedule: "daily", At: "07:00", Timezone: "Europe/Helsinki", Language: "fi",
			Brands: []string{"Acme", "Rival"}, Recipients: []string{"anna@example.com", "team@example.com"}, TopPosts: 3}},
	}
	s, err := New(Deps{Store: st, Config: cfg, Brands: []config.Brand{{Name: "Acme"}, {Name: "Rival"}},
		ExternalURL: "https://ewom.example", Logger: slog.New(slog.NewTextHandler(logs, nil)), Topics: crisisTopics{},
		Now: func() time.Time { return now }, Settle: 1500 * time.Millisecond, Backoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// crisisTopics stands in for the Topics view (the web package tests the
// real source, web.Server.Emerging): it answers for the list's brands and
// the digest's period only.
type crisisTopics struct{}

func (crisisTopics) Emerging(_ context.Context, brands []string, from, to time.Time, limit int) ([]Topic, error) {
	if strings.Join(brands, ",") != "Acme,Rival" || to.Sub(from) != 24*time.Hour || limit <= 0 {
		return nil, fmt.Errorf("asked for %v over %v–%v", brands, from, to)
	}
	return []Topic{{Name: "toimitus myöhässä", Mentions: 1234, Growth: 4.3, Path: "/mentions?term=toimitus+my%C3%B6h%C3%A4ss%C3%A4&range=custom"},
		{Name: "<b>palautus</b>", Mentions: 1, Growth: 2}}, nil
}

// syncBuffer is a log sink several services write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDigestIsReceivedOnceWithItsImages runs two services at once against a
// real SMTP server with STARTTLS and AUTH, then a third as after a restart:
// the server receives the period's digest exactly once, with both charts
// as PNG images, the figures, the escaped negative posts and the alert.
func TestDigestIsReceivedOnceWithItsImages(t *testing.T) {
	for _, e := range []storetest.Engine{{Name: "chdb", Store: storetest.Embedded(t)}, {Name: "server", Store: storetest.OnServer(t)}} {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Store)
			m := startMTA(t, false)
			logs := &syncBuffer{}
			now := time.Date(2026, 12, 7, 7, 5, 0, 0, helsinki)
			a, b := newService(t, e.Store, m, "starttls", logs, now), newService(t, e.Store, m, "starttls", logs, now)
			var wg sync.WaitGroup
			for _, s := range []*Service{a, b} {
				wg.Go(func() { s.Check(t.Context()) })
			}
			wg.Wait()
			newService(t, e.Store, m, "starttls", logs, now.Add(time.Hour)).Check(t.Context())
			msgs := m.messages()
			if len(msgs) != 1 {
				t.Fatalf("the SMTP server received %d digests, want 1; log:\n%s", len(msgs), logs)
			}
			if strings.Contains(logs.String(), m.pass) {
				t.Fatal("the SMTP password is in the log")
			}
			checkDigest(t, msgs[0])
		})
	}
}

func checkDigest(t *testing.T, got received) {
	t.Helper()
	if got.From != "digest@ewom.test" || strings.Join(got.To, ",") != "anna@example.com,team@example.com" {
		t.Fatalf("envelope %s → %v", got.From, got.To)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "Päivän eWOM-kooste: 2026-12-06" {
		t.Fatalf("subject %q (%v)", subject, err)
	}
	parts := map[string][]byte{}
	images := map[string][]byte{}
	var walk func(ct string, body io.Reader)
	walk = func(ct string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(mt, "multipart/") {
			t.Fatalf("unexpected leaf %s", mt)
		}
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pt := p.Header.Get("Content-Type")
			switch {
			case strings.HasPrefix(pt, "multipart/"):
				walk(pt, p)
			case pt == "image/png":
				data, err := io.ReadAll(base64Reader(p))
				if err != nil {
					t.Fatal(err)
				}
				images[p.Header.Get("Content-ID")] = data
			default:
				data, err := io.ReadAll(qpReader(p))
				if err != nil {
					t.Fatal(err)
				}
				parts[strings.Fields(pt)[0]] = data
			}
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body)
	html, text := string(parts["text/html;"]), strings.ReplaceAll(string(parts["text/plain;"]), "\r\n", "\n")
	if html == "" || text == "" {
		t.Fatalf("parts %v", keys(parts))
	}
	for _, cid := range []string{"<volume@ewom>", "<voice@ewom>"} {
		img, err := png.Decode(bytes.NewReader(images[cid]))
		if err != nil {
			t.Fatalf("image %s: %v", cid, err)
		}
		if img.Bounds().Dx() != chartWidth {
			t.Fatalf("image %s is %v", cid, img.Bounds())
		}
		if !strings.Contains(html, `src="cid:`+strings.Trim(cid, "<>")+`"`) {
			t.Fatalf("the HTML does not show %s", cid)
		}
	}
	// Acme this day: 14 mentions (12 + 2 negative posts), 8 positive, 4 negative: net
	// and negative share 28.6; the day before 3, all negative. Rival: 4 neutral.
	// Share of voice: 14/18 = 77.8 %, 4/18 = 22.2 %.
	for _, want := range []string{"Acme\n  Maininnat: 14 (edellinen jakso 3)", "Nettosentimentti: 28,6 (−100,0)",
		"Negatiivisten osuus: 28,6 % (100,0 %)", "Äänen osuus: 77,8 % (100,0 %)", "Rival\n  Maininnat: 4 (edellinen jakso 0)",
		"18 mainintaa: 8 positiivista, 6 neutraalia, 4 negatiivista",
		"https://forum.example/t/1?a=1&b=2", "Negatiivisia mainintoja 16 vartissa", "https://ewom.example/",
		"Nousevat aiheet\n- toimitus myöhässä (1\u00a0234 mainintaa, 4,3 kertaa tavallista enemmän)\n  https://ewom.example/mentions?term=toimitus+my%C3%B6h%C3%A4ss%C3%A4&range=custom\n",
		"- <b>palautus</b> (1 maininta, 2,0 kertaa tavallista enemmän)\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "after the period") || strings.Contains(text, "javascript:") {
		t.Errorf("the text lists a post outside the period or a javascript: link:\n%s", text)
	}
	// The first post is the most engaged one; its text is escaped in HTML.
	if !strings.Contains(text, "1. Toimitus myöhässä <script>") {
		t.Errorf("the most engaged negative post is not first:\n%s", text)
	}
	if strings.Contains(html, "<script") || !strings.Contains(html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; asiakaspalvelu") {
		t.Errorf("the post text is not escaped in the HTML:\n%s", html)
	}
	if !strings.Contains(html, `href="https://forum.example/t/1?a=1&amp;b=2"`) || strings.Contains(html, "javascript:") {
		t.Errorf("links:\n%s", html)
	}
	if !strings.Contains(html, `<a href="https://ewom.example/mentions?term=toimitus&#43;my%C3%B6h%C3%A4ss%C3%A4&amp;range=custom">toimitus myöhässä</a>`) ||
		!strings.Contains(html, "&lt;b&gt;palautus&lt;/b&gt; <small>") {
		t.Errorf("emerging topics in the HTML:\n%s", html)
	}
	if !strings.Contains(html, `<html lang="fi">`) {
		t.Error("the HTML has no lang")
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestFailedDigestIsRetriedWithBackoff sends over implicit TLS with a wrong
// password first: the round fails (the password never reaches the log), the
// next check within the backoff does not retry, and once the backoff has
// passed a round with the right password delivers the digest.
func TestFailedDigestIsRetriedWithBackoff(t *testing.T) {
	st := storetest.Embedded(t)
	seed(t, st)
	m := startMTA(t, true)
	logs := &syncBuffer{}
	now := time.Date(2026, 12, 7, 7, 5, 0, 0, helsinki)
	s := newService(t, st, m, "implicit", logs, now)
	s.mailer.cfg.Password = "wrong-Pässword"
	s.d.Backoff = 3 * time.Second
	s.Check(t.Context())
	s.Check(t.Context())
	if n, f := len(m.messages()), m.failedAuths(); n != 0 || f != 1 {
		t.Fatalf("%d messages and %d failed sign-ins, want 0 and 1; log:\n%s", n, f, logs)
	}
	if !strings.Contains(logs.String(), "digest not sent") || strings.Contains(logs.String(), "Pässword") {
		t.Fatalf("log:\n%s", logs)
	}
	s.mailer.cfg.Password = m.pass
	deadline := time.Now().Add(20 * time.Second)
	for len(m.messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		s.Check(t.Context())
	}
	if n := len(m.messages()); n != 1 {
		t.Fatalf("%d messages after the backoff, want 1; log:\n%s", n, logs)
	}
	rows, err := s.ledger.rows(t.Context(), "marketing", mustLatest(t, s))
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, r := range rows {
		states = append(states, strconv.Itoa(int(r.Round))+":"+r.State)
	}
	if got := strings.Join(states, " "); got != "1:claimed 1:failed 2:claimed 2:sent" {
		t.Fatalf("ledger %s", got)
	}
}

func mustLatest(t *testing.T, s *Service) Period {
	p, err := latest(s.cfg.Lists[0], s.d.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCountedNouns: a count of one takes the singular in every language
// (the digest said "1 mainintaa").
func TestCountedNouns(t *testing.T) {
	for _, c := range []struct {
		lang string
		p    Point
		want string
	}{
		{"fi", Point{Positive: 1}, "1 maininta: 1 positiivinen, 0 neutraalia, 0 negatiivista"},
		{"fi", Point{Positive: 2, Negative: 1}, "3 mainintaa: 2 positiivista, 0 neutraalia, 1 negatiivinen"},
		{"sv", Point{Neutral: 1}, "1 omnämnande: 0 positiva, 1 neutralt, 0 negativa"},
		{"sv", Point{Neutral: 1, Negative: 1}, "2 omnämnanden: 0 positiva, 1 neutralt, 1 negativt"},
		{"en", Point{Negative: 1}, "1 mention: 0 positive, 0 neutral, 1 negative"},
		{"en", Point{Negative: 1200, Positive: 1}, "1201 mentions: 1 positive, 0 neutral, 1200 negative"},
	} {
		r := Report{Lang: c.lang, Loc: time.UTC, Series: []Point{c.p}}
		if got := r.view().VolumeAlt; got != c.want {
			t.Errorf("%s %+v: %q, want %q", c.lang, c.p, got, c.want)
		}
	}
}
