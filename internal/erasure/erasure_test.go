package erasure_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/bus/bustest"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/erasure"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/privacy"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}

const (
	victim    = "@Moona@mastodon.social"
	victimTxt = "Moonan salainen tilausnumero 4242"
	other     = "@kalle@mstdn.fi"
)

var day = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func row(id, brand, handle, text string, at time.Time) store.Row {
	return store.Row{MentionID: id, Brand: brand, Source: "mastodon", SourceID: id, Text: text, AuthorHandle: handle,
		AuthorName: "Name of " + handle, AuthorURL: "https://example.social/" + handle, AuthorFollowers: 10,
		PublishedAt: at, IngestedAt: at.Add(time.Minute), Lang: "fi", Sentiment: "negative", SentimentScore: -0.5,
		Touchpoint: "shared", JourneyStage: "delivery", Brands: []string{brand}, ClassifierVersion: "t",
		Raw: fmt.Sprintf(`{"source":"mastodon","author":{"handle":%q},"text":%q}`, handle, text)}
}

func q[T any](t *testing.T, s store.Store, sql string) []T {
	t.Helper()
	rows, err := s.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// traces counts, in every table of the database, the rows whose any string
// column contains needle.
func traces(t *testing.T, s store.Store, needle string) map[string]int {
	t.Helper()
	type col struct{ Table, Name string }
	cols := q[col](t, s, "SELECT table, name FROM system.columns WHERE database = "+store.Quote(s.Info().Database)+
		" AND (type LIKE '%String%') AND table NOT LIKE '%_mv' ORDER BY table")
	found := map[string]int{}
	for _, c := range cols {
		n := q[struct{ N int }](t, s, "SELECT count() AS n FROM "+s.Table(c.Table)+" WHERE positionCaseInsensitive(toString("+c.Name+"), "+store.Quote(needle)+") > 0")
		if n[0].N > 0 {
			found[c.Table+"."+c.Name] += n[0].N
		}
	}
	return found
}

func TestForgetLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			s := e.Store
			rows := []store.Row{
				row("m1", "TietokoneKoijarit", victim, victimTxt, day),
				row("m1", "Datajätti", victim, victimTxt, day), // one mention, two brands
				row("m2", "TietokoneKoijarit", strings.ToLower(victim), "toinen viesti myöhässä", day.Add(time.Hour)),
				row("m3", "TietokoneKoijarit", other, "ei mitään ongelmaa", day),
				row("m4", "TietokoneKoijarit", other, "asiakaspalvelu ei vastaa", day.Add(time.Hour)),
			}
			if err := s.Insert(ctx, rows); err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{"('m1', 'TietokoneKoijarit', 'reviewer note about Moona')", "('m3', 'TietokoneKoijarit', 'fine')"} {
				if err := s.Exec(ctx, "INSERT INTO "+s.Table("label_corrections")+" (mention_id, brand, note) SELECT * FROM (SELECT "+strings.Trim(c, "()")+")"); err != nil {
					t.Fatal(err)
				}
			}
			expl := func(samples ...string) string {
				return `{"summary":"negative spike","mentions":[` + strings.Join(samples, ",") + `],"stories":[` + samples[0] + `]}`
			}
			sample := func(id, author, text string) string {
				return fmt.Sprintf(`{"id":%q,"author":%q,"text":%q}`, id, author, text)
			}
			for v, ex := range []string{expl(sample("m1", victim, victimTxt), sample("m4", other, "asiakaspalvelu ei vastaa")),
				expl(sample("m1", victim, victimTxt))} {
				if err := s.Exec(ctx, fmt.Sprintf("INSERT INTO %s (id, brand, fired_at, explanation, version) SELECT 'a1', 'TietokoneKoijarit', %s, %s, %d",
					s.Table("alerts"), store.Time(day), store.Quote(ex), v+1)); err != nil {
					t.Fatal(err)
				}
			}

			target := erasure.Target{Handles: []string{victim}, Store: s}
			exp, err := erasure.ExportAuthor(ctx, target)
			if err != nil {
				t.Fatal(err)
			}
			if len(exp.Mentions) != 3 || len(exp.LabelCorrections) != 1 || len(exp.AlertSamples) != 2 {
				t.Errorf("export: %d mention rows (want 3), %d corrections (want 1), %d alert samples (want 2: a mention and a story)",
					len(exp.Mentions), len(exp.LabelCorrections), len(exp.AlertSamples))
			}
			if !strings.Contains(string(exp.Mentions[0]), victimTxt) {
				t.Errorf("exported row lacks the text: %s", exp.Mentions[0])
			}

			rep, err := erasure.Forget(ctx, target)
			if err != nil {
				t.Fatal(err)
			}
			want := erasure.Report{Mentions: 2, Rows: 3, Corrections: 1, Alerts: 1}
			if rep != want {
				t.Errorf("report %+v, want %+v", rep, want)
			}
			for _, needle := range []string{"moona", victimTxt, "toinen viesti", "reviewer note"} {
				if tr := traces(t, s, needle); len(tr) > 0 {
					t.Errorf("%q still stored: %v", needle, tr)
				}
			}
			// The other author and the rollup are intact and exact.
			if tr := traces(t, s, other); tr["mentions.author_handle"] != 2 || tr["alerts.explanation"] != 1 {
				t.Errorf("other author's data: %v", tr)
			}
			roll := q[struct{ N int64 }](t, s, "SELECT sum(mentions) AS n FROM "+s.Table("mentions_5m"))
			if roll[0].N != 2 {
				t.Errorf("rollup counts %d mentions, want 2", roll[0].N)
			}
			// Forgetting again finds nothing.
			if rep, err := erasure.Forget(ctx, target); err != nil || rep != (erasure.Report{}) {
				t.Errorf("second forget: %+v, %v", rep, err)
			}
		})
	}
}

func TestForgetPseudonymisedAuthor(t *testing.T) {
	ctx := context.Background()
	s := storetest.Embedded(t)
	const key = "0123456789abcdef0123"
	ps, err := privacy.NewPseudonymizer([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, []store.Row{row("p1", "B", ps.Handle(victim), "hello", day), row("p2", "B", ps.Handle(other), "hi", day)}); err != nil {
		t.Fatal(err)
	}
	p := config.Privacy{PseudonymizeAuthors: true, KeyEnv: "K"}
	if _, err := erasure.Handles(victim, p, func(string) string { return "" }); err == nil {
		t.Error("no error without the pseudonymisation key")
	}
	handles, err := erasure.Handles(victim, p, func(string) string { return key })
	if err != nil {
		t.Fatal(err)
	}
	rep, err := erasure.Forget(ctx, erasure.Target{Handles: handles, Store: s})
	if err != nil || rep.Mentions != 1 {
		t.Fatalf("forget: %+v, %v", rep, err)
	}
	if left := q[struct{ H string }](t, s, "SELECT author_handle AS h FROM "+s.Table("mentions")); len(left) != 1 || left[0].H != ps.Handle(other) {
		t.Errorf("left: %v", left)
	}
}

func TestForgetOnBus(t *testing.T) {
	ctx := context.Background()
	b := bustest.RunJetStream(t)
	for i, h := range []string{victim, other, victim} {
		m := &mention.Mention{Source: "mastodon", ID: fmt.Sprint(i), Text: "t", PublishedAt: day, Author: mention.Author{Handle: h}}
		if err := b.Publish(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.DeadLetter(ctx, bus.Subject("mastodon"), []byte(`{"source":"mastodon","text":"x","author":{"handle":"`+victim+`"}}`), "test"); err != nil {
		t.Fatal(err)
	}
	target := erasure.Target{Handles: []string{victim}, Store: storetest.Embedded(t), JS: b.JetStream(),
		Streams: []string{"EWOM_MENTIONS", "EWOM_MENTIONS_DEAD"}}
	exp, err := erasure.ExportAuthor(ctx, target)
	if err != nil || len(exp.Bus) != 3 {
		t.Fatalf("export found %d bus messages (want 3): %v", len(exp.Bus), err)
	}
	rep, err := erasure.Forget(ctx, target)
	if err != nil || rep.BusMessages != 3 {
		t.Fatalf("forget: %+v, %v", rep, err)
	}
	st, err := b.JetStream().Stream(ctx, "EWOM_MENTIONS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("stream holds %d messages, want the other author's 1", info.State.Msgs)
	}
	if exp, _ := erasure.ExportAuthor(ctx, target); len(exp.Bus) != 0 {
		t.Errorf("%d messages of the author left on the bus", len(exp.Bus))
	}
}
