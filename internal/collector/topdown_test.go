package collector

import (
	"fmt"
	"testing"
)

func TestTopDown(t *testing.T) {
	var c TopDown
	if c.Below(100) || c.Seen(Stamp{T: 100, ID: "a"}) {
		t.Fatal("an empty cursor has seen something")
	}
	// A complete walk moves the mark to the newest item met.
	c.Walked([]Stamp{{T: 300, ID: "c"}, {T: 100, ID: "a"}, {T: 300, ID: "d"}, {T: 0, ID: "undated"}}, true)
	if c.Since != 300 || len(c.IDs) != 2 || !c.Seen(Stamp{T: 300, ID: "d"}) || c.Seen(Stamp{T: 300, ID: "e"}) || !c.Seen(Stamp{ID: "undated"}) {
		t.Fatalf("after a complete walk: %+v", c)
	}
	if !c.Below(299) || c.Below(300) || c.Below(0) {
		t.Error("Below")
	}

	// A walk cut short above the mark keeps the mark and remembers what
	// it emitted above it; the next walk skips those.
	c.Walked([]Stamp{{T: 500, ID: "g"}, {T: 450, ID: "f"}}, false)
	if c.Since != 300 || !c.Seen(Stamp{T: 500, ID: "g"}) || !c.Seen(Stamp{T: 450, ID: "f"}) || c.Seen(Stamp{T: 400, ID: "x"}) {
		t.Fatalf("after a cut walk: %+v", c)
	}
	// The next walk reaches the mark: the mark moves, the ids above are
	// forgotten as the mark covers them.
	c.Walked([]Stamp{{T: 500, ID: "g"}, {T: 450, ID: "f"}, {T: 400, ID: "x"}, {T: 300, ID: "c"}}, true)
	if c.Since != 500 || len(c.Above) != 0 || !c.Seen(Stamp{T: 400, ID: "x"}) {
		t.Fatalf("after the walk reached the mark: %+v", c)
	}

	// Above is bounded.
	var big TopDown
	var met []Stamp
	for i := range maxAbove + 10 {
		met = append(met, Stamp{T: int64(1000 + i), ID: fmt.Sprint(i)})
	}
	big.Walked(met, false)
	if len(big.Above) != maxAbove || big.Above[0] != "10" {
		t.Errorf("above: %d ids from %s", len(big.Above), big.Above[0])
	}
}
