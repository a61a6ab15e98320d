// Package eval measures a sentiment labeller on a labelled TSV file
// (text<TAB>label<TAB>lang, labels pos/neu/neg): accuracy, macro-F1 and the
// confusion matrix, overall and per language.
package eval

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ewom/ewom/internal/mention"
)

// Labels in matrix order.
var Labels = []string{"pos", "neu", "neg"}

var sentimentLabels = map[string]string{mention.Positive: "pos", mention.Neutral: "neu", mention.Negative: "neg"}

// Label is the label of a classifier sentiment (mention.Positive, …).
func Label(sentiment string) string { return sentimentLabels[sentiment] }

// VaderLabel labels a VADER compound score by VADER's published
// thresholds: ≥ 0.05 positive, ≤ -0.05 negative.
func VaderLabel(compound float64) string {
	switch {
	case compound >= 0.05:
		return "pos"
	case compound <= -0.05:
		return "neg"
	}
	return "neu"
}

// Example is one labelled text.
type Example struct {
	Text, Label, Lang string
}

// Read parses a TSV file with a text/label/lang header.
func Read(r io.Reader) ([]Example, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var out []Example
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 && strings.HasPrefix(line, "text\t") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			return nil, fmt.Errorf("line %d: want text<TAB>label<TAB>lang", n)
		}
		ex := Example{Text: f[0], Label: f[1]}
		if len(f) > 2 {
			ex.Lang = f[2]
		}
		if labelIndex(ex.Label) < 0 {
			return nil, fmt.Errorf("line %d: label %q is not pos, neu or neg", n, ex.Label)
		}
		out = append(out, ex)
	}
	return out, sc.Err()
}

func labelIndex(l string) int {
	for i, x := range Labels {
		if x == l {
			return i
		}
	}
	return -1
}

// Confusion counts gold (row) against predicted (column) labels.
type Confusion struct {
	M [3][3]int
}

// Add records one prediction.
func (c *Confusion) Add(gold, pred string) {
	g, p := labelIndex(gold), labelIndex(pred)
	if g >= 0 && p >= 0 {
		c.M[g][p]++
	}
}

// Total is the number of examples.
func (c *Confusion) Total() int {
	n := 0
	for _, row := range c.M {
		for _, v := range row {
			n += v
		}
	}
	return n
}

// Accuracy is the share of correct predictions.
func (c *Confusion) Accuracy() float64 {
	if c.Total() == 0 {
		return 0
	}
	return float64(c.M[0][0]+c.M[1][1]+c.M[2][2]) / float64(c.Total())
}

// goldClasses are the labels present in the gold data. On a binary set
// (no neu gold labels) neutral predictions count as errors but neutral is
// not a class of the macro average.
func (c *Confusion) goldClasses() []int {
	var out []int
	for g := range 3 {
		if c.M[g][0]+c.M[g][1]+c.M[g][2] > 0 {
			out = append(out, g)
		}
	}
	return out
}

// PrecisionRecallF1 of one label.
func (c *Confusion) PrecisionRecallF1(label int) (p, r, f float64) {
	tp := c.M[label][label]
	predicted, gold := 0, 0
	for i := range 3 {
		predicted += c.M[i][label]
		gold += c.M[label][i]
	}
	if predicted > 0 {
		p = float64(tp) / float64(predicted)
	}
	if gold > 0 {
		r = float64(tp) / float64(gold)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}

// MacroF1 averages F1 over the labels present in the gold data.
func (c *Confusion) MacroF1() float64 {
	classes := c.goldClasses()
	if len(classes) == 0 {
		return 0
	}
	sum := 0.0
	for _, l := range classes {
		_, _, f := c.PrecisionRecallF1(l)
		sum += f
	}
	return sum / float64(len(classes))
}

// Report is the confusion per language and overall.
type Report struct {
	ByLang  map[string]*Confusion
	Overall Confusion
}

// Run labels every example with predict and tallies the results.
func Run(examples []Example, predict func(Example) string) *Report {
	rep := &Report{ByLang: map[string]*Confusion{}}
	for _, ex := range examples {
		pred := predict(ex)
		rep.Overall.Add(ex.Label, pred)
		c := rep.ByLang[ex.Lang]
		if c == nil {
			c = &Confusion{}
			rep.ByLang[ex.Lang] = c
		}
		c.Add(ex.Label, pred)
	}
	return rep
}

// Write prints the report as text.
func (r *Report) Write(w io.Writer, name string) {
	langs := make([]string, 0, len(r.ByLang))
	for l := range r.ByLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		writeConfusion(w, fmt.Sprintf("%s lang=%s", name, orDash(l)), r.ByLang[l])
	}
	if len(langs) > 1 {
		writeConfusion(w, name+" all languages", &r.Overall)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeConfusion(w io.Writer, title string, c *Confusion) {
	fmt.Fprintf(w, "%s: n=%d accuracy=%.3f macro-F1=%.3f\n", title, c.Total(), c.Accuracy(), c.MacroF1())
	fmt.Fprintf(w, "  %-10s %6s %6s %6s   %9s %6s %6s\n", "gold\\pred", "pos", "neu", "neg", "precision", "recall", "F1")
	for g, l := range Labels {
		row := c.M[g]
		if row[0]+row[1]+row[2] == 0 {
			continue
		}
		p, rc, f := c.PrecisionRecallF1(g)
		fmt.Fprintf(w, "  %-10s %6d %6d %6d   %9.3f %6.3f %6.3f\n", l, row[0], row[1], row[2], p, rc, f)
	}
}
