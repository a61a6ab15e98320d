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
		"Harkitsen {p.gen} ostamista, onko kellään kokemuksia {b.gen} toimitusajoista?",
		"Kannattaako {p} ostaa {b.abl} vai {r.abl}? Hinnat about samat {e}",
		"mietin uutta läppäriä opiskeluun, {p} vai joku halvempi? {b.ade} ja {r.ade} molemmilla tarjous",
		"Onko kukaan tilannut {b.abl} viime aikoina? kuinka nopeesti tuli",
		"Hintavertailu: {p} {b} 1299€, {r} 1349€. Kumman valitsisitte?",
		"Suosituksia kannettavaksi alle tonnilla? {b.ade} näyttää olevan aika hyvä valikoima",
	},
	key("consideration", "neu", "en"): {
		"Thinking about getting the {p} from {b}, anyone tried ordering from them?",
		"{b} vs {r} for a new laptop in Finland? Prices look about the same {e}",
		"Has anyone used {b}'s trade-in? Considering it for my old {p}",
		"Should I buy the {p} now or wait for Black Friday? {b} already has it discounted",
	},
	key("purchase", "pos", "fi"): {
		"Tilasin just {p.gen} {b.abl}, kassalla meni 2 minuuttia {e}",
		"No nyt se tuli tehtyä, {p} tilattu {b.abl}! {e}{e}",
		"Ostin {p.gen} {b.gen} verkkokaupasta, tarjous oli liian hyvä ohitettavaksi",
		"tein tilauksen {b.all} aamulla, tilaus {o} vahvistettu heti {e}",
	},
	key("purchase", "pos", "en"): {
		"Just ordered the {p} from {b}, checkout was painless {e}",
		"Finally bought the {p}! {b} had the best price this week {e}",
		"Placed an order with {b} for a {p}, order {o}. Fingers crossed {e}",
	},
	key("delivery", "pos", "fi"): {
		"{p} tuli {b.abl} jo seuraavana päivänä, pakettiautomaatista haettu {e}",
		"Wau, {b.gen} toimitus oli nopea! Tilasin eilen ja paketti saapui tänään {e}",
		"Paketti saapui, kaikki kunnossa. Kiitos {b} {e}",
	},
	key("delivery", "pos", "en"): {
		"{p} arrived a day early, well packed. Good job {b} {e}",
		"Delivery from {b} was super fast, ordered Monday, got it Tuesday {e}",
	},
	key("delivery", "neg", "fi"): {
		"{b.abl} tilattu läppäri myöhässä jo {d} päivää 😡 seurantakoodi ei päivity",
		"Tilasin {p.gen} {b.abl} {d} päivää sitten eikä oo vieläkään tullut. Mitä ihmettä??",
		"onko muillakin {b.gen} toimitus jumissa? mun {p} ollu 'käsittelyssä' {d} päivää {e}",
		"{b}, missä mun paketti?? tilaus {o}, luvattu 2-3 arkipäivää, nyt {d} päivää {e}",
		"Ei ole tullut vieläkään. {b} lupasi toimituksen viime viikolla {e}",
		"Läppäri piti tulla maanantaina. Nyt on torstai eikä {b.abl} kuulu mitään 🙃",
		"Toimitusaika {b.ade} ilmeisesti 'joskus'. {p} vieläkin matkalla {e}",
		"{b.gen} toimitus myöhässä, seuranta näyttää samaa kuin {d} päivää sitten {e}",
	},
	key("delivery", "neg", "en"): {
		"My {p} from {b} still hasn't arrived, {d} days late now {e}",
		"{b} delivery is a mess. Tracking hasn't updated in {d} days {e}",
		"Ordered a laptop from {b}, promised 2-3 days, it's day {d}. Still not here {e}",
		"Anyone else waiting for a {b} laptop delivery? Mine is {d} days late",
	},
	key("usage", "pos", "fi"): {
		"{p} ollut nyt viikon käytössä ja oon tosi tyytyväinen, akku riittää koko päivän {e}",
		"Pakko sanoa että {p} toimii tosi hyvin, {b} suositteli ja osu nappiin {e}",
		"Uusi {p} käytössä, näyttö on ihan älyttömän hyvä {e}",
	},
	key("usage", "pos", "en"): {
		"Been using the {p} from {b} for a week, battery life is great {e}",
		"The {p} works perfectly, setup took five minutes {e}",
	},
	key("usage", "neg", "fi"): {
		"{p} kaatuu päivityksen jälkeen jatkuvasti {e} ostettu {b.abl} kuukausi sitten",
		"{b.gen} sovellus ei toimi, kirjautuminen kaatuu joka kerta {e}",
	},
	key("usage", "neg", "en"): {
		"The {b} app crashes every time I open my orders {e}",
		"{p} stopped working after the latest update, bought from {b} last month {e}",
	},
	key("service", "neg", "fi"): {
		"{b.gen} asiakaspalvelu ei vastaa. Jonotin puhelimessa 50 min ja puhelu katkesi {e}",
		"Kolmas sähköposti {b.gen} asiakaspalveluun, ei vastausta {d} päivään {e}",
		"{b.gen} chatti sanoo 'kaikki asiakasneuvojat varattuina' koko päivän {e}",
		"Yritin kysyä {b.abl} missä tilaus {o} on. Asiakaspalvelu ei vastaa puhelimeen eikä meiliin {e}",
		"Onko {b.gen} asiakaspalvelu olemassa? jonossa nro 87 {e}",
		"Reklamaatio tehty {b.all} {d} päivää sitten, ei mitään vastausta {e}",
	},
	key("service", "neg", "en"): {
		"{b} customer service is not responding at all. {d} days, zero replies {e}",
		"On hold with {b} support for 45 minutes, then the line dropped {e}",
		"Opened a ticket with {b} about my late order, no response for {d} days {e}",
	},
	key("service", "pos", "fi"): {
		"Pakko kehua {b.gen} asiakaspalvelua: {p} vaihdettiin uuteen ilman kyselyjä {e}",
		"{b.gen} tuki vastasi chatissa heti ja hyvitys tuli samana päivänä {e}",
	},
	key("service", "pos", "en"): {
		"Shoutout to {b} customer support, sorted my warranty repair in a day {e}",
		"{b} support replied within an hour and refunded the shipping {e}",
	},
	key("loyalty", "pos", "fi"): {
		"Taas tilattu {b.abl}, ei oo kertaakaan tarvinnut pettyä {e}",
		"Suosittelen {b.part} lämpimästi, olen ollut kanta-asiakas vuosia {e}",
		"{b} on mun lempikauppa elektroniikalle, aina hyvä palvelu {e}",
	},
	key("loyalty", "pos", "en"): {
		"Ordered from {b} again, they never disappoint {e}",
		"Would recommend {b} to anyone in Finland buying electronics {e}",
	},
	key("churn", "neg", "fi"): {
		"Peruin tilauksen ja tilasin saman {r.abl}. En enää ikinä {b.abl} {e}",
		"Viimeinen kerta kun tilaan {b.abl}. Ei kannata, ei vastaa kukaan {e}",
		"En suosittele {b.part} kenellekään tällä hetkellä. Rahat takaisin ja {r.all} {e}",
		"Hyvästi {b}. Kanta-asiakkuus irtisanottu {e}",
	},
	key("churn", "neg", "en"): {
		"Cancelled my {b} order and bought from {r} instead. Never again {e}",
		"Done with {b}. Late laptop, no customer service. Switching to {r} {e}",
		"Do not recommend {b} right now, deliveries are weeks late {e}",
	},
	key("awareness", "neu", "fi"): {
		"Näin mainoksen, {b} avaa uuden myymälän Tampereelle?",
		"Kuulin että {b.gen} Black Week -tarjoukset alkavat jo tällä viikolla {e}",
	},
	key("awareness", "neu", "en"): {
		"Just heard {b} will offer same-day delivery in Helsinki",
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

// brandForms are the ways people write each brand, in the nominative; their
// inflected forms are in inflections.
var brandForms = map[string][]string{
	Retailer: {"TietokoneKoijarit", "Koijarit", "Tietokonekoijarit", "TietokoneKoijarit", "#tietokonekoijarit"},
	RivalA:   {"Datajätti", "Datajätti", "datajätti"},
	RivalB:   {"Verkkosaurus", "Verkkosaurus", "verkkosaurus"},
}

// cases are the Finnish case forms of a name that the templates use:
// genitive, partitive, ablative (-lta), allative (-lle), adessive (-lla),
// elative (-sta) and illative. A colon goes before the ending only after an
// abbreviation or a number ("MacBook Air M4:n"), never after a word.
type cases struct{ gen, part, abl, all, ade, ela, ill string }

// koijarit inflects a plural shop name ending in -koijarit (koijari :
// koijareiden : koijareita); a shop is entered and left as "-kauppa".
func koijarit(nom string) cases {
	stem := strings.TrimSuffix(nom, "it") + "ei"
	return cases{gen: stem + "den", part: stem + "ta", abl: stem + "lta", all: stem + "lle", ade: stem + "lla",
		ela: nom + "-kaupasta", ill: nom + "-kauppaan"}
}

// inflections are the case forms of every brand form and product. A hashtag
// cannot be inflected: its cases are the name's (fill adds the tag).
var inflections = map[string]cases{
	"TietokoneKoijarit":  koijarit("TietokoneKoijarit"),
	"Tietokonekoijarit":  koijarit("Tietokonekoijarit"),
	"Koijarit":           koijarit("Koijarit"),
	"#tietokonekoijarit": koijarit("TietokoneKoijarit"),
	// jätti : jätin : jättiä, tt → t in the weak grade.
	"Datajätti": {gen: "Datajätin", part: "Datajättiä", abl: "Datajätiltä", all: "Datajätille", ade: "Datajätillä", ela: "Datajätistä", ill: "Datajättiin"},
	"datajätti": {gen: "datajätin", part: "datajättiä", abl: "datajätiltä", all: "datajätille", ade: "datajätillä", ela: "datajätistä", ill: "datajättiin"},
	// saurus : sauruksen : saurusta, like vastaus.
	"Verkkosaurus": {gen: "Verkkosauruksen", part: "Verkkosaurusta", abl: "Verkkosaurukselta", all: "Verkkosaurukselle", ade: "Verkkosauruksella", ela: "Verkkosauruksesta", ill: "Verkkosaurukseen"},
	"verkkosaurus": {gen: "verkkosauruksen", part: "verkkosaurusta", abl: "verkkosaurukselta", all: "verkkosaurukselle", ade: "verkkosauruksella", ela: "verkkosauruksesta", ill: "verkkosaurukseen"},

	// Products: after a number or an abbreviation the ending takes a colon
	// and follows how it is read (neljä → M4:ää); after a word it is
	// joined (Carbonin, Pron; Paperwhite is read -wait: Paperwhiten,
	// Paperwhitea; Go like Chicago: Gon, Gota).
	"ThinkPad X1 Carbon":   {gen: "ThinkPad X1 Carbonin", part: "ThinkPad X1 Carbonia"},
	"MacBook Air M4":       {gen: "MacBook Air M4:n", part: "MacBook Air M4:ää"},
	"Zenbook 14 OLED":      {gen: "Zenbook 14 OLED:n", part: "Zenbook 14 OLED:ia"},
	"Lenovo Yoga Slim 7":   {gen: "Lenovo Yoga Slim 7:n", part: "Lenovo Yoga Slim 7:ää"},
	"HP EliteBook 840":     {gen: "HP EliteBook 840:n", part: "HP EliteBook 840:ää"},
	"Dell XPS 13":          {gen: "Dell XPS 13:n", part: "Dell XPS 13:a"},
	"Acer Swift Go":        {gen: "Acer Swift Gon", part: "Acer Swift Gota"},
	"Galaxy S26":           {gen: "Galaxy S26:n", part: "Galaxy S26:ta"},
	"iPhone 17":            {gen: "iPhone 17:n", part: "iPhone 17:ää"},
	"Sony WH-1000XM6":      {gen: "Sony WH-1000XM6:n", part: "Sony WH-1000XM6:ta"},
	"PS5 Pro":              {gen: "PS5 Pron", part: "PS5 Prota"},
	"Logitech MX Master 4": {gen: "Logitech MX Master 4:n", part: "Logitech MX Master 4:ää"},
	"LG OLED C5":           {gen: "LG OLED C5:n", part: "LG OLED C5:tä"},
	"Kindle Paperwhite":    {gen: "Kindle Paperwhiten", part: "Kindle Paperwhitea"},
	"AirPods Pro 3":        {gen: "AirPods Pro 3:n", part: "AirPods Pro 3:a"},
}

// placeholders returns the replacer pairs of a name: {x} and {x.case}.
func placeholders(x, name string) []string {
	c := inflections[name]
	return []string{"{" + x + "}", name, "{" + x + ".gen}", c.gen, "{" + x + ".part}", c.part, "{" + x + ".abl}", c.abl,
		"{" + x + ".all}", c.all, "{" + x + ".ade}", c.ade, "{" + x + ".ela}", c.ela, "{" + x + ".ill}", c.ill}
}

// fill replaces the placeholders of tmpl.
func fill(rng *rand.Rand, tmpl string, v vars) string {
	pairs := slices.Concat(placeholders("b", v.brand), placeholders("r", v.rival), placeholders("p", v.product),
		[]string{"{d}", v.days, "{o}", v.order, "{c}", v.code, "{u}", v.link})
	s := strings.NewReplacer(pairs...).Replace(tmpl)
	// A hashtag cannot be inflected: the name is written out and the tag
	// follows the post.
	for _, x := range [][2]string{{"b", v.brand}, {"r", v.rival}} {
		if tag := x[1]; strings.HasPrefix(tag, "#") && strings.Contains(tmpl, "{"+x[0]+".") && !strings.Contains(s, tag) {
			s += " " + tag
		}
	}
	for strings.Contains(s, "{e}") {
		s = strings.Replace(s, "{e}", pick(rng, emoji[v.mood]), 1)
	}
	return strings.TrimSpace(strings.ReplaceAll(s, "  ", " "))
}

type vars struct {
	brand, rival, product, days, order, code, link, mood string
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// brandWords are the brand forms and their cases lower-cased without '#',
// and products every product name and its cases: words roughen leaves alone.
var (
	brandWords = func() []string {
		var out []string
		for _, forms := range brandForms {
			for _, f := range forms {
				c := inflections[f]
				for _, w := range []string{f, c.gen, c.part, c.abl, c.all, c.ade, c.ela, c.ill} {
					out = append(out, strings.ToLower(strings.TrimPrefix(w, "#")))
				}
			}
		}
		return out
	}()
	products = func() []string {
		var out []string
		for _, p := range slices.Concat(laptops, gadgets) {
			out = append(out, p, inflections[p].gen, inflections[p].part)
		}
		return out
	}()
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
