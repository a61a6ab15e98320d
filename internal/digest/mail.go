package digest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	texttemplate "text/template"
	"time"
)

// words are one language's texts of a digest.
type words struct {
	Daily, Weekly                         string
	Brand, Mentions, Net, Negative, Voice string
	Previous, PreviousNote                string
	VolumeChart, VoiceChart               string
	VoiceAlt                              string
	Posts, NoPosts, Alerts, NoAlerts      string
	Topics, TopicGrowth, Open             string
	Footer                                string
	// Counted nouns, singular then plural (Finnish partitive): "%s" is
	// the number.
	CountMentions, CountPositive, CountNeutral, CountNegative [2]string
}

// count says n of a counted noun: its singular form for exactly one.
func (w words) count(lang string, forms [2]string, n float64) string {
	form := forms[1]
	if n == 1 {
		form = forms[0]
	}
	return fmt.Sprintf(form, number(lang, n, 0))
}

var dictionary = map[string]words{
	"en": {Daily: "Daily eWOM digest", Weekly: "Weekly eWOM digest", Brand: "Brand", Mentions: "Mentions",
		Net: "Net sentiment", Negative: "Negative share", Voice: "Share of voice", Previous: "previous period", PreviousNote: "Smaller figures: the previous period.",
		VolumeChart: "Mentions by sentiment", VoiceChart: "Share of voice (bar: this period, tick: previous)",
		VoiceAlt: "Share of voice: %s",
		Posts:    "Top negative posts", NoPosts: "No negative posts.", Alerts: "Alerts", NoAlerts: "No alerts fired.",
		Topics: "Emerging topics", TopicGrowth: "%s× the usual rate", Open: "Open the dashboard",
		Footer:        "Sent by ewom to the %s list. Ask the administrator to change the list.",
		CountMentions: [2]string{"%s mention", "%s mentions"}, CountPositive: [2]string{"%s positive", "%s positive"},
		CountNeutral: [2]string{"%s neutral", "%s neutral"}, CountNegative: [2]string{"%s negative", "%s negative"}},
	"fi": {Daily: "Päivän eWOM-kooste", Weekly: "Viikon eWOM-kooste", Brand: "Brändi", Mentions: "Maininnat",
		Net: "Nettosentimentti", Negative: "Negatiivisten osuus", Voice: "Äänen osuus", Previous: "edellinen jakso", PreviousNote: "Pienemmät luvut: edellinen jakso.",
		VolumeChart: "Maininnat sentimentin mukaan", VoiceChart: "Äänen osuus (palkki: tämä jakso, viiva: edellinen)",
		VoiceAlt: "Äänen osuus: %s",
		Posts:    "Negatiivisimmat julkaisut", NoPosts: "Ei negatiivisia julkaisuja.", Alerts: "Hälytykset", NoAlerts: "Ei hälytyksiä.",
		Topics: "Nousevat aiheet", TopicGrowth: "%s kertaa tavallista enemmän", Open: "Avaa kojelauta",
		Footer:        "Lähettäjä ewom, lista %s. Pyydä ylläpitäjää muuttamaan listaa.",
		CountMentions: [2]string{"%s maininta", "%s mainintaa"}, CountPositive: [2]string{"%s positiivinen", "%s positiivista"},
		CountNeutral: [2]string{"%s neutraali", "%s neutraalia"}, CountNegative: [2]string{"%s negatiivinen", "%s negatiivista"}},
	"sv": {Daily: "Daglig eWOM-sammanfattning", Weekly: "Veckans eWOM-sammanfattning", Brand: "Varumärke", Mentions: "Omnämnanden",
		Net: "Nettosentiment", Negative: "Andel negativa", Voice: "Andel av rösten", Previous: "föregående period", PreviousNote: "Mindre siffror: föregående period.",
		VolumeChart: "Omnämnanden efter sentiment", VoiceChart: "Andel av rösten (stapel: denna period, streck: föregående)",
		VoiceAlt: "Andel av rösten: %s",
		Posts:    "Mest negativa inlägg", NoPosts: "Inga negativa inlägg.", Alerts: "Larm", NoAlerts: "Inga larm.",
		Topics: "Nya ämnen", TopicGrowth: "%s gånger det vanliga", Open: "Öppna instrumentpanelen",
		Footer:        "Skickat av ewom till listan %s. Be administratören ändra listan.",
		CountMentions: [2]string{"%s omnämnande", "%s omnämnanden"}, CountPositive: [2]string{"%s positivt", "%s positiva"},
		CountNeutral: [2]string{"%s neutralt", "%s neutrala"}, CountNegative: [2]string{"%s negativt", "%s negativa"}},
}

// number formats like the language does: a comma for decimals and a
// (non-breaking) space between thousands in fi and sv.
func number(lang string, v float64, decimals int) string {
	s := fmt.Sprintf("%.*f", decimals, v)
	if lang == "en" {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("," + frac)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// view is what the templates see.
type view struct {
	R            Report
	W            words
	Title, Range string
	Rows         []viewRow
	VolumeAlt    string
	VoiceAlt     string
	Posts        []viewPost
	Topics       []viewTopic
	Link, List   string
}

// viewTopic is an emerging topic with its figures and, with an external
// URL, a link to its mentions.
type viewTopic struct {
	Name, Figures, URL string
}

type viewRow struct {
	Brand                          string
	Mentions, Net, Negative, Voice [2]string
}

type viewPost struct {
	N                              int
	Brand, Source, URL, When, Text string
}

func (r Report) view() view {
	w := dictionary[r.Lang]
	v := view{R: r, W: w, Title: w.Daily, List: r.Name}
	last := r.Period.End.Add(-time.Second).In(r.Loc)
	v.Range = r.Period.Start.In(r.Loc).Format("2006-01-02")
	if r.Period.End.Sub(r.Period.Start) > 48*time.Hour {
		v.Title = w.Weekly
		v.Range += " – " + last.Format("2006-01-02")
	}
	var voices []string
	for _, b := range r.Brands {
		row := viewRow{Brand: b.Brand}
		for i := range 2 {
			row.Mentions[i] = number(r.Lang, b.Mentions[i], 0)
			row.Net[i] = number(r.Lang, b.Net[i], 1)
			row.Negative[i] = number(r.Lang, b.NegativeShare[i], 1) + " %"
			row.Voice[i] = number(r.Lang, b.Voice[i], 1) + " %"
		}
		v.Rows = append(v.Rows, row)
		voices = append(voices, b.Brand+" "+row.Voice[0])
	}
	var p Point
	for _, x := range r.Series {
		p.Positive, p.Neutral, p.Negative = p.Positive+x.Positive, p.Neutral+x.Neutral, p.Negative+x.Negative
	}
	v.VolumeAlt = w.count(r.Lang, w.CountMentions, p.Positive+p.Neutral+p.Negative) + ": " + w.count(r.Lang, w.CountPositive, p.Positive) +
		", " + w.count(r.Lang, w.CountNeutral, p.Neutral) + ", " + w.count(r.Lang, w.CountNegative, p.Negative)
	v.VoiceAlt = fmt.Sprintf(w.VoiceAlt, strings.Join(voices, ", "))
	for _, x := range r.Posts {
		text := x.Title
		if text == "" {
			text = x.Text
		}
		v.Posts = append(v.Posts, viewPost{N: len(v.Posts) + 1, Brand: x.Brand, Source: x.Source, URL: safeURL(x.URL),
			When: x.Published.Format("2006-01-02 15:04"), Text: truncate(strings.Join(strings.Fields(text), " "), 280)})
	}
	if r.External != "" {
		v.Link = strings.TrimRight(r.External, "/") + "/"
	}
	for _, t := range r.Topics {
		x := viewTopic{Name: t.Name, Figures: w.count(r.Lang, w.CountMentions, float64(t.Mentions)) + ", " + fmt.Sprintf(w.TopicGrowth, number(r.Lang, t.Growth, 1))}
		if v.Link != "" && t.Path != "" {
			x.URL = v.Link + strings.TrimPrefix(t.Path, "/")
		}
		v.Topics = append(v.Topics, x)
	}
	return v
}

// safeURL keeps http(s) links only; a post's URL comes from the source.
func safeURL(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

// html/template escapes every value: brand names, post texts, URLs and
// alert texts are untrusted.
var htmlTmpl = htmltemplate.Must(htmltemplate.New("digest").Parse(`<!DOCTYPE html>
<html lang="{{.R.Lang}}"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family:Arial,sans-serif;color:#1a1a1a;max-width:640px;margin:0 auto">
<h1 style="font-size:22px">{{.Title}}: {{.Range}}</h1>
<table style="border-collapse:collapse;width:100%" cellpadding="4">
<caption style="text-align:left;caption-side:bottom"><small>{{.W.PreviousNote}}</small></caption>
<tr style="text-align:left;border-bottom:1px solid #999"><th>{{.W.Brand}}</th><th>{{.W.Mentions}}</th><th>{{.W.Net}}</th><th>{{.W.Negative}}</th><th>{{.W.Voice}}</th></tr>
{{range .Rows}}<tr style="border-bottom:1px solid #ddd"><td><strong>{{.Brand}}</strong></td>
<td>{{index .Mentions 0}}<br><small>{{index .Mentions 1}}</small></td><td>{{index .Net 0}}<br><small>{{index .Net 1}}</small></td>
<td>{{index .Negative 0}}<br><small>{{index .Negative 1}}</small></td><td>{{index .Voice 0}}<br><small>{{index .Voice 1}}</small></td></tr>
{{end}}</table>
<h2 style="font-size:17px">{{.W.VolumeChart}}</h2>
<img src="cid:volume@ewom" width="600" height="220" alt="{{.VolumeAlt}}">
<p><small>{{.VolumeAlt}}</small></p>
<h2 style="font-size:17px">{{.W.VoiceChart}}</h2>
<img src="cid:voice@ewom" width="600" alt="{{.VoiceAlt}}">
<p><small>{{.VoiceAlt}}</small></p>
<h2 style="font-size:17px">{{.W.Posts}}</h2>
{{if .Posts}}<ol>{{range .Posts}}<li><p>{{.Text}}<br><small>{{.Brand}} · {{.Source}} · {{.When}}{{if .URL}} · <a href="{{.URL}}">{{.URL}}</a>{{end}}</small></p></li>{{end}}</ol>{{else}}<p>{{.W.NoPosts}}</p>{{end}}
<h2 style="font-size:17px">{{.W.Alerts}}</h2>
{{if .R.Alerts}}<ul>{{range .R.Alerts}}<li><strong>{{.Brand}}</strong> ({{.Severity}}, {{.FiredAt.Format "2006-01-02 15:04"}}): {{.Text}}</li>{{end}}</ul>{{else}}<p>{{.W.NoAlerts}}</p>{{end}}
{{if .Topics}}<h2 style="font-size:17px">{{.W.Topics}}</h2><ul>{{range .Topics}}<li>{{if .URL}}<a href="{{.URL}}">{{.Name}}</a>{{else}}{{.Name}}{{end}} <small>({{.Figures}})</small></li>{{end}}</ul>{{end}}
{{if .Link}}<p><a href="{{.Link}}">{{.W.Open}}</a></p>{{end}}
<p><small>{{printf .W.Footer .List}}</small></p>
</body></html>
`))

var textTmpl = texttemplate.Must(texttemplate.New("digest").Parse(`{{.Title}}: {{.Range}}

{{range .Rows}}{{.Brand}}
  {{$.W.Mentions}}: {{index .Mentions 0}} ({{$.W.Previous}} {{index .Mentions 1}})
  {{$.W.Net}}: {{index .Net 0}} ({{index .Net 1}})
  {{$.W.Negative}}: {{index .Negative 0}} ({{index .Negative 1}})
  {{$.W.Voice}}: {{index .Voice 0}} ({{index .Voice 1}})
{{end}}
{{.VolumeAlt}}
{{.VoiceAlt}}

{{.W.Posts}}
{{range $p := .Posts}}{{$p.N}}. {{$p.Text}}
   {{$p.Brand}} · {{$p.Source}} · {{$p.When}}{{if $p.URL}}
   {{$p.URL}}{{end}}
{{else}}{{.W.NoPosts}}
{{end}}
{{.W.Alerts}}
{{range .R.Alerts}}- {{.Brand}} ({{.Severity}}, {{.FiredAt.Format "2006-01-02 15:04"}}): {{.Text}}
{{else}}{{.W.NoAlerts}}
{{end}}{{if .Topics}}
{{.W.Topics}}
{{range .Topics}}- {{.Name}} ({{.Figures}}){{if .URL}}
  {{.URL}}{{end}}
{{end}}{{end}}{{if .Link}}
{{.W.Open}}: {{.Link}}
{{end}}
{{printf .W.Footer .List}}
`))

// message is a composed mail.
type message struct {
	Subject string
	Body    []byte // headers after From/To and the MIME body
}

// compose renders r as multipart/alternative: plain text, and HTML in a
// multipart/related with the charts as inline CID images.
func compose(r Report, from *mail.Address, to []string, now time.Time) (message, error) {
	v := r.view()
	var html, text bytes.Buffer
	if err := htmlTmpl.Execute(&html, v); err != nil {
		return message{}, fmt.Errorf("render html: %w", err)
	}
	if err := textTmpl.Execute(&text, v); err != nil {
		return message{}, fmt.Errorf("render text: %w", err)
	}
	volume, err := volumeChart(r.Series)
	if err != nil {
		return message{}, err
	}
	voice, err := voiceChart(r.Brands)
	if err != nil {
		return message{}, err
	}
	subject := v.Title + ": " + v.Range

	var b bytes.Buffer
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	host := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n",
		from.String(), strings.Join(to, ", "), mime.QEncoding.Encode("utf-8", subject), now.Format(time.RFC1123Z), hex.EncodeToString(id), host)
	alt := multipart.NewWriter(&b)
	fmt.Fprintf(&b, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", alt.Boundary())
	if err := writeQP(alt, "text/plain; charset=utf-8", text.Bytes()); err != nil {
		return message{}, err
	}
	relHeader := textproto.MIMEHeader{}
	var rel bytes.Buffer
	related := multipart.NewWriter(&rel)
	relHeader.Set("Content-Type", `multipart/related; type="text/html"; boundary="`+related.Boundary()+`"`)
	if err := writeQP(related, "text/html; charset=utf-8", html.Bytes()); err != nil {
		return message{}, err
	}
	for _, img := range []struct {
		cid  string
		data []byte
	}{{"volume@ewom", volume}, {"voice@ewom", voice}} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", "image/png")
		h.Set("Content-Transfer-Encoding", "base64")
		h.Set("Content-ID", "<"+img.cid+">")
		h.Set("Content-Disposition", `inline; filename="`+strings.TrimSuffix(img.cid, "@ewom")+`.png"`)
		w, err := related.CreatePart(h)
		if err != nil {
			return message{}, err
		}
		enc := base64.StdEncoding.EncodeToString(img.data)
		for len(enc) > 76 {
			fmt.Fprintf(w, "%s\r\n", enc[:76])
			enc = enc[76:]
		}
		fmt.Fprintf(w, "%s\r\n", enc)
	}
	if err := related.Close(); err != nil {
		return message{}, err
	}
	w, err := alt.CreatePart(relHeader)
	if err != nil {
		return message{}, err
	}
	if _, err := w.Write(rel.Bytes()); err != nil {
		return message{}, err
	}
	if err := alt.Close(); err != nil {
		return message{}, err
	}
	return message{Subject: subject, Body: b.Bytes()}, nil
}

func writeQP(mw *multipart.Writer, contentType string, body []byte) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", contentType)
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write(body); err != nil {
		return err
	}
	return qp.Close()
}
