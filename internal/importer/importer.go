// Package importer reads mention files (JSON Lines or CSV with a header of
// the contract's field names) and sends them to a running ewom's ingest API
// in chunks, reporting rejections by file line.
package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Record is one mention as JSON with the file line it came from.
type Record struct {
	Line int
	JSON []byte
	Err  error // set when the line could not even be turned into JSON
}

// Read detects the format (CSV when the name ends in .csv or the first line
// is not JSON) and streams records to fn.
func Read(name string, r io.Reader, fn func(Record) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	first, _ := br.Peek(1)
	if strings.HasSuffix(strings.ToLower(name), ".csv") || (len(first) > 0 && first[0] != '{' && first[0] != '[' && first[0] != ' ' && first[0] != '\n') {
		return readCSV(br, fn)
	}
	return readJSONL(br, fn)
}

const maxLine = 16 << 20

func readJSONL(r io.Reader, fn func(Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		rec := Record{Line: line, JSON: append([]byte(nil), b...)}
		if !utf8.Valid(b) {
			rec.Err = errors.New("invalid UTF-8")
		} else if !json.Valid(b) {
			rec.Err = errors.New("invalid JSON")
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("line %d: %w", line+1, err)
	}
	return nil
}

// nested maps CSV columns to the contract's nested objects.
var nested = map[string][2]string{
	"author_handle": {"author", "handle"}, "author_name": {"author", "name"}, "author_url": {"author", "url"},
	"author_followers": {"author", "followers"}, "engagement_likes": {"engagement", "likes"},
	"engagement_reposts": {"engagement", "reposts"}, "engagement_replies": {"engagement", "replies"},
	"likes": {"engagement", "likes"}, "reposts": {"engagement", "reposts"}, "replies": {"engagement", "replies"},
}

var numeric = map[string]bool{"followers": true, "likes": true, "reposts": true, "replies": true, "rating": true}

func readCSV(r io.Reader, fn func(Record) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("CSV header: %w", err)
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
	}
	for {
		fields, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if err := fn(Record{Line: pe.StartLine, Err: fmt.Errorf("CSV: %v", pe.Err)}); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if err := fn(csvRecord(line, header, fields)); err != nil {
			return err
		}
	}
}

func csvRecord(line int, header, fields []string) Record {
	if len(fields) != len(header) {
		return Record{Line: line, Err: fmt.Errorf("%d fields, header has %d", len(fields), len(header))}
	}
	obj := map[string]any{}
	for i, name := range header {
		v := fields[i]
		if v == "" || name == "" {
			continue
		}
		if !utf8.ValidString(v) {
			return Record{Line: line, Err: fmt.Errorf("column %s: invalid UTF-8", name)}
		}
		key, parent := name, ""
		if n, ok := nested[name]; ok {
			parent, key = n[0], n[1]
		}
		var val any = v
		if numeric[key] {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return Record{Line: line, Err: fmt.Errorf("column %s: %q is not a number", name, v)}
			}
			val = f
		}
		if parent == "" {
			obj[key] = val
			continue
		}
		sub, _ := obj[parent].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			obj[parent] = sub
		}
		sub[key] = val
	}
	b, err := json.Marshal(obj)
	return Record{Line: line, JSON: b, Err: err}
}

// Result summarises an import.
type Result struct {
	Accepted, Failed int
	// Duplicates are mentions whose id the service had already received:
	// not stored again.
	Duplicates int
	Rejected   []Rejected
	// Unlisted counts rejections the service counted but did not name (it
	// names the first 1,000 of a request).
	Unlisted int
}

// Rejected is a line the service (or the reader) refused, with why.
type Rejected struct {
	File  string
	Line  int
	Error string
}

// Client sends records to the ingest API.
type Client struct {
	Server string // base URL, e.g. http://127.0.0.1:8080
	Token  string
	HTTP   *http.Client
	// MaxRetries bounds retries of a chunk the server could not persist (503) or could not be reached.
	MaxRetries int
	// Log, when set, gets a line for each chunk sent again.
	Log *slog.Logger
}

type ingestResponse struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Rejected   []struct {
		Index int    `json:"index"`
		Error string `json:"error"`
	} `json:"rejected"`
	RejectedTotal int    `json:"rejected_total"`
	Failed        int    `json:"failed"`
	Error         string `json:"error"`
}

// SendChunk posts records as NDJSON and maps rejections back to their lines.
// Server-side failures are retried with backoff (at least the server's
// Retry-After), since accepted mentions are deduplicated by id and a retry
// cannot store anything twice; each retry is logged.
func (c *Client) SendChunk(ctx context.Context, file string, recs []Record, res *Result) error {
	var body bytes.Buffer
	for _, r := range recs {
		body.Write(r.JSON)
		body.WriteByte('\n')
	}
	var resp ingestResponse
	var lastErr error
	for attempt := 0; ; attempt++ {
		code, retryAfter, err := c.post(ctx, body.Bytes(), &resp)
		switch {
		case err != nil:
			lastErr = err
		case code == http.StatusUnauthorized:
			return fmt.Errorf("server refused the token (401): set EWOM_TOKEN or --token-file to the service's API token")
		case code == http.StatusServiceUnavailable || code >= 500:
			lastErr = fmt.Errorf("server answered %d: %s", code, resp.Error)
		case code == http.StatusRequestEntityTooLarge:
			return fmt.Errorf("chunk too large for the server (413): use a smaller --chunk")
		case code != http.StatusOK && code != http.StatusUnprocessableEntity:
			return fmt.Errorf("server answered %d: %s", code, resp.Error)
		default:
			c.tally(file, recs, &resp, res)
			return nil
		}
		if attempt == c.MaxRetries {
			break
		}
		wait := max(time.Duration(1<<min(attempt+1, 5))*500*time.Millisecond, retryAfter)
		if c.Log != nil {
			c.Log.Warn("re-sending chunk", "file", file, "lines", fmt.Sprintf("%d-%d", recs[0].Line, recs[len(recs)-1].Line),
				"mentions", len(recs), "attempt", attempt+2, "of", c.MaxRetries+1, "in", wait, "err", lastErr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	res.Failed += len(recs)
	return fmt.Errorf("giving up on %d mentions after %d attempts: %w", len(recs), c.MaxRetries+1, lastErr)
}

// tally adds an answer's counts to res, rejections named by file line.
func (c *Client) tally(file string, recs []Record, resp *ingestResponse, res *Result) {
	res.Accepted += resp.Accepted
	res.Duplicates += resp.Duplicates
	res.Unlisted += max(0, resp.RejectedTotal-len(resp.Rejected))
	for _, rj := range resp.Rejected {
		line := 0
		if rj.Index >= 0 && rj.Index < len(recs) {
			line = recs[rj.Index].Line
		}
		res.Rejected = append(res.Rejected, Rejected{File: file, Line: line, Error: rj.Error})
	}
}

// post sends one chunk; it returns the status, the answer's Retry-After (0
// when it has none) and an error when no answer came or it was unreadable.
func (c *Client) post(ctx context.Context, body []byte, out *ingestResponse) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.Server, "/")+"/api/v1/mentions", bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var retryAfter time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = time.Duration(min(s, 300)) * time.Second
	}
	*out = ingestResponse{}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out); err != nil {
		return resp.StatusCode, retryAfter, fmt.Errorf("unreadable answer (%d): %w", resp.StatusCode, err)
	}
	return resp.StatusCode, retryAfter, nil
}
