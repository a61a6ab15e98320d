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

// CompareIDs is IDLess as a three-way comparison for slices.SortFunc.
func CompareIDs(a, b string) int {
	switch {
	case IDLess(a, b):
		return -1
	case IDLess(b, a):
		return 1
	}
	return 0
}

// MaxID returns the larger of two numeric string ids ("" is smallest).
func MaxID(a, b string) string {
	if IDLess(a, b) {
		return b
	}
	return a
}
