package terms

import "testing"

func TestEmerging(t *testing.T) {
	// 10,000 rows in the window, 40,000 in the four windows before.
	counts := []Count{
		{Term: "toimitus", Now: 1000, Base: 4000},            // as common as ever
		{Term: "toimitus myöhässä", Now: 60, Base: 20},       // 12× its rate
		{Term: "asiakaspalvelu ei vastaa", Now: 25, Base: 0}, // new
		{Term: "hinta", Now: 130, Base: 400},                 // 1.3×: not unusual at this size
		{Term: "kampanja", Now: 3, Base: 0},                  // new but too rare to tell
		{Term: "akku", Now: 2, Base: 1},                      // below the minimum
		{Term: "alennus", Now: 300, Base: 600},               // 2× and common: emerging
		{Term: "viikonloppu", Now: 12, Base: 40},             // 1.2×
		{Term: "palautus", Now: 8, Base: 2},                  // 16× but few: p about 1e-5 against 0.01/8
	}
	got := Emerging(counts, 10_000, 40_000, 10)
	var names []string
	for _, g := range got {
		names = append(names, g.Term)
		if g.Ratio < minRatio || g.P >= emergingAlpha {
			t.Errorf("%s: ratio %.2f, p %.2g listed", g.Term, g.Ratio, g.P)
		}
	}
	want := map[string]bool{"toimitus myöhässä": true, "asiakaspalvelu ei vastaa": true, "alennus": true, "palautus": true}
	if len(names) != len(want) {
		t.Fatalf("emerging %v, want %v", names, want)
	}
	for _, n := range names {
		if !want[n] {
			t.Errorf("%s listed as emerging (all: %v)", n, names)
		}
	}
	if got[0].P > got[len(got)-1].P {
		t.Errorf("not ordered by p-value: %+v", got)
	}
	if Emerging(counts, 0, 40_000, 10) != nil {
		t.Error("an empty window has emerging terms")
	}
}
