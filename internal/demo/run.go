package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/ewom/ewom/internal/alert"
	"github.com/ewom/ewom/internal/app"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/importer"
)

// Options configure a demo run.
type Options struct {
	// Config is the service configuration; its brands are replaced by the
	// demo's and its sources removed (the demo needs no internet).
	Config config.Config
	Seed   uint64
	// End is the end of the generated week; zero means now.
	End time.Time
	// Chunk is how many mentions one ingest request carries.
	Chunk      int
	Log        *slog.Logger
	AppOptions []app.Option
}

// Demo is a running service seeded with the demo week.
type Demo struct {
	App      *app.App
	Scenario Scenario
	URL      string // the service's base URL
	Sent     importer.Result
	Took     time.Duration // from the first request to the last mention stored

	opts   Options
	client *importer.Client
	cancel context.CancelFunc
	done   chan error
}

// Start starts the service, streams the generated week through its ingest
// API in publication order and waits until every mention is stored.
func Start(ctx context.Context, o Options) (*Demo, error) {
	if o.End.IsZero() {
		o.End = time.Now()
	}
	if o.Chunk <= 0 {
		o.Chunk = 250
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	cfg := o.Config
	cfg.Brands, cfg.Sources = Brands(), nil
	if !cfg.HasRole("api") || !cfg.HasRole("classify") {
		return nil, errors.New("the demo needs the api and classify roles in this process")
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a, err := app.Start(runCtx, cfg, o.Log, o.AppOptions...)
	if err != nil {
		cancel()
		return nil, err
	}
	d := &Demo{App: a, Scenario: Generate(o.Seed, o.End), URL: "http://" + a.Addr(), opts: o, cancel: cancel, done: make(chan error, 1)}
	d.client = &importer.Client{Server: d.URL, Token: a.Config.HTTP.Token, HTTP: &http.Client{Timeout: time.Minute}, MaxRetries: 5}
	go func() { d.done <- a.Run(runCtx) }()
	start := time.Now()
	if err := d.send(ctx, d.Scenario.Items); err != nil {
		return nil, errors.Join(err, d.Stop())
	}
	if err := d.waitStored(ctx, d.Scenario.Start, d.Scenario.End, len(d.Scenario.Items)); err != nil {
		return nil, errors.Join(err, d.Stop())
	}
	d.Took = time.Since(start)
	// The evaluator's next scheduled run is minutes away; run now the
	// evaluation it will make (of the bucket holding the week's end) so the
	// crisis alert is there when the user looks.
	if err := a.EvaluateAlerts(ctx, d.Scenario.End.Add(alert.Bucket)); err != nil {
		return nil, errors.Join(fmt.Errorf("evaluate alerts: %w", err), d.Stop())
	}
	return d, nil
}

// send posts items in chunks of Options.Chunk and reports the rejections
// of this call (d.Sent keeps counting over all of them).
func (d *Demo) send(ctx context.Context, items []Item) error {
	before := len(d.Sent.Rejected)
	for from := 0; from < len(items); from += d.opts.Chunk {
		part := items[from:min(from+d.opts.Chunk, len(items))]
		recs := make([]importer.Record, len(part))
		for i, it := range part {
			b, err := json.Marshal(it.Mention)
			if err != nil {
				return err
			}
			recs[i] = importer.Record{Line: from + i + 1, JSON: b}
		}
		if err := d.client.SendChunk(ctx, "demo", recs, &d.Sent); err != nil {
			return fmt.Errorf("send demo mentions: %w", err)
		}
	}
	if rejected := d.Sent.Rejected[before:]; len(rejected) > 0 {
		r := rejected[0]
		return fmt.Errorf("the service rejected %d demo mentions; the first, #%d: %s", len(rejected), r.Line, r.Error)
	}
	return nil
}

// waitStored polls the count API until want mentions of [from, to) are stored.
func (d *Demo) waitStored(ctx context.Context, from, to time.Time, want int) error {
	q := url.Values{"from": {from.UTC().Format(time.RFC3339)}, "to": {to.UTC().Add(time.Second).Format(time.RFC3339)}}
	deadline := time.Now().Add(5 * time.Minute)
	var got uint64
	for time.Now().Before(deadline) {
		n, err := d.count(ctx, q)
		if err != nil {
			return err
		}
		if got = n; got >= uint64(want) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("only %d of %d demo mentions stored after 5 minutes", got, want)
}

func (d *Demo) count(ctx context.Context, q url.Values) (uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.URL+"/api/v1/mentions/count?"+q.Encode(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+d.client.Token)
	resp, err := d.client.HTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf("count stored mentions: %w", err)
	}
	defer resp.Body.Close()
	var v struct{ Count uint64 }
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("count stored mentions: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return 0, fmt.Errorf("count stored mentions: %w", err)
	}
	return v.Count, nil
}

// Live keeps the demo alive until ctx ends: every interval it posts the
// mentions the scenario has for the time that passed (the crisis fading,
// everyday chatter going on).
func (d *Demo) Live(ctx context.Context, every time.Duration) error {
	last := d.Scenario.End
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-d.done:
			d.done <- err
			return fmt.Errorf("service stopped: %w", err)
		case now := <-t.C:
			items := Live(d.opts.Seed, d.Scenario.End, last, now)
			last = now
			if err := d.send(ctx, items); err != nil && ctx.Err() == nil {
				d.opts.Log.Warn("demo: live mentions not sent", "err", err)
			}
		}
	}
}

// Stop shuts the service down gracefully.
func (d *Demo) Stop() error {
	d.cancel()
	return <-d.done
}
