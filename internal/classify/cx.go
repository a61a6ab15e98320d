package classify

import (
	"fmt"
	"strconv"
	"strings"
)

// Customer-experience language: complaints that carry no emotion word.
// Customers report what happened — "the return took a month", "still
// waiting", "three weeks and no parcel" — and sarcasm turns praise words
// round ("kiitti vaan, taas myöhässä 🙃"). The words these rules read are
// listed in data/cx.tsv and sit in the sentiment lexicon with a kind, so
// the walk still does one lookup per word.

// cxKind is the part a word plays in the customer-experience rules.
type cxKind uint8

const (
	cxNone        cxKind = iota
	cxWait               // waiting or taking time: kesti, odotan, waited, tog
	cxStill              // still / yet: vieläkin, yhä, still, fortfarande
	cxUnitLong           // weeks, months, years
	cxUnitDay            // days
	cxUnitHour           // hours
	cxFew                // one to three: kaksi, pari, two, a couple
	cxMany               // four or more: viisi, monta, several
	cxOnly               // a minimiser: vain, only, bara
	cxSarcasm            // a sarcasm marker wherever it stands: kiitti vaan, 🙃, thanks for nothing
	cxSarcasmWeak        // praise that is sarcasm only before a mark or "again": Hienoa. / great, again
	cxAgain              // again, as always: taas, again, igen
	cxThanks             // thanks, which a complaint turns sarcastic: "Kiitos tästäkin, Tähtikauppa."
	cxDeal               // an offer or sale: tarjous, alennus, Black Week, deal, rea
)

var cxKinds = map[string]cxKind{
	"wait": cxWait, "still": cxStill, "unit_long": cxUnitLong, "unit_day": cxUnitDay, "unit_hour": cxUnitHour,
	"few": cxFew, "many": cxMany, "only": cxOnly, "sarcasm": cxSarcasm, "sarcasm_weak": cxSarcasmWeak, "again": cxAgain, "thanks": cxThanks, "deal": cxDeal,
}

// Values of the rules, on the lexicon's scale.
const (
	cxLongWait   = -2.5 // "kesti kuukauden", "three weeks and still nothing"
	cxStillWait  = -2.5 // "odotan yhä", "still waiting"
	cxHourWait   = -1.5 // "jonotin tunnin"
	cxQuick      = 1.5  // "kesti vain kaksi päivää"
	cxWindow     = 5    // tokens between a waiting word and its duration
	cxFewDaysMax = 3    // days up to this many are no complaint
	// thanksAfterComplaints is how many negative items make a post's
	// thanks sarcastic.
	thanksAfterComplaints = 2
)

// loadCX adds data/cx.tsv to the languages' sentiment lexicons.
func loadCX(sentiment map[string]*sentimentLexicon) error {
	return eachRow("data/cx.tsv", 3, func(f []string) error {
		sl, ok := sentiment[f[0]]
		if !ok {
			return fmt.Errorf("unknown language %q", f[0])
		}
		kind, ok := cxKinds[f[1]]
		if !ok {
			return fmt.Errorf("unknown kind %q", f[1])
		}
		own, hasOwn := 0.0, len(f) > 3 && f[3] != ""
		if hasOwn {
			x, err := strconv.ParseFloat(f[3], 64)
			if err != nil {
				return err
			}
			own = x
		}
		// A word keeps the valence the lexicons gave it unless the row has
		// one; a new phrase takes its first word's ("great job" is as
		// positive as "great" until a complaint makes it sarcasm).
		first, _ := sl.words.Get(strings.Fields(f[2])[0])
		return sl.words.Update(f[2], func(v valence, found bool) valence {
			switch {
			case hasOwn:
				v.value, v.negated, v.curated = own, own, true
			case !found:
				v.value, v.negated = first.value, first.negated
			}
			v.cx = kind
			return v
		})
	})
}

// cxState is what the rules have seen: within the sentence (positions are
// token index + 1; 0: not seen) and in the post so far.
type cxState struct {
	sentence   cxSentence
	sarcasm    string // the post's first sarcasm marker
	thanks     string // the post's first thanks
	complaints int    // rules that fired with a negative value
	deals      int    // offer and sale words
}

// cxSentence is what the rules track within one sentence.
type cxSentence struct {
	waitAt, stillAt, unitAt, onlyAt, countAt int
	unit                                     cxKind
	count                                    int // the number before the unit; 0 unknown
	sarcasmWeakAt                            int
}

// near reports whether a position (+1) lies within the window before i.
func near(at, i int) bool { return at > 0 && i+1-at <= cxWindow }

// cxWord applies a rule word at token i (its own valence, if any, is
// added by the caller).
func (st *sentimentState) cxWord(v valence, i int, phrase string) {
	cx := &st.cx
	switch v.cx {
	case cxWait:
		cx.sentence.waitAt = i + 1
		if near(cx.sentence.stillAt, i) {
			st.cxFire(cxStillWait, phrase, "still waiting")
			cx.sentence.stillAt = 0
		} else if near(cx.sentence.unitAt, i) {
			st.cxDuration(phrase)
		}
	case cxStill:
		cx.sentence.stillAt = i + 1
		if near(cx.sentence.waitAt, i) {
			st.cxFire(cxStillWait, phrase, "still waiting")
			cx.sentence.waitAt = 0
		}
	case cxUnitLong, cxUnitDay, cxUnitHour:
		cx.sentence.unitAt, cx.sentence.unit = i+1, v.cx
		if near(cx.sentence.waitAt, i) {
			st.cxDuration(phrase)
		}
	case cxFew, cxMany:
		cx.sentence.countAt, cx.sentence.count = i+1, 2
		if v.cx == cxMany {
			cx.sentence.count = 5
		}
	case cxOnly:
		cx.sentence.onlyAt = i + 1
	case cxSarcasm:
		if cx.sarcasm == "" {
			cx.sarcasm = phrase
		}
	case cxSarcasmWeak:
		cx.sentence.sarcasmWeakAt = i + 1
	case cxAgain:
		if near(cx.sentence.sarcasmWeakAt, i) && cx.sarcasm == "" {
			cx.sarcasm = phrase
		}
	case cxThanks:
		if cx.thanks == "" {
			cx.thanks = phrase
		}
	case cxDeal:
		cx.deals++
	}
}

// cxNumber notes a number that may count a duration's units.
func (st *sentimentState) cxNumber(text string, i int) {
	if n, err := strconv.Atoi(text); err == nil {
		st.cx.sentence.countAt, st.cx.sentence.count = i+1, n
	}
}

// cxPunct notes the sentence mark after weak sarcasm ("Hienoa.", "Great!").
func (st *sentimentState) cxPunct(i int) {
	if st.cx.sentence.sarcasmWeakAt == i && st.cx.sarcasm == "" { // the praise word stood just before
		st.cx.sarcasm = "praise before a mark"
	}
}

// cxDuration scores a waiting word and a time unit within a few words of
// each other: weeks and months of waiting are a complaint, days when more
// than a few, an hour in a queue too; "only two days" is praise.
func (st *sentimentState) cxDuration(phrase string) {
	cx := &st.cx
	counted := cx.sentence.countAt > 0 && cx.sentence.unitAt-cx.sentence.countAt <= 2 && cx.sentence.unitAt >= cx.sentence.countAt
	if cx.sentence.onlyAt > 0 && (near(cx.sentence.onlyAt, cx.sentence.unitAt-1)) {
		st.cxFire(cxQuick, phrase, "a short wait")
		cx.sentence.waitAt, cx.sentence.unitAt = 0, 0
		return
	}
	switch {
	case cx.sentence.unit == cxUnitLong:
		st.cxFire(cxLongWait, phrase, "waited weeks or months")
	case cx.sentence.unit == cxUnitDay && (!counted || cx.sentence.count > cxFewDaysMax):
		st.cxFire(cxLongWait, phrase, "waited days")
	case cx.sentence.unit == cxUnitHour && (!counted || cx.sentence.count >= 1):
		st.cxFire(cxHourWait, phrase, "waited hours")
	}
	cx.sentence.waitAt, cx.sentence.unitAt = 0, 0
}

func (st *sentimentState) cxFire(value float64, phrase, note string) {
	if value < 0 {
		st.cx.complaints++
	}
	st.negLeft = 0 // "ei ole vieläkään tullut": the negation is the rule's own
	st.curated++
	st.add(value, phrase, "cx", note)
}

// cxSarcasmTurn reads praise as its opposite when the post has a sarcasm
// marker and a complaint: "kiitti vaan, taas myöhässä 🙃".
func (st *sentimentState) cxSarcasmTurn() {
	marker := st.cx.sarcasm
	if marker == "" && st.cx.thanks != "" && (st.negatives >= thanksAfterComplaints || st.cx.complaints > 0) {
		// Thanks beside a plain complaint is bitter: "Kiitos tästäkin."
		marker = st.cx.thanks
	}
	if marker == "" || st.positive <= 0 || (st.negatives == 0 && st.cx.complaints == 0) {
		return
	}
	turn := -2 * st.positive
	st.total += turn
	st.tr.add("sentiment", "cx", marker, turn, "sarcasm: praise beside a complaint is read as its opposite")
}
