package classify

import (
	"os"
	"reflect"
	"testing"
)

// TestNoteKeysCoverTheNotes explains every post of the development and
// training sets and finds a UI phrase for every note, touchpoint reason
// and rule name the classifier writes: none reaches a Finnish or Swedish
// screen in English. Brand notes are names, shown as they are.
func TestNoteKeysCoverTheNotes(t *testing.T) {
	c := devClassifier(t)
	keys := map[string]int{}
	posts := 0
	for _, f := range []string{"testdata/dev/dev.jsonl", "testdata/dev/test.jsonl", "testdata/train/corpus.jsonl"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatal(err)
		}
		for _, it := range readDevItems(t, f) {
			posts++
			m := it.Mention(devPublished)
			cl := c.Explain(&m)
			ph, ok := ReasonKey(cl.TouchpointReason)
			if !ok {
				t.Errorf("touchpoint reason %q has no UI phrase", cl.TouchpointReason)
			}
			keys[ph.Key]++
			for _, e := range cl.Explanation {
				if e.Label == "brand" {
					continue
				}
				if e.Note != "" {
					phs, ok := NoteKey(e.Note)
					if !ok {
						t.Errorf("%s/%s note %q has no UI phrase", e.Label, e.Kind, e.Note)
					}
					for _, ph := range phs {
						keys[ph.Key]++
					}
				}
				if ph, ok := RuleTextKey(e.Kind, e.Text); ok {
					keys[ph.Key]++
				}
			}
		}
	}
	t.Logf("%d posts, %d of %d phrase keys used", posts, len(keys), len(PhraseKeys()))
}

// TestNoteKeys reads notes of each shape, also those the sets above do
// not produce, into their keys and arguments.
func TestNoteKeys(t *testing.T) {
	for _, c := range []struct {
		note string
		want []Phrase
	}{
		{"negated, x1.5, caps", []Phrase{{Key: "ev_negated"}, {Key: "ev_boosted", Args: map[string]string{"x": "1.5"}}, {Key: "ev_caps"}}},
		{"contrast: before x0.5, after x1.5", []Phrase{{Key: "ev_contrast", Args: map[string]string{"before": "0.5", "after": "1.5"}}}},
		{"3x '!'", []Phrase{{Key: "ev_repeated_mark", Args: map[string]string{"n": "3", "mark": "!"}}}},
		{"learned weights / √12 words, x0.289 (subjective text)", []Phrase{{Key: "ev_learned_words_subjective", Args: map[string]string{"n": "12", "x": "0.289"}}}},
		{"learned label model over the words and the rules' negative (-0.42)", []Phrase{{Key: "ev_label_model_score", Args: map[string]string{"sentiment": "negative", "score": "-0.42"}}}},
		{"learned label model over the words and the rules' delivery", []Phrase{{Key: "ev_label_model_stage", Args: map[string]string{"stage": "delivery"}}}},
		{"commercial cues (koodilla) about a brand without a disclosure marker", []Phrase{{Key: "ev_undisclosed", Args: map[string]string{"cue": "koodilla"}}}},
		{"delivery", []Phrase{{Key: "ev_stage_cue", Args: map[string]string{"stage": "delivery"}}}},
	} {
		got, ok := NoteKey(c.note)
		if !ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("NoteKey(%q) = %v, %v; want %v", c.note, got, ok, c.want)
		}
	}
	for _, note := range []string{"", "something new", "negated, loudly"} {
		if got, ok := NoteKey(note); ok {
			t.Errorf("NoteKey(%q) = %v: want none", note, got)
		}
	}
	for reason, want := range map[string]Phrase{
		`paid: tracking parameter utm_medium=cpc`:                                 {Key: "tp_paid_param", Args: map[string]string{"param": "utm_medium=cpc"}},
		`owned: the brand's own account, as x says`:                               {Key: "tp_owned_source", Args: map[string]string{"source": "x"}},
		`owned: author x:@kiilus is Kiilus's own account`:                         {Key: "tp_owned_account", Args: map[string]string{"author": "x:@kiilus", "brand": "Kiilus"}},
		`earned: news article (news)`:                                             {Key: "tp_source", Args: map[string]string{"touchpoint": "earned", "what": "news article", "source": "news"}},
		`shared: reply or repost (mastodon)`:                                      {Key: "tp_reply", Args: map[string]string{"source": "mastodon"}},
		`shared: default for a post by someone other than the brand (source web)`: {Key: "tp_shared_default", Args: map[string]string{"source": "web"}},
	} {
		if got, ok := ReasonKey(reason); !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("ReasonKey(%q) = %v, %v; want %v", reason, got, ok, want)
		}
	}
	if ph, ok := RuleTextKey("rule", "lexicon fi"); !ok || ph.Key != "ev_rule_lexicon" || ph.Args["lang"] != "fi" {
		t.Errorf("RuleTextKey(lexicon fi) = %v, %v", ph, ok)
	}
	if ph, ok := RuleTextKey("model", "lexicon score"); !ok || ph.Key != "ev_rule_lexicon_score" {
		t.Errorf("RuleTextKey(lexicon score) = %v, %v", ph, ok)
	}
	if ph, ok := RuleTextKey("word", "words"); ok {
		t.Errorf("a word of the post was read as a rule: %v", ph)
	}
}
