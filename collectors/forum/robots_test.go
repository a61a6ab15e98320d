package forum

import (
	"testing"
	"time"
)

func TestRobotsGroupsAndLongestMatch(t *testing.T) {
	txt := []byte("\ufeff# comment\n" +
		"User-agent: Googlebot\nDisallow: /\n\n" +
		"User-agent: *\nDisallow: /yksityinen/\nAllow: /yksityinen/julkinen/\nDisallow: /*.pdf$\nDisallow: /haku*sort=\nCrawl-delay: 3\n\n" +
		"User-agent: otherbot\nUser-agent: EWOM/2.0\nDisallow: /t/\nAllow: /t/1/\nDisallow: /t/1/vanha\nAllow: /t/2$\nCrawl-delay: 0.5\n" +
		"user-agent: ewom\ndisallow: /%c3%a4\n")
	star := parseRobots(txt, "someone")
	if star.delay != 3*time.Second {
		t.Errorf("* delay %v", star.delay)
	}
	for uri, want := range map[string]bool{
		"/":                           true,
		"/t/1":                        true,
		"/yksityinen/":                false,
		"/yksityinen/t/2":             false,
		"/yksityinen/julkinen/t/3":    true, // the longer Allow wins
		"/liite.pdf":                  false,
		"/liite.pdf?x=1":              true, // $ anchors the end
		"/haku?q=a&sort=uusin":        false,
		"/haku?q=a":                   true,
		"/robots.txt":                 true,
		"/YKSITYINEN/":                true, // paths are case-sensitive
		"/yksityinen/julkinen/../../": true, // matched as written
	} {
		if got := star.allowed(uri); got != want {
			t.Errorf("* %s: %v, want %v", uri, got, want)
		}
	}
	ours := parseRobots(txt, "ewom") // two groups name us: merged, "*" ignored
	if ours.delay != 500*time.Millisecond {
		t.Errorf("ewom delay %v", ours.delay)
	}
	for uri, want := range map[string]bool{
		"/yksityinen/":  true,
		"/t/5":          false,
		"/t/1/ketju":    true,
		"/t/1/vanha":    false,
		"/t/2":          true,
		"/t/2/":         false,
		"/ä":            false, // percent-encoded in either spelling
		"/%C3%A4/sivu":  false,
		"/%c3%a4":       false,
		"/%C3%A5":       true,
		"/t/1/vanhat?x": false,
	} {
		if got := ours.allowed(uri); got != want {
			t.Errorf("ewom %s: %v, want %v", uri, got, want)
		}
	}
	if !parseRobots([]byte("User-agent: *\nDisallow:\n"), "ewom").allowed("/x") {
		t.Error("empty Disallow disallows")
	}
	if !parseRobots([]byte("Disallow: /\n"), "ewom").allowed("/x") {
		t.Error("a rule outside any group applies")
	}
	if parseRobots([]byte("<html>not robots</html>"), "ewom") != allowAll {
		t.Error("garbage is not allow-all")
	}
	if disallowAll.allowed("/t/1") || !disallowAll.allowed("/robots.txt") {
		t.Error("disallowAll")
	}
}

func TestProductToken(t *testing.T) {
	for ua, want := range map[string]string{
		"ewom (+https://github.com/ewom/ewom)": "ewom",
		"EwomBot/1.2 (contact)":                "ewombot",
		"":                                     "",
	} {
		if got := productToken(ua); got != want {
			t.Errorf("%q: %q", ua, got)
		}
	}
}
