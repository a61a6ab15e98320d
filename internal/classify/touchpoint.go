package classify

import (
	"net/url"
	"strings"

	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/mention"
)

// Touchpoints of the PESO model.
const (
	owned  = "owned"
	earned = "earned"
	paid   = "paid"
	shared = "shared"
)

// sourceTouchpoints maps collector source names to the touchpoint of a
// post by someone other than the brand, with the reason shown to users.
var sourceTouchpoints = map[string][2]string{
	"rss": {earned, "press or blog feed"}, "atom": {earned, "press or blog feed"}, "feed": {earned, "press or blog feed"},
	"news": {earned, "news article"}, "press": {earned, "press article"}, "blog": {earned, "blog post"},
	"podcast":  {earned, "podcast"},
	"appstore": {earned, "app-store review"}, "app_store": {earned, "app-store review"}, "apple_app_store": {earned, "app-store review"},
	"googleplay": {earned, "app-store review"}, "google_play": {earned, "app-store review"}, "playstore": {earned, "app-store review"},
	"trustpilot": {earned, "review site"}, "review": {earned, "review site"}, "reviews": {earned, "review site"},
	"tripadvisor": {earned, "review site"}, "google_reviews": {earned, "review site"}, "googlebusiness": {earned, "review site"},
	"mastodon": {shared, "social post"}, "bluesky": {shared, "social post"}, "bsky": {shared, "social post"},
	"twitter": {shared, "social post"}, "x": {shared, "social post"}, "threads": {shared, "social post"},
	"facebook": {shared, "social post"}, "instagram": {shared, "social post"}, "tiktok": {shared, "social post"},
	"linkedin": {shared, "social post"}, "youtube": {shared, "social video"},
	"reddit": {shared, "forum thread"}, "hn": {shared, "forum thread"}, "hackernews": {shared, "forum thread"},
	"forum": {shared, "forum thread"}, "suomi24": {shared, "forum thread"}, "vauva": {shared, "forum thread"},
	"discord": {shared, "chat"}, "telegram": {shared, "chat"},
}

// earnedHosts are news and review sites: a post there is earned media.
var earnedHosts = map[string]string{
	"yle.fi": "news", "hs.fi": "news", "is.fi": "news", "iltalehti.fi": "news", "mtvuutiset.fi": "news",
	"kauppalehti.fi": "news", "talouselama.fi": "news", "tivi.fi": "news", "mikrobitti.fi": "news",
	"kaleva.fi": "news", "aamulehti.fi": "news", "ts.fi": "news", "hbl.fi": "news", "svd.se": "news",
	"dn.se": "news", "aftonbladet.se": "news", "expressen.se": "news", "bbc.co.uk": "news", "bbc.com": "news",
	"reuters.com": "news", "theguardian.com": "news", "nytimes.com": "news", "theverge.com": "news",
	"techcrunch.com": "news", "engadget.com": "news", "arstechnica.com": "news", "wired.com": "news",
	"trustpilot.com": "review site", "tripadvisor.com": "review site", "tripadvisor.fi": "review site",
	"apps.apple.com": "app-store review", "play.google.com": "app-store review",
}

// paidMedia are utm_medium values that mean bought traffic.
var paidMedia = map[string]bool{
	"cpc": true, "ppc": true, "paid": true, "paidsocial": true, "paid_social": true, "paid-social": true,
	"display": true, "cpm": true, "cpv": true, "sponsored": true, "ad": true, "ads": true, "banner": true,
}

// voice is whose words a post's are, where that changes how its sentiment
// and stage read.
type voice string

const (
	voiceBrand  voice = "brand"  // the brand's own post or ad
	voicePress  voice = "press"  // news, press and blog feeds
	voiceAsking voice = "asking" // a request for advice or experiences
)

// touchpointResult is the PESO decision for one mention.
type touchpointResult struct {
	touchpoint, reason string
	undisclosed        bool
	// voice is whose words these are when that changes how their
	// sentiment reads ("" for customers and the public).
	voice voice
	// brandReply marks the brand's answer to a customer (a review, a
	// comment), as its source marks it: service, whatever its words.
	brandReply bool
}

func (c *Classifier) touchpoint(m *mention.Mention, author, host string, toks []token.Token, cues *cueScan, found []*brandMatcher, tr *trace) touchpointResult {
	ownedReason, ownVoice := c.ownedBy(m, author, host)
	var voice voice
	if ownVoice {
		voice = voiceBrand
	}
	if cues.disclosure != "" {
		return touchpointResult{touchpoint: paid, reason: "paid: disclosure marker \"" + cues.disclosure + "\"", voice: voice}
	}
	if param, ok := paidTracking(m.URL, toks); ok {
		return touchpointResult{touchpoint: paid, reason: "paid: tracking parameter " + param, voice: voice}
	}
	if ownVoice {
		return touchpointResult{touchpoint: owned, reason: ownedReason, voice: voice, brandReply: isBrandReply(m)}
	}
	res := c.earnedOrShared(m, host)
	// Flag a post about a brand that sells without saying so (Finnish
	// Consumer Ombudsman: marketing must be recognisable as marketing).
	if len(found) > 0 && cues.commercial >= 2 {
		res.undisclosed = true
		if tr != nil {
			tr.add("touchpoint", "rule", "undisclosed_commercial", cues.commercial, "commercial cues ("+cues.firstCue+") about a brand without a disclosure marker")
		}
	}
	return res
}

// cueScan is what one walk over the tokens found: journey-stage weights,
// the first disclosure marker and the commercial cues.
type cueScan struct {
	stageWeights [16]float64
	// stageHits are where the stage cues stood (the first maxStageHits),
	// so a brand's stage can be summed from its clauses without a scan of
	// its own; overflow says some were left out.
	stageHits  [maxStageHits]stageHit
	nHits      int
	overflow   bool
	disclosure string
	commercial float64
	firstCue   string
}

// maxStageHits bounds the stage cues a scan remembers the place of.
const maxStageHits = 32

// stageHit is a stage cue at token at.
type stageHit struct {
	at     int32
	stage  uint8
	weight float64
}

// stageWeightsIn sums the stage cues standing in the token spans.
func (s *cueScan) stageWeightsIn(spans [][2]int) cueScan {
	var out cueScan
	for _, h := range s.stageHits[:s.nHits] {
		for _, sp := range spans {
			if int(h.at) >= sp[0] && int(h.at) < sp[1] {
				out.stageWeights[h.stage] += h.weight
				break
			}
		}
	}
	return out
}

func scanCues(lx *lexed, tr *trace) cueScan {
	var s cueScan
	toks := lx.toks
	for i := 0; i < len(toks); {
		h := lx.at[i].hits[groupCue]
		e, n := lx.phrases.Entry(h), int(h.N)
		if e == nil || (e.Value.cue.hashtagOnly && toks[i].Kind != token.Hashtag) {
			i++
			continue
		}
		switch e.Value.cue.kind {
		case "disclosure":
			tr.add("touchpoint", "phrase", e.Phrase, 1, "disclosure marker")
			if s.disclosure == "" {
				s.disclosure = e.Phrase
			}
		case "commercial":
			s.commercial += e.Value.cue.weight
			tr.add("touchpoint", "phrase", e.Phrase, e.Value.cue.weight, "commercial cue")
			if s.firstCue == "" {
				s.firstCue = e.Phrase
			}
		default:
			cue := &e.Value.cue
			s.stageWeights[cue.stage] += cue.weight
			if s.nHits < maxStageHits {
				s.stageHits[s.nHits] = stageHit{at: int32(i), stage: uint8(cue.stage), weight: cue.weight}
				s.nHits++
			} else {
				s.overflow = true
			}
			tr.add("journey_stage", "phrase", e.Phrase, cue.weight, cue.kind)
		}
		i += n
	}
	for _, t := range toks {
		if t.Kind == token.URL && isAffiliateURL(t.Text) {
			s.commercial += 2
			tr.add("touchpoint", "url", t.Text, 2, "affiliate link")
			if s.firstCue == "" {
				s.firstCue = "affiliate link"
			}
		}
	}
	return s
}

// paidTracking finds a paid-traffic tracking parameter in the mention's URL
// or a link in its text.
func paidTracking(mentionURL string, toks []token.Token) (string, bool) {
	check := func(raw string) (string, bool) {
		if !strings.Contains(raw, "?") {
			return "", false
		}
		u, err := url.Parse(raw)
		if err != nil {
			return "", false
		}
		q := u.Query()
		if med := strings.ToLower(q.Get("utm_medium")); paidMedia[med] {
			return "utm_medium=" + med, true
		}
		for _, k := range []string{"gclid", "dclid", "msclkid", "wbraid", "gbraid"} {
			if q.Has(k) {
				return k, true
			}
		}
		return "", false
	}
	if p, ok := check(mentionURL); ok {
		return p, true
	}
	for _, t := range toks {
		if t.Kind == token.URL {
			if p, ok := check(t.Text); ok {
				return p, true
			}
		}
	}
	return "", false
}

// isAffiliateURL spots affiliate and referral links.
func isAffiliateURL(raw string) bool {
	for _, marker := range []string{"aff=", "affid=", "affiliate", "partner=", "adtraction", "awin1.com", "tradedoubler", "amzn.to"} {
		if strings.Contains(raw, marker) {
			return true
		}
	}
	return false
}

// ownedBy reports whether the mention comes from a brand's own account
// (author, as from accountKey, or the collector's by_brand flag) or site
// (host, as hostOf(m.URL)).
func (c *Classifier) ownedBy(m *mention.Mention, author, host string) (string, bool) {
	if string(m.Extra[mention.ExtraByBrand]) == "true" {
		return "owned: the brand's own account, as " + sourceKey(m) + " says", true
	}
	if author != "" {
		for _, b := range c.brands {
			if b.accounts[author] {
				return "owned: author " + author + " is " + b.name + "'s own account", true
			}
		}
	}
	for _, host := range [...]string{host, hostOf(m.Author.URL)} {
		if host == "" {
			continue
		}
		for _, b := range c.brands {
			if d, ok := b.ownsHost(host); ok {
				return "owned: " + host + " is on " + b.name + "'s domain " + d, true
			}
		}
	}
	return "", false
}

// isBrandReply reports the brand's own answer to a customer, as its source
// marks it: written by the brand (by_brand) in reply to another post.
func isBrandReply(m *mention.Mention) bool {
	return m.ParentURL != "" && string(m.Extra[mention.ExtraByBrand]) == "true"
}

// accountKey is the mention author as "source:@handle", lowercased, as in
// the brands' owned accounts; empty without a handle.
func accountKey(m *mention.Mention) string {
	h := strings.TrimLeft(strings.ToLower(strings.TrimSpace(m.Author.Handle)), "@")
	if h == "" {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(m.Source)) + ":@" + h
}

func (c *Classifier) earnedOrShared(m *mention.Mention, host string) touchpointResult {
	if host != "" {
		h := strings.TrimPrefix(host, "www.")
		for h != "" {
			if what, ok := earnedHosts[h]; ok {
				res := touchpointResult{touchpoint: earned, reason: "earned: " + what + " (" + host + ")"}
				if what == "news" {
					res.voice = voicePress
				}
				return res
			}
			_, h, _ = strings.Cut(h, ".")
			if !strings.Contains(h, ".") {
				break
			}
		}
	}
	src := sourceKey(m)
	if tp, ok := sourceTouchpoints[src]; ok {
		reason := tp[0] + ": " + tp[1] + " (" + src + ")"
		if tp[0] == shared && m.ParentURL != "" {
			reason = shared + ": reply or repost (" + src + ")"
		}
		res := touchpointResult{touchpoint: tp[0], reason: reason}
		if pressSources[src] {
			res.voice = voicePress
		}
		return res
	}
	return touchpointResult{touchpoint: shared, reason: "shared: default for a post by someone other than the brand (source " + src + ")"}
}

// sourceKey is the mention's source as the source tables and the stage
// model know it.
func sourceKey(m *mention.Mention) string { return strings.ToLower(strings.TrimSpace(m.Source)) }

// pressSources publish articles rather than customers' posts or reviews:
// the earned sources of sourceTouchpoints that are not review sites.
var pressSources = func() map[string]bool {
	m := map[string]bool{}
	for src, tp := range sourceTouchpoints {
		if tp[0] == earned && !reviewSources[src] {
			m[src] = true
		}
	}
	return m
}()

func hostOf(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}
