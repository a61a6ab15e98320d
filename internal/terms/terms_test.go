package terms

import (
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

func newTestExtractor(t testing.TB) *Extractor {
	t.Helper()
	e, err := New([]config.Brand{{Name: "TietokoneKoijarit", Aliases: []string{"Koijarit"}}, {Name: "Datajätti"},
		{Name: "Revontuli Elektroniikka"}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestExtract(t *testing.T) {
	e := newTestExtractor(t)
	cases := []struct {
		text, lang string
		brand      int
		has, not   []string
		forms      map[string]string // key → form shown
	}{
		{text: "TietokoneKoijareilta tilattu toimitus on myöhässä jo viikon ja asiakaspalvelu ei vastaa 😡 #koijaritfail 9 päivää",
			lang: "fi", brand: 0,
			has: []string{"toimitus", "myöhässä", "viikko", "asiakaspalvelu", "vastata", "😡", "#koijaritfail", "9", "päivä",
				"toimitus myöhässä", "asiakaspalvelu ei vastata", "ei vastata"},
			not:   []string{"tietokonekoijarit", "on", "jo", "ja", "ei", "myöhässä viikko asiakaspalvelu"},
			forms: map[string]string{"asiakaspalvelu ei vastata": "asiakaspalvelu ei vastaa"}},
		// Another brand's name is kept for this brand's row; compounds and
		// inflection meet their lemma; hyphenated brand compounds lose the brand.
		{text: "Vaihdoin Datajättiin, Koijarit-kaupan toimitusajat ja toimituksen hinnat olivat liian pitkät",
			lang: "fi", brand: 0,
			has: []string{"datajätti", "kauppa", "toimitusaika", "toimitus", "hinta", "toimitus hinta"},
			not: []string{"koijarit", "tietokonekoijarit", "olivat", "liian"}},
		{text: "Kanta-asiakkuus irtisanottu, e-mail ei auta", lang: "fi", brand: -1,
			has: []string{"kanta-asiakkuus", "e-mail", "kanta-asiakkuus irtisanottu"}, not: []string{"kanta", "asiakkuus", "kanta asiakkuus"}},
		{text: "Revontuli Elektroniikan asiakaspalvelu ei vastaa", lang: "fi", brand: 2,
			has: []string{"asiakaspalvelu", "ei vastata"}, not: []string{"revontuli elektroniikka", "revontuli", "elektroniikka"}},
		{text: "The deliveries were delayed again and customer service never answered my emails.", lang: "en", brand: -1,
			has: []string{"delivery", "delay", "customer", "service", "email", "customer service", "delivery delay", "service not answer"},
			not: []string{"the", "were", "again", "my", "and", "delay customer"}},
		{text: "Leveransen var försenad och kundtjänst svarade inte på mina mejl", lang: "sv", brand: -1,
			has: []string{"leverans", "försenad", "kundtjänst", "svar", "leverans försenad"}, not: []string{"var", "och", "inte", "på", "mina"}},
	}
	for _, tc := range cases {
		keys, forms := e.Extract(tc.text, tc.lang).For(tc.brand)
		for _, k := range tc.has {
			if !slices.Contains(keys, k) {
				t.Errorf("%q: no %q in %q", tc.text, k, keys)
			}
		}
		for _, k := range tc.not {
			if slices.Contains(keys, k) {
				t.Errorf("%q: %q in %q", tc.text, k, keys)
			}
		}
		for k, f := range tc.forms {
			if i := slices.Index(keys, k); i < 0 || forms[i] != f {
				t.Errorf("%q: %q shown as %q, want %q", tc.text, k, forms, f)
			}
		}
		if len(keys) != len(forms) {
			t.Errorf("%d keys, %d forms", len(keys), len(forms))
		}
	}
	// The brand's own row leaves its names out; the row of no brand keeps them.
	keys, _ := e.Extract("Koijarit ja Datajätti", "fi").For(-1)
	if !slices.Contains(keys, "tietokonekoijarit") || !slices.Contains(keys, "datajätti") {
		t.Errorf("row without a brand: %q", keys)
	}
	long := strings.Repeat("toimitus hinta kauppa viikko päivä paketti tilaus asiakas palvelu ", 20) + strings.Repeat("sana ", 200)
	for i := range 100 {
		long += " uusisana" + strings.Repeat("x", i)
	}
	if keys, _ := e.Extract(long, "fi").For(-1); len(keys) > MaxTerms {
		t.Errorf("%d terms of a long text, want at most %d", len(keys), MaxTerms)
	}
}

func TestStories(t *testing.T) {
	s := NewStories()
	base := "Varoitus kaikille: TietokoneKoijarit ei toimita tilattuja kannettavia ajallaan, rahat jumissa viikkoja, jakakaa tätä eteenpäin"
	first := s.Assign("a", base)
	if got := s.Assign("b", base+" !!"); got != first {
		t.Error("a copy with punctuation added is another story")
	}
	if got := s.Assign("c", strings.Replace(base, "Varoitus kaikille", "VAROITUS", 1)); got != first {
		t.Error("a copy with its first words edited is another story")
	}
	if got := s.Assign("d", "Datajätti toimitti uuden näytön seuraavana päivänä, erittäin hyvä palvelu ja nopea toimitus"); got == first {
		t.Error("an unrelated text joined the story")
	}
	// Short texts are stories by their exact words.
	if s.Assign("e", "Toimitus myöhässä!") != s.Assign("f", "toimitus myöhässä") || s.Assign("g", "toimitus ajallaan") == s.Assign("h", "toimitus myöhässä") {
		t.Error("short texts not grouped by their words")
	}
	// Another process groups the same texts the same way.
	other := NewStories()
	if other.Assign("a", base) != first || other.Assign("c", strings.Replace(base, "Varoitus kaikille", "VAROITUS", 1)) != first {
		t.Error("stories differ between processes")
	}
}

func TestAnnotator(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := NewAnnotator(newTestExtractor(t), reg)
	if err != nil {
		t.Fatal(err)
	}
	text := "Koijarit: toimitus myöhässä jo viikon, asiakaspalvelu ei vastaa puhelimeen eikä viesteihin, Datajätti toimitti heti"
	rows := []store.Row{{Brand: "TietokoneKoijarit", Lang: "fi"}, {Brand: "Datajätti", Lang: "fi"}}
	a.Annotate(&mention.Mention{Text: text}, "m1", rows)
	a.Annotate(&mention.Mention{Text: text + "!"}, "m2", rows[:1])
	own := func(r store.Row, name string) bool { return slices.Contains(r.Terms, name) }
	if own(rows[0], "tietokonekoijarit") || !own(rows[0], "datajätti") || own(rows[1], "datajätti") || !own(rows[1], "tietokonekoijarit") {
		t.Errorf("each row keeps the other brand's name only: %q / %q", rows[0].Terms, rows[1].Terms)
	}
	if rows[0].TermsVersion != Version || rows[0].Story == 0 || rows[1].Story != fnv64("m1") || len(rows[0].Terms) != len(rows[0].TermForms) {
		t.Errorf("rows %+v", rows)
	}
	for name, want := range map[string]float64{"ewom_terms_annotated_mentions_total": 2, "ewom_terms_story_joined_mentions_total": 1,
		"ewom_terms_truncated_mentions_total": 0} {
		if got := counterValue(t, reg, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := counterValue(t, reg, "ewom_terms_extracted_terms_total"); got < 20 {
		t.Errorf("terms extracted %v", got)
	}
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
