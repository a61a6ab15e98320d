package query

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}

// fixture is one stored mention: its id, text and the fields the filters
// read. Brands "A,B" stores a row per brand.
type fixture struct {
	id, title, text, source, lang, handle, name, brands, stage, sentiment, touchpoint string
}

var fixtures = []fixture{
	{"f01", "", "Toimitus myöhässä jo viikon, ei kiva", "mastodon", "fi", "@liisa", "Liisa L", "Koijarit", "delivery", "negative", "earned"},
	{"f02", "", "Odotan toimitustani edelleen.", "mastodon", "fi", "@pekka", "Pekka P", "Koijarit", "delivery", "negative", "earned"},
	{"f03", "", "Toimituksen kanssa oli ongelmia, paketti hukassa", "reddit", "fi", "@liisa", "Liisa L", "Koijarit,Rival", "delivery", "negative", "earned"},
	{"f04", "", "Toimitukset ovat nopeita nykyään", "rss", "fi", "@uutiset", "Uutiset", "Rival", "delivery", "positive", "earned"},
	{"f05", "", "Toimitusaika oli kaksi viikkoa", "mastodon", "fi", "@pekka", "Pekka P", "Koijarit", "delivery", "neutral", "earned"},
	{"f06", "", "Asiakaspalvelu ei vastaa puhelimeen", "bluesky", "fi", "@matti", "Matti Meikäläinen", "Koijarit", "service", "negative", "earned"},
	{"f07", "", "Soitin asiakaspalveluun kolme kertaa", "bluesky", "fi", "@matti", "Matti Meikäläinen", "Rival", "service", "negative", "earned"},
	{"f08", "", "Asiakaspalvelusta sain hyvää apua!", "mastodon", "fi", "@anna", "Anna A", "Koijarit", "service", "positive", "earned"},
	{"f09", "", "The delivery was late again", "reddit", "en", "@joe", "Joe Bloggs", "Koijarit", "delivery", "negative", "earned"},
	{"f10", "", "Fast delivery and great customer service", "reddit", "en", "@sue", "Sue S", "Rival", "delivery", "positive", "earned"},
	{"f11", "", "Deliveries are always delayed", "reddit", "en", "@joe", "Joe Bloggs", "Koijarit", "delivery", "negative", "earned"},
	{"f12", "", "Customer service never answered my email", "mastodon", "en", "@sue", "Sue S", "Koijarit", "service", "negative", "earned"},
	{"f13", "", "Leveransen var sen", "rss", "sv", "@sven", "Sven S", "Koijarit", "delivery", "negative", "earned"},
	{"f14", "Ärsyttävä kokemus", "Paketti tuli rikki.", "rss", "fi", "@anna", "Anna A", "Koijarit", "delivery", "negative", "owned"},
	{"f15", "", "ÄRSYTTÄVÄÄ! Kaikki myöhässä", "bluesky", "fi", "@liisa", "Liisa L", "", "none", "negative", "earned"},
	{"f16", "", "delivery-time is too long", "reddit", "en", "@joe", "Joe Bloggs", "Rival", "delivery", "negative", "earned"},
	{"f17", "", "The customer was served quickly", "reddit", "en", "@sue", "Sue S", "Koijarit", "service", "positive", "earned"},
	{"f18", "", "Service for the customer was bad", "reddit", "en", "@sue", "Sue S", "Koijarit", "service", "negative", "earned"},
	{"f19", "", "Toimituksessakin oli vikaa", "mastodon", "fi", "@pekka", "Pekka P", "Koijarit", "delivery", "negative", "earned"},
	{"f20", "", "toimituskulut liian korkeat", "mastodon", "fi", "@pekka", "Pekka P", "Koijarit", "purchase", "negative", "earned"},
	{"f21", "", "Hinta 5/5, suosittelen", "bluesky", "fi", "@anna", "Anna A", "Rival", "purchase", "positive", "earned"},
	{"f22", "", "Laptop stopped working, refund please", "mastodon", "en", "@matti", "Matti Meikäläinen", "Koijarit", "usage", "negative", "earned"},
	{"f23", "Review", "100% satisfied with the laptop (really)", "rss", "en", "@uutiset", "Uutiset", "Koijarit", "usage", "positive", "paid"},
	{"f24", "", "Ei mitään valittamista, kaupasta sain kaiken", "mastodon", "fi", "@anna", "Anna A", "Koijarit,Rival", "purchase", "positive", "earned"},
	{"f25", "", "O'Reilly's book about SQL 'quotes' \\ and 100%_match", "rss", "en", "@o'reilly", "O'Reilly", "", "none", "neutral", "earned"},
	{"f26", "", "toimitus, toimitus ja vielä kerran: paketin toimitus", "mastodon", "fi", "@liisa", "Liisa L", "Koijarit", "delivery", "neutral", "earned"},
}

// cases are queries and the mention ids they must return on fixtures.
var cases = []struct {
	q   string
	ids string
}{
	// Words and their Finnish forms.
	{"toimitus", "f01 f02 f03 f04 f19 f26"},
	{"Toimitus", "f01 f02 f03 f04 f19 f26"},
	{"toimituksen", "f03"},
	{"asiakaspalvelu", "f06 f07 f08"},
	{"paketti", "f03 f14 f26"},
	{"kauppa", "f24"},
	{"delivery", "f09 f10 f16"},
	{"customer", "f10 f12 f17 f18"},
	{"ärsyttävä", "f14 f15"},
	{"ÄRSYTTÄVÄ", "f14 f15"},
	{"myöhässä", "f01 f15"},
	{"leveransen", "f13"},
	{"laptop", "f22 f23"},
	{"review", "f23"},
	{"kokemus", "f14"},
	// Quoted: as written.
	{`"toimitus"`, "f01 f26"},
	{`"toimitukset"`, "f04"},
	{`"customer service"`, "f10 f12"},
	{`"Customer   Service"`, "f10 f12"},
	{`"toimitus myöhässä"`, "f01"},
	{`"service customer"`, ""},
	{`"delivery time"`, "f16"},
	{"delivery-time", "f16"},
	{`"5/5"`, "f21"},
	{`"o'reilly"`, "f25"},
	{`"100%_match"`, "f25"},
	{`"100"`, "f23 f25"},
	// Prefixes.
	{"toimitu*", "f01 f02 f03 f04 f05 f19 f20 f26"},
	{"toimitusa*", "f05"},
	{"deliver*", "f09 f10 f11 f16"},
	{"asiakaspalvelu*", "f06 f07 f08"},
	{"ärsy*", "f14 f15"},
	{"SERV*", "f10 f12 f17 f18"},
	// Boolean operators.
	{"toimitus OR asiakaspalvelu", "f01 f02 f03 f04 f06 f07 f08 f19 f26"},
	{"toimitus OR delivery", "f01 f02 f03 f04 f09 f10 f16 f19 f26"},
	{"toimitus AND paketti", "f03 f26"},
	{"toimitus paketti", "f03 f26"},
	{"toimitus NOT paketti", "f01 f02 f04 f19"},
	{"toimitus AND NOT paketti", "f01 f02 f04 f19"},
	{"NOT toimitu*", "f06 f07 f08 f09 f10 f11 f12 f13 f14 f15 f16 f17 f18 f21 f22 f23 f24 f25"},
	{"(toimitus OR delivery) AND NOT late", "f01 f02 f03 f04 f10 f16 f19 f26"},
	{"customer service", "f10 f12 f18"},
	{`"toimitus toimitus ja"`, "f26"}, // a repeated word in its place
	{`"kokemus paketti"`, ""},         // not across the title and the text
	{`"ärsyttävä kokemus"`, "f14"},
	{`"delivery time"`, "f16"},
	{"customer OR service laptop", "f10 f12 f17 f18"},
	{"(customer OR service) laptop", ""},
	{"laptop OR (customer AND email)", "f12 f22 f23"},
	{"NOT NOT laptop", "f22 f23"},
	{"((laptop))", "f22 f23"},
	// NEAR.
	{"customer NEAR/0 service", "f10 f12"},
	{"customer NEAR/1 served", "f17"},
	{"customer NEAR/3 service", "f10 f12 f18"},
	{"service NEAR/3 customer", "f10 f12 f18"},
	{"toimitus NEAR/0 myöhässä", "f01"},
	{"toimitus NEAR/2 paketti", "f26"},
	{`"customer service" NEAR/2 answered`, "f12"},
	{"(paketti OR toimitus) NEAR/1 hukassa", "f03"},
	{"deliver* NEAR/2 delayed", "f11"},
	{"toimitus NEAR/1 toimitus", "f26"},
	{"(paketti OR rikki) NEAR/3 kokemus", ""}, // the title's words apart from the text's
	{"tuli NEAR/0 rikki", "f14"},
	// Field filters.
	{"source:reddit", "f03 f09 f10 f11 f16 f17 f18"},
	{"source:REDDIT delivery", "f09 f10 f16"},
	{"lang:sv", "f13"},
	{"lang:fi toimitus", "f01 f02 f03 f04 f19 f26"},
	{"lang:en toimitus", ""},
	{"author:matti", "f06 f07 f22"},
	{"author:@Matti", "f06 f07 f22"},
	{`author:"Matti Meikäläinen"`, "f06 f07 f22"},
	{"author:ma*", "f06 f07 f22"},
	{"author:o'reilly", "f25"},
	{"stage:service", "f06 f07 f08 f12 f17 f18"},
	{"journey_stage:purchase", "f20 f21 f24"},
	{"sentiment:positive stage:delivery", "f04 f10"},
	{"touchpoint:paid OR touchpoint:owned", "f14 f23"},
	{"brand:rival", "f03 f04 f07 f10 f16 f21 f24"},
	{"brand:Rival toimitus", "f03 f04"},
	{"brand:Koijarit AND brand:Rival", ""},
	{"toimitus NOT brand:Rival", "f01 f02 f03 f19 f26"},
	{"sentiment:negative (asiakaspalvelu OR \"customer service\")", "f06 f07 f12"},
	// Text that must stay literal.
	{`"SQL 'quotes' \ and"`, "f25"},
	{`"') OR 1=1 --"`, ""},
	{"o'reilly's", "f25"},
	{"100%", "f23 f25"},
	{"(really)", "f23"},
	{"a.b", ""},
	{`"[a-z]+"`, ""},
	{"x|y", ""},
}

func rowsOf(fs []fixture) []store.Row {
	var rows []store.Row
	at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for i, f := range fs {
		base := store.Row{MentionID: f.id, Source: f.source, SourceID: f.id, Title: f.title, Text: f.text, AuthorHandle: f.handle,
			AuthorName: f.name, PublishedAt: at.Add(time.Duration(i) * time.Minute), IngestedAt: at.Add(time.Hour), Lang: f.lang,
			Sentiment: f.sentiment, Touchpoint: f.touchpoint, JourneyStage: f.stage, ClassifierVersion: "test", Raw: "{}"}
		for _, b := range strings.Split(f.brands, ",") {
			r := base
			r.Brand = b
			if b != "" {
				r.Brands = strings.Split(f.brands, ",")
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// TestQueriesOnEngines runs every case on both engines and compares the
// mention ids each returns; half the fixtures are stored before the words
// text is added (as rows stored before migrations 510–513).
func TestQueriesOnEngines(t *testing.T) {
	if len(cases) < 60 {
		t.Fatalf("%d cases; the table must have at least 60", len(cases))
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			// Rows stored before the words text (migrations 510–513), whose
			// parts lack it: the engine computes it from their text.
			if err := e.Store.Exec(ctx, "ALTER TABLE "+e.Store.Table("mentions")+" DROP COLUMN words_text"); err != nil {
				t.Fatal(err)
			}
			if err := e.Store.Insert(ctx, rowsOf(fixtures[:len(fixtures)/2])); err != nil {
				t.Fatal(err)
			}
			if err := e.Store.Exec(ctx, "ALTER TABLE "+e.Store.Table("mentions")+" ADD COLUMN "+store.WordsTextColumn); err != nil {
				t.Fatal(err)
			}
			if e.Name == "clickhouse-18.16" {
				// As migration 510 does there: 18.16 does not compute the
				// column for older parts when PREWHERE reads the text.
				if err := store.Mutate(ctx, e.Store, "ALTER TABLE "+e.Store.Table("mentions")+" "+store.WordsRewrite); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.Store.Insert(ctx, rowsOf(fixtures[len(fixtures)/2:])); err != nil {
				t.Fatal(err)
			}
			for _, c := range cases {
				q, err := Parse(c.q)
				if err != nil {
					t.Errorf("%s: %v", c.q, err)
					continue
				}
				got, err := matching(ctx, e.Store, q.SQL())
				if err != nil {
					t.Errorf("%s: %v\n%s", c.q, err, q.SQL())
					continue
				}
				if want := strings.Fields(c.ids); !slices.Equal(got, want) {
					t.Errorf("%s: got %v, want %v\n%s", c.q, got, want, q.SQL())
				}
			}
		})
	}
}

func matching(ctx context.Context, s store.Store, cond string) ([]string, error) {
	rows, err := s.Query(ctx, "SELECT DISTINCT mention_id FROM "+s.Table("mentions")+" WHERE "+cond+" ORDER BY mention_id")
	if err != nil {
		return nil, err
	}
	ids := []string{}
	for _, r := range rows {
		var x struct {
			MentionID string `json:"mention_id"`
		}
		if err := json.Unmarshal(r, &x); err != nil {
			return nil, err
		}
		ids = append(ids, x.MentionID)
	}
	return ids, nil
}
