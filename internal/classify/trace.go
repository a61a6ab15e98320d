package classify

import "github.com/ewom/ewom/internal/mention"

// trace collects evidence for Explain. A nil *trace (the Classify fast
// path) records nothing and costs one nil check; a note built by
// concatenation is built under `if tr != nil`, or Classify would allocate it.
type trace struct {
	evidence []mention.Evidence
}

func (tr *trace) add(label, kind, text string, weight float64, note string) {
	if tr == nil {
		return
	}
	tr.evidence = append(tr.evidence, mention.Evidence{Label: label, Kind: kind, Text: text, Weight: round3(weight), Note: note})
}

func round3(v float64) float64 {
	const k = 1000
	if v < 0 {
		return -float64(int64(-v*k+0.5)) / k
	}
	return float64(int64(v*k+0.5)) / k
}
