package classify

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

// labelledMention is one row of testdata/mentions.tsv.
type labelledMention struct {
	line        int
	m           mention.Mention
	lang        string
	sentiment   string
	touchpoint  string
	stage       string
	brands      []string
	undisclosed bool
}

func readLabelled(t *testing.T) []labelledMention {
	t.Helper()
	f, err := os.Open("testdata/mentions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dash := func(s string) string {
		if s == "-" {
			return ""
		}
		return s
	}
	var out []labelledMention
	sc := bufio.NewScanner(f)
	published := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 11 {
			t.Fatalf("mentions.tsv:%d: %d fields, want 11", n, len(f))
		}
		lm := labelledMention{line: n, lang: f[4], sentiment: f[5], touchpoint: f[6], stage: f[7], undisclosed: f[9] == "1"}
		lm.m = mention.Mention{Source: f[0], Author: mention.Author{Handle: dash(f[1])}, URL: dash(f[2]), Text: f[10], PublishedAt: published}
		if r := dash(f[3]); r != "" {
			v, err := strconv.ParseFloat(r, 64)
			if err != nil {
				t.Fatalf("mentions.tsv:%d: rating: %v", n, err)
			}
			lm.m.Rating = &v
		}
		if b := dash(f[8]); b != "" {
			lm.brands = strings.Split(b, ",")
		}
		out = append(out, lm)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// tally is a per-class confusion count for one label.
type tally struct {
	name           string
	tp, fp, fn     map[string]int
	correct, total int
	misses         []string
	classes        map[string]bool
	gold           map[string]int
}

func newTally(name string) *tally {
	return &tally{name: name, tp: map[string]int{}, fp: map[string]int{}, fn: map[string]int{}, classes: map[string]bool{}, gold: map[string]int{}}
}

func (ta *tally) add(gold, got string, where string) {
	ta.total++
	ta.classes[gold], ta.classes[got] = true, true
	ta.gold[gold]++
	if gold == got {
		ta.correct++
		ta.tp[gold]++
		return
	}
	ta.fp[got]++
	ta.fn[gold]++
	ta.misses = append(ta.misses, fmt.Sprintf("%s: want %s, got %s", where, gold, got))
}

func (ta *tally) accuracy() float64 { return float64(ta.correct) / float64(ta.total) }

func (ta *tally) precisionRecall(c string) (p, r float64) {
	if d := ta.tp[c] + ta.fp[c]; d > 0 {
		p = float64(ta.tp[c]) / float64(d)
	}
	if d := ta.tp[c] + ta.fn[c]; d > 0 {
		r = float64(ta.tp[c]) / float64(d)
	}
	return p, r
}

func (ta *tally) macroF1() float64 {
	sum, n := 0.0, 0
	for c := range ta.gold {
		p, r := ta.precisionRecall(c)
		if p+r > 0 {
			sum += 2 * p * r / (p + r)
		}
		n++
	}
	return sum / float64(n)
}

func (ta *tally) report(t *testing.T) {
	t.Helper()
	classes := make([]string, 0, len(ta.classes))
	for c := range ta.classes {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: accuracy %.3f (%d/%d), macro-F1 %.3f\n", ta.name, ta.accuracy(), ta.correct, ta.total, ta.macroF1())
	for _, c := range classes {
		p, r := ta.precisionRecall(c)
		fmt.Fprintf(&b, "  %-14s n=%-4d precision %.2f recall %.2f\n", c, ta.gold[c], p, r)
	}
	t.Log(b.String())
	if testing.Verbose() {
		for _, m := range ta.misses {
			t.Log("  miss " + m)
		}
	}
}

func TestLabelledSet(t *testing.T) {
	cfg, err := config.Load("testdata/brands.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg.Brands)
	if err != nil {
		t.Fatal(err)
	}
	rows := readLabelled(t)
	if len(rows) < 300 {
		t.Fatalf("labelled set has %d mentions, want at least 300", len(rows))
	}
	lang, sent, tp, stage, undisclosed := newTally("lang"), newTally("sentiment"), newTally("touchpoint"), newTally("journey_stage"), newTally("undisclosed_commercial")
	var brandTP, brandFP, brandFN int
	sources := map[string]bool{}
	for _, r := range rows {
		sources[r.m.Source] = true
		got := c.Classify(&r.m)
		where := fmt.Sprintf("line %d %q", r.line, truncateText(r.m.Text, 60))
		lang.add(r.lang, got.Lang, where)
		sent.add(r.sentiment, got.Sentiment, where)
		tp.add(r.touchpoint, got.Touchpoint, where)
		stage.add(r.stage, got.JourneyStage, where)
		undisclosed.add(strconv.FormatBool(r.undisclosed), strconv.FormatBool(got.UndisclosedCommercial), where)
		for _, b := range got.Brands {
			if slices.Contains(r.brands, b) {
				brandTP++
			} else {
				brandFP++
				t.Logf("brand false positive %s: %s", where, b)
			}
		}
		for _, b := range r.brands {
			if !slices.Contains(got.Brands, b) {
				brandFN++
				t.Logf("brand missed %s: %s", where, b)
			}
		}
	}
	for _, ta := range []*tally{lang, sent, tp, stage, undisclosed} {
		ta.report(t)
	}
	brandP := float64(brandTP) / float64(brandTP+brandFP)
	brandR := float64(brandTP) / float64(brandTP+brandFN)
	t.Logf("brands: precision %.3f recall %.3f (%d found, %d false, %d missed)", brandP, brandR, brandTP, brandFP, brandFN)

	// The set must cover what it claims to.
	for _, tp := range mention.Touchpoints {
		if tp := tp; tpCount(rows, tp) == 0 {
			t.Errorf("labelled set has no %s mention", tp)
		}
	}
	for _, s := range mention.JourneyStages {
		if stage.gold[s] == 0 {
			t.Errorf("labelled set has no %s mention", s)
		}
	}
	if len(sources) < 8 {
		t.Errorf("labelled set covers %d sources, want at least 8", len(sources))
	}

	// Floors: well below the measured values (see docs/classifier.md) so
	// that the test catches regressions, not noise.
	floors := []struct {
		name string
		got  float64
		min  float64
	}{
		{"lang accuracy", lang.accuracy(), 0.93},
		{"sentiment macro-F1", sent.macroF1(), 0.78},
		{"touchpoint accuracy", tp.accuracy(), 0.90},
		{"journey-stage accuracy", stage.accuracy(), 0.65},
		{"brand precision", brandP, 0.95},
		{"brand recall", brandR, 0.95},
		{"undisclosed_commercial accuracy", undisclosed.accuracy(), 0.95},
	}
	for _, f := range floors {
		if f.got < f.min {
			t.Errorf("%s = %.3f, want ≥ %.2f", f.name, f.got, f.min)
		}
	}
	for _, class := range []string{mention.Positive, mention.Negative, mention.Neutral} {
		if p, r := sent.precisionRecall(class); p < 0.6 || r < 0.6 {
			t.Errorf("sentiment %s precision %.2f recall %.2f, want both ≥ 0.6", class, p, r)
		}
	}
}

func tpCount(rows []labelledMention, tp string) int {
	n := 0
	for _, r := range rows {
		if r.touchpoint == tp {
			n++
		}
	}
	return n
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
