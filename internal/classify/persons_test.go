package classify

import (
	"slices"
	"testing"

	"github.com/ewom/ewom/internal/config"
)

// A brand named like a person is a person right after a given name or a
// title, and the brand everywhere else.
func TestBrandNamedLikeAPerson(t *testing.T) {
	c, err := New([]config.Brand{{Name: "Ahtinen"}, {Name: "Tuulikki"}})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string][]string{
		"Vill tacka Jukka Ahtinen som hjälpte mig dra upp bilen ur diket.":         nil,
		"Shoutout to Ms Ahtinen, our Finnish teacher, and Dr. Ahtinen too":         nil,
		"Meidän luokanopettaja Ahtinen jää keväällä eläkkeelle.":                   nil,
		"Mormor Tuulikki fyller 90 i dag!":                                         nil,
		"Ahtinen toi paketin vasta viikon päästä.":                                 {"Ahtinen"},
		"Tilasin Tuulikilta mekon ja Ahtinen toi sen nopeasti.":                    {"Ahtinen", "Tuulikki"},
		"jukka ahtinen on myöhässä taas, paketti jumissa":                          {"Ahtinen"}, // no capitals: not read as a name
		"Anna Ahtiselle palautetta, ne ei muuten opi.":                             {"Ahtinen"}, // "anna" (give) is not in the list
		"Sanoin kuljettajalle että Ahtinen hoitaa tämän aina huonosti":             {"Ahtinen"},
		"Terveisin Matti. Ahtinen toi paketin taas väärään osoitteeseen, ärsyttää": {"Ahtinen"},
	} {
		if got := c.Classify(post("x", text)).Brands; !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%q: brands %v, want %v", text, got, want)
		}
	}
}
