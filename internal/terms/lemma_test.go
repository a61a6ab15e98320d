package terms

import (
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/config"
)

// finnishForms are inflected forms of common customer-experience words,
// each line a lemma and forms of it as people write them: cases in both
// numbers, possessives, clitics, verb forms, and compounds.
var finnishForms = `
toimitus: toimitus toimituksen toimitukset toimitusta toimituksessa toimituksesta toimitukseen toimituksella toimitukselta toimituksia toimituksista toimituksiin toimitusten toimituksistakin toimituksenne
toimitusaika: toimitusaika toimitusajan toimitusajat toimitusajoista toimitusajassa toimitusajasta
toimitusongelma: toimitusongelma toimitusongelman toimitusongelmia toimitusongelmista toimitusongelmat
toimituskulu: toimituskulut toimituskuluja toimituskuluista toimituskulujen
asiakas: asiakas asiakkaan asiakkaat asiakasta asiakkaita asiakkaille asiakkaalle asiakkaiden asiakkaana asiakkaasta
asiakaspalvelu: asiakaspalvelu asiakaspalvelun asiakaspalvelua asiakaspalvelussa asiakaspalvelusta asiakaspalveluun asiakaspalvelulle asiakaspalvelulta asiakaspalvelukin asiakaspalvelunne
asiakaspalvelija: asiakaspalvelija asiakaspalvelijan asiakaspalvelijat asiakaspalvelijoita asiakaspalvelijalle
palvelu: palvelun palvelua palvelut palveluja palveluita palvelussa palvelusta palveluun palveluista
tilaus: tilaus tilauksen tilaukset tilausta tilauksia tilauksessa tilauksesta tilaukseen tilauksista tilausten tilaukseni tilauksesi tilauksemme
tilausnumero: tilausnumero tilausnumeron tilausnumeroa tilausnumerot
paketti: paketti paketin pakettia paketit paketteja paketissa paketista pakettiin pakettini pakettikin
pakettiautomaatti: pakettiautomaatti pakettiautomaatin pakettiautomaatista pakettiautomaattiin pakettiautomaatilla
lähetys: lähetys lähetyksen lähetykset lähetystä lähetyksiä lähetyksestä
kuljettaja: kuljettaja kuljettajan kuljettajaa kuljettajat kuljettajalle
seuranta: seuranta seurannan seurantaa seurannassa
seurantakoodi: seurantakoodi seurantakoodin seurantakoodia seurantakoodit
varasto: varasto varaston varastoa varastossa varastosta varastoon varastot
varastojärjestelmä: varastojärjestelmä varastojärjestelmän varastojärjestelmässä varastojärjestelmää
viive: viive viiveen viiveet viivettä viiveitä viiveestä
viivästys: viivästys viivästyksen viivästykset viivästyksiä viivästyksestä
hinta: hinta hinnan hinnat hintaa hintoja hinnoissa hinnasta hintaan hinnalla hinnoista
alennus: alennus alennuksen alennukset alennusta alennuksia alennuksella
alennuskoodi: alennuskoodi alennuskoodin alennuskoodia alennuskoodit
tarjous: tarjous tarjouksen tarjoukset tarjousta tarjouksia tarjouksessa tarjouksesta
hyvitys: hyvitys hyvityksen hyvitystä hyvityksiä hyvitykset
palautus: palautus palautuksen palautusta palautukset palautuksesta palautukseen
peruutus: peruutus peruutuksen peruutusta peruutukset
reklamaatio: reklamaatio reklamaation reklamaatiota reklamaatiot
takuu: takuu takuun takuuta takuussa takuulla
maksu: maksu maksun maksua maksut maksuja maksusta
lasku: lasku laskun laskua laskut laskuja laskussa
verkkokauppa: verkkokauppa verkkokaupan verkkokauppaa verkkokaupassa verkkokaupasta verkkokauppaan verkkokauppoja verkkokaupoissa
kauppa: kauppa kaupan kauppaa kaupassa kaupasta kauppaan kaupat kauppoja
sovellus: sovellus sovelluksen sovellusta sovellukset sovelluksessa sovelluksesta
virhe: virhe virheen virheet virhettä virheitä virheestä
jono: jono jonon jonoa jonot jonoja jonossa jonosta jonoon jonoissa
jonotus: jonotus jonotuksen jonotusta
puhelu: puhelu puhelun puhelua puhelut puheluihin
puhelin: puhelin puhelimen puhelinta puhelimet puhelimessa
sähköposti: sähköposti sähköpostin sähköpostia sähköpostit sähköposteja sähköpostiin
viesti: viesti viestin viestiä viestit viestejä viesteihin viestiini
vastaus: vastaus vastauksen vastausta vastaukset vastauksia
palaute: palaute palautteen palautetta palautteet palautteita
valitus: valitus valituksen valitusta valitukset valituksia
ongelma: ongelma ongelman ongelmaa ongelmat ongelmia ongelmista ongelmasta
vika: vika vian vikaa viat vikoja viassa viasta
kokemus: kokemus kokemuksen kokemusta kokemukset kokemuksia kokemuksista
odotus: odotus odotuksen odotusta odotukset
tuote: tuote tuotteen tuotetta tuotteet tuotteita tuotteesta tuotteeseen
laite: laite laitteen laitetta laitteet laitteita laitteessa
kone: kone koneen konetta koneet koneita koneessa
kannettava: kannettava kannettavan kannettavaa kannettavat kannettavia kannettavien
läppäri: läppäri läppärin läppäriä läppärit läppäreitä läppärissä
näyttö: näyttö näytön näyttöä näytöt näyttöjä näytössä
akku: akku akun akkua akut akkuja akussa
laturi: laturi laturin laturia laturit
päivitys: päivitys päivityksen päivitystä päivitykset
huolto: huolto huollon huoltoa huollossa huoltoon huollosta
korjaus: korjaus korjauksen korjausta korjaukset
päivä: päivä päivän päivää päivät päiviä päivässä
arkipäivä: arkipäivä arkipäivän arkipäivää arkipäivät arkipäivässä
viikko: viikko viikon viikkoa viikot viikkoja viikossa viikoissa
tunti: tunti tunnin tuntia tunnit tunteja tunnissa
kuukausi: kuukausi kuukauden kuukautta kuukausia
nopea: nopea nopean nopeaa nopeat nopeita
hidas: hidas hitaan hidasta hitaat hitaita
halpa: halpa halvan halpaa halvat halvempi
kallis: kallis kalliin kallista kalliit kalliita
huono: huono huonon huonoa huonot huonoja
ystävällinen: ystävällinen ystävällisen ystävällistä ystävälliset ystävällisiä
tyytyväinen: tyytyväinen tyytyväisen tyytyväistä tyytyväiset tyytyväisiä
pettymys: pettymys pettymyksen pettymystä pettymykset
vastata: vastata vastaa vastaan vastaat vastaavat vastasi vastasin vastannut vastanneet vastattu vastaamatta vastaako
toimittaa: toimittaa toimittanut toimitti toimitettu toimitetaan toimittavat
tilata: tilata tilasin tilasi tilannut tilattu tilaan tilaamaan
odottaa: odottaa odotan odotin odottanut odotettu odottavat odotti
saapua: saapua saapui saapunut saapuu saapuneet
perua: perua peruin perui peruu
palauttaa: palauttaa palautin palautti palautettu palautan
hyvittää: hyvittää hyvitti hyvitetty hyvitämme
luvata: luvata lupaa lupasi luvattu luvannut
toimia: toimia toimii toimi toiminut toimivat
kadota: kadota kadonnut katosi
`

func TestFinnishLemmas(t *testing.T) {
	f, err := newFinnish()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(strings.TrimSpace(finnishForms)) {
		lemma, forms, _ := strings.Cut(line, ":")
		for _, w := range strings.Fields(forms) {
			n++
			if got := f.lemma(w); got != lemma {
				t.Errorf("%s: lemma %q, want %q", w, got, lemma)
			}
		}
	}
	if n < 300 {
		t.Errorf("the table has %d forms; it should have at least 300", n)
	}
	t.Logf("%d forms", n)
}

// Words longer than any key (the key sets hash at most maxStem bytes of a
// word) are lemmatised as the endings say, in every language, as before
// the key sets, and a brand name as long is found.
func TestLongWords(t *testing.T) {
	long := strings.Repeat("toimitus", 8) // 64 bytes
	e, err := New([]config.Brand{{Name: strings.Repeat("Koijari", 8)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, word, lemma string }{
		{"fi", long + "ta", long},
		{"fi", long + "aika", long + "aika"},
		{"en", long + "es", long + "e"}, // an unknown English plural loses its s
		{"en", long + "s", long + "s"},  // …but not after s
		{"sv", long + "arna", long + "arna"},
		{"und", long, long},
	} {
		got := e.Extract(c.word, c.lang)
		if len(got.Keys) != 1 || got.Keys[0] != c.lemma {
			t.Errorf("%s %s…: terms %q, want %s…", c.lang, c.word[len(long):], got.Keys, c.lemma[min(len(c.lemma), len(long)):])
		}
	}
	if b := e.brandOf(strings.Repeat("koijari", 8) + "lla"); b != 0 {
		t.Errorf("a brand name of 56 bytes inflected: brand %d, want 0", b)
	}
}
