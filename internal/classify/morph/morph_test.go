package morph

import (
	"errors"
	"strings"
	"testing"
)

// found reports whether any pattern matches somewhere in text (lowercased),
// as the classifier's index would find it, and returns the matched form.
func found(pats []Pattern, text string) (string, bool) {
	text = strings.ToLower(text)
	for i := range pats {
		p := &pats[i]
		for at := 0; ; {
			j := strings.Index(text[at:], p.Text)
			if j < 0 {
				break
			}
			start := at + j
			if from, to, ok := p.Match(text, start, start+len(p.Text)); ok {
				return text[from:to], true
			}
			at = start + 1
		}
	}
	return "", false
}

func decline(t *testing.T, name string, o Options) []Pattern {
	t.Helper()
	pats, err := Decline(name, o)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return pats
}

// A few forms of each declension, and words the forms must not reach (_
// stands for a space); the table of real names and forms is
// internal/classify/testdata/brandforms.
func TestDeclensions(t *testing.T) {
	cases := []struct {
		name string
		o    Options
		yes  string
		no   string
	}{
		{name: "Rantakoto", yes: "Rantakodon Rantakodosta Rantakotoon Rantakotoa Rantakodoissa Rantakotojen Rantakodoltakin Rantakotonsa Rantakodossaan Rantakotos",
			no: "rantakota rantakoti rantakotoi rantakodoni2"},
		{name: "Sinilintu", yes: "Sinilinnulta Sinilinnullahan Sinilintuun Sinilintuja Sinilinnuissa Sinilintu-lento",
			no: "sinilintulento sinilinnut2 sinilinja"},
		{name: "Tähtikauppa", yes: "Tähtikaupasta Tähtikauppaan Tähtikauppoja Tähtikaupoissa Tähtikaupastakaan",
			no: "tähtikaupästä tähtikauppias"},
		{name: "Kide", yes: "Kiteen Kidettä Kiteessä Kiteeseen Kiteitä Kiteiden Kiteellekin", no: "kidutus kiteytyi kite kites"},
		{name: "Makutaivas", yes: "Makutaivaalta Makutaivaan Makutaivasta Makutaivaaseen Makutaivaita", no: "makutaivaat2 makutaivalta"},
		{name: "Kiilus", yes: "Kiiluksen Kiilusta Kiilukseen Kiiluksia Kiiluksessakin", no: "kiiluva kiilui"},
		{name: "Ahtinen", yes: "Ahtiselta Ahtisten Ahtisilla Ahtista Ahtiseen Ahtisensa", no: "ahtisaari ahtisaaren"},
		{name: "Gigantti", yes: "Gigantin Gigantissa Giganttiin Gigantteja Giganttien Giganteista", no: "gigantic giganttinen"},
		{name: "Finnair", yes: "Finnairin Finnairilla Finnairiin Finnaireja Finnairkin FINNAIR's", no: "finnairline"},
		{name: "Björkhem", yes: "Björkhemiltä Björkhemin Björkhems", no: "björk"},
		{name: "Parcelly", yes: "Parcellyn Parcellyyn Parcellyhin Parcelly’s Parcellylla", no: "parcel parcels"},
		{name: "Revontuli Elektroniikka", yes: "Revontuli_Elektroniikasta Revontuli_Elektroniikan #revontulielektroniikka", no: "elektroniikasta revontulielektroniikka"},
		{name: "Alko", yes: "Alkoon Alkosta Alkoja Alkoihin", no: "alkoi alkoivat alkoin alkovi alkuun"},
		{name: "Kela", yes: "Kelan Kelaan Kelasta Keloja", no: "kelata kelasin keli kello kelo"},
		{name: "OP", yes: "OP OP:n OP:lta OP:ssä OP-mobiili", no: "opin oppi op:kissa"},
		{name: "Lohi", o: Options{Like: "lohi"}, yes: "Lohen Lohta Lohessa Lohia", no: "lohin"},
		{name: "Lohi", yes: "Lohin Lohissa Lohen Lohta", no: "lohikäärme"},
		{name: "Pohjantähti", yes: "Pohjantähden Pohjantähdellä Pohjantähteä Pohjantähteen Pohjantähdet Pohjantähtien Pohjantähdeltäkin", no: "pohjantähtäin"},
		{name: "Hakasaari", yes: "Hakasaaren Hakasaaressa Hakasaarta Hakasaareen", no: "hakasaarna"},
		{name: "Verkkokauppa.com", o: Options{Variants: []string{"Verkkokauppa"}}, yes: "Verkkokauppa.comista Verkkokaupasta Verkkokauppa.comin", no: "verkkokauppias"},
		{name: "Bjorkhem", o: Options{Variants: []string{"Björkhem"}}, yes: "Björkhemiltä Bjorkhemilta", no: "bjork"},
		{name: "Rantakoto", o: Options{Compounds: true}, yes: "Rantakototilaus rantakodosta", no: "rantakotoi"},
		{name: "Harmaasusi", o: Options{Stems: []string{"harmaasude"}}, yes: "Harmaasuden Harmaasudelta Harmaasusi", no: "harmaasudet2"},
		{name: "Valo", o: Options{Exact: true}, yes: "Valo valo's", no: "valon valossa"},
		{name: "Stockmann", o: Options{Fuzzy: true}, yes: "Stokmann Stockmanilla Stcokmannin Stockmannin", no: "stockholm stock mann"},
		{name: "Stockmann", yes: "Stockmannilla", no: "stockmanilla"},
	}
	for _, tc := range cases {
		pats := decline(t, tc.name, tc.o)
		for _, w := range strings.Fields(tc.yes) {
			if _, ok := found(pats, strings.ReplaceAll(w, "_", " ")); !ok {
				t.Errorf("%s: %q not found", tc.name, w)
			}
		}
		for _, w := range strings.Fields(tc.no) {
			if form, ok := found(pats, w); ok {
				t.Errorf("%s: %q found (as %q)", tc.name, w, form)
			}
		}
	}
}

func TestOptionErrors(t *testing.T) {
	cases := []struct {
		name string
		o    Options
		key  string
	}{
		{"Rantakoto", Options{Like: "talo2"}, "inflect_like"},
		{"Elisa", Options{Like: "koto"}, "inflect_like"},
		{"Rantakoto", Options{Exact: true, Like: "koto"}, "inflect"},
		{"Rantakoto", Options{Variants: []string{"Ranta", " "}}, "variants[1]"},
		{"Rantakoto", Options{Stems: []string{"ra"}}, "stems[0]"},
	}
	for _, tc := range cases {
		_, err := Decline(tc.name, tc.o)
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Key != tc.key {
			t.Errorf("%s %+v: error %v, want one for %s", tc.name, tc.o, err, tc.key)
		}
	}
}

func TestGrade(t *testing.T) {
	for in, want := range map[string]string{"rantakoto": "rantakodo", "sinilintu": "sinilinnu", "gigantti": "giganti",
		"tähtikauppa": "tähtikaupa", "kampa": "kamma", "kulta": "kulla", "kerta": "kerra", "vanki": "vangi", "lahte": "lahde",
		"tupa": "tuva", "puku": "puvu", "reikä": "reiä", "järke": "järje", "posti": "posti", "kesko": "kesko", "valio": "valio"} {
		if got, _, _ := weaken(in); got != want {
			t.Errorf("weaken(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{"kide": "kite", "hamma": "hampa", "kinna": "kinta", "kanga": "kanka", "liike": "liikke", "viihde": "viihte", "taiva": "taiva"} {
		if got, _, _ := strengthen(in); got != want {
			t.Errorf("strengthen(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestHarmonyAndSyllables(t *testing.T) {
	for w, want := range map[string]harmony{"tähtikauppa": back, "björkhem": front, "kide": front, "kärkkäinen": front, "ahtinen": back} {
		if got := harmonyOf(w); got != want {
			t.Errorf("harmonyOf(%s) = %d, want %d", w, got, want)
		}
	}
	for w, want := range map[string]int{"nokia": 3, "kauppa": 2, "oura": 2, "valio": 3, "tähtikauppa": 4, "maa": 1} {
		if got := syllables(w); got != want {
			t.Errorf("syllables(%s) = %d, want %d", w, got, want)
		}
	}
}

func TestWithin1(t *testing.T) {
	for _, p := range [][2]string{{"stockmann", "stokmann"}, {"stockmann", "stockmannn"}, {"stockmann", "stcokmann"},
		{"stockmann", "stockmenn"}, {"björkhem", "bjorkhem"}, {"aa", "aaa"}, {"", "a"}} {
		if !within1(p[0], p[1]) || !within1(p[1], p[0]) {
			t.Errorf("%q and %q: not within one edit", p[0], p[1])
		}
	}
	for _, p := range [][2]string{{"stockmann", "stokman"}, {"ab", "ba2"}, {"abc", "cab"}, {"stockmann", "stockholm"}} {
		if within1(p[0], p[1]) {
			t.Errorf("%q and %q: within one edit", p[0], p[1])
		}
	}
}

// Match never panics and returns a span that holds the occurrence, on any
// text and any name, with every option.
func FuzzMatch(f *testing.F) {
	f.Add("Rantakodoltakin ja OP:lta, #stokmann", "Rantakoto", "koto")
	f.Add("kävin Stcokmannilla \xff ja Lidlissään", "Stockmann", "")
	f.Add("ä:ää:n", "Ää", "")
	f.Fuzz(func(t *testing.T, text, name, like string) {
		pats, err := Decline(name, Options{Like: like, Variants: []string{name + "x"}, Stems: []string{name}, Compounds: true, Fuzzy: true})
		if err != nil {
			return
		}
		text = strings.ToLower(text)
		for i := range pats {
			p := &pats[i]
			for at := 0; at <= len(text); {
				j := strings.Index(text[at:], p.Text)
				if j < 0 || p.Text == "" {
					break
				}
				start := at + j
				end := start + len(p.Text)
				if from, to, ok := p.Match(text, start, end); ok && (from > start || to < end && p.fuzzy == nil || from < 0 || to > len(text)) {
					t.Fatalf("%q in %q: span %d-%d for the occurrence at %d-%d", p.Text, text, from, to, start, end)
				}
				at = start + 1
			}
		}
	})
}
