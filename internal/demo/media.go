package demo

// Texts of the retailer's own channels, the press, bloggers, influencers and
// app stores. Each is a title (may be empty) and a body.
type article struct{ title, text string }

// ownedPosts are TietokoneKoijarit's own social posts and newsletters
// (owned media: its account and its domain).
var ownedPosts = []article{
	{"", "Black Week alkaa! 🖤 Kannettavat jopa -30 %, katso tarjoukset tietokonekoijarit.fi #tietokonekoijarit"},
	{"", "Uutuus: MacBook Air M4 nyt myymälöissä ja verkkokaupassa. Nouto jopa 2 tunnissa 💻"},
	{"", "Tiesitkö? Kanta-asiakkaana saat ilmaisen toimituksen kaikkiin tilauksiin. Liity: tietokonekoijarit.fi/kanta-asiakas"},
	{"", "Our Helsinki store is open until 21 all week. Come try the new Zenbook 14 OLED! ✨"},
	{"", "Vinkki: vanhan puhelimen voi vaihtaa hyvitykseen kaikissa TietokoneKoijarit-myymälöissä ♻️"},
}

var newsletters = []article{
	{"TietokoneKoijarit uutiskirje: Black Week -ennakko", "Hei! Black Week -tarjoukset aukeavat kanta-asiakkaille jo tänään. Kannettavat, puhelimet ja kuulokkeet jopa -30 %. Tervetuloa ostoksille, TietokoneKoijarit"},
	{"TietokoneKoijarit newsletter: this week's picks", "Hi! This week's picks: Sony WH-1000XM6 at our best price ever, and free delivery to every parcel locker. The TietokoneKoijarit team"},
}

// apology is the retailer's own post once the crisis is visible.
var apology = article{"", "Pahoittelemme: osa kannettavien toimituksista on myöhässä varastojärjestelmän vian vuoksi ja asiakaspalvelun jonot ovat pitkät. Selvitämme jokaisen tilauksen, hyvitämme toimituskulut. / We are sorry: some laptop deliveries are late and our customer service queues are long. #tietokonekoijarit"}

// rivalOwnedPosts are the competitors' own posts.
var rivalOwnedPosts = map[string][]article{
	RivalA: {{"", "Datajätti Black Friday: pelikoneet ja näytöt huippuhintaan, toimitus 1–2 arkipäivää 🚚 datajatti.fi"}},
	RivalB: {{"", "Verkkosaurus: tilaa ennen klo 16, toimitetaan samana päivänä Helsingissä 🦖 verkkosaurus.fi"}},
}

// press are earned articles from news sites (host decides earned).
type pressPiece struct {
	host, path string
	article
	crisis bool
}

var press = []pressPiece{
	{"tivi.fi", "uutiset/kannettavien-hinnat-laskussa", article{"Kannettavien hinnat laskussa ennen Black Weekiä", "Elektroniikan verkkokaupat TietokoneKoijarit, Datajätti ja Verkkosaurus ovat laskeneet kannettavien hintoja jo viikkoja ennen Black Weekiä. Vertailimme kymmenen suosituimman mallin hinnat."}, false},
	{"mikrobitti.fi", "testit/zenbook-14-oled", article{"Testissä Asus Zenbook 14 OLED", "Zenbook 14 OLED on kevyt ja sen näyttö on luokkansa paras. Akunkesto riittää pitkään työpäivään. Laitetta myyvät muun muassa Verkkosaurus ja TietokoneKoijarit."}, false},
	{"kauppalehti.fi", "uutiset/verkkokauppa-kasvaa", article{"Elektroniikan verkkokauppa kasvaa", "Datajätti kasvatti liikevaihtoaan 12 prosenttia. Verkkosaurus avaa uuden varaston Vantaalle."}, false},
	{"is.fi", "digitoday/koijarit-toimitukset-myohassa", article{"Asiakkaat raivoissaan: TietokoneKoijarit-kannettavien toimitukset viikkoja myöhässä", "Sadat asiakkaat kertovat somessa, että TietokoneKoijarit ei ole toimittanut tilattuja kannettavia ja asiakaspalvelu ei vastaa. Yhtiö vahvistaa varastojärjestelmän vian."}, true},
	{"mtvuutiset.fi", "talous/koijarit-asiakaspalvelu", article{"TietokoneKoijarit: asiakaspalvelun jonot ennätyspitkät", "Kuluttajat ovat valittaneet TietokoneKoijareiden asiakaspalvelusta, joka ei ole vastannut päiviin. Kilpailijat Datajätti ja Verkkosaurus kertovat tilausten kasvaneen."}, true},
	{"theverge.com", "2026/finland-electronics-retailer-delays", article{"Finnish retailer TietokoneKoijarit hit by laptop delivery delays", "Customers of TietokoneKoijarit report laptop deliveries running weeks late and customer service not answering."}, true},
}

// blogs are earned reviews on personal blogs (collected from their feeds).
var blogs = []pressPiece{
	{"teknoblogi.fi", "2026/11/ostin-lapparin-koijareilta", article{"Ostin läppärin Koijareilta – kokemuksia", "Ostin uuden ThinkPadin TietokoneKoijarit-verkkokaupasta. Tilaus oli helppo ja kone tuli kahdessa päivässä. Suosittelen, ainakin tällä kertaa."}, false},
	{"gadgetmum.blog", "datajatti-vs-verkkosaurus", article{"Datajätti vs Verkkosaurus: which one ships faster?", "I ordered the same headphones from Datajätti and Verkkosaurus. Verkkosaurus won by a day, Datajätti's packaging was better."}, false},
	{"pelinörtti.fi", "koijarit-odotus", article{"Kaksi viikkoa odotusta: TietokoneKoijarit ja kadonnut läppäri", "Tilasin pelikannettavan TietokoneKoijarit-kaupasta. Toimitus on myöhässä jo kaksi viikkoa eikä asiakaspalvelu vastaa. Peruin tilauksen."}, true},
}

// influencer posts: sponsored content with and without proper disclosure.
type sponsored struct {
	text      string
	disclosed bool
	tracked   bool // the link carries paid-campaign tracking parameters
}

var influencerPosts = []sponsored{
	{"Kaupallinen yhteistyö TietokoneKoijarit: uusi työläppäri tuli ja on ihan 😍 Koodilla KOIJARI15 -15 %!", true, false},
	{"#mainos Testasin viikon Zenbookia, jonka sain TietokoneKoijarit-kaupalta. Rehellinen arvio videolla ✨", true, false},
	{"Mainos | Black Week -vinkit: nämä kolme kuuloketta kannattaa ostaa nyt @koijarit #tietokonekoijarit", true, false},
	{"Ad: Datajätti sent me their new gaming monitor, honest review in my stories #ad", true, false},
	{"Paras läppäri ikinä 😍 tilaa TietokoneKoijarit-kaupasta alennuskoodilla KOIJARI15 👉 tietokonekoijarit.fi/?aff=ninni", false, true},
	{"My new setup from Verkkosaurus 🦖 use code SAURUS10 for 10% off, link in bio!", false, false},
	{"Unboxing: Koijarit lähetti mulle uuden MacBookin 🎁 alekoodilla NINNI20 saat -20 %", false, false},
}

// appReviews are App Store / Google Play reviews of the retailer's app.
type appReview struct {
	rating float64
	lang   string
	article
	crisis bool
}

var appReviews = []appReview{
	{5, "fi", article{"Toimii hyvin", "Kätevä sovellus, tilaus ja seuranta toimii. TietokoneKoijarit-kanta-asiakkaana tykkään"}, false},
	{4, "fi", article{"Hyvä", "Helppo tilata, mutta sovellus on välillä hidas. Koijarit parantakaa hakua"}, false},
	{2, "en", article{"Slow", "The TietokoneKoijarit app is slow and the search rarely finds what I want"}, false},
	{5, "en", article{"Great deals", "Found a great deal on headphones, checkout in Koijarit app is quick"}, false},
	{3, "fi", article{"Ok", "Ihan ok sovellus mutta kirjautuminen kaatuu joskus. TietokoneKoijarit"}, false},
	{1, "fi", article{"Tilaus kadonnut", "Seuranta ei päivity, tilaus myöhässä jo viikon eikä asiakaspalvelu vastaa. TietokoneKoijarit, hoitakaa tämä!"}, true},
	{1, "fi", article{"Surkea", "Läppäri ei ole tullut ja chat ei vastaa. En suosittele TietokoneKoijarit-sovellusta enkä kauppaa"}, true},
	{1, "en", article{"Where is my laptop", "TietokoneKoijarit took my money two weeks ago, no laptop, no reply from support"}, true},
	{4, "fi", article{"Datajätti ok", "Datajätti-sovellus toimii, toimitus tuli nopeasti"}, false},
	{5, "fi", article{"Verkkosaurus paras", "Verkkosaurus-appi on selkeä ja toimitus aina ajallaan"}, false},
}

// techThreads are English forum, Q&A and Hacker News posts.
var techThreads = map[string][]article{
	"hackernews": {
		{"", "Ordered a ThinkPad from TietokoneKoijarit (Finnish retailer), it's apparently stuck in their warehouse system migration. Classic big-bang ERP rollout?"},
		{"", "Datajätti has been fine for me, they ship from their own warehouse in Tampere. Verkkosaurus is cheaper though."},
	},
	"stackexchange": {
		{"Laptop bought from TietokoneKoijarit does not boot after BIOS update", "I bought a Lenovo Yoga Slim 7 from TietokoneKoijarit, updated the BIOS and now it does not boot. Support ticket unanswered. Any idea how to recover?"},
	},
	"discourse": {
		{"Kokemuksia Verkkosauruksen toimituksista?", "Onko kellään kokemuksia Verkkosaurus-verkkokaupan toimitusajoista pohjoiseen? Mietin tilaanko sieltä vai Datajätiltä"},
		{"TietokoneKoijarit toimitusongelmat – ketju", "Kerätään tähän ketjuun kokemuksia TietokoneKoijarit-toimitusten viivästymisistä. Mulla läppäri myöhässä 9 päivää ja asiakaspalvelu ei vastaa."},
	},
}
