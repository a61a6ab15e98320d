package token

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func tokenize(s string) []Token { return Append(nil, s, strings.ToLower(s)) }

func TestAppendKinds(t *testing.T) {
	toks := tokenize("Don't BUY it!! #fail @tk@mastodon.social https://ex.fi/a?b=1. 5/5 :-) 😍👍🏽 ok…")
	want := []struct {
		text string
		kind Kind
	}{
		{"don't", Word}, {"buy", Word}, {"it", Word}, {"!", Punct}, {"!", Punct}, {"fail", Hashtag},
		{"@tk@mastodon.social", Handle}, {"https://ex.fi/a?b=1", URL}, {".", Punct}, {"5/5", Number},
		{":-)", Emoticon}, {"😍", Emoji}, {"👍", Emoji}, {"ok", Word}, {".", Punct},
	}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens %+v, want %d", len(toks), toks, len(want))
	}
	for i, w := range want {
		if toks[i].Text != w.text || toks[i].Kind != w.kind {
			t.Errorf("token %d = %q/%d, want %q/%d", i, toks[i].Text, toks[i].Kind, w.text, w.kind)
		}
	}
	if !toks[1].Caps || toks[0].Caps {
		t.Errorf("caps: BUY should be shouted, Don't not: %+v", toks[:2])
	}
	if !toks[0].Title || toks[1].Title || toks[2].Title {
		t.Errorf("title: Don't should be capitalised, BUY and it not: %+v", toks[:3])
	}
}

func TestEmoticonNeedsBoundary(t *testing.T) {
	for _, s := range []string{"klo 14:30", "http://x.fi", "a:b"} {
		for _, tok := range tokenize(s) {
			if tok.Kind == Emoticon {
				t.Errorf("%q: unexpected emoticon %q", s, tok.Text)
			}
		}
	}
	if toks := tokenize("hauskaa xD"); toks[len(toks)-1].Kind != Emoticon {
		t.Errorf("xD not an emoticon: %+v", toks)
	}
}

func TestFinnishLettersAndNewlines(t *testing.T) {
	toks := tokenize("Äänekoski\nÖLJY")
	if len(toks) != 3 || toks[0].Text != "äänekoski" || !toks[0].Title || toks[1].Kind != Punct || toks[2].Text != "öljy" || !toks[2].Caps {
		t.Errorf("got %+v", toks)
	}
}

func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "Don't BUY it!! #fail", ":-) <3 xD", "www.a.fi/x?y=1.", "\xff\xfe", "@a@b.c", "5,5/5", "👍🏽‍♀️", "İstanbul"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lower := strings.ToLower(s)
		toks := Append(nil, s, lower)
		for _, tok := range toks {
			if tok.Text == "" {
				t.Fatalf("empty token in %q: %+v", s, toks)
			}
			if tok.Kind == 0 {
				t.Fatalf("token without kind in %q", s)
			}
			if !strings.Contains(lower, tok.Text) && tok.Text != "." {
				t.Fatalf("token %q not from input %q", tok.Text, s)
			}
			if utf8.ValidString(s) && !utf8.ValidString(tok.Text) {
				t.Fatalf("invalid UTF-8 token %q from valid input", tok.Text)
			}
		}
	})
}

func FuzzLowerIsStringsToLower(f *testing.F) {
	for _, s := range []string{"", "abc", "Tilasin LÄPPÄRIN ÖISIN", "İstanbul ΣΟΦΙΑ", "bad \xff\xfe utf8 \xe4", "\uFFFD ok", "ÅSA örn"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Lower(s), strings.ToLower(s); got != want {
			t.Fatalf("Lower(%q) = %q, want %q", s, got, want)
		}
	})
}

func TestToLowerIsUnicodeToLower(t *testing.T) {
	for r := rune(0); r <= 0x2000; r++ {
		if got, want := toLower(r), unicode.ToLower(r); got != want {
			t.Errorf("toLower(%U) = %U, want %U", r, got, want)
		}
	}
}

func BenchmarkLower(b *testing.B) {
	s := "Tilasin läppärin TietokoneKoijarit-kaupasta viikko sitten ja toimitus on edelleen myöhässä. Asiakaspalvelu ei vastaa puhelimeen eikä sähköpostiin 😡 En suosittele kenellekään, vaihdan kauppaa."
	b.Run("Lower", func(b *testing.B) {
		for b.Loop() {
			Lower(s)
		}
	})
	b.Run("strings.ToLower", func(b *testing.B) {
		for b.Loop() {
			strings.ToLower(s)
		}
	})
}

type analyser struct{}

func (analyser) AnalyseWords(lang string, toks []Token, which []int32, analyses []Analysis) {}

// A text's analyses are its analyser's in its language until it reads
// another text.
func TestAnalysesOf(t *testing.T) {
	var tx Text
	tx.Read("Title", "some words")
	analyses := tx.StartAnalyses(analyser{}, "en")
	if len(analyses) != len(tx.Tokens) {
		t.Fatalf("%d analyses for %d tokens", len(analyses), len(tx.Tokens))
	}
	if tx.AnalysesOf(analyser{}, "en") == nil || tx.AnalysesOf(analyser{}, "fi") != nil || tx.AnalysesOf(nil, "en") != nil {
		t.Errorf("analyses of en by analyser: %v; of fi: %v; by none: %v", tx.AnalysesOf(analyser{}, "en"), tx.AnalysesOf(analyser{}, "fi"), tx.AnalysesOf(nil, "en"))
	}
	tx.Read("", "other words")
	if got := tx.AnalysesOf(analyser{}, "en"); got != nil {
		t.Errorf("after Read: analyses %v", got)
	}
}
