// Package learntest makes a synthetic deployment for tests of `ewom learn`:
// Finnish and English posts about the gear a fictional shop (Novira) sells,
// whose sentiment lies in the deployment's own vocabulary — words such as
// *janky*, *snappy*, *nykii*, *napakka*, and *hiljainen* ("quiet", a virtue
// in a fan, which the shipped model reads as negative) — that the shipped
// classifier does not know, and stores them with label corrections.
package learntest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/pipeline"
	"github.com/ewom/ewom/internal/store"
)

// Post is a synthetic mention and its true sentiment (and, for
// StageDeployment's posts, its journey stage).
type Post struct {
	Mention mention.Mention
	Label   string
	Stage   string // "": a person corrects the sentiment only
}

// Brands is the synthetic deployment's brand configuration.
var Brands = []config.Brand{{Name: "Novira"}}

type language struct {
	code string
	// Products: English a noun; Finnish nominative, partitive.
	products [][2]string
	pos, neg []string
	// Frames: %[1]s the product (nominative), %[2]s the word; neutral
	// frames %[1]s nominative, %[2]s partitive.
	polar, heldPolar, neutral, heldNeutral []string
}

var languages = []language{{
	code: "en",
	products: [][2]string{{"headset", ""}, {"keyboard", ""}, {"mouse", ""}, {"monitor", ""},
		{"chair", ""}, {"controller", ""}, {"laptop", ""}, {"router", ""}},
	pos: []string{"snappy", "buttery", "clicky", "zippy", "comfy", "sturdy", "crisp"},
	neg: []string{"janky", "stuttery", "rattly", "mushy", "wobbly", "creaky", "clunky"},
	polar: []string{
		"The %[1]s I picked up at Novira last week is %[2]s.",
		"Been using the new %[1]s for a few days and it feels %[2]s.",
		"Honestly my %[1]s is %[2]s after the firmware update.",
		"Quick note: the %[1]s from Novira turned out %[2]s.",
		"Swapped my old %[1]s for the Novira one, and it is %[2]s.",
		"Day three with the %[1]s, %[2]s as far as I can tell.",
	},
	heldPolar: []string{
		"My brother got the same %[1]s and says it is %[2]s too.",
		"Third week with this %[1]s and it is still %[2]s.",
		"Unboxed the %[1]s yesterday, first impression: %[2]s.",
	},
	neutral: []string{
		"Does Novira have the %[1]s in stock in Helsinki?",
		"Ordered a %[1]s from Novira on Tuesday, pickup on Friday.",
		"Which %[1]s do you use for work?",
		"The %[1]s comes in black and white at Novira.",
	},
	heldNeutral: []string{
		"Novira moves its %[1]s shelf to the second floor next month.",
		"How long is the warranty on a %[1]s from Novira?",
	},
}, {
	code: "fi",
	products: [][2]string{{"näyttö", "näyttöä"}, {"hiiri", "hiirtä"}, {"tuoli", "tuolia"}, {"ohjain", "ohjainta"},
		{"näppäimistö", "näppäimistöä"}, {"kaiutin", "kaiutinta"}, {"läppäri", "läppäriä"}, {"reititin", "reititintä"}},
	pos: []string{"napakka", "vikkelä", "tukeva", "terävä", "jämäkkä", "sukkela", "hiljainen"},
	neg: []string{"nykii", "rätisee", "natisee", "kuumenee", "reistailee", "lonksuu", "humisee"},
	polar: []string{
		"Novirasta viime viikolla hakemani %[1]s %[2]s.",
		"Uusi %[1]s %[2]s, sen huomasin heti kotona.",
		"Pakko sanoa, että tämä %[1]s %[2]s.",
		"Kolmen päivän käytön jälkeen %[1]s %[2]s.",
		"Vaihdoin vanhan tilalle Noviran mallin, ja %[1]s %[2]s.",
		"Päivityksen jälkeen %[1]s %[2]s.",
	},
	heldPolar: []string{
		"Veljellä on sama %[1]s, ja hänen mukaansa se %[2]s.",
		"Kolmas viikko menossa ja %[1]s %[2]s edelleen.",
		"Avasin paketin eilen, ensivaikutelma: %[1]s %[2]s.",
	},
	neutral: []string{
		"Onko Noviralla %[2]s varastossa Helsingissä?",
		"Noviralta tilattu %[1]s noudetaan perjantaina.",
		"Millaista %[2]s te käytätte töissä?",
		"Noviralla %[1]s on saatavilla mustana ja valkoisena.",
	},
	heldNeutral: []string{
		"Novira siirtää %[2]s myyvän hyllyn toiseen kerrokseen ensi kuussa.",
		"Kuinka pitkä takuu Noviran %[1]s-mallilla on?",
	},
}}

// Deployment returns n posts per language: 40 % positive, 40 % negative,
// 20 % neutral. held gives posts written in other sentence frames, for
// checking a model on posts it did not learn from. Deterministic per seed.
func Deployment(n int, held bool, seed uint64) []Post {
	rng := rand.New(rand.NewPCG(seed, 7))
	var out []Post
	for _, l := range languages {
		polar, neutral := l.polar, l.neutral
		if held {
			polar, neutral = l.heldPolar, l.heldNeutral
		}
		seen := map[string]bool{}
		for i := 0; i < n; i++ {
			var text, label string
			for tries := 0; tries < 1000; tries++ {
				p := l.products[rng.IntN(len(l.products))]
				switch {
				case i%5 < 2:
					label, text = mention.Positive, fmt.Sprintf(polar[rng.IntN(len(polar))], p[0], word(l, l.pos[rng.IntN(len(l.pos))], true))
				case i%5 < 4:
					label, text = mention.Negative, fmt.Sprintf(polar[rng.IntN(len(polar))], p[0], word(l, l.neg[rng.IntN(len(l.neg))], false))
				default:
					label, text = mention.Neutral, fmt.Sprintf(neutral[rng.IntN(len(neutral))], p[0], p[1])
				}
				if !seen[text] {
					break
				}
			}
			seen[text] = true
			text = capitalise(text)
			id := l.code + strconv.FormatBool(held) + strconv.FormatUint(seed, 10) + "-" + strconv.Itoa(i)
			out = append(out, Post{Label: label, Mention: mention.Mention{Source: "reddit", ID: id, Text: text, Lang: l.code,
				Author:      mention.Author{Handle: "u/user" + strconv.Itoa(rng.IntN(500))},
				PublishedAt: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 37 * time.Minute)}})
		}
	}
	return out
}

// word is the Finnish adjective as a predicate ("on napakka") or the verb
// itself; English words are used as they are.
func word(l language, w string, adjective bool) string {
	if l.code == "fi" && adjective {
		return "on " + w
	}
	return w
}

func capitalise(s string) string {
	for i, r := range s {
		if i == 0 && r >= 'a' && r <= 'z' {
			return string(r-'a'+'A') + s[1:]
		}
		break
	}
	return s
}

// Noise returns the posts with labels drawn at random.
func Noise(posts []Post, seed uint64) []Post {
	rng := rand.New(rand.NewPCG(seed, 11))
	labels := []string{mention.Positive, mention.Neutral, mention.Negative}
	out := make([]Post, len(posts))
	for i, p := range posts {
		p.Label = labels[rng.IntN(len(labels))]
		out[i] = p
	}
	return out
}

// Store writes the posts as classified mentions (the shipped classifier's
// labels) and, when correct, a person's correction of each to its label.
func Store(t testing.TB, s store.Store, posts []Post, correct bool) {
	t.Helper()
	ctx := context.Background()
	c, err := classify.New(Brands)
	if err != nil {
		t.Fatal(err)
	}
	var rows []store.Row
	now := time.Now()
	for _, p := range posts {
		raw, err := p.Mention.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, pipeline.Rows(&p.Mention, p.Mention.Key(), p.Mention.Lang, c.Classify(&p.Mention), string(raw), now)...)
	}
	if err := s.Insert(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if !correct {
		return
	}
	for i, p := range posts {
		CorrectLabels(t, s, p.Mention.Key(), p.Stage, p.Label, now.Add(time.Duration(i)*time.Millisecond))
	}
}

// Correct stores a person's sentiment correction of every brand row of a
// stored mention, as the dashboards' correction form does.
func Correct(t testing.TB, s store.Store, id, sentiment string, at time.Time) {
	t.Helper()
	CorrectLabels(t, s, id, "", sentiment, at)
}

// CorrectLabels stores a person's journey-stage and sentiment correction
// of every brand row of a stored mention; "" keeps the classifier's label.
func CorrectLabels(t testing.TB, s store.Store, id, stage, sentiment string, at time.Time) {
	t.Helper()
	label := func(value, column string) string {
		if value == "" {
			return column
		}
		return store.Quote(value)
	}
	q := "INSERT INTO " + s.Table("label_corrections") + " (mention_id, brand, published_at, bucket, source, lang, reach, engagement," +
		" orig_sentiment, orig_touchpoint, orig_journey_stage, new_sentiment, new_touchpoint, new_journey_stage, classifier_version," +
		" corrected_by, note, corrected_at, version) SELECT mention_id, brand, published_at, toStartOfFiveMinute(published_at), source," +
		" lang, author_followers, 0, sentiment, touchpoint, journey_stage, " + label(sentiment, "sentiment") + ", touchpoint, " +
		label(stage, "journey_stage") + "," +
		" classifier_version, 'test', '', " + store.Time(at) + ", " + strconv.FormatInt(at.UnixNano(), 10) + " FROM " +
		s.Table("mentions") + " WHERE mention_id = " + store.Quote(id) + " ORDER BY version DESC LIMIT 1 BY mention_id, brand"
	if err := s.Exec(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

// stageLanguage is a language's posts whose journey stage lies in the
// deployment's own names — its parcel lockers, repair desk, points
// scheme, comparison list — which the shipped classifier does not know.
type stageLanguage struct {
	code  string
	words map[string][]string // by stage
	// Frames: %[1]s the deployment's word, %[2]s the product. They say
	// nothing of a stage by themselves.
	frames, heldFrames []string
	products           []string
}

// StageClasses are the stages of StageDeployment's posts.
var StageClasses = []string{"consideration", "delivery", "service", "loyalty"}

var stageLanguages = []stageLanguage{{
	code: "en",
	words: map[string][]string{
		"consideration": {"benchlist", "specsheet"}, "delivery": {"lockerbox", "dropcode"},
		"service": {"fixdesk", "ticketbot"}, "loyalty": {"novipoints", "goldtier"}},
	frames: []string{
		"Novira %[1]s and the %[2]s, again today.",
		"So the Novira %[1]s thing with my %[2]s happened this morning.",
		"Novira %[1]s for the %[2]s, third time this month.",
		"Just had the Novira %[1]s come up with the %[2]s.",
	},
	heldFrames: []string{
		"My flatmate mentioned the Novira %[1]s while we looked at the %[2]s.",
		"Today it was the Novira %[1]s, the %[2]s on the table.",
	},
	products: []string{"headset", "keyboard", "mouse", "monitor"},
}, {
	code: "fi",
	words: map[string][]string{
		"consideration": {"benchilista", "speksiläppä"}, "delivery": {"noutoboksi", "boksikoodi"},
		"service": {"fiksitiski", "tikettibotti"}, "loyalty": {"novipisteet", "kultataso"}},
	frames: []string{
		"Noviran %[1]s ja %[2]s, taas tänään.",
		"Eli se Noviran %[1]s juttu, %[2]s mukana, tapahtui aamulla.",
		"Noviran %[1]s, %[2]s, kolmas kerta tässä kuussa.",
		"Just tuli Noviran %[1]s vastaan, %[2]s kädessä.",
	},
	heldFrames: []string{
		"Kämppis puhui Noviran %[1]s-asiasta, %[2]s pöydällä.",
		"Tänään vuorossa Noviran %[1]s, %[2]s vieressä.",
	},
	products: []string{"näyttö", "hiiri", "tuoli", "ohjain"},
}, {
	code: "sv",
	words: map[string][]string{
		"consideration": {"benchlistan", "specklappen"}, "delivery": {"hämtboxen", "boxkoden"},
		"service": {"fixdisken", "ärendeboten"}, "loyalty": {"novipoängen", "guldnivån"}},
	frames: []string{
		"Noviras %[1]s och min %[2]s, igen idag.",
		"Så den där grejen med Noviras %[1]s och %[2]s hände i morse.",
		"Noviras %[1]s för %[2]s, tredje gången den här månaden.",
		"Fick precis Noviras %[1]s framför mig med %[2]s.",
	},
	heldFrames: []string{
		"Min sambo pratade om Noviras %[1]s när vi tittade på %[2]s.",
		"Idag blev det Noviras %[1]s, med %[2]s på bordet.",
	},
	products: []string{"skärm", "mus", "stol", "tangentbord"},
}}

// StageDeployment returns n posts per language (English, Finnish and
// Swedish) whose journey stage, one of StageClasses in turn, is carried by
// the deployment's own words; held gives posts in other sentence frames.
// A person corrects their stage only (Label ""). Deterministic per seed.
func StageDeployment(n int, held bool, seed uint64) []Post {
	rng := rand.New(rand.NewPCG(seed, 13))
	var out []Post
	for _, l := range stageLanguages {
		frames := l.frames
		if held {
			frames = l.heldFrames
		}
		for i := range n {
			stage := StageClasses[i%len(StageClasses)]
			words := l.words[stage]
			text := fmt.Sprintf(frames[rng.IntN(len(frames))], words[rng.IntN(len(words))], l.products[rng.IntN(len(l.products))])
			id := "stage-" + l.code + strconv.FormatBool(held) + strconv.FormatUint(seed, 10) + "-" + strconv.Itoa(i)
			out = append(out, Post{Stage: stage, Mention: mention.Mention{Source: "reddit", ID: id, Text: text,
				Lang: l.code, Author: mention.Author{Handle: "u/user" + strconv.Itoa(rng.IntN(500))},
				PublishedAt: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 41 * time.Minute)}})
		}
	}
	return out
}

// StageNoise returns the posts with journey stages drawn at random from
// all of mention.JourneyStages.
func StageNoise(posts []Post, seed uint64) []Post {
	rng := rand.New(rand.NewPCG(seed, 17))
	out := make([]Post, len(posts))
	for i, p := range posts {
		p.Stage = mention.JourneyStages[rng.IntN(len(mention.JourneyStages))]
		out[i] = p
	}
	return out
}
