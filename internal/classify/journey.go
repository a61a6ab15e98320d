package classify

import (
	"strings"

	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/mention"
)

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

// journeyStage is the cue rules' stage; definite is true where a rule, not
// evidence weighed, decides it (ads, the brand's own posts), which the
// label models may not overrule.
func journeyStage(cues *cueScan, tp touchpointResult, source string, toks []token.Token, tr *trace) (stage string, definite bool) {
	weights := &cues.stageWeights
	// Ads serve awareness whatever they mention (delivery, prices); a
	// brand's own post is service when it answers a customer, else
	// awareness (docs/classifier.md's definitions).
	switch {
	case tp.touchpoint == paid:
		tr.add("journey_stage", "rule", "awareness", 0, "an ad or sponsored post serves awareness")
		return "awareness", true
	case tp.voice == voiceBrand && (tp.brandReply || answersCustomer(toks) || weights[stageOrder["service"]] >= 2):
		tr.add("journey_stage", "rule", "service", 0, "the brand answers a customer")
		return "service", true
	case tp.voice == voiceBrand:
		tr.add("journey_stage", "rule", "awareness", 0, "the brand's own announcement or offer")
		return "awareness", true
	case tp.voice == voiceAsking && weights[stageOrder["churn"]] < minStageEvidence:
		tr.add("journey_stage", "rule", "consideration", 0, "a request for advice or experiences weighs options")
		return "consideration", false
	case tp.voice == voicePress && weights[stageOrder["service"]] < 2 && weights[stageOrder["churn"]] < 2:
		tr.add("journey_stage", "rule", "awareness", 0, "press coverage makes people aware")
		return "awareness", false
	}
	best := -1
	for i := range mention.JourneyStages {
		if weights[i] >= minStageEvidence && (best < 0 || weights[i] >= weights[best]) {
			best = i
		}
	}
	if best >= 0 {
		return mention.JourneyStages[best], false
	}
	// Without a cue, who speaks tells the stage a post most often serves.
	// (Ads, the brand's own posts and press were decided above.)
	if reviewSources[source] {
		tr.add("journey_stage", "rule", "usage", 0, "no stage cue: a review speaks of using what was bought")
		return "usage", false
	}
	return "none", false
}

// reviewSources are the review sites and app stores of sourceTouchpoints.
var reviewSources = func() map[string]bool {
	m := map[string]bool{}
	for src, tp := range sourceTouchpoints {
		if strings.HasSuffix(tp[1], "review") || tp[1] == "review site" {
			m[src] = true
		}
	}
	return m
}()

// answersCustomer reports a brand post that replies to someone: it opens
// with a handle or apologises.
func answersCustomer(toks []token.Token) bool {
	if len(toks) > 0 && toks[0].Kind == token.Handle {
		return true
	}
	for _, t := range toks {
		if t.Kind == token.Word && isApology(t.Text) {
			return true
		}
	}
	return false
}

func isApology(w string) bool {
	for _, p := range [...]string{"pahoittel", "anteeksi", "sorry", "apologi", "beklag", "ledsen", "ursäkt"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}
