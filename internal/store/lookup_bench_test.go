package store_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/memstat"
	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

// BenchmarkExistingIDs measures the id check the worker runs before each
// insert, against a week of stored ids (300,000 rows in mention_ids, one
// every two seconds), with a batch of 5,000 ids: half of them stored, half
// new. "week" spreads the batch over the whole week, so its time bound
// covers the index (a re-import, redeliveries of an old backlog); "recent"
// is a live batch, its ids new and within the last minutes. Each form the
// engines could run is timed beside the store's own (ExistingIDs), and all
// must find exactly the stored half:
//
//   - has: has(splitByChar(',', '<ids>'), mention_id)
//   - in-arrayjoin: mention_id IN (SELECT arrayJoin(splitByChar(',', '<ids>')))
//   - in-list: mention_id IN ('<id>', …), a literal per id
//
// cpu-ms/op is this process's CPU: all of it on the embedded engine, the
// client's share on a server. Run it with go test ./internal/store/ -run '^$' -bench ExistingIDs.
func BenchmarkExistingIDs(b *testing.B) {
	const stored, batch = 300000, 5000
	week := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	idOf := func(n int) string { sum := md5.Sum([]byte(strconv.Itoa(n))); return hex.EncodeToString(sum[:]) }
	atOf := func(n int) time.Time { return week.Add(time.Duration(n) * 2 * time.Second) }
	cases := []struct {
		name     string
		ids      []string
		from, to time.Time
		want     int
	}{{name: "week", from: week, to: atOf(stored)}, {name: "recent", from: atOf(stored - batch/2), to: atOf(stored + batch/2)}}
	for i := range batch / 2 {
		// week: every 120th stored id and as many new ones over the week;
		// recent: the last 2,500 stored and the next 2,500.
		cases[0].ids = append(cases[0].ids, idOf(i*stored/(batch/2)), idOf(stored+i))
		cases[1].ids = append(cases[1].ids, idOf(stored-batch/2+i), idOf(stored+i))
	}
	cases[0].want, cases[1].want = batch/2, batch/2
	for _, e := range storetest.Engines(b) {
		s := e.Store
		ctx := context.Background()
		if err := s.Exec(ctx, "INSERT INTO "+s.Table("mention_ids")+" (mention_id, published_at) SELECT lower(hex(MD5(toString(number)))),"+
			" toDateTime("+strconv.FormatInt(week.Unix(), 10)+" + number * 2, 'UTC') FROM numbers("+strconv.Itoa(stored)+")"); err != nil {
			b.Fatal(err)
		}
		if err := s.Exec(ctx, "OPTIMIZE TABLE "+s.Table("mention_ids")+" FINAL"); err != nil {
			b.Fatal(err)
		}
		// Read once, so the first form timed does not pay for a cold cache.
		if _, err := s.Query(ctx, "SELECT uniqExact(mention_id) AS n FROM "+s.Table("mention_ids")); err != nil {
			b.Fatal(err)
		}
		sqlForm := func(cond func(ids []string) string) func(ids []string, from, to time.Time) (map[string]bool, error) {
			return func(ids []string, from, to time.Time) (map[string]bool, error) {
				rows, err := s.Query(ctx, "SELECT DISTINCT mention_id AS id FROM "+s.Table("mention_ids")+" WHERE published_at >= "+store.Time(from)+
					" AND published_at <= "+store.Time(to)+" AND "+cond(ids))
				if err != nil {
					return nil, err
				}
				found := make(map[string]bool, len(rows))
				for _, r := range rows {
					var v struct{ ID string }
					if err := json.Unmarshal(r, &v); err != nil {
						return nil, err
					}
					found[v.ID] = true
				}
				return found, nil
			}
		}
		split := func(ids []string) string { return "splitByChar(',', " + store.Quote(strings.Join(ids, ",")) + ")" }
		forms := []struct {
			name   string
			lookup func(ids []string, from, to time.Time) (map[string]bool, error)
		}{
			{"store", func(ids []string, from, to time.Time) (map[string]bool, error) {
				return s.ExistingIDs(ctx, ids, from, to)
			}},
			{"has", sqlForm(func(ids []string) string { return "has(" + split(ids) + ", mention_id)" })},
			{"in-arrayjoin", sqlForm(func(ids []string) string { return "mention_id IN (SELECT arrayJoin(" + split(ids) + "))" })},
			{"in-list", sqlForm(func(ids []string) string { return "mention_id IN " + store.QuoteList(ids) })},
		}
		for _, c := range cases {
			for _, f := range forms {
				b.Run(e.Name+"/"+c.name+"/"+f.name, func(b *testing.B) {
					cpu := memstat.CPU()
					for b.Loop() {
						found, err := f.lookup(c.ids, c.from, c.to)
						if err != nil {
							b.Fatal(err)
						}
						if len(found) != c.want {
							b.Fatalf("found %d ids, want %d", len(found), c.want)
						}
					}
					// This process's CPU: the whole engine's on chDB, the
					// client's only on a server.
					b.ReportMetric(float64(memstat.CPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
				})
			}
		}
	}
}
