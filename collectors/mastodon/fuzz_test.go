package mastodon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/collector/collectortest"
)

func FuzzParse(f *testing.F) {
	for _, name := range []string{"tag_timeline.json", "search.json"} {
		f.Add(collectortest.Fixture(f, name), name == "search.json")
	}
	f.Add([]byte(`[{"id":"1","reblog":{"id":"2","reblog":null}}]`), false)
	f.Fuzz(func(t *testing.T, body []byte, search bool) {
		ss, err := Parse(body, instance, search, fetched)
		if err != nil {
			return
		}
		for _, s := range ss {
			if s.Err != nil {
				if s.Mention != nil {
					t.Fatalf("unreadable status with a mention %+v", s)
				}
				continue
			}
			if s.ID == "" || s.Mention == nil || s.Mention.Source != "mastodon" || s.Mention.ID == "" || s.Mention.PublishedAt.IsZero() {
				t.Fatalf("bad status %+v", s)
			}
			if p := s.Mention.ParentURL; p != "" && !strings.HasPrefix(p, "https://mastodon.social/@") {
				t.Fatalf("parent_url %q is not a status page on the instance", p)
			}
		}
	})
}

// BenchmarkParse reports statuses decoded and normalised per second, on
// pages of 40 realistic statuses.
func BenchmarkParse(b *testing.B) {
	raw := collectortest.Fixture(b, "tag_timeline.json")
	var two []json.RawMessage
	if err := json.Unmarshal(raw, &two); err != nil {
		b.Fatal(err)
	}
	var page bytes.Buffer
	page.WriteByte('[')
	for i := range pageLimit {
		if i > 0 {
			page.WriteByte(',')
		}
		s := bytes.Replace(two[i%2], []byte(`"id": "1134567890123456`), []byte(fmt.Sprintf(`"id": "1134567890%06d`, i)), 1)
		page.Write(s)
	}
	page.WriteByte(']')
	body := page.Bytes()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		ss, err := Parse(body, instance, false, fetched)
		if err != nil || len(ss) != pageLimit {
			b.Fatal(err, len(ss))
		}
	}
	b.ReportMetric(float64(pageLimit*b.N)/b.Elapsed().Seconds(), "statuses/s")
}
