package strtab

import (
	"maps"
	"strings"
	"testing"
)

// Keys of every length around the 4- and 8-byte boundaries, and keys
// that differ only in bytes the head (hash) reads twice or not at all.
var testKeys = []string{"", "a", "b", "ab", "ba", "abc", "acc", "abcd", "abce", "abcde", "abxde",
	"abcdefg", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefghj", "xbcdefghi", "ääni", "äänestys",
	"pitkä-sana-jossa-on-monta-osaa", "pitkä-sana-jossa-on-monta-osab"}

func TestGet(t *testing.T) {
	m := map[string]int{}
	for i, k := range testKeys {
		m[k] = i
	}
	tab := New(m)
	for _, k := range testKeys {
		if v, ok := tab.Get(k); !ok || v != m[k] {
			t.Errorf("Get(%q) = %d, %v; want %d, true", k, v, ok, m[k])
		}
	}
	for _, k := range []string{"c", "aa", "abd", "abcf", "abcdefgj", "abcdefghk", "abcdefghij", "ääno", "pitkä-sana-jossa-on-monta-osac"} {
		if v, ok := tab.Get(k); ok {
			t.Errorf("Get(%q) = %d, true; want no key", k, v)
		}
	}
	if got := maps.Collect(tab.All()); !maps.Equal(got, m) {
		t.Errorf("All() = %v, want %v", got, m)
	}
}

func TestEmpty(t *testing.T) {
	tab := New(map[string]bool{})
	if _, ok := tab.Get(""); ok {
		t.Error("empty map has the key \"\"")
	}
	if _, ok := tab.Get("word"); ok {
		t.Error("empty map has a key")
	}
}

// FuzzGet checks the table against a Go map: the keys are the
// space-separated fields of the input (and "" when it starts with a space),
// looked up along with every prefix and suffix of each.
func FuzzGet(f *testing.F) {
	f.Add("the and of ett och ja on ei abcdefgh abcdefghi")
	f.Add(" a b c aa ab ba bb aaaaaaaa aaaaaaab baaaaaaa")
	f.Add(strings.Join(testKeys, " "))
	f.Fuzz(func(t *testing.T, in string) {
		m := map[string]int{}
		for i, k := range strings.Split(in, " ") {
			if k != "" || i == 0 {
				m[k] = i
			}
		}
		tab := New(m)
		for k := range m {
			for i := range len(k) + 1 {
				for _, q := range []string{k[:i], k[i:]} {
					want, wantOK := m[q]
					if got, ok := tab.Get(q); ok != wantOK || got != want {
						t.Fatalf("Get(%q) = %d, %v; want %d, %v", q, got, ok, want, wantOK)
					}
				}
			}
		}
		if got := maps.Collect(tab.All()); !maps.Equal(got, m) {
			t.Fatalf("All() = %v, want %v", got, m)
		}
	})
}

// Every table leaves a slot empty, where a lookup of a missing key stops.
func TestEverySize(t *testing.T) {
	m := map[string]int{}
	for n := 1; n <= 300; n++ {
		m[strings.Repeat("k", n%7)+string(rune('a'+n%26))+strings.Repeat("x", n/26)] = n
		tab := New(m)
		for k, v := range m {
			if got, ok := tab.Get(k); !ok || got != v {
				t.Fatalf("%d keys: Get(%q) = %d, %v; want %d", len(m), k, got, ok, v)
			}
		}
		for _, k := range []string{"", "missing", "kkkkkkkkkkkkkkkkz", "ä"} {
			if _, ok := tab.Get(k); ok {
				t.Fatalf("%d keys: Get(%q) found a missing key", len(m), k)
			}
		}
	}
}
