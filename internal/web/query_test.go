package web

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseFilter(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	f, err := parseFilter(url.Values{"range": {"24h"}, "brand": {"A,B", "C"}, "sentiment": {"negative"}, "journey_stage": {"delivery,service"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !f.From.Equal(now.Add(-24*time.Hour)) || !f.To.Equal(now) || strings.Join(f.Brands, "|") != "A|B|C" ||
		len(f.JourneyStage) != 2 || f.Sentiments[0] != "negative" {
		t.Fatalf("filter %+v", f)
	}
	if name, _ := f.interval(); name != "5m" {
		t.Errorf("24h interval %s, want 5m", name)
	}
	if f.previous().To != f.From {
		t.Error("previous period does not end where this one starts")
	}
	// Values reach SQL quoted, never raw.
	f.Brands = []string{`x') OR 1=1 --`}
	if got := f.dims(); got != ` AND brand IN ('x\') OR 1=1 --')` {
		t.Errorf("dims %s", got)
	}
	for _, q := range []url.Values{{"range": {"2w"}}, {"from": {"yesterday"}}, {"from": {"2026-11-27T00:00:00Z"}, "to": {"2026-11-26T00:00:00Z"}},
		{"sentiment": {"angry"}}, {"touchpoint": {"owned,viral"}}, {"journey_stage": {"' OR 1=1"}}} {
		if _, err := parseFilter(q, now); err == nil {
			t.Errorf("%v accepted", q)
		}
	}
}

func TestSafeURLAndCSV(t *testing.T) {
	for in, want := range map[string]string{"https://a.example/x?y=1": "https://a.example/x?y=1", "http://a.example": "http://a.example",
		"javascript:alert(1)": "", " JavaScript:alert(1)": "", "data:text/html,x": "", "//a.example/x": "", "/local": "", "": ""} {
		if got := safeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "+1+1": "'+1+1", "-1-1": "'-1-1", "@x": "'@x", "plain": "plain", "": "",
		" =1+1": "' =1+1", "\n=x": "'\n=x", "\r\n@x": "'\r\n@x", "\tx": "'\tx", "-0.500": "-0.500", "+1": "+1", "a=b": "a=b"} {
		if got := csvCell(in, false); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
	// With a decimal comma (a semicolon sheet), numbers are written so; a
	// decimal point is then no number to a spreadsheet, so it is defused.
	// Neither notation lets an exponent, infinity or NaN through.
	for in, want := range map[string]string{"-0,973": "-0,973", "-0.973": "'-0.973", "+3": "+3", "-1e5": "'-1e5", "-Inf": "'-Inf",
		"-1,2,3": "'-1,2,3", "-": "'-", "-,5": "'-,5"} {
		if got := csvCell(in, true); got != want {
			t.Errorf("csvCell(%q, decimal comma) = %q, want %q", in, got, want)
		}
	}
}

// decodeRows drops underscores from top-level keys only: values, escaped
// quotes and nested objects keep theirs.
func TestDecodeRows(t *testing.T) {
	type row struct {
		MentionID       string
		AuthorFollowers num
		Brands          []string
		Text            string
		Nested          map[string]int
		PublishedAt     time.Time
	}
	rows := []json.RawMessage{
		[]byte(`{"mention_id":"a_b","author_followers":"12","brands":["x_y","z"],"text":"say \"_quoted_\" \\","nested":{"k_1":1},"published_at":"2026-11-20T00:00:00Z","un_known":[{"a_b":1}]}`),
		[]byte(`{"text":"}_{,\"_\":","mention_id":"c"}`),
	}
	got, err := decodeRows[row](rows)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{{MentionID: "a_b", AuthorFollowers: 12, Brands: []string{"x_y", "z"}, Text: `say "_quoted_" \`, Nested: map[string]int{"k_1": 1},
		PublishedAt: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}, {MentionID: "c", Text: `}_{,"_":`}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}
