package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/mention"
)

// A development set (internal/classify/testdata/dev) is JSON Lines: a
// mention as a collector would deliver it and its gold labels, labelled
// per mention × brand by two people from docs/classifier.md's definitions.

// DevItem is one labelled mention.
type DevItem struct {
	ID     string   `json:"id"`
	Lang   string   `json:"lang"` // the language the writer used
	Source string   `json:"source"`
	Author string   `json:"author"`
	URL    string   `json:"url"`
	Title  string   `json:"title"`
	Text   string   `json:"text"`
	Rating *float64 `json:"rating"`
	Hard   bool     `json:"hard"`
	Gold   Gold     `json:"gold"`
}

// Gold are an item's labels.
type Gold struct {
	Lang       string      `json:"lang"`
	Touchpoint string      `json:"touchpoint"`
	Brands     []BrandGold `json:"brands"`
	// Sentiment and Stage label a post that names no brand.
	Sentiment string `json:"sentiment,omitempty"`
	Stage     string `json:"stage,omitempty"`
}

// BrandGold is the label of the mention for one brand.
type BrandGold struct {
	Brand     string `json:"brand"`
	Sentiment string `json:"sentiment"`
	Stage     string `json:"stage"`
}

// Mention is the item as a collector would deliver it. The declared
// language is left out: the writer's tag is not what a source sends.
func (it DevItem) Mention(published time.Time) mention.Mention {
	return mention.Mention{ID: it.ID, Source: it.Source, Author: mention.Author{Handle: it.Author}, URL: it.URL,
		Title: it.Title, Text: it.Text, Rating: it.Rating, PublishedAt: published}
}

// Prediction is what a classifier said of an item.
type Prediction struct {
	Lang, Touchpoint string
	Brands           []string
	Sentiment, Stage string               // the post's
	PerBrand         map[string][2]string // brand → sentiment, stage
}

// maxDevLine bounds one line of a development file.
const maxDevLine = 1 << 20

// ReadDevFile reads the development file at path (ReadDev).
func ReadDevFile(path string) ([]DevItem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, err := ReadDev(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return items, nil
}

// ReadDev parses a development file.
func ReadDev(r io.Reader) ([]DevItem, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxDevLine)
	var out []DevItem
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var it DevItem
		if err := json.Unmarshal([]byte(line), &it); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if it.ID == "" || it.Gold.Touchpoint == "" {
			return nil, fmt.Errorf("line %d: id and gold.touchpoint are required", n)
		}
		if len(it.Gold.Brands) == 0 && (it.Gold.Sentiment == "" || it.Gold.Stage == "") {
			return nil, fmt.Errorf("line %d (%s): a post naming no brand needs gold.sentiment and gold.stage", n, it.ID)
		}
		out = append(out, it)
	}
	return out, sc.Err()
}

// Tally counts one label's gold against predicted classes.
type Tally struct {
	Correct, Total int
	Gold, Pred     map[string]int // per class
	Hit            map[string]int // per class, correct
}

func (t *Tally) add(gold, pred string) {
	if t.Gold == nil {
		t.Gold, t.Pred, t.Hit = map[string]int{}, map[string]int{}, map[string]int{}
	}
	t.Total++
	t.Gold[gold]++
	t.Pred[pred]++
	if gold == pred {
		t.Correct++
		t.Hit[gold]++
	}
}

// Accuracy is the share correct.
func (t *Tally) Accuracy() float64 {
	if t.Total == 0 {
		return 0
	}
	return float64(t.Correct) / float64(t.Total)
}

// Recall of one class (0 when it has no gold items).
func (t *Tally) Recall(class string) float64 {
	if t.Gold[class] == 0 {
		return 0
	}
	return float64(t.Hit[class]) / float64(t.Gold[class])
}

// Precision of one class (0 when never predicted).
func (t *Tally) Precision(class string) float64 {
	if t.Pred[class] == 0 {
		return 0
	}
	return float64(t.Hit[class]) / float64(t.Pred[class])
}

// DevScores are the tallies of one group of items.
type DevScores struct {
	Items                                          int
	Brands, Sentiment, Stage, Touchpoint, Language Tally
	// Misses lists the wrong labels, "id field gold→pred".
	Misses []string
}

// DevReport holds the scores overall, by language and of the hard cases.
type DevReport struct {
	All, Hard DevScores
	ByLang    map[string]*DevScores
}

// RunDev labels every item with predict and tallies the results.
// Sentiment and stage are counted per mention × gold brand (a brand the
// classifier missed is scored by the post's labels, so brand recall and
// sentiment quality are measured apart), or per post without brands.
func RunDev(items []DevItem, predict func(DevItem) Prediction) *DevReport {
	rep := &DevReport{ByLang: map[string]*DevScores{}}
	for _, it := range items {
		p := predict(it)
		groups := []*DevScores{&rep.All, rep.lang(it.Gold.Lang)}
		if it.Hard {
			groups = append(groups, &rep.Hard)
		}
		for _, g := range groups {
			g.score(it, p)
		}
	}
	return rep
}

func (r *DevReport) lang(code string) *DevScores {
	s := r.ByLang[code]
	if s == nil {
		s = &DevScores{}
		r.ByLang[code] = s
	}
	return s
}

func (s *DevScores) score(it DevItem, p Prediction) {
	s.Items++
	check := func(t *Tally, field, gold, pred string) {
		t.add(gold, pred)
		if gold != pred {
			s.Misses = append(s.Misses, fmt.Sprintf("%s %s %s→%s", it.ID, field, gold, pred))
		}
	}
	gold := make([]string, 0, len(it.Gold.Brands))
	for _, b := range it.Gold.Brands {
		gold = append(gold, b.Brand)
	}
	check(&s.Brands, "brands", setString(gold), setString(p.Brands))
	check(&s.Touchpoint, "touchpoint", it.Gold.Touchpoint, p.Touchpoint)
	check(&s.Language, "lang", it.Gold.Lang, p.Lang)
	if len(it.Gold.Brands) == 0 {
		check(&s.Sentiment, "sentiment", it.Gold.Sentiment, p.Sentiment)
		check(&s.Stage, "stage", it.Gold.Stage, p.Stage)
		return
	}
	for _, b := range it.Gold.Brands {
		sent, stage := p.Sentiment, p.Stage
		if l, ok := p.PerBrand[b.Brand]; ok {
			sent, stage = l[0], l[1]
		}
		check(&s.Sentiment, "sentiment["+b.Brand+"]", b.Sentiment, sent)
		check(&s.Stage, "stage["+b.Brand+"]", b.Stage, stage)
	}
}

// setString is a set of names as a sorted, comma-separated string.
func setString(names []string) string {
	s := slices.Clone(names)
	sort.Strings(s)
	s = slices.Compact(s)
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}

// Write prints the report: accuracy per field, overall, per language and
// on the hard cases, then per-class precision and recall.
func (r *DevReport) Write(w io.Writer, misses bool) {
	fmt.Fprintf(w, "%-8s %5s %7s %9s %7s %10s %6s\n", "group", "items", "brands", "sentiment", "stage", "touchpoint", "lang")
	row := func(name string, s *DevScores) {
		fmt.Fprintf(w, "%-8s %5d %7.3f %9.3f %7.3f %10.3f %6.3f\n", name, s.Items, s.Brands.Accuracy(),
			s.Sentiment.Accuracy(), s.Stage.Accuracy(), s.Touchpoint.Accuracy(), s.Language.Accuracy())
	}
	row("all", &r.All)
	langs := make([]string, 0, len(r.ByLang))
	for l := range r.ByLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		row(l, r.ByLang[l])
	}
	row("hard", &r.Hard)
	classes := func(name string, t *Tally, order []string) {
		fmt.Fprintf(w, "%s (n=%d, accuracy %.3f): class precision/recall (gold n)\n", name, t.Total, t.Accuracy())
		for _, c := range order {
			if t.Gold[c] == 0 && t.Pred[c] == 0 {
				continue
			}
			fmt.Fprintf(w, "  %-14s %.3f / %.3f (%d)\n", c, t.Precision(c), t.Recall(c), t.Gold[c])
		}
	}
	classes("sentiment", &r.All.Sentiment, []string{"positive", "neutral", "negative"})
	for _, l := range langs {
		classes("sentiment "+l, &r.ByLang[l].Sentiment, []string{"positive", "neutral", "negative"})
	}
	classes("journey stage", &r.All.Stage, []string{"awareness", "consideration", "purchase", "delivery", "usage", "service", "loyalty", "churn", "none"})
	classes("touchpoint", &r.All.Touchpoint, []string{"owned", "paid", "earned", "shared"})
	if misses {
		fmt.Fprintln(w, "misses:")
		for _, m := range r.All.Misses {
			fmt.Fprintln(w, "  "+m)
		}
	}
}
