package collector_test

import (
	"encoding/json"
	"testing"

	"github.com/ewom/ewom/internal/collector"
)

type item struct {
	ID    string `json:"id"`
	Stars int    `json:"stars"`
}

type itemsPage struct {
	Next  string `json:"next"`
	Total int    `json:"total"`
}

func TestDecodeItems(t *testing.T) {
	var pg itemsPage
	items, errs, err := collector.DecodeItems[item]([]byte(` {"next":"p2","items":[{"id":"a","stars":1},{"id":"b","stars":"two"},{"stars":3,"id":"c"}],"total":3} `), "items", &pg)
	if err != nil || pg != (itemsPage{Next: "p2", Total: 3}) || len(items) != 3 || len(errs) != 3 {
		t.Fatalf("%v %+v %+v %v", err, pg, items, errs)
	}
	if items[0] != (item{"a", 1}) || errs[0] != nil || items[2] != (item{"c", 3}) || errs[2] != nil {
		t.Errorf("good items %+v %v", items, errs)
	}
	// The bad item keeps what could be read.
	if items[1].ID != "b" || errs[1] == nil {
		t.Errorf("bad item %+v %v", items[1], errs[1])
	}
	for body, n := range map[string]int{`{}`: 0, `{"items":null}`: 0, `{"items":[]}`: 0, `{"other":[1,2],"items":[{}]}`: 1} {
		items, _, err := collector.DecodeItems[item]([]byte(body), "items", nil)
		if err != nil || len(items) != n {
			t.Errorf("%s: %v %d items", body, err, len(items))
		}
	}
	for _, body := range []string{``, `[]`, `"x"`, `{"items":{}}`, `{"items":[{"id":"a"},`, `{"items":[{"id":"a"}]`, `{"items":[{"id":"a"}]}x`,
		`{"items":[{"id":"a"}]}{}`, `{"items":[{"id":}]}`, `{"next":7,"items":[]}`} {
		if _, _, err := collector.DecodeItems[item]([]byte(body), "items", &pg); err == nil {
			t.Errorf("%s: decoded", body)
		}
	}
}

func FuzzDecodeItems(f *testing.F) {
	for _, s := range []string{`{"next":"p","items":[{"id":"a","stars":1},{"id":2}]}`, `{"items":null}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, errs, err := collector.DecodeItems[item](body, "items", &itemsPage{})
		if err != nil {
			return
		}
		if !json.Valid(body) || len(items) != len(errs) {
			t.Fatalf("decoded %q: %d items, %d errors", body, len(items), len(errs))
		}
	})
}
