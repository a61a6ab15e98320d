package collector

import (
	"strings"
	"testing"
)

func TestSearchTerm(t *testing.T) {
	for in, want := range map[string]string{
		"TietokoneKoijarit":  "TietokoneKoijarit",
		" #Koijarit ":        "#Koijarit",
		"@koijarit":          "@koijarit",
		"Tietokone Koijarit": `"Tietokone Koijarit"`,
		`Say "Koijarit"  Oy`: `"Say Koijarit Oy"`,
		"koijarit.fi":        `"koijarit.fi"`,
		"Åbo-Koijarit":       `"Åbo-Koijarit"`,
		"Kauppa#1":           `"Kauppa#1"`,
		"Ääkköskauppa":       "Ääkköskauppa",
	} {
		if got := SearchTerm(in); got != want {
			t.Errorf("SearchTerm(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOrQueries(t *testing.T) {
	x := QueryFormat{Or: " OR ", Group: true, Suffix: "-is:retweet", MaxLen: 40}
	qs, err := x.OrQueries([]string{"alpha", "Beta", "beta", "gamma", `"delta epsilon"`, "zeta"})
	want := []string{"(alpha OR Beta OR gamma) -is:retweet", `("delta epsilon" OR zeta) -is:retweet`}
	if err != nil || strings.Join(qs, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, %v; want %q", qs, err, want)
	}
	for _, q := range qs {
		if len(q) > 40 {
			t.Errorf("%q is longer than 40", q)
		}
	}
	if qs, _ := x.OrQueries([]string{"alpha"}); len(qs) != 1 || qs[0] != "alpha -is:retweet" {
		t.Errorf("one term is not grouped: %q", qs)
	}
	// Characters, not bytes, count.
	yt := QueryFormat{Or: "|", MaxLen: 11}
	if qs, err := yt.OrQueries([]string{"ääkköset", "öö"}); err != nil || strings.Join(qs, ",") != "ääkköset|öö" {
		t.Errorf("got %q, %v", qs, err)
	}
	if _, err := yt.OrQueries([]string{"liian-pitkä-termi"}); err == nil || !strings.Contains(err.Error(), `"liian-pitkä-termi"`) {
		t.Errorf("too long a term: %v", err)
	}
	if qs, err := yt.OrQueries(nil); err != nil || len(qs) != 0 {
		t.Errorf("no terms: %q %v", qs, err)
	}
}
