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
	count       func(n int, window string) string // "16 negative mentions in 15 minutes"
	under, near string                            // usually under 1 / about N, with %s for the number
	share       string                            // negative share %d, usually %d
	most        string                            // the most frequent phrases or terms
	segment     map[string]string                 // segment kind → "Journey stage: %s."
	names       map[string]string                 // journey stages and touchpoints
	window      func(d time.Duration) string
}

var plain = map[string]plainWords{
	"en": {
		count: func(n int, w string) string {
			if n == 1 {
				return "1 negative mention in " + w
			}
			return fmt.Sprintf("%d negative mentions in %s", n, w)
		},
		under: "usually under %s", near: "usually about %s",
		share: "Negative share %d%%, usually %d%%.",
		most:  "Most mentioned: %s.",
		segment: map[string]string{"journey_stage": "Journey stage: %s.", "touchpoint": "Touchpoint: %s.",
			"source": "Source: %s."},
		names: map[string]string{"earned": "earned media", "paid": "paid media", "shared": "shared media", "owned": "owned media"},
		window: func(d time.Duration) string {
			switch {
			case d == time.Hour:
				return "an hour"
			case d%time.Hour == 0:
				return fmt.Sprintf("%d hours", d/time.Hour)
			}
			return fmt.Sprintf("%d minutes", d/time.Minute)
		},
	},
	"fi": {
		count: func(n int, w string) string { return fmt.Sprintf("Negatiivisia mainintoja %d %s", n, w) },
		under: "tavallisesti alle %s", near: "tavallisesti noin %s",
		share: "Negatiivisten osuus %d %%, tavallisesti %d %%.",
		most:  "Eniten: %s.",
		segment: map[string]string{"journey_stage": "Asiakaspolun vaihe: %s.", "touchpoint": "Kosketuspiste: %s.",
			"source": "Lähde: %s."},
		names: map[string]string{"awareness": "tietoisuus", "consideration": "harkinta", "purchase": "osto",
			"delivery": "toimitus", "usage": "käyttö", "service": "asiakaspalvelu", "loyalty": "uskollisuus",
			"churn": "asiakkuuden päättäminen", "none": "ei vaihetta",
			"earned": "ansaittu media", "paid": "maksettu media", "shared": "jaettu media", "owned": "omat kanavat"},
		window: func(d time.Duration) string {
			switch {
			case d == 15*time.Minute:
				return "vartissa"
			case d == 30*time.Minute:
				return "puolessa tunnissa"
			case d == time.Hour:
				return "tunnissa"
			case d == 24*time.Hour:
				return "vuorokaudessa"
			case d%time.Hour == 0:
				return fmt.Sprintf("%d tunnissa", d/time.Hour)
			}
			return fmt.Sprintf("%d minuutissa", d/time.Minute)
		},
	},
	"sv": {
		count: func(n int, w string) string {
			if n == 1 {
				return "1 negativt omnämnande på " + w
			}
			return fmt.Sprintf("%d negativa omnämnanden på %s", n, w)
		},
		under: "vanligtvis under %s", near: "vanligtvis omkring %s",
		share: "Andelen negativa %d %%, vanligtvis %d %%.",
		most:  "Mest omtalat: %s.",
		segment: map[string]string{"journey_stage": "Kundresans fas: %s.", "touchpoint": "Kontaktpunkt: %s.",
			"source": "Källa: %s."},
		names: map[string]string{"awareness": "medvetenhet", "consideration": "övervägande", "purchase": "köp",
			"delivery": "leverans", "usage": "användning", "service": "kundservice", "loyalty": "lojalitet",
			"churn": "kundavhopp", "none": "ingen fas",
			"earned": "förtjänad media", "paid": "betald media", "shared": "delad media", "owned": "egna kanaler"},
		window: func(d time.Duration) string {
			switch {
			case d == 15*time.Minute:
				return "en kvart"
			case d == 30*time.Minute:
				return "en halvtimme"
			case d == time.Hour:
				return "en timme"
			case d == 24*time.Hour:
				return "ett dygn"
			case d%time.Hour == 0:
				return fmt.Sprintf("%d timmar", d/time.Hour)
			}
			return fmt.Sprintf("%d minuter", d/time.Minute)
		},
	},
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
	sb.WriteString(w.count(int(math.Round(a.Observed)), w.window(d)) + ", " + usual + ".")
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
