package classify

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/classify/lexicon"
	"github.com/ewom/ewom/internal/config"
)

// brandMatcher finds one configured brand in lowercased text.
type brandMatcher struct {
	name     string
	patterns []brandPattern
	excludes []string
	domains  []string        // owned domains, lowercased
	accounts map[string]bool // "source:handle", lowercased, handle with '@'
	// slugs are the name as it stands in URLs (rantakoto, revontuli-elektroniikka).
	slugs []string
}

type brandPattern struct {
	text string
	// inflectable: Finnish/Swedish/English endings may follow ("Finnairilla");
	// only for names of four or more letters, so "OP" never matches "opin".
	inflectable bool
	// needsEnding: a stem such as "veikkaukse" (from "Veikkaus") that only
	// counts with an ending after it.
	needsEnding bool
}

// minInflectableRunes is the shortest alias that may take endings.
const minInflectableRunes = 4

func newBrandMatcher(b config.Brand, i int) (*brandMatcher, error) {
	name := strings.TrimSpace(b.Name)
	if name == "" {
		return nil, fmt.Errorf("brands[%d].name: required", i)
	}
	bm := &brandMatcher{name: name, accounts: map[string]bool{}}
	seen := map[string]bool{}
	addPattern := func(p brandPattern) {
		if p.text != "" && !seen[p.text] {
			seen[p.text] = true
			bm.patterns = append(bm.patterns, p)
		}
	}
	for j, alias := range append([]string{name}, b.Aliases...) {
		a := strings.ToLower(strings.TrimSpace(alias))
		if a == "" || a == "#" || a == "@" {
			return nil, fmt.Errorf("brands[%d].aliases[%d]: empty alias", i, j-1)
		}
		infl := utf8.RuneCountInString(strings.TrimLeft(a, "#@")) >= minInflectableRunes
		addPattern(brandPattern{text: a, inflectable: infl})
		if strings.ContainsAny(a, " -") { // hashtag spelling of a multi-word name
			addPattern(brandPattern{text: "#" + strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimLeft(a, "#")), inflectable: infl})
		}
		if infl {
			for _, stem := range finnishNameStems(a) {
				addPattern(brandPattern{text: stem, needsEnding: true})
			}
			// People often type a name without its Nordic letters (Bjorkhem, Tahtikauppa).
			if folded := foldNordic(a); folded != a {
				addPattern(brandPattern{text: folded, inflectable: true})
				for _, stem := range finnishNameStems(folded) {
					addPattern(brandPattern{text: stem, needsEnding: true})
				}
			}
		}
		bm.slugs = append(bm.slugs, strings.NewReplacer(" ", "-").Replace(foldNordic(strings.TrimLeft(a, "#@"))),
			strings.NewReplacer(" ", "").Replace(foldNordic(strings.TrimLeft(a, "#@"))))
	}
	for j, st := range b.Stems {
		st = strings.ToLower(strings.TrimSpace(st))
		if utf8.RuneCountInString(st) < minInflectableRunes {
			return nil, fmt.Errorf("brands[%d].stems[%d]: %q: a stem needs %d letters or more", i, j, b.Stems[j], minInflectableRunes)
		}
		addPattern(brandPattern{text: st, needsEnding: true})
	}
	for j, ex := range b.Exclude {
		ex = strings.ToLower(strings.TrimSpace(ex))
		if ex == "" {
			return nil, fmt.Errorf("brands[%d].exclude[%d]: empty phrase", i, j)
		}
		bm.excludes = append(bm.excludes, ex)
	}
	for j, d := range b.Owned.Domains {
		d = strings.ToLower(strings.TrimSpace(d))
		d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
		d = strings.TrimPrefix(strings.TrimSuffix(d, "/"), "www.")
		if d == "" || !strings.Contains(d, ".") || strings.ContainsAny(d, "/ ") {
			return nil, fmt.Errorf("brands[%d].owned.domains[%d]: %q is not a domain name such as example.fi", i, j, b.Owned.Domains[j])
		}
		bm.domains = append(bm.domains, d)
		addPattern(brandPattern{text: d})
	}
	for j, acc := range b.Owned.Accounts {
		src, handle, ok := strings.Cut(strings.ToLower(strings.TrimSpace(acc)), ":")
		if !ok || src == "" || strings.TrimLeft(handle, "@") == "" {
			return nil, fmt.Errorf("brands[%d].owned.accounts[%d]: %q: want source:handle, e.g. mastodon:@tk@mastodon.social", i, j, acc)
		}
		handle = "@" + strings.TrimLeft(handle, "@")
		bm.accounts[src+":"+handle] = true
		addPattern(brandPattern{text: handle})
		if at := strings.IndexByte(handle[1:], '@'); at > 0 { // @tk@mastodon.social is also written @tk
			addPattern(brandPattern{text: handle[:at+1]})
		}
	}
	return bm, nil
}

// find returns the first of the brand's patterns (in their order) found in
// lower, outside any exclude phrase. hits are lower's pattern occurrences
// (brandIndex.scan); bi is the brand's index. Occurrences of one pattern
// are examined left to right, each search resuming after the last one
// examined, as a plain substring search would.
func (bm *brandMatcher) find(lower string, hits []brandHit, bi int, infl *lexicon.Inflections) (string, bool) {
	for pi, p := range bm.patterns {
		from := int32(0)
		for _, h := range hits {
			if h.brand != int32(bi) || h.pattern != int32(pi) || h.start < from {
				continue
			}
			from = h.end
			if p.matchesAt(lower, int(h.start), int(h.end), infl) && !bm.excluded(lower, int(h.start), int(h.end)) {
				return p.text, true
			}
		}
	}
	return "", false
}

// finnishNameStems returns the stems a name takes before Finnish endings
// when its own spelling changes: consonant gradation (Gigantti -> Gigant-in,
// Rantakoto -> Rantakodo-sta, Sinilintu -> Sinilinnu-lla, Vakkapankki ->
// Vakkapank-in), -nen names (Ahtinen -> Ahtise-lta, Ahtis-ta), -s names
// (Veikkaus -> Veikkaukse-n, Makutaivas -> Makutaivaa-lta), -e names with
// the stem's strong grade (Kide -> Kitee-n) and plural stems (Koijarit ->
// Koijarite-ista). A multi-word name inflects its last word only, which is
// where these changes happen.
func finnishNameStems(a string) []string {
	var stems []string
	n := len(a)
	switch {
	case strings.HasSuffix(a, "nen") && n > 5:
		stems = append(stems, a[:n-3]+"se", a[:n-3]+"s")
	case strings.HasSuffix(a, "as") || strings.HasSuffix(a, "es"):
		stems = append(stems, a[:n-1]+a[n-2:n-1], a[:n-1]+"kse")
	case strings.HasSuffix(a, "äs"):
		stems = append(stems, a[:n-len("s")]+"ä", a[:n-1]+"kse")
	case strings.HasSuffix(a, "us") || strings.HasSuffix(a, "ys") || strings.HasSuffix(a, "os") || strings.HasSuffix(a, "is"):
		stems = append(stems, a[:n-1]+"kse")
	case n >= 4 && a[n-1] == 'e' && !isVowel(a[n-2]):
		stems = append(stems, a+"e")
		if strong := strongGrade(a[:n-1]); strong != "" {
			stems = append(stems, strong+"ee")
		}
	case n >= 4 && isVowel(a[n-1]):
		if weak := weakGrade(a[:n-1]); weak != "" {
			stems = append(stems, weak+a[n-1:])
		}
		if a[n-2] == a[n-3] && strings.IndexByte("tkp", a[n-2]) >= 0 {
			stems = append(stems, a[:n-2])
		}
	}
	if strings.HasSuffix(a, "t") && n >= 2 && isVowel(a[n-2]) {
		stems = append(stems, a+"e")
	}
	return stems
}

// weakGrade is a stem's weak grade (the consonants before its last vowel
// lightened: kk -> k, nt -> nn, t -> d …), or "" when it has none.
func weakGrade(stem string) string {
	for _, g := range [...][2]string{{"kk", "k"}, {"pp", "p"}, {"tt", "t"}, {"nt", "nn"}, {"lt", "ll"}, {"rt", "rr"}, {"mp", "mm"}, {"nk", "ng"}} {
		if strings.HasSuffix(stem, g[0]) {
			return stem[:len(stem)-len(g[0])] + g[1]
		}
	}
	n := len(stem)
	if n >= 2 && (isVowel(stem[n-2]) || stem[n-2] == 'h') {
		switch stem[n-1] {
		case 't':
			return stem[:n-1] + "d"
		case 'p':
			return stem[:n-1] + "v"
		}
	}
	return ""
}

// strongGrade undoes the weak grade of a name in -e (Kide -> Kite-, Liike
// -> Liikke-, Hake -> Hakke-) for the stem the endings follow.
func strongGrade(stem string) string {
	n := len(stem)
	for _, g := range [...][2]string{{"nn", "nt"}, {"ll", "lt"}, {"rr", "rt"}, {"mm", "mp"}, {"ng", "nk"}} {
		if strings.HasSuffix(stem, g[0]) {
			return stem[:n-2] + g[1]
		}
	}
	if n >= 2 && isVowel(stem[n-2]) {
		switch stem[n-1] {
		case 'd':
			return stem[:n-1] + "t"
		case 'v':
			return stem[:n-1] + "p"
		case 'k', 'p', 't':
			return stem + stem[n-1:]
		}
	}
	return ""
}

func isVowel(b byte) bool { return strings.IndexByte("aeiouy", b) >= 0 }

func (p brandPattern) matchesAt(s string, start, end int, infl *lexicon.Inflections) bool {
	if start > 0 {
		prev, _ := utf8.DecodeLastRuneInString(s[:start])
		if isNameRune(prev) {
			return false
		}
	}
	ending := end
	for ending < len(s) {
		r, size := utf8.DecodeRuneInString(s[ending:])
		if !isNameRune(r) {
			break
		}
		ending += size
	}
	rest := s[end:ending]
	switch {
	case p.needsEnding:
		return rest != "" && infl.Has(rest)
	case rest == "":
		return true
	default:
		return p.inflectable && infl.Has(rest)
	}
}

func isNameRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func (bm *brandMatcher) excluded(s string, start, end int) bool {
	for _, ex := range bm.excludes {
		lo := max(0, end-len(ex))
		hi := min(len(s), start+len(ex))
		if lo <= hi && strings.Contains(s[lo:hi], ex) {
			return true
		}
	}
	return false
}

// foldNordic writes ä, ö and å as a, o and a.
func foldNordic(s string) string {
	return strings.NewReplacer("ä", "a", "ö", "o", "å", "a").Replace(s)
}

// urlSegments are the lowercased path segments of a mention URL.
func urlSegments(raw string) []string {
	u, err := url.Parse(strings.ToLower(strings.TrimSpace(raw)))
	if err != nil || strings.Trim(u.Path, "/") == "" {
		return nil
	}
	return strings.Split(strings.Trim(u.Path, "/"), "/")
}

// namedInURL reports a mention URL (as urlSegments) that names the brand
// in its path: a review page of its domain (trustpilot.com/review/
// rantakoto.fi), its page or app (facebook.com/rantakoto/posts/…,
// apps.apple.com/fi/app/rantakoto). Comments under a brand's post and
// reviews of its app are about it.
func (bm *brandMatcher) namedInURL(segments []string) (string, bool) {
	for _, seg := range segments {
		for _, d := range bm.domains {
			if seg == d || seg == "www."+d {
				return d, true
			}
		}
		for _, slug := range bm.slugs {
			if seg == slug || strings.HasPrefix(seg, slug+"-") {
				return slug, true
			}
		}
	}
	return "", false
}

// ownsHost reports whether host is one of the brand's domains or below one.
func (bm *brandMatcher) ownsHost(host string) (string, bool) {
	host = strings.TrimPrefix(strings.ToLower(host), "www.")
	for _, d := range bm.domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return d, true
		}
	}
	return "", false
}
