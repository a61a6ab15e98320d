package classify

import (
	"bufio"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"github.com/ewom/ewom/internal/classify/lang"
	"github.com/ewom/ewom/internal/classify/lexicon"
)

// rulesVersion changes whenever the scoring code changes meaning; the hash
// of the embedded lists is appended, so editing a list also changes
// classifier_version.
const rulesVersion = "r6"

// vaderScale puts VADER's mean valences (-4..4) on AFINN's -5..5 scale: the
// mean |AFINN| / |VADER| ratio over the 2,650 words both lists hold is 1.23.
const vaderScale = 1.23

//go:embed data
var dataFS embed.FS

// valence is a sentiment lexicon payload.
type valence struct {
	value   float64
	negated float64 // the value when negated
	cx      cxKind  // the word's part in the customer-experience rules
	curated bool    // from the curated customer-experience lists, not AFINN or VADER
}

type ruleKind uint8

const (
	ruleNegator ruleKind = iota + 1
	ruleBooster
	ruleContrast
	ruleConcessive
)

// rule is a sentiment modifier payload.
type rule struct {
	kind  ruleKind
	value float64 // negation scope in words, or booster factor
}

// sentimentLexicon is one language's words and modifiers as the lists
// are read; tables.phrases holds them for matching.
type sentimentLexicon struct {
	words *lexicon.Matcher[valence]
	rules *lexicon.Matcher[rule]
}

// cue is a journey-stage or touchpoint phrase payload.
type cue struct {
	kind        string // stage name, "disclosure" or "commercial"
	stage       int    // stageOrder[kind], looked up once here
	weight      float64
	hashtagOnly bool
}

// tables are the read-only lexicons every Classifier shares.
type tables struct {
	// phrases are each language's sentiment words, sentiment rules and
	// the cues (journey stages, disclosures, commercial cues), in the
	// groups of lexed.go; cuePhrases the cues alone, for other languages.
	phrases    map[string]*lexicon.Matcher[lexItem]
	cuePhrases *lexicon.Matcher[lexItem]
	symbols    map[string]float64       // emoji and emoticons
	persons    *personWords             // words before a name that make it a person's
	learned    map[string]*learnedModel // by language code (set by setLearned)
	// features index the keys of each language's learned model and of the
	// label model; "" the label model's alone, for other languages.
	features map[string]*featureIndex
	subjCues map[string]map[string]cueKind // subjectivity cue words by language code
	labels   *labelModel                   // nil: the rules alone decide stage and sentiment
	anyInfl  *lexicon.Inflections
	lang     *lang.Detector
	version  string
}

// sharedTables parses the embedded lists once per process.
var sharedTables = sync.OnceValues(loadTables)

func loadTables() (*tables, error) {
	sentiment := map[string]*sentimentLexicon{}
	t := &tables{
		phrases:  map[string]*lexicon.Matcher[lexItem]{},
		learned:  map[string]*learnedModel{},
		features: map[string]*featureIndex{},
		subjCues: map[string]map[string]cueKind{},
		symbols:  map[string]float64{},
		lang:     lang.New(),
	}
	infl := map[string]*lexicon.Inflections{
		"en": lexicon.English(), "fi": lexicon.Finnish(), "sv": lexicon.Swedish(),
	}
	t.anyInfl = lexicon.Union(infl["en"], infl["fi"], infl["sv"])
	exact := lexicon.Union()
	for code, in := range infl {
		sl := &sentimentLexicon{words: lexicon.NewMatcher[valence](in), rules: lexicon.NewMatcher[rule](exact)}
		// AFINN first, then the VADER words AFINN lacks (English), the
		// curated list last: curated entries override.
		for _, src := range []struct {
			file     string
			scale    float64
			optional bool
		}{
			{"data/afinn/AFINN-" + code + "-165.txt", 1, false},
			{"data/vader_" + code + ".tsv", vaderScale, true}, // English only
			{"data/sentiment_" + code + ".tsv", 1, false},
		} {
			if _, err := fs.Stat(dataFS, src.file); err != nil && src.optional {
				continue
			}
			if err := eachRow(src.file, 2, func(f []string) error {
				v, err := parseFloats(f[1:])
				if err != nil {
					return err
				}
				for i := range v {
					v[i] *= src.scale
				}
				val := valence{value: v[0], negated: -0.75 * v[0], curated: strings.HasPrefix(src.file, "data/sentiment_")}
				if len(v) > 1 {
					val.negated = v[1]
				}
				return sl.words.Add(f[0], val)
			}); err != nil {
				return nil, err
			}
		}
		sentiment[code] = sl
		if f, err := dataFS.Open("data/learned_" + code + ".tsv"); err == nil {
			lex, err := ReadLearned(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("data/learned_%s.tsv: %w", code, err)
			}
			t.learned[code] = lex // indexed by setLearned below, with its cue words
		}
	}
	if err := loadCX(sentiment); err != nil {
		return nil, err
	}
	kinds := map[string]ruleKind{"negator": ruleNegator, "booster": ruleBooster, "contrast": ruleContrast, "concessive": ruleConcessive}
	if err := eachRow("data/rules.tsv", 4, func(f []string) error {
		sl, ok := sentiment[f[0]]
		if !ok {
			return fmt.Errorf("unknown language %q", f[0])
		}
		k, ok := kinds[f[1]]
		if !ok {
			return fmt.Errorf("unknown rule kind %q", f[1])
		}
		v, err := strconv.ParseFloat(f[3], 64)
		if err != nil {
			return err
		}
		return sl.rules.Add(f[2], rule{kind: k, value: v})
	}); err != nil {
		return nil, err
	}
	cueKinds := map[string]cueKind{"subjective": cueSubjective, "informational": cueInformational}
	if err := eachRow("data/subjectivity.tsv", 3, func(f []string) error {
		k, ok := cueKinds[f[1]]
		if !ok {
			return fmt.Errorf("unknown cue %q", f[1])
		}
		if t.subjCues[f[0]] == nil {
			t.subjCues[f[0]] = map[string]cueKind{}
		}
		t.subjCues[f[0]][f[2]] = k
		t.subjCues[f[0]][strings.ReplaceAll(f[2], "'", "’")] = k
		return nil
	}); err != nil {
		return nil, err
	}
	for code, m := range t.learned {
		m.withCues(code, t.subjCues[code])
	}
	for _, file := range []string{"data/afinn/AFINN-emoticon-8.txt", "data/emoji.tsv"} {
		if err := eachRow(file, 2, func(f []string) error {
			v, err := strconv.ParseFloat(f[1], 64)
			t.symbols[strings.ToLower(f[0])] = v
			return err
		}); err != nil {
			return nil, err
		}
	}
	cues, err := loadCues(t.anyInfl, "data/stages.tsv", "data/cues.tsv")
	if err != nil {
		return nil, err
	}
	for code, sl := range sentiment {
		if t.phrases[code], err = phraseMatcher(infl[code], exact, t.anyInfl, sl, cues); err != nil {
			return nil, fmt.Errorf("%s lexicon: %w", code, err)
		}
	}
	if t.cuePhrases, err = phraseMatcher(exact, exact, t.anyInfl, nil, cues); err != nil {
		return nil, fmt.Errorf("cues: %w", err)
	}
	f, err := dataFS.Open("data/persons.tsv")
	if err != nil {
		return nil, err
	}
	t.persons, err = readPersonWords(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("data/persons.tsv: %w", err)
	}
	if f, err := dataFS.Open("data/labels_learned.tsv"); err == nil {
		t.labels, err = readLabelModel(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("data/labels_learned.tsv: %w", err)
		}
	}
	for code, m := range t.learned {
		t.setLearned(code, m)
	}
	t.features[""] = newFeatureIndex(nil, t.labels)
	if t.version, err = dataVersion(); err != nil {
		return nil, err
	}
	return t, nil
}

// phraseMatcher puts a language's sentiment words and rules (none: nil)
// and the cues into one matcher, in the groups of lexed.go.
func phraseMatcher(words, rules, cues *lexicon.Inflections, sl *sentimentLexicon, cueList *lexicon.Matcher[cue]) (*lexicon.Matcher[lexItem], error) {
	m := lexicon.NewMatcher[lexItem](words, rules, cues)
	var errs []error
	if sl != nil {
		for e := range sl.words.All(0) {
			errs = append(errs, m.AddTo(groupWord, e.Phrase, lexItem{word: e.Value}))
		}
		for e := range sl.rules.All(0) {
			errs = append(errs, m.AddTo(groupRule, e.Phrase, lexItem{rule: e.Value}))
		}
	}
	for e := range cueList.All(0) {
		errs = append(errs, m.AddTo(groupCue, e.Phrase, lexItem{cue: e.Value}))
	}
	return m, errors.Join(append(errs, m.Build())...)
}

// loadCues reads kind/phrase/weight rows from the files into one matcher,
// so one walk over the tokens finds stage and touchpoint cues alike. "#tag"
// rows match only hashtags, unless the word is also listed plain
// ("mainos" and "#mainos").
func loadCues(infl *lexicon.Inflections, files ...string) (*lexicon.Matcher[cue], error) {
	m := lexicon.NewMatcher[cue](infl)
	type row struct {
		phrase string
		cue    cue
	}
	var rows []row
	plain := map[string]bool{}
	for _, file := range files {
		err := eachRow(file, 3, func(f []string) error {
			w, err := strconv.ParseFloat(f[2], 64)
			if err != nil {
				return err
			}
			phrase, tagged := strings.CutPrefix(f[1], "#")
			if !tagged {
				plain[phrase] = true
			}
			rows = append(rows, row{phrase, cue{kind: f[0], stage: stageOrder[f[0]], weight: w, hashtagOnly: tagged}})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, r := range rows {
		if r.cue.hashtagOnly && plain[r.phrase] {
			continue
		}
		if err := m.Add(r.phrase, r.cue); err != nil {
			return nil, fmt.Errorf("%s: %w", strings.Join(files, ", "), err)
		}
	}
	return m, nil
}

// eachRow calls fn with the tab-separated fields of every non-comment line
// of an embedded file; errors name the file and line.
func eachRow(file string, minFields int, fn func([]string) error) error {
	f, err := dataFS.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "# ") || line == "#" {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) < minFields {
			return fmt.Errorf("%s:%d: want %d tab-separated fields, got %d", file, n, minFields, len(fields))
		}
		if err := fn(fields); err != nil {
			return fmt.Errorf("%s:%d: %w", file, n, err)
		}
	}
	return sc.Err()
}

func parseFloats(fields []string) ([]float64, error) {
	out := make([]float64, 0, len(fields))
	for _, f := range fields {
		if f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// dataVersion is the rules version plus a short hash of every embedded list.
func dataVersion() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(dataFS, "data", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := dataFS.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	h.Write([]byte(lang.WordsFile))
	return rulesVersion + "-" + hex.EncodeToString(h.Sum(nil))[:10], nil
}
