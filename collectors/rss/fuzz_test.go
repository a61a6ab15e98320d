package rss

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/collector/collectortest"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		f.Add(collectortest.Fixture(f, filepath.Base(name)), "")
	}
	f.Add([]byte(`<rss><channel><item><link>%zz</link></item></channel></rss>`), "text/xml; charset=koi8-r")
	u, _ := url.Parse("https://feeds.example.net/feed.xml")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		for _, preset := range []string{"", PresetGoogleAlerts, PresetYouTube, PresetReddit} {
			page, err := (Normaliser{Source: "rss", Preset: preset}).Parse(body, contentType, u, fallback)
			if err != nil {
				continue
			}
			for _, m := range page.Mentions {
				if m.ID == "" || m.PublishedAt.IsZero() {
					t.Fatalf("entry without id or time: %+v", m)
				}
			}
		}
	})
}

// benchFeed builds an RSS 2.0 feed of n realistic entries.
func benchFeed(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Bench</title><link>https://bench.example.com/</link><language>fi</language>`)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Artikkeli %d: TietokoneKoijarit &amp; toimitukset</title><link>/a/%d</link><guid>bench-%d</guid><pubDate>Fri, 20 Nov 2026 08:%02d:00 +0200</pubDate><author>toimittaja@example.com (Toimittaja %d)</author><content:encoded><![CDATA[<p>Asiakas kertoo, että <b>läppärin</b> toimitus viivästyi kolme viikkoa ja asiakaspalvelu ei vastannut sähköposteihin. 😡</p><p>Toinen kappale, jossa on <a href="https://x.example/%d">linkki</a> ja lisää tekstiä arvostelusta.</p>]]></content:encoded></item>`, i, i, i, i%60, i, i)
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// BenchmarkParse reports feed entries parsed and normalised per second.
func BenchmarkParse(b *testing.B) {
	const n = 500
	body := benchFeed(n)
	u, _ := url.Parse("https://bench.example.com/feed.xml")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		page, err := (Normaliser{Source: "rss"}).Parse(body, "application/rss+xml", u, fallback)
		if err != nil || len(page.Mentions) != n || page.Damage != nil {
			b.Fatal(err, len(page.Mentions), page.Damage)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "entries/s")
}
