// Package demo generates ewom's first-look scenario: a seeded, realistic week
// of Finnish and English mentions of a fictional electronics retailer and its
// two competitors, ending in a laptop delivery crisis, and feeds it through
// a running service's ingest API.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

// The demo's brands.
const (
	Retailer = "TietokoneKoijarit"
	RivalA   = "Datajätti"
	RivalB   = "Verkkosaurus"
)

// Brands is the brand configuration the scenario is written for.
func Brands() []config.Brand {
	return []config.Brand{
		{Name: Retailer, Own: true, Aliases: []string{"TietokoneKoijarit Oy", "Koijarit", "#tietokonekoijarit"},
			Stems: []string{"tietokonekoijare", "koijare"}, // plural: (Tietokone)Koijareilta, -Koijareiden
			Owned: config.Owned{Domains: []string{"tietokonekoijarit.fi"},
				Accounts: []string{"mastodon:@koijarit@mastodon.social", "bluesky:@koijarit.bsky.social"}}},
		{Name: RivalA, Aliases: []string{"Datajatti", "#datajätti"}, Competitor: true,
			Owned: config.Owned{Domains: []string{"datajatti.fi"}}},
		{Name: RivalB, Aliases: []string{"#verkkosaurus"}, Competitor: true,
			Owned: config.Owned{Domains: []string{"verkkosaurus.fi"}}},
	}
}

// Item is one generated mention. Persona names the author when the mention
// is a step on that author's purchase path; Crisis marks the delivery crisis.
type Item struct {
	Mention mention.Mention
	Persona string
	Crisis  bool
}

// Scenario is a generated week.
type Scenario struct {
	Start, End time.Time
	// CrisisStart is when the first late-delivery posts appear; SurgeStart
	// when they go viral (the negative spike).
	CrisisStart, SurgeStart time.Time
	Items                   []Item // in publication order
}

// Shape of the week.
const (
	week        = 7 * 24 * time.Hour
	crisisLead  = 40 * time.Hour // first complaints before End
	surgeLead   = 4 * time.Hour  // the spike before End
	surgePeak   = 40.0           // crisis posts an hour at End
	simmerStart = 0.4            // crisis posts an hour when it begins
	simmerEnd   = 1.5            // …and when the surge starts
	chatterPeak = 7.0            // background posts an hour at the busiest hour
)

// Generate returns the week ending at end, the same for the same seed and end.
func Generate(seed uint64, end time.Time) Scenario {
	end = end.UTC().Truncate(time.Minute)
	g := &generator{rng: rand.New(rand.NewPCG(seed, 0x6577_6f6d)), stamp: end.Format("20060102t1504")}
	sc := Scenario{Start: end.Add(-week), End: end, CrisisStart: end.Add(-crisisLead), SurgeStart: end.Add(-surgeLead)}
	g.sc = &sc
	for h := sc.Start; h.Before(end); h = h.Add(time.Hour) {
		g.hour(h, earliest(h.Add(time.Hour), end))
	}
	g.personas()
	g.channels()
	slices.SortStableFunc(sc.Items, func(a, b Item) int { return a.Mention.PublishedAt.Compare(b.Mention.PublishedAt) })
	return sc
}

// Live returns the mentions of [from, to) after the generated week: the
// crisis stays at its peak, fading slowly, and ordinary chatter goes on.
func Live(seed uint64, end, from, to time.Time) []Item {
	g := &generator{rng: rand.New(rand.NewPCG(seed, uint64(from.Unix()))),
		stamp: end.UTC().Format("20060102t1504") + "-live" + strconv.FormatInt(from.Unix(), 36)}
	sc := Scenario{End: end, CrisisStart: end.Add(-crisisLead), SurgeStart: end.Add(-surgeLead)}
	g.sc = &sc
	g.hour(from, to)
	slices.SortStableFunc(sc.Items, func(a, b Item) int { return a.Mention.PublishedAt.Compare(b.Mention.PublishedAt) })
	return sc.Items
}

type generator struct {
	rng   *rand.Rand
	sc    *Scenario
	stamp string // keeps ids of different runs apart
	n     int
}

// activity is how busy Finland is online at t (0.15 at night … 1 in the
// evening), Finnish time being UTC+2 in winter.
func activity(t time.Time) float64 {
	h := (t.UTC().Hour() + 2) % 24
	switch {
	case h < 6:
		return 0.15
	case h < 8:
		return 0.45
	case h < 17:
		return 0.8
	case h < 23:
		return 1
	default:
		return 0.5
	}
}

// crisisRate is the expected late-delivery posts an hour at t.
func (g *generator) crisisRate(t time.Time) float64 {
	sc := g.sc
	switch {
	case t.Before(sc.CrisisStart):
		return 0
	case t.Before(sc.SurgeStart):
		f := t.Sub(sc.CrisisStart).Hours() / sc.SurgeStart.Sub(sc.CrisisStart).Hours()
		return (simmerStart + f*(simmerEnd-simmerStart)) * (0.5 + activity(t)/2)
	case !t.After(sc.End):
		f := t.Sub(sc.SurgeStart).Hours() / surgeLead.Hours()
		return simmerEnd * math.Pow(surgePeak/simmerEnd, f)
	default: // live: fades with a 12-hour half-life
		return max(simmerEnd, surgePeak*math.Pow(0.5, t.Sub(sc.End).Hours()/12))
	}
}

// poisson draws a Poisson count with mean lambda (Knuth; lambda is small).
func (g *generator) poisson(lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= g.rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// at returns a random moment in [from, to), or from when the range is empty.
func (g *generator) at(from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	return from.Add(time.Duration(g.rng.Int64N(int64(to.Sub(from))))).Truncate(time.Second)
}

// hour generates the background chatter and crisis posts of [from, to).
func (g *generator) hour(from, to time.Time) {
	frac := to.Sub(from).Hours()
	for range g.poisson(chatterPeak * activity(from) * frac) {
		g.chatter(g.at(from, to))
	}
	for range g.poisson(g.crisisRate(from) * frac) {
		g.crisisPost(g.at(from, to))
	}
}

// social are the consumer channels: source, how handles look there.
var social = []struct {
	source string
	handle func(nick string) string
	url    func(nick string) string
}{
	{"mastodon", func(n string) string { return "@" + n + "@mastodon.social" }, func(n string) string { return "https://mastodon.social/@" + n }},
	{"mastodon", func(n string) string { return "@" + n + "@mstdn.fi" }, func(n string) string { return "https://mstdn.fi/@" + n }},
	{"bluesky", func(n string) string { return n + ".bsky.social" }, func(n string) string { return "https://bsky.app/profile/" + n + ".bsky.social" }},
	{"reddit", func(n string) string { return "u/" + n }, func(n string) string { return "https://www.reddit.com/user/" + n }},
	{"instagram", func(n string) string { return "@" + n }, func(n string) string { return "https://www.instagram.com/" + n }},
}

var (
	firstNames = []string{"Aino", "Mikko", "Juha", "Laura", "Antti", "Sanna", "Ville", "Emilia", "Jussi", "Henna", "Teemu", "Riikka",
		"Petri", "Noora", "Olli", "Katja", "Eero", "Iida", "Matti", "Pirjo", "Sarah", "Tom", "Priya", "Lukas"}
	lastNames = []string{"Virtanen", "Korhonen", "Nieminen", "Mäkinen", "Hämäläinen", "Laine", "Heikkinen", "Koskinen", "Järvinen",
		"Lehtonen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Kallio", "Turunen", "Lindholm", "Ellis", "Kim", "Nair"}
)

type author struct {
	mention.Author
	source, nick string
}

// person makes up an author on a random consumer channel (Instagram only
// for influencers).
func (g *generator) person() author {
	first, last := pick(g.rng, firstNames), pick(g.rng, lastNames)
	nick := strings.ToLower(first) + pick(g.rng, []string{"_", ".", "", "_"}) + asciiFold(strings.ToLower(last[:min(len(last), 3+g.rng.IntN(4))]))
	if g.rng.IntN(3) == 0 {
		nick += strconv.Itoa(g.rng.IntN(99))
	}
	ch := social[g.rng.IntN(len(social)-1)]
	return author{Author: mention.Author{Handle: ch.handle(nick), Name: first + " " + last, URL: ch.url(nick),
		Followers: int64(math.Exp(g.rng.NormFloat64()*1.2 + 4.5))}, source: ch.source, nick: nick}
}

func asciiFold(s string) string {
	return strings.NewReplacer("ä", "a", "ö", "o", "å", "a").Replace(s)
}

// consumerPost writes one consumer post of the given stage and mood.
func (g *generator) consumerPost(t time.Time, a author, brand, stage, mood, lang string) mention.Mention {
	tmpls := consumer[key(stage, mood, lang)]
	if len(tmpls) == 0 {
		tmpls = consumer[key(stage, mood, "fi")]
	}
	product := pick(g.rng, gadgets)
	if stage != "usage" || g.rng.IntN(2) == 0 {
		product = pick(g.rng, laptops)
	}
	v := vars{brand: pick(g.rng, brandForms[brand]), rival: pick(g.rng, brandForms[g.rival(brand)]), product: product,
		days: strconv.Itoa(4 + g.rng.IntN(12)), order: fmt.Sprintf("#%d", 4_100_000+g.rng.IntN(900_000)), mood: mood}
	text := roughen(g.rng, fill(g.rng, pick(g.rng, tmpls), v))
	m := g.base(t, a.source, a.Author, lang)
	m.Text = text
	m.URL = strings.TrimSuffix(a.URL, "/") + "/" + g.id()
	return m
}

func (g *generator) rival(brand string) string {
	if brand == Retailer {
		return pick(g.rng, []string{RivalA, RivalB})
	}
	return Retailer
}

// base fills the fields every mention has; the id is unique per run.
func (g *generator) base(t time.Time, source string, a mention.Author, lang string) mention.Mention {
	return mention.Mention{Source: source, ID: g.id(), Author: a, PublishedAt: t, Lang: lang,
		Engagement: mention.Engagement{Likes: int64(g.rng.IntN(20)), Reposts: int64(g.rng.IntN(4)), Replies: int64(g.rng.IntN(5))}}
}

func (g *generator) id() string {
	g.n++
	return fmt.Sprintf("demo-%s-%05d", g.stamp, g.n)
}

func (g *generator) add(m mention.Mention, persona string, crisis bool) {
	g.sc.Items = append(g.sc.Items, Item{Mention: m, Persona: persona, Crisis: crisis})
}

// chatter is an ordinary post about one of the brands.
func (g *generator) chatter(t time.Time) {
	brand := pick(g.rng, []string{Retailer, Retailer, Retailer, RivalA, RivalA, RivalB})
	type step struct{ stage, mood string }
	steps := []step{{"consideration", "neu"}, {"consideration", "neu"}, {"purchase", "pos"}, {"delivery", "pos"},
		{"usage", "pos"}, {"usage", "pos"}, {"usage", "neg"}, {"service", "pos"}, {"loyalty", "pos"}, {"awareness", "neu"}}
	if brand != Retailer { // the rivals have their own ordinary problems
		steps = append(steps, step{"delivery", "neg"}, step{"service", "neg"})
	}
	s := pick(g.rng, steps)
	g.add(g.consumerPost(t, g.person(), brand, s.stage, s.mood, g.lang()), "", false)
}

func (g *generator) lang() string {
	if g.rng.IntN(10) < 7 {
		return "fi"
	}
	return "en"
}

// crisisPost is a one-off complaint about a late laptop or unreachable
// customer service.
func (g *generator) crisisPost(t time.Time) {
	stage := pick(g.rng, []string{"delivery", "delivery", "delivery", "service", "service", "churn"})
	g.add(g.consumerPost(t, g.person(), Retailer, stage, "neg", g.lang()), "", true)
}

// A persona walks a purchase path over several days, on one channel.
type path struct {
	brand string
	steps []pathStep
}

type pathStep struct {
	stage, mood string
	crisis      bool
}

func (g *generator) personas() {
	sc := g.sc
	happy := path{Retailer, []pathStep{{"consideration", "neu", false}, {"purchase", "pos", false}, {"delivery", "pos", false}, {"usage", "pos", false}, {"loyalty", "pos", false}}}
	rescued := path{Retailer, []pathStep{{"purchase", "pos", false}, {"usage", "neg", false}, {"service", "pos", false}, {"loyalty", "pos", false}}}
	rivalFan := path{RivalB, []pathStep{{"consideration", "neu", false}, {"purchase", "pos", false}, {"delivery", "pos", false}, {"loyalty", "pos", false}}}
	victim := path{Retailer, []pathStep{{"consideration", "neu", false}, {"purchase", "pos", false}, {"delivery", "neg", true}, {"service", "neg", true}, {"churn", "neg", true}}}
	plan := []path{happy, happy, happy, happy, happy, happy, rescued, rescued, rescued, rivalFan, rivalFan, rivalFan,
		victim, victim, victim, victim, victim, victim, victim, victim, victim, victim, victim, victim}
	for _, p := range plan {
		a := g.person()
		lang := g.lang()
		// Ordinary steps follow each other by 6 to 36 hours from the first
		// days on; a victim's crisis steps fall in the crisis, the last
		// ones in the surge.
		t := g.at(sc.Start.Add(6*time.Hour), sc.Start.Add(60*time.Hour))
		for i, s := range p.steps {
			switch {
			case s.crisis && i == len(p.steps)-1:
				t = g.at(latest(t, sc.SurgeStart), sc.End)
			case s.crisis:
				t = g.at(latest(t, sc.CrisisStart), sc.SurgeStart.Add(time.Duration(i)*time.Hour))
			}
			g.add(g.consumerPost(t, a, p.brand, s.stage, s.mood, lang), a.Handle, s.crisis)
			t = earliest(t.Add(time.Duration(6+g.rng.IntN(30))*time.Hour), sc.End.Add(-time.Minute))
		}
	}
}

// channels adds owned, earned and paid media across the week.
func (g *generator) channels() {
	sc := g.sc
	day := func(d int) (time.Time, time.Time) {
		from := sc.Start.Add(time.Duration(d) * 24 * time.Hour)
		return from.Add(6 * time.Hour), from.Add(20 * time.Hour)
	}
	koijarit := mention.Author{Handle: "@koijarit@mastodon.social", Name: "TietokoneKoijarit", URL: "https://mastodon.social/@koijarit", Followers: 8400}
	for d := range 7 {
		post := ownedPosts[d%len(ownedPosts)]
		m := g.base(g.at(day(d)), "mastodon", koijarit, "fi")
		m.Text = post.text
		m.URL = "https://mastodon.social/@koijarit/" + g.id()
		g.add(m, "", false)
		rival := []string{RivalA, RivalB}[d%2]
		rp := rivalOwnedPosts[rival][0]
		host := map[string]string{RivalA: "datajatti.fi", RivalB: "verkkosaurus.fi"}[rival]
		m = g.base(g.at(day(d)), "rss", mention.Author{Name: rival, URL: "https://" + host}, "fi")
		m.Text, m.URL = rp.text, "https://"+host+"/uutiset/"+g.id()
		g.add(m, "", false)
	}
	for i, nl := range newsletters {
		m := g.base(g.at(day(1+i*3)), "rss", mention.Author{Name: "TietokoneKoijarit", URL: "https://www.tietokonekoijarit.fi"}, "")
		m.Title, m.Text, m.URL = nl.title, nl.text, "https://www.tietokonekoijarit.fi/uutiskirje/"+g.id()
		g.add(m, "", false)
	}
	m := g.base(g.at(sc.SurgeStart.Add(time.Hour), sc.End), "mastodon", koijarit, "fi")
	m.Text, m.URL = apology.text, "https://mastodon.social/@koijarit/"+g.id()
	g.add(m, "", true)

	journalists := []string{"Maija Toimittaja", "Jari Uutinen", "Anna Tech"}
	for i, p := range append(slices.Clone(press), blogs...) {
		from, to := day(i % 5)
		if p.crisis {
			from, to = sc.SurgeStart.Add(-time.Hour), sc.End
		}
		m := g.base(g.at(from, to), "rss", mention.Author{Name: journalists[i%len(journalists)]}, "")
		m.Title, m.Text, m.URL = p.title, p.text, "https://"+p.host+"/"+p.path
		g.add(m, "", p.crisis)
	}
	for i, s := range influencerPosts {
		nick := []string{"ninnintekniikka", "techbyleo", "arjenhelmi", "pelikissa"}[i%4]
		a := mention.Author{Handle: "@" + nick, Name: nick, URL: "https://www.instagram.com/" + nick, Followers: 12_000 + int64(i)*9_000}
		m := g.base(g.at(day(i%7)), "instagram", a, "")
		m.Text, m.URL = s.text, "https://www.instagram.com/p/"+g.id()
		if s.tracked { // the campaign's tracking gives it away even without a disclosure
			m.URL += "?utm_source=instagram&utm_medium=paid_social&utm_campaign=blackweek"
		}
		g.add(m, "", false)
	}
	for i, r := range appReviews {
		from, to := day(i % 7)
		if r.crisis {
			from, to = sc.CrisisStart, sc.End
		}
		src := []string{"appstore", "googleplay"}[i%2]
		a := g.person()
		m := g.base(g.at(from, to), src, mention.Author{Name: a.Name}, r.lang)
		rating := r.rating
		m.Title, m.Text, m.Rating = r.title, r.text, &rating
		m.URL = map[string]string{"appstore": "https://apps.apple.com/fi/app/tietokonekoijarit/id1234567890", "googleplay": "https://play.google.com/store/apps/details?id=fi.koijarit.app"}[src] + "#" + g.id()
		g.add(m, "", r.crisis)
	}
	for _, src := range []string{"hackernews", "stackexchange", "discourse"} {
		for i, a := range techThreads[src] {
			from, to := day(2 + i)
			crisis := strings.Contains(a.text, "TietokoneKoijarit") && (strings.Contains(a.text, "stuck") || strings.Contains(a.text, "myöhässä") || strings.Contains(a.text, "unanswered"))
			if crisis {
				from, to = sc.CrisisStart, sc.End
			}
			p := g.person()
			m := g.base(g.at(from, to), src, mention.Author{Handle: p.nick, Name: p.Name}, "")
			m.Title, m.Text = a.title, a.text
			m.URL = map[string]string{"hackernews": "https://news.ycombinator.com/item?id=", "stackexchange": "https://superuser.com/q/", "discourse": "https://foorumi.example.fi/t/"}[src] + strconv.Itoa(40_000_000+g.n)
			g.id()
			g.add(m, "", crisis)
		}
	}
	// A customer-feedback form posts to the signed webhook.
	for d := range 7 {
		p := g.person()
		mood := "pos"
		if d >= 5 {
			mood = "neg"
		}
		m := g.consumerPost(g.at(day(d)), author{Author: mention.Author{Name: p.Name}, source: "webhook"}, Retailer, "service", mood, "fi")
		m.URL = ""
		g.add(m, "", mood == "neg")
	}
}
