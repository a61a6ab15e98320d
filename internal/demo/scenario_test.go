package demo

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/mention"
)

// end is recent: mentions from the future are rejected by validation.
var end = time.Now().UTC().Truncate(time.Hour)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(7, end), Generate(7, end)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed and end gave different weeks")
	}
	if c := Generate(8, end); reflect.DeepEqual(a.Items, c.Items) {
		t.Fatal("another seed gave the same week")
	}
}

func TestWeekIsValidAndInRange(t *testing.T) {
	sc := Generate(1, end)
	ids := map[string]bool{}
	for i, it := range sc.Items {
		m := it.Mention
		if err := m.Validate(); err != nil {
			t.Fatalf("item %d invalid: %v", i, err)
		}
		if m.PublishedAt.Before(sc.Start) || !m.PublishedAt.Before(sc.End) {
			t.Errorf("item %d published %s outside [%s, %s)", i, m.PublishedAt, sc.Start, sc.End)
		}
		if ids[m.Key()] {
			t.Errorf("item %d: duplicate id %s", i, m.Key())
		}
		ids[m.Key()] = true
		if i > 0 && m.PublishedAt.Before(sc.Items[i-1].Mention.PublishedAt) {
			t.Fatalf("items not in publication order at %d", i)
		}
		if b, err := json.Marshal(m); err != nil {
			t.Fatal(err)
		} else if _, err := mention.Parse(b); err != nil {
			t.Fatalf("item %d does not survive the wire: %v", i, err)
		}
	}
	t.Logf("%d mentions", len(sc.Items))
}

func TestWeekCoversTouchpointsSourcesStages(t *testing.T) {
	sc := Generate(1, end)
	cls, err := classify.New(Brands())
	if err != nil {
		t.Fatal(err)
	}
	touch, stage, source, lang, brand := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	undisclosed := 0
	for _, it := range sc.Items {
		c := cls.Classify(&it.Mention)
		touch[c.Touchpoint]++
		stage[c.JourneyStage]++
		source[it.Mention.Source]++
		lang[c.Lang]++
		for _, b := range c.Brands {
			brand[b]++
		}
		if c.UndisclosedCommercial {
			undisclosed++
		}
	}
	t.Logf("touchpoints %v\nstages %v\nsources %v\nlangs %v\nbrands %v\nundisclosed %d", touch, stage, source, lang, brand, undisclosed)
	for _, tp := range mention.Touchpoints {
		if touch[tp] == 0 {
			t.Errorf("no %s mention", tp)
		}
	}
	for _, s := range []string{"awareness", "consideration", "purchase", "delivery", "usage", "service", "loyalty", "churn"} {
		if stage[s] == 0 {
			t.Errorf("no mention at journey stage %s", s)
		}
	}
	for _, s := range []string{"rss", "mastodon", "bluesky", "hackernews", "appstore", "googleplay", "reddit", "discourse", "stackexchange", "webhook", "instagram"} {
		if source[s] == 0 {
			t.Errorf("no mention from source %s", s)
		}
	}
	for _, l := range []string{"fi", "en"} {
		if lang[l] < len(sc.Items)/5 {
			t.Errorf("only %d mentions in %s", lang[l], l)
		}
	}
	for _, b := range Brands() {
		if brand[b.Name] < 20 {
			t.Errorf("brand %s found in only %d mentions", b.Name, brand[b.Name])
		}
	}
	if undisclosed == 0 {
		t.Error("no sponsored post without disclosure was flagged")
	}
}
