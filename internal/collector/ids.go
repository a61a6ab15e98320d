package collector

import "strings"

// IDLess orders numeric string ids (Mastodon snowflakes, Discourse and Stack
// Exchange ids) without overflow: shorter is smaller, then lexicographic.
// Leading zeros are ignored.
func IDLess(a, b string) bool {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// MaxID returns the larger of two numeric string ids ("" is smallest).
func MaxID(a, b string) string {
	if IDLess(a, b) {
		return b
	}
	return a
}
