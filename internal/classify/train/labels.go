package train

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/ewom/ewom/internal/classify"
)

// LabelDoc is one mention × brand the label models learn from: what the
// classifier saw of it (classify.LabelExample) and its true labels.
type LabelDoc struct {
	classify.LabelExample
	GoldStage, GoldSentiment string
}

// LabelModels are the label models, one per class of
// classify.LabelClasses (one-vs-rest).
type LabelModels []Model

// TrainLabels fits one model per class of classify.LabelClasses on the
// docs, starting from prior's models when it is not nil (fine-tuning).
func TrainLabels(docs []LabelDoc, h Hyper, prior LabelModels) LabelModels {
	classes := classify.LabelClasses()
	models := make(LabelModels, len(classes))
	for ci, class := range classes {
		ds := make([]Doc, len(docs))
		for i, d := range docs {
			gold := d.GoldStage
			if ci >= classify.StageClasses {
				gold = d.GoldSentiment
			}
			ds[i] = Doc{Feats: d.Features, Weight: 1}
			if gold == class {
				ds[i].Y = 1
			}
		}
		hc := h
		if prior != nil {
			hc.Prior = &prior[ci]
		}
		if ci >= classify.StageClasses {
			// Sources are a deployment's own mix: a source's share of
			// complaints in the corpus must not tilt a post's sentiment.
			hc.Exclude = func(f string) bool { return strings.HasPrefix(f, "src:") }
		}
		models[ci] = Train(ds, hc)
	}
	return models
}

// ClassifierLabelModels are a classifier's label models (nil: it has
// none), the prior of fine-tuning.
func ClassifierLabelModels(c *classify.Classifier) LabelModels {
	bias, rows := c.LabelWeights()
	if bias == nil {
		return nil
	}
	models := make(LabelModels, len(bias))
	for ci := range models {
		models[ci] = Model{Bias: bias[ci], Words: make(map[string]float64, len(rows))}
		for f, w := range rows {
			models[ci].Words[f] = w[ci]
		}
	}
	return models
}

// Predict labels an example as the classifier does: the class scored
// highest (features' weights over √features), unless a rule decided the
// label or the post names no brand.
func (ms LabelModels) Predict(ex classify.LabelExample) (stage, sentiment string) {
	classes := classify.LabelClasses()
	z := make([]float64, len(ms))
	for ci, m := range ms {
		z[ci] = m.Bias
		for _, f := range ex.Features {
			z[ci] += m.Words[f] / math.Sqrt(float64(len(ex.Features)))
		}
	}
	stage, sentiment = ex.Stage, ex.Sentiment
	if ex.NoBrand {
		return stage, sentiment
	}
	if !ex.StageDecided {
		stage = classes[argmax(z[:classify.StageClasses])]
	}
	if !ex.SentimentDecided {
		sentiment = classes[classify.StageClasses+argmax(z[classify.StageClasses:])]
	}
	return stage, sentiment
}

func argmax(z []float64) int {
	best := 0
	for i := range z {
		if z[i] > z[best] {
			best = i
		}
	}
	return best
}

// Rows are the models as written: the rounded bias of each class, and
// each feature's rounded weights, features whose weights all round to 0
// left out.
func (ms LabelModels) Rows() (bias []float64, rows map[string][]float64) {
	bias = make([]float64, len(ms))
	rows = map[string][]float64{}
	for ci, m := range ms {
		bias[ci] = Round(m.Bias)
		for f, v := range m.Words {
			if Round(v) == 0 {
				continue
			}
			if rows[f] == nil {
				rows[f] = make([]float64, len(ms))
			}
			rows[f][ci] = Round(v)
		}
	}
	return bias, rows
}

// WriteLabelRow prints a row of the label models' file: the feature (or
// @bias), then its weights.
func WriteLabelRow(w io.Writer, name string, weights []float64) {
	fmt.Fprint(w, name)
	for _, v := range weights {
		fmt.Fprint(w, "\t"+strconv.FormatFloat(v, 'g', -1, 64))
	}
	fmt.Fprintln(w)
}
