// Package privacy protects the people behind mentions: author handles can
// be replaced by keyed pseudonyms before anything is stored.
package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/ewom/ewom/internal/mention"
)

// MinKeyBytes is the shortest pseudonymisation key accepted.
const MinKeyBytes = 16

// Pseudonymizer replaces author handles with HMAC-SHA256 pseudonyms under a
// secret key: the same author always gets the same pseudonym (so journeys
// across mentions still connect), but it cannot be reversed without the key.
type Pseudonymizer struct {
	key []byte
}

// NewPseudonymizer checks the key's length.
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < MinKeyBytes {
		return nil, errors.New("pseudonymisation key must be at least 16 bytes")
	}
	return &Pseudonymizer{key: key}, nil
}

// Handle returns the pseudonym for a handle ("" stays "").
func (p *Pseudonymizer) Handle(handle string) string {
	if handle == "" {
		return ""
	}
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte(strings.ToLower(strings.TrimSpace(handle))))
	return "anon:" + hex.EncodeToString(mac.Sum(nil)[:10])
}

// Apply pseudonymises the mention's author in place; the display name and
// profile URL identify the person too, so they are dropped.
func (p *Pseudonymizer) Apply(m *mention.Mention) {
	m.Author.Handle = p.Handle(m.Author.Handle)
	m.Author.Name = ""
	m.Author.URL = ""
}
