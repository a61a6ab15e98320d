package collector_test

import (
	"encoding/json"
	"strings"
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

// A path through nested objects reaches their array; the fields beside it
// on the way are the page's, where they stand.
func TestDecodeItemsNested(t *testing.T) {
	var pg struct {
		Kind string `json:"kind"`
		Data struct {
			After string `json:"after"`
			Page  struct {
				Total int `json:"total"`
			} `json:"page"`
		} `json:"data"`
	}
	body := `{"kind":"Listing","data":{"after":"t3_x","page":{"items":[{"id":"a"},{"id":"b","stars":[]}],"total":2}},"extra":{"items":[{"id":"z"}]}}`
	items, errs, err := collector.DecodeItems[item]([]byte(body), "data.page.items", &pg)
	if err != nil || pg.Kind != "Listing" || pg.Data.After != "t3_x" || pg.Data.Page.Total != 2 || len(items) != 2 {
		t.Fatalf("%v %+v %+v", err, pg, items)
	}
	if items[0].ID != "a" || errs[0] != nil || items[1].ID != "b" || errs[1] == nil {
		t.Errorf("items %+v %v", items, errs)
	}
	for body, n := range map[string]int{`{}`: 0, `{"data":null}`: 0, `{"data":{"page":{}}}`: 0, `{"data":{"page":{"items":null}}}`: 0, `{"data":{"items":[{}]}}`: 0} {
		items, _, err := collector.DecodeItems[item]([]byte(body), "data.page.items", nil)
		if err != nil || len(items) != n {
			t.Errorf("%s: %v %d items", body, err, len(items))
		}
	}
	for body, want := range map[string]string{`{"data":[]}`: `"data": want an object`, `{"data":{"page":{"items":{}}}}`: `"data.page.items": want an array`,
		`{"data":{"page":7}}`: `"data.page": want an object`, `{"data":{"page":{"items":[{"id":"a"}]}}`: "EOF"} {
		if _, _, err := collector.DecodeItems[item]([]byte(body), "data.page.items", &pg); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

func FuzzDecodeItems(f *testing.F) {
	for _, s := range []string{`{"next":"p","items":[{"id":"a","stars":1},{"id":2}]}`, `{"items":null}`, `{}`} {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"next":"p","data":{"total":1,"items":[{"id":"a"}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, path := range []string{"items", "data.items"} {
			items, errs, err := collector.DecodeItems[item](body, path, &itemsPage{})
			if err != nil {
				continue
			}
			if !json.Valid(body) || len(items) != len(errs) {
				t.Fatalf("decoded %q at %s: %d items, %d errors", body, path, len(items), len(errs))
			}
		}
	})
}
