package mention

import "testing"

func BenchmarkParse(b *testing.B) {
	data := []byte(`{"source":"mastodon","id":"109876","url":"https://mastodon.social/@moona/109876","text":"Tilasin läppärin TietokoneKoijarit-kaupasta viikko sitten ja toimitus on edelleen myöhässä. Asiakaspalvelu ei vastaa puhelimeen eikä sähköpostiin 😡 En suosittele kenellekään, vaihdan kauppaa.","author":{"handle":"@moona@mastodon.social","name":"Moona","followers":120},"published_at":"2026-11-20T08:15:00Z","lang":"fi","engagement":{"likes":3,"reposts":1}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	m, err := Parse([]byte(`{"source":"mastodon","id":"109876","url":"https://mastodon.social/@moona/109876","text":"Tilasin läppärin TietokoneKoijarit-kaupasta viikko sitten ja toimitus on edelleen myöhässä. Asiakaspalvelu ei vastaa puhelimeen eikä sähköpostiin 😡 En suosittele kenellekään, vaihdan kauppaa.","author":{"handle":"@moona@mastodon.social","name":"Moona","followers":120},"published_at":"2026-11-20T08:15:00Z","lang":"fi","engagement":{"likes":3,"reposts":1}}`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}
