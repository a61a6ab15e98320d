package classify

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// personWords tell a name that is a person's from a brand's: a brand named
// like a surname or a given name (Ahtinen, Tuulikki) is a person right after
// a given name or a title (data/persons.tsv).
type personWords struct {
	given, title map[string]bool
	titleEnds    []string
}

func readPersonWords(r io.Reader) (*personWords, error) {
	pw := &personWords{given: map[string]bool{}, title: map[string]bool{}}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, word, ok := strings.Cut(line, "\t")
		switch {
		case !ok || word == "":
			return nil, fmt.Errorf("line %d: want kind<TAB>word", n)
		case kind == "given":
			pw.given[word] = true
		case kind == "title":
			pw.title[word] = true
		case kind == "title-suffix":
			pw.titleEnds = append(pw.titleEnds, word)
		default:
			return nil, fmt.Errorf("line %d: unknown kind %q", n, kind)
		}
	}
	return pw, sc.Err()
}

// namesPerson reports whether the name at lower[start:] (orig is the text
// before lowercasing) is a person's: written with a capital right after a
// capitalised given name ("Jukka Ahtinen") or after a title ("Ms Ahtinen",
// "Dr. Ahtinen", "luokanopettaja Ahtinen", "mormor Tuulikki").
func (pw *personWords) namesPerson(orig, lower string, start int) bool {
	if pw == nil || len(orig) != len(lower) || start < 2 || lower[start-1] != ' ' {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(orig[start:]); !unicode.IsUpper(r) {
		return false
	}
	end := start - 1
	dotted := lower[end-1] == '.' // "Dr. Ahtinen"; a given name ends a sentence there
	if dotted {
		end--
	}
	from := end
	for from > 0 {
		r, size := utf8.DecodeLastRuneInString(lower[:from])
		if !unicode.IsLetter(r) && r != '-' {
			break
		}
		from -= size
	}
	word := lower[from:end]
	switch {
	case word == "":
		return false
	case pw.title[word]:
		return true
	case pw.given[word] && !dotted:
		r, _ := utf8.DecodeRuneInString(orig[from:])
		return unicode.IsUpper(r)
	}
	for _, suffix := range pw.titleEnds {
		if strings.HasSuffix(word, suffix) {
			return true
		}
	}
	return false
}
