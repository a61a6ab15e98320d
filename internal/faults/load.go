package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ewom/ewom/internal/classify"
	"github.com/ewom/ewom/internal/mention"
)

// Mentions are the mentions of one run: distinct ids under a source of the
// run's own (so the checks count the run's rows only), published one
// millisecond apart from Start, each about 300 bytes of mixed
// Finnish/English text naming the configured brands.
type Mentions struct {
	Source string
	Start  time.Time
	corpus []mention.Mention
}

// NewMentions returns the generator of a run.
func NewMentions(source string, start time.Time) Mentions {
	return Mentions{Source: source, Start: start.UTC().Truncate(time.Second), corpus: classify.BenchCorpus(300)}
}

// At returns the i-th mention; the same i gives the same mention (and id).
func (g Mentions) At(i int) mention.Mention {
	m := g.corpus[i%len(g.corpus)]
	m.Source = g.Source
	m.ID = strconv.Itoa(i)
	m.PublishedAt = g.Start.Add(time.Duration(i) * time.Millisecond)
	return m
}

// ndjson is the request body of mentions [from, to).
func (g Mentions) ndjson(from, to int) ([]byte, error) {
	var b bytes.Buffer
	for i := from; i < to; i++ {
		m := g.At(i)
		j, err := m.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// Load imports mentions through POST /api/v1/mentions as a client would:
// in chunks, several requests at a time, each request bounded by Timeout,
// and a chunk sent again (same ids) until the service has taken every
// mention in it, accepted or known already.
type Load struct {
	Mentions Mentions
	N        int
	Chunk    int
	Senders  int
	// Timeout bounds one request; a request without an answer by then is
	// counted as Unanswered and sent again.
	Timeout time.Duration
	// Stall ends the import with an error once no chunk was taken for so
	// long.
	Stall time.Duration
	// API returns the ingest server's base URL (it may move on restart).
	API   func() string
	Token string
	// Pace, when set, is called before the chunk starting at mention from
	// is handed to a sender (in order); it may hold the import back.
	Pace func(ctx context.Context, from int) error
}

// LoadStats is what the client saw.
type LoadStats struct {
	Requests int
	// OK answered 200 with every mention taken; Unavailable 503.
	OK, Unavailable int
	// OtherStatus counts other answers (besides 503) that asked for a retry.
	OtherStatus int
	// ConnErrors counts requests refused or cut off (a process down).
	ConnErrors int
	// Unanswered counts requests without an answer within the timeout.
	Unanswered int
	// Accepted and Duplicates sum the answers' counts, retries included:
	// a mention accepted once and then reported duplicate on a retry is in
	// both.
	Accepted, Duplicates int
	// MaxLatency is the longest answered request.
	MaxLatency time.Duration
	Elapsed    time.Duration
	// LastError is the last failed request's error or status.
	LastError string
}

// add sums two imports' figures.
func (a LoadStats) add(b LoadStats) LoadStats {
	a.Requests += b.Requests
	a.OK += b.OK
	a.Unavailable += b.Unavailable
	a.OtherStatus += b.OtherStatus
	a.ConnErrors += b.ConnErrors
	a.Unanswered += b.Unanswered
	a.Accepted += b.Accepted
	a.Duplicates += b.Duplicates
	a.MaxLatency = max(a.MaxLatency, b.MaxLatency)
	a.Elapsed += b.Elapsed
	if b.LastError != "" {
		a.LastError = b.LastError
	}
	return a
}

// ingestAnswer is the part of the ingest API's answer the client reads.
type ingestAnswer struct {
	Accepted      int    `json:"accepted"`
	Duplicates    int    `json:"duplicates"`
	RejectedTotal int    `json:"rejected_total"`
	Failed        int    `json:"failed"`
	Error         string `json:"error"`
}

// loadState is what the goroutines of one Load.Run share.
type loadState struct {
	mu        sync.Mutex
	st        LoadStats
	taken     int
	lastTaken time.Time
	holding   bool // Pace holds the import back: no progress is due
	err       error
}

// fail records the first error.
func (s *loadState) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// Run sends every chunk and returns once all were taken, one failed for
// good, none was taken for Stall, or ctx ends.
func (l Load) Run(ctx context.Context) (LoadStats, error) {
	s := &loadState{lastTaken: time.Now()}
	begin := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan [2]int)
	go func() {
		defer close(chunks)
		for from := 0; from < l.N; from += l.Chunk {
			if l.Pace != nil {
				s.mu.Lock()
				s.holding = true
				s.mu.Unlock()
				err := l.Pace(ctx, from)
				s.mu.Lock()
				s.holding, s.lastTaken = false, time.Now()
				s.mu.Unlock()
				if err != nil {
					return
				}
			}
			select {
			case chunks <- [2]int{from, min(from+l.Chunk, l.N)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			s.mu.Lock()
			if !s.holding && time.Since(s.lastTaken) > l.Stall {
				s.fail(fmt.Errorf("no chunk taken for %s (last error: %s)", l.Stall, s.st.LastError))
				cancel()
			}
			s.mu.Unlock()
		}
	}()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: l.Senders}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	for range l.Senders {
		wg.Go(func() {
			for c := range chunks {
				err := l.sendChunk(ctx, client, c[0], c[1], s)
				s.mu.Lock()
				if err != nil {
					s.fail(err)
					cancel()
				} else {
					s.taken += c[1] - c[0]
					s.lastTaken = time.Now()
				}
				s.mu.Unlock()
			}
		})
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Elapsed = time.Since(begin)
	if s.err == nil && s.taken < l.N {
		s.fail(fmt.Errorf("%d of %d mentions taken: %w", s.taken, l.N, ctx.Err()))
	}
	return s.st, s.err
}

// sendChunk posts mentions [from, to) until the service took all of them.
func (l Load) sendChunk(ctx context.Context, client *http.Client, from, to int, s *loadState) error {
	body, err := l.Mentions.ndjson(from, to)
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("mentions %d..%d not taken: %w", from, to-1, err)
		}
		code, ans, latency, err := l.post(ctx, client, body)
		s.mu.Lock()
		st := &s.st
		st.Requests++
		wait := time.Duration(0)
		switch {
		case err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			st.Unanswered++
			st.LastError = fmt.Sprintf("no answer within %s", l.Timeout)
		case err != nil:
			st.ConnErrors++
			st.LastError = err.Error()
			wait = 250 * time.Millisecond
		case code == http.StatusOK && ans.Accepted+ans.Duplicates == to-from:
			st.OK++
			st.Accepted += ans.Accepted
			st.Duplicates += ans.Duplicates
			st.MaxLatency = max(st.MaxLatency, latency)
			s.mu.Unlock()
			return nil
		case code == http.StatusServiceUnavailable:
			st.Unavailable++
			st.Accepted += ans.Accepted
			st.Duplicates += ans.Duplicates
			st.MaxLatency = max(st.MaxLatency, latency)
			st.LastError = fmt.Sprintf("503: %s", ans.Error)
			wait = time.Second
		case code >= 500:
			st.OtherStatus++
			st.MaxLatency = max(st.MaxLatency, latency)
			st.LastError = fmt.Sprintf("%d: %s", code, ans.Error)
			wait = time.Second
		default:
			s.mu.Unlock()
			return fmt.Errorf("mentions %d..%d: answer %d (accepted %d, duplicates %d, rejected %d): %s",
				from, to-1, code, ans.Accepted, ans.Duplicates, ans.RejectedTotal, ans.Error)
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// post sends one request bounded by l.Timeout.
func (l Load) post(ctx context.Context, client *http.Client, body []byte) (int, ingestAnswer, time.Duration, error) {
	var ans ingestAnswer
	ctx, cancel := context.WithTimeout(ctx, l.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.API()+"/api/v1/mentions", bytes.NewReader(body))
	if err != nil {
		return 0, ans, 0, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+l.Token)
	begin := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, ans, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, ans, 0, err
	}
	latency := time.Since(begin)
	if err := json.Unmarshal(b, &ans); err != nil {
		return resp.StatusCode, ans, latency, fmt.Errorf("answer %d is not the ingest API's: %.200s", resp.StatusCode, b)
	}
	return resp.StatusCode, ans, latency, nil
}
