package mention

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseKeepsUnknownFieldsAndRoundTrips(t *testing.T) {
	in := `{"source":"mastodon","id":"109876","text":"Kiitos!","published_at":"2026-11-20T08:15:00Z",
		"author":{"handle":"@moona@mastodon.social","followers":120},"rating":"4","visibility":"public","tags":["a","b"]}`
	m, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.Author.Followers != 120 || *m.Rating != 4 || !m.PublishedAt.Equal(time.Date(2026, 11, 20, 8, 15, 0, 0, time.UTC)) {
		t.Fatalf("decoded %+v", m)
	}
	if string(m.Extra["visibility"]) != `"public"` || string(m.Extra["tags"]) != `["a","b"]` || len(m.Extra) != 2 {
		t.Fatalf("extra = %v", m.Extra)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil || string(back.Extra["tags"]) != `["a","b"]` || back.Key() != m.Key() {
		t.Fatalf("round trip: %s, %v", out, err)
	}
}

func TestParseContractOnlyHasNoExtra(t *testing.T) {
	m, err := Parse([]byte(`{"source":"rss","url":"https://x.fi/a?utm_source=y#top","title":"T","published_at":"2026-11-20"}`))
	if err != nil || m.Extra != nil {
		t.Fatalf("%+v, %v", m, err)
	}
}

func TestValidationErrorsNameFields(t *testing.T) {
	cases := map[string]string{
		`{"text":"x","published_at":"2026-11-20T00:00:00Z"}`:                   "source: required",
		`{"source":"x","published_at":"2026-11-20T00:00:00Z"}`:                 "text: text or title is required",
		`{"source":"x","text":"y"}`:                                            "published_at: required",
		`{"source":"x","text":"y","published_at":"yesterday"}`:                 `"yesterday" is not an RFC 3339 time`,
		`{"source":"x","text":"y","published_at":"2026-11-20","rating":"x"}`:   "rating: want a number",
		`{"source":"x","text":"y","published_at":"2026-11-20","rating":11}`:    "rating: 11 is outside 0..10",
		"{\"source\":\"x\",\"text\":\"\xff\",\"published_at\":\"2026-11-20\"}": "invalid UTF-8",
		`{"source":"x",`: "invalid JSON",
	}
	for in, want := range cases {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error saying %q", in, err, want)
		}
	}
}

func TestKeyIsStableAndCanonical(t *testing.T) {
	a := Mention{Source: "rss", URL: "HTTPS://News.fi:443/a?utm_source=x&b=1#frag"}
	b := Mention{Source: "other", URL: "https://news.fi/a?b=1"}
	if a.Key() != b.Key() {
		t.Fatalf("same article, different ids: %s %s", a.Key(), b.Key())
	}
	c := Mention{Source: "Mastodon", ID: "1"}
	d := Mention{Source: "mastodon", ID: "1", URL: "https://elsewhere"}
	e := Mention{Source: "mastodon", ID: "2"}
	if c.Key() != d.Key() || c.Key() == e.Key() {
		t.Fatal("source id must decide the key")
	}
	// Ids are stored and deduplicated on: they must never change between
	// releases. These values come from the original implementation.
	for want, m := range map[string]Mention{
		"d9223f4a81075516e23c357f47d8693b": {Source: " Mastodon ", ID: "109876"},
		"18dcc3be1aaa0eacee683121b16d5fbd": {Source: "rss", URL: "HTTPS://Example.com:443/a?utm_source=x&b=1#frag"},
		"b19deb14da0b8b74dc21618ccf0d556b": {Source: "Reviews", Author: Author{Handle: "@matti"},
			PublishedAt: time.Date(2026, 11, 20, 8, 0, 0, 0, time.FixedZone("x", 7200)), Title: "Otsikko", Text: "Tilaus myöhässä 😡"},
	} {
		if got := m.Key(); got != want {
			t.Errorf("Key of %+v = %s, want %s", m, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"source":"x","text":"y","published_at":"2026-11-20T00:00:00Z","z":[1]}`))
	f.Add([]byte(`{"source":"x","rating":null,"author":{"followers":-1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("valid mention does not marshal: %v", err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
	})
}

func TestOnlyKnownKeys(t *testing.T) {
	cases := map[string]bool{
		`{"source":"x","author":{"handle":"a","weird":1},"text":"has \"quotes\", {braces} and ,commas"}`: true,
		`{"source":"x","engagement":{"likes":1},"extra":[1,{"source":2}]}`:                               false,
		`{"text":"a","sou\u0072ce":"x"}`:                                                                 false, // escaped key: unsure, take the full path
		`{"text":["x","y"],"title":"t"}`:                                                                 true,
		`{}`:                                                                                             true,
	}
	for in, want := range cases {
		if got := onlyKnownKeys([]byte(in)); got != want {
			t.Errorf("onlyKnownKeys(%s) = %v, want %v", in, got, want)
		}
	}
}

// The fast decoder must give exactly what encoding/json gives whenever it
// takes an input, or the two paths of Parse would disagree.
func FuzzDecodeFastMatchesEncodingJSON(f *testing.F) {
	for _, seed := range []string{
		`{"source":"mastodon","id":"1","text":"Tilasin läppärin 😡","author":{"handle":"@a","name":"A","url":"https://x","followers":12},"published_at":"2026-11-20T08:15:00Z","lang":"fi","engagement":{"likes":3,"reposts":1,"replies":0},"rating":4.5,"parent_url":"https://p"}`,
		`{"source":"x","text":"esc \" \\ \/ \b\f\n\r\t \u00e4 \ud83d\ude00 lone \ud800 then \ud800\u0041","published_at":"2026-11-20T08:15:00Z"}`,
		`{"source":"x","text":"y","published_at":"2026-11-20","rating":1e1,"engagement":{"likes":-0}}`,
		`{"source":"x","text":"y","rating":"4","published_at":null}`,
		`{"Source":"x","text":"y"}`,
		`{"source":"x","author":{"followers":1.5}}`,
		`{"source":"x","text":"y","z":[1]}`,
		` { "source" : "x" , "text" : "y" } `,
		`{"source":"x","source":"y","author":{"handle":"a"},"author":{"name":"b"}}`,
		`{"source":"x","engagement":{"likes":99999999999999999999}}`,
		`{"source":"x"}x`, `{"source":"x",}`, `{"source":"\u12"}`, `[]`, `{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return
		}
		var fast Mention
		if !decodeFast(data, &fast) {
			return
		}
		var slow Mention
		if err := json.Unmarshal(data, &slow); err != nil {
			t.Fatalf("fast path took %q, encoding/json rejects it: %v", data, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("decoders differ on %q:\nfast %#v\nslow %#v", data, fast, slow)
		}
	})
}

func TestDecodeFastTakesTheCommonShapeOnly(t *testing.T) {
	cases := map[string]bool{
		`{"source":"x","text":"a \u00e4 \ud83d\ude00","author":{"handle":"@a","followers":2},"engagement":{"likes":1},"rating":4.5,"published_at":"2026-11-20T08:15:00Z"}`: true,
		`{"source":"x","text":"y","rating":"4"}`:        false, // a string rating is encoding/json's and parseRating's job
		`{"source":"x","text":"y","extra":1}`:           false, // kept in Extra by the full path
		`{"source":"x","text":"y","published_at":null}`: false,
		`{"source":"x","text":"y"`:                      false,
	}
	for in, want := range cases {
		var m Mention
		if got := decodeFast([]byte(in), &m); got != want {
			t.Errorf("decodeFast(%s) = %v, want %v", in, got, want)
		}
	}
}

// The hand-written encoder must write byte for byte what encoding/json
// writes for the contract fields.
func FuzzAppendJSONMatchesEncodingJSON(f *testing.F) {
	f.Add("mastodon", "1", "Tilasin läppärin 😡 <b>&amp;</b> \u2028 \"q\" \\ \x01\x7f\b\f\n\r\t \xff", "@a", int64(12), int64(3), 4.5, int64(1732000000), int32(500), true)
	f.Add("x", "", "", "", int64(0), int64(0), 1e-7, int64(-62135596800), int32(0), true)
	f.Add("x", "", "y", "", int64(-1), int64(0), 1e21, int64(253402300799), int32(999999999), false)
	f.Fuzz(func(t *testing.T, source, id, text, handle string, followers, likes int64, rating float64, sec int64, nsec int32, hasRating bool) {
		m := Mention{Source: source, ID: id, Text: text, Title: id, URL: handle, Lang: id, ParentURL: text,
			Author:      Author{Handle: handle, Name: text, Followers: followers},
			Engagement:  Engagement{Likes: likes, Replies: followers},
			PublishedAt: time.Unix(sec, int64(nsec)%1e9).UTC()}
		if hasRating {
			m.Rating = &rating
		}
		type plain Mention
		want, wantErr := json.Marshal(plain(m))
		got, ok := m.appendJSON(nil)
		if !ok {
			return
		}
		if wantErr != nil {
			t.Fatalf("fast encoder took %#v, encoding/json fails: %v", m, wantErr)
		}
		if string(got) != string(want) {
			t.Fatalf("encoders differ:\nfast %s\nwant %s", got, want)
		}
	})
}
