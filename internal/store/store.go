// Package store keeps classified mentions in ClickHouse: embedded chDB by
// default, or a ClickHouse server over the native protocol. Both engines run
// the same SQL; migrations are gated on what the engine's version supports.
package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Row is one mention × matched brand (brand "" when none matched).
type Row struct {
	MentionID             string
	Brand                 string
	Source                string
	SourceID              string
	URL                   string
	Title                 string
	Text                  string
	AuthorHandle          string
	AuthorName            string
	AuthorURL             string
	AuthorFollowers       uint64
	PublishedAt           time.Time
	IngestedAt            time.Time
	Lang                  string
	SourceLang            string
	Rating                *float32
	Likes                 uint64
	Reposts               uint64
	Replies               uint64
	ParentURL             string
	Sentiment             string
	SentimentScore        float32
	SentimentUnscored     bool
	Touchpoint            string
	TouchpointReason      string
	UndisclosedCommercial bool
	JourneyStage          string
	Brands                []string
	ClassifierVersion     string
	Explanation           string // JSON array of evidence, when recorded
	Raw                   string // the mention JSON as received, unknown fields included
	// Version orders rewrites of a mention (reclassification); 0 means the
	// ingest time.
	Version uint64
	// Terms are the row's lemmas and phrases (internal/terms), TermForms
	// the form of each to show ("" when it is the term itself), and
	// TermsVersion the extraction rules' version; Story is the id of the
	// row's near-duplicate group (docs/topics.md).
	Terms        []string
	TermForms    []string
	TermsVersion string
	Story        uint64
}

func (r *Row) version() uint64 {
	if r.Version != 0 {
		return r.Version
	}
	return uint64(r.IngestedAt.UnixNano())
}

// Size estimates the bytes the row adds to an insert, for byte-based batch
// flushing and buffer sizing.
func (r *Row) Size() int {
	n := 256 + len(r.Text) + len(r.Title) + len(r.URL) + len(r.Raw) + len(r.Explanation) + len(r.TouchpointReason)
	for _, t := range r.Terms {
		n += 1 + len(t)
	}
	for _, t := range r.TermForms {
		n += 1 + len(t)
	}
	return n
}

// Store is what the pipeline, API and alerting need from ClickHouse.
type Store interface {
	// Migrate applies pending schema migrations and returns their names.
	Migrate(ctx context.Context) ([]string, error)
	// PendingMigrations names the migrations Migrate would apply.
	PendingMigrations(ctx context.Context) ([]string, error)
	// ExistingIDs returns which of ids are already stored. All of them were
	// published within [from, to]; the bound keeps the lookup to the index
	// granules of that time range however large the store grows.
	ExistingIDs(ctx context.Context, ids []string, from, to time.Time) (map[string]bool, error)
	// Insert writes rows in one batch; it returns after the engine committed them.
	Insert(ctx context.Context, rows []Row) error
	// CountMentions counts distinct mentions published in [from, to), for one brand or all ("").
	CountMentions(ctx context.Context, from, to time.Time, brand string) (uint64, error)
	// Query runs a SELECT and returns its rows as JSON objects, one per row.
	Query(ctx context.Context, q string) ([]json.RawMessage, error)
	// Exec runs a statement that returns nothing.
	Exec(ctx context.Context, q string) error
	// Ping checks that the engine answers.
	Ping(ctx context.Context) error
	// Retract removes the rows of the given mentions whose version is at most
	// maxVersion, and subtracts them from the rollup; it returns the number
	// of rows removed.
	Retract(ctx context.Context, ids []string, maxVersion uint64) (int, error)
	// Info names the engine and its version, e.g. "chdb 26.7.2.1".
	Info() Info
	// Table qualifies a table name with the store's database.
	Table(name string) string
	Close() error
}

// Info describes the engine behind a store.
type Info struct {
	Engine   string // "chdb" or "clickhouse"
	Version  string
	Database string
}

// Quote returns s as a ClickHouse string literal. All values reach SQL
// through Quote or numeric formatting: old servers lack query parameters.
func Quote(s string) string {
	var sb strings.Builder
	sb.Grow(len(s) + 2)
	sb.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '\'':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case 0:
			sb.WriteString(`\0`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('\'')
	return sb.String()
}

// Time returns t as a UTC DateTime expression valid on every supported engine.
func Time(t time.Time) string {
	return "toDateTime(" + strconv.FormatInt(t.Unix(), 10) + ", 'UTC')"
}

// QuoteList returns a parenthesised list of string literals for IN (...).
func QuoteList(ss []string) string {
	var sb strings.Builder
	sb.WriteByte('(')
	for i, s := range ss {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(Quote(s))
	}
	sb.WriteByte(')')
	return sb.String()
}

// common implements the engine-independent parts of Store on top of an engine.
type common struct {
	engine
	db      string
	cluster string // store.cluster: "" on one server (see cluster.go)
	info    Info
	caps    capabilities
}

// engine is the small surface each ClickHouse flavour provides.
type engine interface {
	exec(ctx context.Context, q string) error
	queryJSON(ctx context.Context, q string) ([]json.RawMessage, error)
	insertRows(ctx context.Context, table string, rows []Row) error
	// existingIDs returns which of ids the index table holds with
	// published_at in [from, to].
	existingIDs(ctx context.Context, index string, ids []string, from, to time.Time) (map[string]bool, error)
	ping(ctx context.Context) error
	close() error
}

func (c *common) Table(name string) string { return "`" + c.db + "`." + name }
func (c *common) Info() Info               { return c.info }
func (c *common) Close() error             { return c.close() }
func (c *common) Ping(ctx context.Context) error {
	return c.ping(ctx)
}
func (c *common) Exec(ctx context.Context, q string) error { return c.exec(ctx, q) }
func (c *common) Query(ctx context.Context, q string) ([]json.RawMessage, error) {
	return c.queryJSON(ctx, q)
}

// count runs q, a query of one row whose column n is a count, and returns
// the count.
func (c *common) count(ctx context.Context, q string) (int, error) {
	rows, err := c.queryJSON(ctx, q)
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 {
		return 0, fmt.Errorf("%s: %d rows, want 1", q, len(rows))
	}
	var n struct{ N int }
	if err := json.Unmarshal(rows[0], &n); err != nil {
		return 0, fmt.Errorf("%s: read the count: %w", q, err)
	}
	return n.N, nil
}

func (c *common) Insert(ctx context.Context, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	if err := c.insertRows(ctx, c.Table("mentions"), rows); err != nil {
		return fmt.Errorf("insert %d rows into %s: %w", len(rows), c.Table("mentions"), err)
	}
	return nil
}

func (c *common) ExistingIDs(ctx context.Context, ids []string, from, to time.Time) (map[string]bool, error) {
	found, err := c.existingIDs(ctx, c.Table("mention_ids"), ids, from, to)
	if err != nil {
		return nil, fmt.Errorf("look up %d stored mention ids: %w", len(ids), err)
	}
	return found, nil
}

// lookupTable names the table the ids of one existingIDs call travel in:
// an engine session's temporary table, or a server query's external data.
const lookupTable = "ewom_id_lookup"

// lookupQuery selects which ids of lookupTable the index table holds with
// published_at in [from, to]. The ids travel as data (a Native block), not
// as SQL: a literal of 5,000 ids costs the parser more than the lookup, and
// has() on an array of them took 18.16 a linear search per index row (24 s
// against a week's 300,000 ids, BenchmarkExistingIDs), where IN builds a set.
func lookupQuery(index string, from, to time.Time) string {
	return "SELECT DISTINCT mention_id FROM " + index + " WHERE published_at >= " + Time(from) +
		" AND published_at <= " + Time(to) + " AND mention_id IN " + lookupTable
}

func (c *common) CountMentions(ctx context.Context, from, to time.Time, brand string) (uint64, error) {
	q := "SELECT uniqExact(mention_id) AS n FROM " + c.Table("mentions") +
		" WHERE published_at >= " + Time(from) + " AND published_at < " + Time(to)
	if brand != "" {
		q += " AND brand = " + Quote(brand)
	}
	rows, err := c.queryJSON(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("count mentions: %w", err)
	}
	var v struct {
		N json.Number `json:"n"`
	}
	if len(rows) != 1 {
		return 0, fmt.Errorf("count mentions: %d result rows", len(rows))
	}
	if err := json.Unmarshal(rows[0], &v); err != nil {
		return 0, err
	}
	return strconv.ParseUint(v.N.String(), 10, 64)
}
