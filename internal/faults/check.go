package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/store"
)

// Check is what the store holds for one run's source once the bus is
// drained.
type Check struct {
	Sent int
	// Stored is uniqExact(mention_id) over the raw table: the exact count.
	Stored int
	// Copies counts rows beyond one per mention × brand: a mention inserted
	// twice, as the raw table holds it until a merge collapses the copies.
	Copies int
	// Brands is uniqExact(mention_id) per brand in the raw table, what the
	// rollups must count; Rollup5m and Rollup1d are their sums per brand.
	Brands, Rollup5m, Rollup1d map[string]int
	// DeadLetters counts the run's messages on the dead-letter stream.
	DeadLetters int
}

// Check reads the counts of source from the store and the bus.
func (topo *Topology) Check(ctx context.Context, source string, sent int) (Check, error) {
	c := Check{Sent: sent}
	where := " WHERE source = " + store.Quote(source)
	var totals []struct {
		Stored int `json:"stored"`
		Rows   int `json:"rows"`
		Keys   int `json:"keys"`
	}
	// 32-bit results: JSON keeps them numbers on every engine.
	if err := topo.query(ctx, &totals, "SELECT toUInt32(uniqExact(mention_id)) AS stored, toUInt32(count()) AS rows,"+
		" toUInt32(uniqExact(mention_id, brand)) AS keys FROM "+topo.Store.Table("mentions")+where); err != nil {
		return c, err
	}
	if len(totals) == 1 {
		c.Stored, c.Copies = totals[0].Stored, totals[0].Rows-totals[0].Keys
	}
	var err error
	if c.Brands, err = topo.perBrand(ctx, "toInt32(uniqExact(mention_id))", "mentions", where); err != nil {
		return c, err
	}
	if c.Rollup5m, err = topo.perBrand(ctx, "toInt32(sum(mentions))", "mentions_5m", where); err != nil {
		return c, err
	}
	if c.Rollup1d, err = topo.perBrand(ctx, "toInt32(sum(mentions))", "mentions_1d", where); err != nil {
		return c, err
	}
	dead := bus.DeadSubjectPrefix + strings.TrimPrefix(bus.Subject(source), bus.RawSubjectPrefix)
	n, err := topo.NATS.Messages(ctx, bus.DeadStream(topo.Stream), dead)
	if err != nil {
		return c, fmt.Errorf("count dead letters: %w", err)
	}
	c.DeadLetters = int(n)
	return c, nil
}

func (topo *Topology) perBrand(ctx context.Context, agg, table, where string) (map[string]int, error) {
	var rows []struct {
		Brand string `json:"brand"`
		N     int    `json:"n"`
	}
	if err := topo.query(ctx, &rows, "SELECT brand, "+agg+" AS n FROM "+topo.Store.Table(table)+where+" GROUP BY brand"); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Brand] = r.N
	}
	return out, nil
}

// query runs q, again for a while when the server does not answer (the
// harness's connection may predate a restart), and decodes its rows into
// out, a pointer to a slice.
func (topo *Topology) query(ctx context.Context, out any, q string) error {
	var rows []json.RawMessage
	err := poll(30*time.Second, func() error {
		var err error
		rows, err = topo.Store.Query(ctx, q)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// Problems lists how the run fell short of exactly once: every mention
// stored, counted once by each rollup, nothing dead-lettered.
func (c Check) Problems() []string {
	var out []string
	if c.Stored != c.Sent {
		out = append(out, fmt.Sprintf("count: %d mentions stored, %d sent", c.Stored, c.Sent))
	}
	if d := diff(c.Rollup5m, c.Brands); d != "" {
		out = append(out, "mentions_5m: "+d)
	}
	if d := diff(c.Rollup1d, c.Brands); d != "" {
		out = append(out, "mentions_1d: "+d)
	}
	if c.DeadLetters > 0 {
		out = append(out, fmt.Sprintf("%d mentions dead-lettered", c.DeadLetters))
	}
	return out
}

// diff names the brands whose rollup count differs from the raw table's,
// with the total difference, or "" when they agree.
func diff(rollup, raw map[string]int) string {
	var parts []string
	total := 0
	keys := slices.Sorted(maps.Keys(raw))
	for k := range rollup {
		if _, ok := raw[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if d := rollup[k] - raw[k]; d != 0 {
			parts = append(parts, fmt.Sprintf("%s %+d", brandName(k), d))
			total += d
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("%+d against the raw table (%s)", total, strings.Join(parts, ", "))
}

func brandName(b string) string {
	if b == "" {
		return "(no brand)"
	}
	return b
}

// Summary is a one-line account of the counts.
func (c Check) Summary() string {
	return fmt.Sprintf("sent %d, stored %d (mention×brand %d, copies awaiting merge %d), rollup 5m %d, 1d %d, dead letters %d",
		c.Sent, c.Stored, sum(c.Brands), c.Copies, sum(c.Rollup5m), sum(c.Rollup1d), c.DeadLetters)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
