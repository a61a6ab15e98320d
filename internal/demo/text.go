package demo

import (
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Template placeholders: {b} the brand as people write it, {r} a rival,
// {p} a product, {d} a number of days, {o} an order number, {e} an emoji
// matching the mood, {c} a discount code, {u} a link.
//
// Texts are keyed by journey stage, mood and language. They are written the
// way people post: short, uneven, sometimes without the umlauts.
type templates map[string][]string

func key(stage, mood, lang string) string { return stage + "/" + mood + "/" + lang }

var consumer = templates{
	key("consideration", "neu", "fi"): {
		"Harkitsen {p}:ta, onko kellään kokemuksia {b}:n toimitusajoista?",
		"Kannattaako {p} ostaa {b}:ltä vai {r}:ltä? Hinnat about samat {e}",
		"mietin uutta läppäriä opiskeluun, {p} vai joku halvempi? {b} ja {r} molemmilla tarjous",
		"Onko kukaan tilannut {b}:ltä viime aikoina? kuinka nopeesti tuli",
		"Hintavertailu: {p} {b} 1299€, {r} 1349€. Kumman valitsisitte?",
		"Suosituksia kannettavaksi alle tonnilla? {b}:llä näyttää olevan aika hyvä valikoima",
	},
	key("consideration", "neu", "en"): {
		"Thinking about getting the {p} from {b}, anyone tried ordering from them?",
		"{b} vs {r} for a new laptop in Finland? Prices look about the same {e}",
		"Has anyone used {b}'s trade-in? Considering it for my old {p}",
		"Should I buy the {p} now or wait for Black Friday? {b} already has it discounted",
	},
	key("purchase", "pos", "fi"): {
		"Tilasin just {p}:n {b}:ltä, kassalla meni 2 minuuttia {e}",
		"No nyt se tuli tehtyä, {p} tilattu {b}:ltä! {e}{e}",
		"Ostin {p}:n {b}:n verkkokaupasta, tarjous oli liian hyvä ohitettavaksi",
		"tein tilauksen {b}:lle aamulla, tilaus {o} vahvistettu heti {e}",
	},
	key("purchase", "pos", "en"): {
		"Just ordered the {p} from {b}, checkout was painless {e}",
		"Finally bought the {p}! {b} had the best price this week {e}",
		"Placed an order with {b} for a {p}, order {o}. Fingers crossed {e}",
	},
	key("delivery", "pos", "fi"): {
		"{p} tuli {b}:ltä jo seuraavana päivänä, pakettiautomaatista haettu {e}",
		"Wau, {b}:n toimitus oli nopea! Tilasin eilen ja paketti saapui tänään {e}",
		"Paketti saapui, kaikki kunnossa. Kiitos {b} {e}",
	},
	key("delivery", "pos", "en"): {
		"{p} arrived a day early, well packed. Good job {b} {e}",
		"Delivery from {b} was super fast, ordered Monday, got it Tuesday {e}",
	},
	key("delivery", "neg", "fi"): {
		"{b} läppäri myöhässä jo {d} päivää 😡 seurantakoodi ei päivity",
		"Tilasin {p}:n {b}:ltä {d} päivää sitten eikä oo vieläkään tullut. Mitä ihmettä??",
		"onko muillakin {b}:n toimitus jumissa? mun {p} ollu 'käsittelyssä' {d} päivää {e}",
		"{b}, missä mun paketti?? tilaus {o}, luvattu 2-3 arkipäivää, nyt {d} päivää {e}",
		"Ei ole tullut vieläkään. {b} lupasi toimituksen viime viikolla {e}",
		"Läppäri piti tulla maanantaina. Nyt on torstai. Kiitos {b} 🙃",
		"Toimitusaika {b}:llä ilmeisesti 'joskus'. {p} vieläkin matkalla {e}",
		"{b} toimitus myöhässä, seuranta näyttää samaa kuin {d} päivää sitten. #tietokonekoijarit",
	},
	key("delivery", "neg", "en"): {
		"My {p} from {b} still hasn't arrived, {d} days late now {e}",
		"{b} delivery is a mess. Tracking hasn't updated in {d} days {e}",
		"Ordered a laptop from {b}, promised 2-3 days, it's day {d}. Still not here {e}",
		"Anyone else waiting for a {b} laptop delivery? Mine is {d} days late",
	},
	key("usage", "pos", "fi"): {
		"{p} ollut nyt viikon käytössä, akku kestää koko päivän {e}",
		"Pakko sanoa että {p} toimii tosi hyvin, {b} suositteli ja osu nappiin {e}",
		"Uusi {p} käytössä, näyttö on ihan älyttömän hyvä {e}",
	},
	key("usage", "pos", "en"): {
		"Been using the {p} from {b} for a week, battery life is great {e}",
		"The {p} works perfectly, setup took five minutes {e}",
	},
	key("usage", "neg", "fi"): {
		"{p} kaatuu päivityksen jälkeen jatkuvasti {e} ostettu {b}:ltä kuukausi sitten",
		"{b}:n sovellus ei toimi, kirjautuminen kaatuu joka kerta {e}",
	},
	key("usage", "neg", "en"): {
		"The {b} app crashes every time I open my orders {e}",
		"{p} stopped working after the latest update, bought from {b} last month {e}",
	},
	key("service", "neg", "fi"): {
		"{b} asiakaspalvelu ei vastaa. Jonotin puhelimessa 50 min ja puhelu katkesi {e}",
		"Kolmas sähköposti {b}:n asiakaspalveluun, ei vastausta {d} päivään {e}",
		"{b}:n chatti sanoo 'kaikki asiakasneuvojat varattuina' koko päivän {e}",
		"Yritin kysyä {b}:ltä missä tilaus {o} on. Asiakaspalvelu ei vastaa puhelimeen eikä meiliin {e}",
		"Onko {b}:n asiakaspalvelu olemassa? jonossa nro 87 {e}",
		"Reklamaatio tehty {b}:lle {d} päivää sitten, ei mitään vastausta {e}",
	},
	key("service", "neg", "en"): {
		"{b} customer service is not responding at all. {d} days, zero replies {e}",
		"On hold with {b} support for 45 minutes, then the line dropped {e}",
		"Opened a ticket with {b} about my late order, no response for {d} days {e}",
	},
	key("service", "pos", "fi"): {
		"Pakko kehua {b}:n asiakaspalvelua: {p} vaihdettiin uuteen ilman kyselyjä {e}",
		"{b}:n tuki vastasi chatissa heti ja hyvitys tuli samana päivänä {e}",
	},
	key("service", "pos", "en"): {
		"Shoutout to {b} customer support, sorted my warranty repair in a day {e}",
		"{b} support replied within an hour and refunded the shipping {e}",
	},
	key("loyalty", "pos", "fi"): {
		"Taas tilattu {b}:ltä, ei oo kertaakaan tarvinnut pettyä {e}",
		"Suosittelen {b}:ta lämpimästi, olen ollut kanta-asiakas vuosia {e}",
		"{b} on mun lempikauppa elektroniikalle, aina hyvä palvelu {e}",
	},
	key("loyalty", "pos", "en"): {
		"Ordered from {b} again, they never disappoint {e}",
		"Would recommend {b} to anyone in Finland buying electronics {e}",
	},
	key("churn", "neg", "fi"): {
		"Peruin tilauksen ja tilasin saman {r}:ltä. En enää ikinä {b}:ltä {e}",
		"Viimeinen kerta kun tilaan {b}:ltä. Ei kannata, ei vastaa kukaan {e}",
		"En suosittele {b}:ta kenellekään tällä hetkellä. Rahat takaisin ja {r}:lle {e}",
		"Hyvästi {b}. Kanta-asiakkuus irtisanottu {e}",
	},
	key("churn", "neg", "en"): {
		"Cancelled my {b} order and bought from {r} instead. Never again {e}",
		"Done with {b}. Late laptop, no customer service. Switching to {r} {e}",
		"Do not recommend {b} right now, deliveries are weeks late {e}",
	},
	key("awareness", "neu", "fi"): {
		"Näin mainoksen, {b} avaa uuden myymälän Tampereelle?",
		"Kuulin että {b}:llä alkaa Black Week jo nyt {e}",
	},
	key("awareness", "neu", "en"): {
		"Just heard {b} is launching same-day delivery in Helsinki",
	},
}

// product lists are by category; laptops are what the crisis is about.
var (
	laptops = []string{"ThinkPad X1 Carbon", "MacBook Air M4", "Zenbook 14 OLED", "Lenovo Yoga Slim 7", "HP EliteBook 840", "Dell XPS 13", "Acer Swift Go"}
	gadgets = []string{"Galaxy S26", "iPhone 17", "Sony WH-1000XM6", "PS5 Pro", "Logitech MX Master 4", "LG OLED C5", "Kindle Paperwhite", "AirPods Pro 3"}
)

var emoji = map[string][]string{
	"pos": {"😊", "👍", "🙌", "❤️", "😍", "🔥", "✨", ":)", "🥳"},
	"neg": {"😡", "🤬", "😤", "🙄", "😠", "👎", ":(", "💀", "😩"},
	"neu": {"🤔", "", "💻", "🧐", "?", ""},
}

// brandForms are the ways people write each brand; Finnish case endings are
// added by the templates ("{b}:ltä").
var brandForms = map[string][]string{
	Retailer: {"TietokoneKoijarit", "Koijarit", "Tietokonekoijarit", "TietokoneKoijarit", "#tietokonekoijarit"},
	RivalA:   {"Datajätti", "Datajätti", "datajätti"},
	RivalB:   {"Verkkosaurus", "Verkkosaurus", "verkkosaurus"},
}

// fill replaces the placeholders of tmpl.
func fill(rng *rand.Rand, tmpl string, v vars) string {
	r := strings.NewReplacer(
		"{b}", v.brand, "{r}", v.rival, "{p}", v.product, "{d}", v.days, "{o}", v.order, "{c}", v.code, "{u}", v.link,
	)
	s := r.Replace(tmpl)
	for strings.Contains(s, "{e}") {
		s = strings.Replace(s, "{e}", pick(rng, emoji[v.mood]), 1)
	}
	return strings.TrimSpace(strings.ReplaceAll(s, "  ", " "))
}

type vars struct {
	brand, rival, product, days, order, code, link, mood string
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// brandWords are the brand forms lower-cased without '#', and products every
// product name: words roughen leaves alone.
var (
	brandWords = func() []string {
		var out []string
		for _, forms := range brandForms {
			for _, f := range forms {
				out = append(out, strings.ToLower(strings.TrimPrefix(f, "#")))
			}
		}
		return out
	}()
	products = slices.Concat(laptops, gadgets)
)

// roughen makes a text look typed on a phone: a lowercase start, a dropped
// umlaut, two swapped letters, doubled punctuation. Brand names, hashtags,
// handles, links and numbers are left alone so brand matching stays fair.
func roughen(rng *rand.Rand, s string) string {
	words := strings.Split(s, " ")
	editable := func(w string) bool {
		lw := strings.ToLower(w)
		if utf8.RuneCountInString(w) < 5 || strings.ContainsAny(w, "#@/{}0123456789") {
			return false
		}
		for _, f := range brandWords {
			if strings.Contains(lw, f) {
				return false
			}
		}
		for _, p := range products {
			if strings.Contains(p, w) {
				return false
			}
		}
		return true
	}
	if rng.Float64() < 0.25 {
		i := rng.IntN(len(words))
		if editable(words[i]) {
			rs := []rune(words[i])
			j := 1 + rng.IntN(len(rs)-2)
			if unicode.IsLetter(rs[j]) && unicode.IsLetter(rs[j+1]) {
				rs[j], rs[j+1] = rs[j+1], rs[j]
				words[i] = string(rs)
			}
		}
	}
	if rng.Float64() < 0.15 {
		for i, w := range words {
			if editable(w) {
				words[i] = strings.NewReplacer("ä", "a", "ö", "o").Replace(w)
			}
		}
	}
	s = strings.Join(words, " ")
	if rng.Float64() < 0.2 && editable(strings.SplitN(s, " ", 2)[0]) {
		r, n := utf8.DecodeRuneInString(s)
		s = string(unicode.ToLower(r)) + s[n:]
	}
	if rng.Float64() < 0.1 {
		s = strings.Replace(s, "!", "!!!", 1)
		s = strings.Replace(s, "?", "??", 1)
	}
	return s
}
