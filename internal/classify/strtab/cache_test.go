package strtab

import (
	"fmt"
	"strings"
	"testing"
)

// TestCache puts keys of every length up to 40 bytes, many sharing heads
// and tails, into a cache too small for them, and checks that every hit
// returns the value put under that very key, that a value changed in
// place stays so, and that a set keeps its latest two.
func TestCache(t *testing.T) {
	c := NewCache[string](4)
	var keys []string
	for n := 1; n <= 40; n++ {
		for _, fill := range []string{"a", "b", "ä"} {
			k := strings.Repeat(fill, n)
			keys = append(keys, k, k[:len(k)-1]+"x", "x"+k[1:])
		}
	}
	hits := 0
	for round := range 3 {
		for _, k := range keys {
			if v := c.Ref(k); v != nil {
				hits++
				if *v != k+"!" {
					t.Fatalf("round %d: Ref(%q) = %q", round, k, *v)
				}
				continue
			}
			c.Put(k, k)
			v := c.Ref(k)
			if v == nil || *v != k {
				t.Fatalf("round %d: Ref(%q) after Put = %v", round, k, v)
			}
			*v += "!"
		}
	}
	// Of two keys put one after the other into one set, both stay.
	c = NewCache[string](4)
	var a, b string
	for i := 0; b == ""; i++ {
		k := fmt.Sprint("key", i)
		_, h := hash(k)
		if h>>c.shift == 0 {
			if a == "" {
				a = k
			} else {
				b = k
			}
		}
	}
	c.Put(a, a)
	c.Put(b, b)
	if c.Ref(a) == nil {
		t.Errorf("%q was dropped by %q of the same set", a, b)
	}
	if c.Ref(b) == nil {
		t.Errorf("%q is not found", b)
	}
}
