package classify

import "github.com/ewom/ewom/internal/mention"

// stageOrder breaks ties between stages with equal evidence: later
// stages of the journey win, because a post naming a purchase and a
// late delivery is about the delivery.
var stageOrder = func() map[string]int {
	m := map[string]int{}
	for i, s := range mention.JourneyStages {
		m[s] = i
	}
	return m
}()

// minStageEvidence is the weight below which the stage stays "none": single
// weak words ("aina", "again") do not make a journey stage.
const minStageEvidence = 1.0

func journeyStage(cues *cueScan, tp string, tr *trace) string {
	weights := &cues.stageWeights
	best := -1
	for i := range mention.JourneyStages {
		if weights[i] >= minStageEvidence && (best < 0 || weights[i] >= weights[best]) {
			best = i
		}
	}
	if best >= 0 {
		return mention.JourneyStages[best]
	}
	// Advertising and press coverage exist to make people aware.
	if tp == paid {
		tr.add("journey_stage", "rule", "paid media", 0, "advertising serves awareness")
		return "awareness"
	}
	return "none"
}
