package classify

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ewom/ewom/internal/classify/lang"
	"github.com/ewom/ewom/internal/classify/strtab"
	"github.com/ewom/ewom/internal/classify/token"
	"github.com/ewom/ewom/internal/mention"
)

// A deployment model adjusts the shipped learned models to one
// deployment's mentions (`ewom learn`, internal/learn). Its text has a
// section per language, each starting with "@lang<TAB>code":
//
//	@lang	fi
//	@bias	0.1
//	@lexicon	2.6
//	@neutral	0.35   log-odds band that stays neutral (optional)
//	@alone	0.7      gate for word evidence alone (optional)
//	jumit	-1.2	0.4
//
// Word rows replace the shipped model's rows of the same feature (a row of
// 0 removes a weight); every other shipped row stays.
//
// A section starting with a line "@labels" adjusts the label models (they
// serve every language): "@bias" and feature rows with a weight per class
// of LabelClasses, which replace the shipped rows of the same feature.
const (
	paramLang    = "@lang"
	paramNeutral = "@neutral"
	paramAlone   = "@alone"
)

// LabelsSection is the line that starts a deployment model's label-model
// section.
const LabelsSection = "@labels"

// DeploymentSuffix starts the part of classifier_version that names a
// deployment model: "r4-3f9a0c12de+d1a2b3c4d5e".
const DeploymentSuffix = "+d"

// DeploymentVersion is the suffix a deployment model's text adds to the
// classifier version: DeploymentSuffix and a short hash of the text.
func DeploymentVersion(text string) string {
	sum := sha256.Sum256([]byte(text))
	return DeploymentSuffix + hex.EncodeToString(sum[:])[:10]
}

// WithDeploymentModel applies a deployment model (see DeploymentVersion)
// over the shipped learned models. An empty text changes nothing.
func WithDeploymentModel(text string) Option {
	return func(c *Classifier) error {
		if strings.TrimSpace(text) == "" {
			return nil
		}
		sections, err := splitDeployment(text)
		if err != nil {
			return fmt.Errorf("deployment model: %w", err)
		}
		t := *c.t
		t.learned, t.features = maps.Clone(t.learned), maps.Clone(t.features)
		if labels, ok := sections[LabelsSection]; ok {
			delete(sections, LabelsSection)
			if t.labels == nil {
				return errors.New("deployment model: no shipped label model to adjust")
			}
			if t.labels, err = t.labels.overlay(labels); err != nil {
				return fmt.Errorf("deployment model, %s: %w", LabelsSection, err)
			}
			// Every language's index holds the label rows.
			for code, m := range t.learned {
				t.setLearned(code, m)
			}
			t.features[""] = newFeatureIndex(nil, t.labels)
		}
		for _, code := range slices.Sorted(maps.Keys(sections)) {
			base := t.learned[code]
			if base == nil {
				return fmt.Errorf("deployment model: language %q has no shipped model", code)
			}
			m, err := base.overlay(code, sections[code])
			if err != nil {
				return fmt.Errorf("deployment model, %s: %w", code, err)
			}
			t.setLearned(code, m)
		}
		base, _, _ := strings.Cut(t.version, DeploymentSuffix)
		t.version = base + DeploymentVersion(text)
		c.t = &t
		return nil
	}
}

// splitDeployment splits a deployment model's text into its languages'
// sections and the label models' (keyed LabelsSection).
func splitDeployment(text string) (map[string]string, error) {
	out := map[string]string{}
	code := ""
	var sb strings.Builder
	flush := func() {
		if code != "" {
			out[code] = sb.String()
		}
		sb.Reset()
	}
	n := 0
	for line := range strings.Lines(text) {
		n++
		trimmed := strings.TrimRight(line, "\r\n")
		if trimmed == LabelsSection {
			flush()
			if _, dup := out[LabelsSection]; dup {
				return nil, fmt.Errorf("line %d: %s repeated", n, LabelsSection)
			}
			code = LabelsSection
			continue
		}
		if v, ok := strings.CutPrefix(trimmed, paramLang+"\t"); ok {
			flush()
			if _, dup := out[v]; v == "" || dup || v == code {
				return nil, fmt.Errorf("line %d: language missing or repeated", n)
			}
			code = v
			continue
		}
		if code == "" && strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "# ") {
			return nil, fmt.Errorf("line %d: row before the first %s", n, paramLang)
		}
		sb.WriteString(line)
	}
	flush()
	return out, nil
}

// overlay returns a copy of the model of language code with a deployment
// section's rows applied.
func (m *learnedModel) overlay(code, section string) (*learnedModel, error) {
	out := *m
	set := m.settingsOr(learnedSettings[code])
	var rows strings.Builder
	for line := range strings.Lines(section) {
		name, value, _ := strings.Cut(strings.TrimRight(line, "\r\n"), "\t")
		var target *float64
		switch name {
		case paramNeutral:
			target = &set.neutral
		case paramAlone:
			target = &set.aloneMin
		default:
			rows.WriteString(line)
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || v < 0 || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: want a number ≥ 0, got %q", name, value)
		}
		*target = v
	}
	out.settings = &set
	d, err := ReadLearned(strings.NewReader(rows.String()))
	if err != nil {
		return nil, err
	}
	out.bias, out.lexicon = d.bias, d.lexicon
	words := maps.Collect(m.words.All())
	for w, lw := range d.words.All() {
		lw.cue = words[w].cue // cue words are marked in the shipped map
		words[w] = lw
	}
	out.words = strtab.New(words)
	return &out, nil
}

// settingsOr returns the model's own settings, or def, its language's.
func (m *learnedModel) settingsOr(def modelSettings) modelSettings {
	if m.settings != nil {
		return *m.settings
	}
	return def
}

// LearnedLanguages are the languages with a shipped learned model, the
// ones a deployment model can adjust.
func LearnedLanguages() []string {
	t, err := sharedTables()
	if err != nil {
		return nil
	}
	var out []string
	for code := range t.learned {
		if _, ok := learnedSettings[code]; ok {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}

// Gates are a language's neutral log-odds band and the gate for word
// evidence alone, as this classifier applies them.
func (c *Classifier) Gates(code string) (neutral, alone float64) {
	s := learnedSettings[code]
	if m := c.t.learned[code]; m != nil {
		s = m.settingsOr(s)
	}
	return s.neutral, s.aloneMin
}

// LearnedWeights returns this classifier's learned model of a language:
// bias, lexicon weight and the non-zero word weights, NegatedPrefix
// marking negated ones.
func (c *Classifier) LearnedWeights(code string) (bias, lexicon float64, words map[string]float64) {
	m := c.t.learned[code]
	if m == nil {
		return 0, 0, nil
	}
	words = map[string]float64{}
	for w, lw := range m.words.All() {
		if lw.plain != 0 {
			words[w] = lw.plain
		}
		if lw.negated != 0 {
			words[NegatedPrefix+w] = lw.negated
		}
	}
	return m.bias, m.lexicon, words
}

// TrainingExample returns what the learned model sees of a mention, as
// Classify would score it: the language whose model applies ("" when none
// does), the features and squashed lexicon score (SentimentFeatures), and
// the factor the classifier gives this text's word weights.
func (c *Classifier) TrainingExample(m *mention.Mention) (code string, feats []string, lex, scale float64) {
	toks := token.Append(nil, m.Title, token.Lower(m.Title))
	if len(toks) > 0 {
		toks = append(toks, token.Token{Text: ".", Kind: token.Punct})
	}
	toks = token.Append(toks, m.Text, token.Lower(m.Text))
	det := c.t.lang.Detect(toks, m.Lang)
	code = det.Lang
	if code == lang.Und {
		code = det.Guess
	}
	model := c.t.learned[code]
	set, ok := learnedSettings[code]
	if model == nil || !ok {
		return "", nil, 0, 0
	}
	var lx lexed
	c.t.lexTokens(&lx, toks, code, nil, nil, nil)
	st := c.t.walkSentiment(&lx, model, nil, nil)
	scale = set.scale
	if st.informational == 0 && (st.subjective > 0 || st.hits > 0 || st.exclaims > 0) {
		scale = set.subjective
	}
	st = c.t.walkSentiment(&lx, nil, nil, &feats)
	return code, feats, squash(st.total), scale
}

// overlay returns a copy of the label model with a deployment section's
// rows: its @bias (required, so a section cannot half-apply) and feature
// rows replace the shipped ones; new features are added.
func (lm *labelModel) overlay(section string) (*labelModel, error) {
	d, err := readLabelModel(strings.NewReader(section))
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(section, paramBias+"\t") && !strings.Contains(section, "\n"+paramBias+"\t") {
		return nil, fmt.Errorf("%s row missing", paramBias)
	}
	out := &labelModel{bias: d.bias, rows: slices.Clone(lm.rows)}
	index := maps.Collect(lm.words.All())
	for key, row := range d.words.All() {
		if i, ok := index[key]; ok {
			out.rows[i] = d.rows[row]
			continue
		}
		index[key] = uint32(len(out.rows))
		out.rows = append(out.rows, d.rows[row])
	}
	out.words = strtab.New(index)
	return out, nil
}

// LabelClasses are the label models' classes in their columns' order: the
// journey stages (mention.JourneyStages), then the sentiments.
func LabelClasses() []string {
	return append(slices.Clone(mention.JourneyStages), sentimentClasses[:]...)
}

// StageClasses is how many of LabelClasses are journey stages.
const StageClasses = stageCount

// LabelWeights returns this classifier's label models: each class's bias
// and each feature's weights, in LabelClasses order (nil: none).
func (c *Classifier) LabelWeights() (bias []float64, rows map[string][]float64) {
	lm := c.t.labels
	if lm == nil {
		return nil, nil
	}
	widen := func(w labelWeights) []float64 {
		out := make([]float64, len(w))
		for i, v := range w {
			out[i] = float64(v)
		}
		return out
	}
	rows = map[string][]float64{}
	for key, row := range lm.words.All() {
		rows[key] = widen(lm.rows[row])
	}
	return widen(lm.bias), rows
}
