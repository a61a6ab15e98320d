package classify

import (
	_ "embed"
	"strconv"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

//go:embed testdata/mentions.tsv
var labelledTSV string

// BenchCorpus returns a mixed Finnish/English/Swedish corpus of mentions
// of about targetBytes of text each, built from the hand-written labelled
// set, for `ewom bench-classify` and the Go benchmarks.
func BenchCorpus(targetBytes int) []mention.Mention {
	published := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var out []mention.Mention
	var cur *mention.Mention
	for line := range strings.Lines(labelledTSV) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(strings.TrimRight(line, "\n"), "\t")
		if len(f) != 11 {
			continue
		}
		if cur == nil {
			out = append(out, mention.Mention{Source: f[0], Author: mention.Author{Handle: dashEmpty(f[1])}, URL: dashEmpty(f[2]), PublishedAt: published})
			cur = &out[len(out)-1]
			if r, err := strconv.ParseFloat(f[3], 64); err == nil {
				cur.Rating = &r
			}
		}
		if cur.Text != "" {
			cur.Text += " "
		}
		cur.Text += f[10]
		if len(cur.Text) >= targetBytes {
			cur = nil
		}
	}
	return out
}

// BenchBrands are the three brands the throughput target is measured with
// (issue #15: a ~300-byte mention with 3 configured brands): one with an
// owned domain and account, one plain, one with an exclusion.
func BenchBrands() []config.Brand {
	return []config.Brand{
		{Name: "TietokoneKoijarit", Owned: config.Owned{Domains: []string{"tietokonekoijarit.fi"}, Accounts: []string{"mastodon:@tk@mastodon.social"}}},
		{Name: "Finnair"},
		{Name: "Apple", Exclude: []string{"apple pie"}},
	}
}

func dashEmpty(s string) string {
	if s == "-" {
		return ""
	}
	return s
}
