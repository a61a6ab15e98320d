package alert

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// PlainLangs are the languages alerts are explained in for people.
var PlainLangs = []string{"fi", "en", "sv"}

// plainWords are one language's words of a plain explanation.
type plainWords struct {
	one, many   string                   // the count of negative mentions in a window: %d, then %s the window
	under, near string                   // usually under 1 / about N, with %s for the number
	share       string                   // negative share %d, usually %d
	most        string                   // the most frequent phrases or terms
	segment     map[string]string        // segment kind → "Journey stage: %s."
	names       map[string]string        // journey stages and touchpoints
	windows     map[time.Duration]string // windows with a name of their own
	hours, mins string                   // other windows: %d hours or minutes
}

var plain = map[string]plainWords{
	"en": {
		one: "%d negative mention in %s", many: "%d negative mentions in %s",
		under: "usually under %s", near: "usually about %s",
		share: "Negative share %d%%, usually %d%%.",
		most:  "Most mentioned: %s.",
		segment: map[string]string{"journey_stage": "Journey stage: %s.", "touchpoint": "Touchpoint: %s.",
			"source": "Source: %s."},
		names:   map[string]string{"earned": "earned media", "paid": "paid media", "shared": "shared media", "owned": "owned media"},
		windows: map[time.Duration]string{time.Hour: "an hour"},
		hours:   "%d hours", mins: "%d minutes",
	},
	"fi": {
		one: "Negatiivisia mainintoja %d %s", many: "Negatiivisia mainintoja %d %s",
		under: "tavallisesti alle %s", near: "tavallisesti noin %s",
		share: "Negatiivisten osuus %d %%, tavallisesti %d %%.",
		most:  "Eniten: %s.",
		segment: map[string]string{"journey_stage": "Asiakaspolun vaihe: %s.", "touchpoint": "Kosketuspiste: %s.",
			"source": "Lähde: %s."},
		names: map[string]string{"awareness": "tietoisuus", "consideration": "harkinta", "purchase": "osto",
			"delivery": "toimitus", "usage": "käyttö", "service": "asiakaspalvelu", "loyalty": "uskollisuus",
			"churn": "asiakkuuden päättäminen", "none": "ei vaihetta",
			"earned": "ansaittu media", "paid": "maksettu media", "shared": "jaettu media", "owned": "omat kanavat"},
		windows: map[time.Duration]string{15 * time.Minute: "vartissa", 30 * time.Minute: "puolessa tunnissa",
			time.Hour: "tunnissa", 24 * time.Hour: "vuorokaudessa"},
		hours: "viimeisen %d tunnin aikana", mins: "viimeisen %d minuutin aikana",
	},
	"sv": {
		one: "%d negativt omnämnande på %s", many: "%d negativa omnämnanden på %s",
		under: "vanligtvis under %s", near: "vanligtvis omkring %s",
		share: "Andelen negativa %d %%, vanligtvis %d %%.",
		most:  "Mest omtalat: %s.",
		segment: map[string]string{"journey_stage": "Kundresans fas: %s.", "touchpoint": "Kontaktpunkt: %s.",
			"source": "Källa: %s."},
		names: map[string]string{"awareness": "medvetenhet", "consideration": "övervägande", "purchase": "köp",
			"delivery": "leverans", "usage": "användning", "service": "kundservice", "loyalty": "lojalitet",
			"churn": "kundavhopp", "none": "ingen fas",
			"earned": "förtjänad media", "paid": "betald media", "shared": "delad media", "owned": "egna kanaler"},
		windows: map[time.Duration]string{15 * time.Minute: "en kvart", 30 * time.Minute: "en halvtimme",
			time.Hour: "en timme", 24 * time.Hour: "ett dygn"},
		hours: "%d timmar", mins: "%d minuter",
	},
}

// window names a window: its own name, else whole hours, else minutes.
func (w plainWords) window(d time.Duration) string {
	if s, ok := w.windows[d]; ok {
		return s
	}
	if d%time.Hour == 0 {
		return fmt.Sprintf(w.hours, d/time.Hour)
	}
	return fmt.Sprintf(w.mins, d/time.Minute)
}

// Plain explains an alert for people in one of PlainLangs ("" for another):
// "Negatiivisia mainintoja 16 vartissa, tavallisesti alle 1. Asiakaspolun
// vaihe: toimitus. Negatiivisten osuus 60 %, tavallisesti 20 %. Eniten:
// toimitus myöhässä, asiakaspalvelu ei vastaa." The last sentence names the
// explanation's phrases that grew, else its top terms.
func Plain(a *Alert, lang string) string {
	w, ok := plain[lang]
	if !ok {
		return ""
	}
	d, err := time.ParseDuration(a.Window)
	if err != nil || d <= 0 {
		return ""
	}
	usual := fmt.Sprintf(w.near, fmt.Sprint(int(math.Round(a.Expected))))
	if a.Expected < 1 {
		usual = fmt.Sprintf(w.under, "1")
	}
	var sb strings.Builder
	n, count := int(math.Round(a.Observed)), w.many
	if n == 1 {
		count = w.one
	}
	sb.WriteString(fmt.Sprintf(count, n, w.window(d)) + ", " + usual + ".")
	if f, ok := w.segment[a.SegmentKind]; ok {
		name := a.SegmentValue
		if n, ok := w.names[name]; ok && a.SegmentKind != "source" {
			name = n
		}
		sb.WriteString(" " + fmt.Sprintf(f, name))
	}
	if a.ExpectedShare > 0 {
		sb.WriteString(" " + fmt.Sprintf(w.share, int(math.Round(100*a.Share)), int(math.Round(100*a.ExpectedShare))))
	}
	if x := a.Explanation; x != nil {
		top := x.Phrases
		if len(top) == 0 {
			top = x.TopTerms
		}
		if len(top) > 0 {
			names := make([]string, 0, 3)
			for _, t := range top[:min(3, len(top))] {
				names = append(names, t.Name)
			}
			sb.WriteString(" " + fmt.Sprintf(w.most, strings.Join(names, ", ")))
		}
	}
	return sb.String()
}

// withPlain fills each alert's explanation's plain texts (an alert without
// an explanation gets one with empty lists and them).
func withPlain(alerts []Alert) {
	for i := range alerts {
		a := &alerts[i]
		if a.Explanation == nil {
			a.Explanation = &Explanation{TopTerms: []NameCount{}, TopSources: []NameCount{}, Stages: []NameCount{},
				Touchpoints: []NameCount{}, Mentions: []Sample{}}
		}
		a.Explanation.Plain = make(map[string]string, len(PlainLangs))
		for _, l := range PlainLangs {
			a.Explanation.Plain[l] = Plain(a, l)
		}
	}
}
