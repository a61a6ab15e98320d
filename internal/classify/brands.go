package classify

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ewom/ewom/internal/classify/morph"
	"github.com/ewom/ewom/internal/config"
)

// brandMatcher finds one configured brand in lowercased text.
type brandMatcher struct {
	name string
	// patterns: the stems of the name's and aliases' forms (package
	// morph), then domains and handles.
	patterns []morph.Pattern
	excludes []string
	// context: words at least one of which a post must have for a name
	// (not a domain or handle) to count; lowercased. named is how many of
	// the patterns are names: the rest are domains and handles.
	context  []string
	named    int
	domains  []string        // owned domains, lowercased
	accounts map[string]bool // "source:handle", lowercased, handle with '@'
	// slugs are the names as they stand in URLs (rantakoto, revontuli-elektroniikka).
	slugs []string
}

func newBrandMatcher(b config.Brand, i int) (*brandMatcher, error) {
	name := strings.TrimSpace(b.Name)
	if name == "" {
		return nil, fmt.Errorf("brands[%d].name: required", i)
	}
	bm := &brandMatcher{name: name, accounts: map[string]bool{}}
	opts := b.Declension()
	// People often type a name without its Nordic letters (Bjorkhem, Tahtikauppa).
	if folded := foldNordic(name); folded != name && !opts.Exact {
		opts.Variants = append(opts.Variants, folded)
	}
	pats, err := morph.Decline(name, opts)
	if err != nil {
		return nil, fmt.Errorf("brands[%d].%w", i, err)
	}
	bm.patterns = pats
	// Aliases are other names, each declined by its own ending.
	aliasOpts := morph.Options{Compounds: opts.Compounds, Fuzzy: opts.Fuzzy, Exact: opts.Exact}
	for j, alias := range b.Aliases {
		if strings.Trim(strings.TrimSpace(alias), "#@") == "" {
			return nil, fmt.Errorf("brands[%d].aliases[%d]: empty alias", i, j)
		}
		pats, err := morph.Decline(alias, aliasOpts)
		if err != nil {
			return nil, fmt.Errorf("brands[%d].aliases[%d]: %w", i, j, err)
		}
		bm.patterns = append(bm.patterns, pats...)
	}
	for _, n := range append([]string{name}, b.Aliases...) {
		n = foldNordic(strings.ToLower(strings.Trim(strings.TrimSpace(n), "#@")))
		bm.slugs = append(bm.slugs, strings.ReplaceAll(n, " ", "-"), strings.ReplaceAll(n, " ", ""))
	}
	for j, ex := range b.Exclude {
		ex = strings.ToLower(strings.TrimSpace(ex))
		if ex == "" {
			return nil, fmt.Errorf("brands[%d].exclude[%d]: empty phrase", i, j)
		}
		bm.excludes = append(bm.excludes, ex)
	}
	for j, w := range b.Context {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" {
			return nil, fmt.Errorf("brands[%d].context[%d]: empty word", i, j)
		}
		bm.context = append(bm.context, w)
	}
	bm.named = len(bm.patterns)
	exact := map[string]bool{}
	addExact := func(text string) {
		if !exact[text] {
			exact[text] = true
			bm.patterns = append(bm.patterns, morph.Exact(text))
		}
	}
	for j, d := range b.Owned.Domains {
		d = strings.ToLower(strings.TrimSpace(d))
		d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
		d = strings.TrimPrefix(strings.TrimSuffix(d, "/"), "www.")
		if d == "" || !strings.Contains(d, ".") || strings.ContainsAny(d, "/ ") {
			return nil, fmt.Errorf("brands[%d].owned.domains[%d]: %q is not a domain name such as example.fi", i, j, b.Owned.Domains[j])
		}
		bm.domains = append(bm.domains, d)
		addExact(d)
	}
	for j, acc := range b.Owned.Accounts {
		src, handle, ok := strings.Cut(strings.ToLower(strings.TrimSpace(acc)), ":")
		if !ok || src == "" || strings.TrimLeft(handle, "@") == "" {
			return nil, fmt.Errorf("brands[%d].owned.accounts[%d]: %q: want source:handle, e.g. mastodon:@tk@mastodon.social", i, j, acc)
		}
		handle = "@" + strings.TrimLeft(handle, "@")
		bm.accounts[src+":"+handle] = true
		addExact(handle)
		if at := strings.IndexByte(handle[1:], '@'); at > 0 { // @tk@mastodon.social is also written @tk
			addExact(handle[:at+1])
		}
	}
	return bm, nil
}

// find returns the first form of the brand found in lower (trying its
// patterns in their order) outside any exclude phrase, a name only where
// the post has a context word (ctx). hits are lower's pattern occurrences
// (brandIndex.scan); bi is the brand's index. Occurrences of one pattern
// are examined left to right, each search resuming after the last one
// examined, as a plain substring search would.
func (bm *brandMatcher) find(orig, lower string, hits []brandHit, bi int, persons *personWords, ctx *postContext) (string, bool) {
	// The context is looked for once, and only when a name is found: most
	// posts do not name the brand at all.
	ctxKnown, ctxOK := len(bm.context) == 0, true
	for pi := range bm.patterns {
		p := &bm.patterns[pi]
		from := int32(0)
		for _, h := range hits {
			if h.brand != int32(bi) || h.pattern != int32(pi) || h.start < from {
				continue
			}
			from = h.end
			if start, end, ok := p.Match(lower, int(h.start), int(h.end)); ok && !bm.excluded(lower, start, end) && !persons.namesPerson(orig, lower, start) {
				if pi < bm.named && !ctxKnown {
					ctxKnown, ctxOK = true, ctx.has(bm.context)
				}
				if pi < bm.named && !ctxOK {
					break // no name of the brand counts in this post
				}
				return lower[start:end], true
			}
		}
	}
	return "", false
}

// postContext is a post's lowercased title and text, for brands' context
// words.
type postContext struct{ title, text string }

// has reports whether the title or text has one of words at the start of a
// word (so endings may follow: lippu finds lippuja) or, one of five
// letters or more, inside a compound (kevätmallisto has mallisto).
func (p *postContext) has(words []string) bool {
	for _, w := range words {
		if contextIn(p.title, w) || contextIn(p.text, w) {
			return true
		}
	}
	return false
}

// minInCompound is the shortest context word found inside a compound.
const minInCompound = 5

func contextIn(s, w string) bool {
	if utf8.RuneCountInString(w) >= minInCompound {
		return strings.Contains(s, w)
	}
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		at := from + i
		if r, _ := utf8.DecodeLastRuneInString(s[:at]); at == 0 || !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return true
		}
		from = at + 1
	}
}

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

// foldNordic writes ä, ö and å as a, o and a (Ä, Ö, Å likewise).
func foldNordic(s string) string {
	return strings.NewReplacer("ä", "a", "ö", "o", "å", "a", "Ä", "A", "Ö", "O", "Å", "A").Replace(s)
}

// urlSegments are the lowercased path segments of a mention URL, and the
// parts of a Google Play app id (details?id=fi.rantakoto.shop), which
// names the app's owner as a path would.
func urlSegments(raw string) []string {
	u, err := url.Parse(strings.ToLower(strings.TrimSpace(raw)))
	if err != nil {
		return nil
	}
	var segs []string
	if p := strings.Trim(u.Path, "/"); p != "" {
		segs = strings.Split(p, "/")
	}
	if u.Host == "play.google.com" {
		if id := u.Query().Get("id"); id != "" {
			segs = append(segs, strings.Split(id, ".")...)
		}
	}
	return segs
}

// mayNameInURL reports whether a lowercased URL holds one of the brand's
// domains or slugs at all: most do not, and then the URL is not parsed.
func (bm *brandMatcher) mayNameInURL(lowerURL string) bool {
	for _, d := range bm.domains {
		if strings.Contains(lowerURL, d) {
			return true
		}
	}
	for _, slug := range bm.slugs {
		if strings.Contains(lowerURL, slug) {
			return true
		}
	}
	return false
}

// namedInURL reports a mention URL (as urlSegments) that names the brand
// in its path: a review page of its domain (trustpilot.com/review/
// rantakoto.fi), its page or app (facebook.com/rantakoto/posts/…,
// apps.apple.com/fi/app/rantakoto). Comments under a brand's post and
// reviews of its app are about it.
func (bm *brandMatcher) namedInURL(segments []string) (string, bool) {
	if segments == nil {
		return "", false
	}
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
