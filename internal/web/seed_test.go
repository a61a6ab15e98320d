package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store"
)

// Test data: one week for a retailer and a competitor, in fixed time so
// assertions can name exact counts.
var (
	weekStart = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	weekEnd   = weekStart.Add(7 * 24 * time.Hour)
	brands    = []config.Brand{{Name: "TietokoneKoijarit", Aliases: []string{"Koijarit"}}, {Name: "Rival", Competitor: true}}
)

// xssCorpus are payloads stored as post text, titles, author names and URLs;
// the browser test checks none of them executes or injects markup.
var xssCorpus = []string{
	`<script>window.__xss=1</script>`,
	`<img src=x onerror="window.__xss=1">`,
	`<svg onload=window.__xss=1>`,
	`"><script>window.__xss=1</script>`,
	`'><img src=x onerror=window.__xss=1>`,
	`javascript:window.__xss=1`,
	`<a href="javascript:window.__xss=1">click</a>`,
	`<iframe src="javascript:window.__xss=1"></iframe>`,
	`{{constructor.constructor('window.__xss=1')()}}`,
	`<style>body{display:none}</style>`,
	`=HYPERLINK("http://evil.example","x")`,
	`</textarea><script>window.__xss=1</script>`,
}

var seedTexts = []struct{ text, lang string }{
	{"TietokoneKoijarit: tilasin läppärin, toimitus myöhässä jo viikon 😡", "fi"},
	{"Really happy with the Koijarit laptop, fast delivery!", "en"},
	{"Koijarit asiakaspalvelu ei vastaa puhelimeen, todella huono kokemus", "fi"},
	{"Comparing laptops at Koijarit and Rival before I buy, any tips?", "en"},
	{"Rival customer service did not answer at all", "en"},
	{"Ostin uuden puhelimen Koijarit verkkokaupasta, hyvä hinta", "fi"},
	{"Rival delivered my order a day early, great service", "en"},
	{"Koijarit laptop stopped working after a week, I want a refund", "en"},
}

// seedMentions builds n classified rows (ids m0…) with a few authors who
// post repeatedly, so journeys have transitions, plus one row per XSS
// payload (ids xss0…).
func seedMentions(t testing.TB, n int) []store.Row {
	t.Helper()
	cls, err := classify.New(brands)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var rows []store.Row
	add := func(id string, m mention.Mention) {
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		c := cls.Classify(&m)
		base := store.Row{MentionID: id, Source: m.Source, SourceID: m.ID, URL: m.URL, Title: m.Title, Text: m.Text,
			AuthorHandle: m.Author.Handle, AuthorName: m.Author.Name, AuthorURL: m.Author.URL,
			AuthorFollowers: uint64(m.Author.Followers), PublishedAt: m.PublishedAt, IngestedAt: m.PublishedAt.Add(time.Minute),
			Lang: c.Lang, Likes: uint64(m.Engagement.Likes), Sentiment: c.Sentiment, SentimentScore: float32(c.SentimentScore),
			Touchpoint: c.Touchpoint, TouchpointReason: c.TouchpointReason, JourneyStage: c.JourneyStage, Brands: c.Brands,
			ClassifierVersion: c.ClassifierVersion, Raw: string(raw)}
		if len(c.Brands) == 0 {
			rows = append(rows, base)
		}
		for _, b := range c.Brands {
			r := base
			r.Brand = b
			rows = append(rows, r)
		}
	}
	sources := []string{"mastodon", "bluesky", "rss", "reddit"}
	for i := range n {
		st := seedTexts[i%len(seedTexts)]
		author := i % 23
		add(fmt.Sprintf("m%d", i), mention.Mention{Source: sources[i%len(sources)], ID: fmt.Sprint(i),
			URL: fmt.Sprintf("https://social.example/@u%d/%d", author, i), Text: st.text,
			Author:      mention.Author{Handle: fmt.Sprintf("@u%d@social.example", author), Name: fmt.Sprintf("User %d", author), Followers: int64(10 + author*37)},
			PublishedAt: weekStart.Add(time.Duration(rng.Int64N(int64(7*24*time.Hour))) / time.Second * time.Second),
			Lang:        st.lang, Engagement: mention.Engagement{Likes: int64(i % 5)}})
	}
	for i, p := range xssCorpus {
		add(fmt.Sprintf("xss%d", i), mention.Mention{Source: "rss", ID: fmt.Sprint("x", i), URL: p,
			Title: p, Text: "Koijarit " + p, Author: mention.Author{Handle: p, Name: p, URL: p, Followers: 5},
			PublishedAt: weekStart.Add(time.Duration(i) * time.Hour)})
	}
	return rows
}

func seed(t testing.TB, s store.Store, n int) {
	t.Helper()
	if err := s.Insert(context.Background(), seedMentions(t, n)); err != nil {
		t.Fatal(err)
	}
}
