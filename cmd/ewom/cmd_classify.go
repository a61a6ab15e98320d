package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

func init() {
	register("classify", "classify mentions from stdin (JSON lines, only text needed, or plain text) to JSON lines", runClassify)
}

// maxClassifyLine bounds one input line: a mention's text limit plus room
// for the other fields.
const maxClassifyLine = mention.MaxTextBytes + 64<<10

func runClassify(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "classify")
	cfgPath := fs.String("config", "", "config file with the brands to match (optional)")
	explain := fs.Bool("explain", false, "add the evidence behind each label")
	fs.Usage = func() {
		fmt.Fprint(env.stderr, `usage: ewom classify [--config FILE] [--explain] < input

Reads one mention a line from stdin and writes it, classified, as a JSON line
to stdout. A line is a mention JSON object or plain text (the text of a
mention). It is a dry run, so what the classifier does not need is defaulted:
a missing "source" is "stdin" and a missing "published_at" is now, so
{"text": "..."} is enough; text or title is required.

flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q: input is read from stdin", fs.Args())
	}
	var brands []config.Brand
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return usagef("%v", err)
		}
		brands = cfg.Brands
	}
	c, err := classify.New(brands)
	if err != nil {
		return usagef("%v", err)
	}
	label := c.Classify
	if *explain {
		label = c.Explain
	}
	out := bufio.NewWriter(env.stdout)
	defer out.Flush()
	sc := bufio.NewScanner(env.stdin)
	sc.Buffer(make([]byte, 0, 64<<10), maxClassifyLine)
	failed := 0
	for lineNo := 1; sc.Scan(); lineNo++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		m, err := parseInputLine(line)
		if err != nil {
			failed++
			fmt.Fprintf(env.stderr, "ewom classify: line %d: %v\n", lineNo, err)
			continue
		}
		b, err := json.Marshal(mention.Classified{Mention: m, MentionID: m.Key(), Classification: label(&m)})
		if err != nil {
			failed++
			fmt.Fprintf(env.stderr, "ewom classify: line %d: %v\n", lineNo, err)
			continue
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	if failed > 0 {
		return fmt.Errorf("%d input line(s) failed", failed)
	}
	return nil
}

// parseInputLine reads a mention JSON object, or takes the line as the text
// of a mention. A missing source is "stdin", a missing publication time
// now: the classifier needs neither.
func parseInputLine(line []byte) (mention.Mention, error) {
	m := mention.Mention{Text: string(line)}
	if line[0] == '{' {
		var err error
		if m, err = mention.Decode(line); err != nil {
			return m, err
		}
	}
	if strings.TrimSpace(m.Source) == "" {
		m.Source = "stdin"
	}
	if m.PublishedAt.IsZero() {
		m.PublishedAt = time.Now().UTC().Truncate(time.Second)
	}
	return m, m.Validate()
}
