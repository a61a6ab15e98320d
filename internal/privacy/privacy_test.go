package privacy

import (
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/mention"
)

func TestPseudonymsAreStableKeyedAndIrreversible(t *testing.T) {
	p, err := NewPseudonymizer([]byte("0123456789abcdef-secret"))
	if err != nil {
		t.Fatal(err)
	}
	q, _ := NewPseudonymizer([]byte("another-key-0123456789"))
	a, b := p.Handle("@Moona@mastodon.social"), p.Handle(" @moona@mastodon.social")
	if a != b || !strings.HasPrefix(a, "anon:") || strings.Contains(a, "moona") {
		t.Fatalf("pseudonyms %q %q", a, b)
	}
	if q.Handle("@moona@mastodon.social") == a {
		t.Fatal("another key must give another pseudonym")
	}
	m := mention.Mention{Author: mention.Author{Handle: "@moona", Name: "Moona M", URL: "https://x/@moona", Followers: 5}}
	p.Apply(&m)
	if m.Author.Name != "" || m.Author.URL != "" || m.Author.Handle != p.Handle("@moona") || m.Author.Followers != 5 {
		t.Fatalf("applied: %+v", m.Author)
	}
	if _, err := NewPseudonymizer([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}
