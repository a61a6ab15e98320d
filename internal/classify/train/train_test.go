package train

import (
	"bytes"
	"testing"
)

func TestTrainFineTunesFromAPrior(t *testing.T) {
	docs := []Doc{
		{Feats: []string{"the", "mouse", "is", "snappy"}, Y: 1},
		{Feats: []string{"the", "chair", "is", "snappy"}, Y: 1},
		{Feats: []string{"the", "mouse", "is", "janky"}, Y: 0},
		{Feats: []string{"the", "chair", "is", "janky"}, Y: 0},
		{Feats: []string{"the", "chair", "is", "here"}, Y: 0.5, Weight: 1},
		{Feats: []string{"once"}, Y: 1}, // below MinDF: left out
	}
	prior := &Model{Bias: 0.1, Lexicon: 2, Words: map[string]float64{"the": -0.3, "unseen": 1.5, "once": 0.7}}
	m := Train(docs, Hyper{L2: 1e-3, Epochs: 30, Prior: prior})
	if m.Words["snappy"] <= 0.5 || m.Words["janky"] >= -0.5 {
		t.Errorf("snappy %v, janky %v: want clearly positive and negative", m.Words["snappy"], m.Words["janky"])
	}
	if _, ok := m.Words["unseen"]; ok {
		t.Error("a prior word no example shows was trained")
	}
	if _, ok := m.Words["once"]; !ok {
		t.Error("a prior word seen once was left out")
	}
	if m.Lexicon != 2 {
		t.Errorf("lexicon weight %v moved without lexicon scores", m.Lexicon)
	}
	var a, b bytes.Buffer
	m.Write(&a)
	Train(docs, Hyper{L2: 1e-3, Epochs: 30, Prior: prior}).Write(&b)
	if a.String() != b.String() {
		t.Error("training is not deterministic")
	}
	if _, ok := Train(docs, Hyper{L2: 1e-3, Epochs: 5}).Words["once"]; ok {
		t.Error("without a prior a word seen once is kept")
	}
}

// TestTrainFixBiasKeepsThePriorsBias: examples of one class only would pull
// the bias far toward it; FixBias leaves it at the prior's and lets the
// words carry the examples.
func TestTrainFixBiasKeepsThePriorsBias(t *testing.T) {
	docs := []Doc{
		{Feats: []string{"parcel", "late"}, Y: 1, Weight: 1},
		{Feats: []string{"courier", "late"}, Y: 1, Weight: 1},
		{Feats: []string{"parcel", "lost"}, Y: 1, Weight: 1},
		{Feats: []string{"courier", "lost"}, Y: 1, Weight: 1},
	}
	prior := &Model{Bias: -1, Words: map[string]float64{}}
	free := Train(docs, Hyper{L2: 1e-3, Epochs: 30, Prior: prior})
	fixed := Train(docs, Hyper{L2: 1e-3, Epochs: 30, Prior: prior, FixBias: true})
	if free.Bias <= prior.Bias {
		t.Fatalf("free bias %v did not move toward the examples' class", free.Bias)
	}
	if fixed.Bias != prior.Bias {
		t.Errorf("fixed bias %v, want the prior's %v", fixed.Bias, prior.Bias)
	}
	if fixed.Words["late"] <= 0 {
		t.Errorf("with the bias fixed the words learned nothing: late %v", fixed.Words["late"])
	}
}
