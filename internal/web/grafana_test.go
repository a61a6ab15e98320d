package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ewom/ewom/internal/store"
	"github.com/ewom/ewom/internal/store/storetest"
)

const grafanaDir = "../../dashboards/grafana"

// grafanaQuery is one SQL text of a dashboard: a panel target, a template
// variable or an annotation.
type grafanaQuery struct {
	where string
	sql   string
}

// grafanaQueries walks a dashboard's JSON for every SQL it runs.
func grafanaQueries(t *testing.T, path string) []grafanaQuery {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title      string `json:"title"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				RawSQL string `json:"rawSql"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name, Type string
				Query      any `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Annotations struct {
			List []struct {
				Name   string `json:"name"`
				Target struct {
					RawSQL string `json:"rawSql"`
				} `json:"target"`
			} `json:"list"`
		} `json:"annotations"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var qs []grafanaQuery
	for _, p := range d.Panels {
		if p.Datasource.UID != "ewom-clickhouse" {
			t.Errorf("%s: panel %q does not use the provisioned data source", path, p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: panel %q has no query", path, p.Title)
		}
		for _, tg := range p.Targets {
			qs = append(qs, grafanaQuery{"panel " + p.Title, tg.RawSQL})
		}
	}
	for _, v := range d.Templating.List {
		if q, ok := v.Query.(string); ok && v.Type == "query" {
			qs = append(qs, grafanaQuery{"variable " + v.Name, q})
		}
	}
	for _, a := range d.Annotations.List {
		qs = append(qs, grafanaQuery{"annotation " + a.Name, a.Target.RawSQL})
	}
	return qs
}

var (
	timeFilterRE  = regexp.MustCompile(`\$__timeFilter\(([^)]+)\)`)
	singleQuoteRE = regexp.MustCompile(`\$\{(\w+):singlequote\}`)
	rawRE         = regexp.MustCompile(`\$\{(\w+):raw\}`)
)

// expandGrafana expands the grafana-clickhouse-datasource macros and the
// dashboard's variables as the plugin does: vars maps a variable to its
// selected values, nil meaning "All".
func expandGrafana(sql string, s store.Store, from, to time.Time, interval time.Duration, vars map[string][]string) (string, error) {
	sql = strings.ReplaceAll(sql, "${database}.", s.Table(""))
	sql = timeFilterRE.ReplaceAllStringFunc(sql, func(m string) string {
		col := timeFilterRE.FindStringSubmatch(m)[1]
		return fmt.Sprintf("%s >= toDateTime(%d) AND %s <= toDateTime(%d)", col, from.Unix(), col, to.Unix())
	})
	sql = strings.ReplaceAll(sql, "$__fromTime", fmt.Sprintf("toDateTime(%d)", from.Unix()))
	sql = strings.ReplaceAll(sql, "$__toTime", fmt.Sprintf("toDateTime(%d)", to.Unix()))
	sql = strings.ReplaceAll(sql, "$__interval_s", strconv.Itoa(int(interval.Seconds())))
	// $__conditionalAll(condition, $var): the condition, or 1=1 for All.
	for {
		i := strings.Index(sql, "$__conditionalAll(")
		if i < 0 {
			break
		}
		depth, j := 0, i+len("$__conditionalAll")
		for ; j < len(sql); j++ {
			if sql[j] == '(' {
				depth++
			} else if sql[j] == ')' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		if j == len(sql) {
			return "", fmt.Errorf("unbalanced $__conditionalAll")
		}
		args := sql[i+len("$__conditionalAll(") : j]
		k := strings.LastIndex(args, ",")
		cond, v := strings.TrimSpace(args[:k]), strings.TrimPrefix(strings.TrimSpace(args[k+1:]), "$")
		repl := "1=1"
		if vars[v] != nil {
			repl = cond
		}
		sql = sql[:i] + repl + sql[j+1:]
	}
	sql = singleQuoteRE.ReplaceAllStringFunc(sql, func(m string) string {
		vs := vars[singleQuoteRE.FindStringSubmatch(m)[1]]
		return strings.Trim(store.QuoteList(vs), "()")
	})
	// ${var:raw}: the value as it is, or the variable's allValue for All;
	// last, as Grafana does not expand what a value holds (a search's
	// patterns hold $).
	raws := rawRE.FindAllStringSubmatch(sql, -1)
	sql = rawRE.ReplaceAllString(sql, "\x00")
	if strings.Contains(sql, "$") {
		return "", fmt.Errorf("unexpanded macro or variable in %s", sql)
	}
	for _, m := range raws {
		v := "1 = 1"
		if vs := vars[m[1]]; vs != nil {
			v = strings.Join(vs, ",")
		}
		sql = strings.Replace(sql, "\x00", v, 1)
	}
	return sql, nil
}

// TestGrafanaDashboards runs every panel, variable and annotation query of
// dashboards/grafana on both engines, with "All" and with a brand chosen.
func TestGrafanaDashboards(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(grafanaDir, "dashboards", "*.json"))
	if err != nil || len(files) != 3 {
		t.Fatalf("want the overview, journey and alerts dashboards, found %v (%v)", files, err)
	}
	for _, p := range []string{"provisioning/datasources/ewom-clickhouse.yaml", "provisioning/dashboards/ewom.yaml"} {
		b, err := os.ReadFile(filepath.Join(grafanaDir, p))
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			APIVersion int `yaml:"apiVersion"`
		}
		if err := yaml.Unmarshal(b, &v); err != nil || v.APIVersion != 1 {
			t.Fatalf("%s: %v (apiVersion %d)", p, err, v.APIVersion)
		}
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			seed(t, e.Store, 120)
			ctx := context.Background()
			fired := weekStart.Add(3 * 24 * time.Hour)
			if err := e.Store.Exec(ctx, "INSERT INTO "+e.Store.Table("alerts")+" (id, fingerprint, kind, brand, segment_kind, segment_value,"+
				" state, severity, started_at, fired_at, updated_at, resolved_at, notified_at, window, observed, expected, ratio, p_value,"+
				" score, method, baseline, share, expected_share, share_p_value, explanation, version) SELECT 'a1', 'f1', 'negative_spike',"+
				" 'TietokoneKoijarit', 'journey_stage', 'delivery', 'firing', 'critical', "+store.Time(fired)+", "+store.Time(fired)+", "+
				store.Time(fired)+", toDateTime(0, 'UTC'), toDateTime(0, 'UTC'), '1h', 24, 3, 8, 0.0001, 9, 'negative_binomial', 'weekly',"+
				" 0.6, 0.2, 0.001, '{}', 1"); err != nil {
				t.Fatalf("insert alert: %v", err)
			}
			// A shared saved search, for the search variable to list.
			srv := newTestServer(t, e.Store)
			admin := login(t, srv.URL, "admin", "admin-pass")
			if code, b := admin.send("POST", "/api/v1/saved-queries", `{"name": "Toimitus", "query": "toimitus OR delivery", "shared": true}`); code != http.StatusCreated {
				t.Fatalf("saving a query: %d %s", code, b)
			}
			for _, f := range files {
				for _, q := range grafanaQueries(t, f) {
					for _, vars := range []map[string][]string{{}, {"brand": {"TietokoneKoijarit"}, "source": {"rss", "mastodon"}}} {
						sql, err := expandGrafana(q.sql, e.Store, weekStart, weekEnd, time.Hour, vars)
						if err != nil {
							t.Errorf("%s %s: %v", filepath.Base(f), q.where, err)
							continue
						}
						rows, err := e.Store.Query(ctx, sql)
						if err != nil {
							t.Errorf("%s %s: %v\n%s", filepath.Base(f), q.where, err, sql)
							continue
						}
						if len(rows) == 0 {
							t.Errorf("%s %s (vars %v): no rows", filepath.Base(f), q.where, vars)
						}
					}
				}
			}
		})
	}
}

// TestGrafanaSavedSearch applies a saved search in Grafana's way: the
// search variable's query gives the SQL ewom compiled, and the search
// panel, expanded with it, counts what the API counts for the saved query.
// A stored SQL that is not this build's is brought up to date.
func TestGrafanaSavedSearch(t *testing.T) {
	var panel, variable string
	for _, q := range grafanaQueries(t, filepath.Join(grafanaDir, "dashboards", "ewom-overview.json")) {
		switch q.where {
		case "panel Saved search: mentions by sentiment":
			panel = q.sql
		case "variable search":
			variable = q.sql
		}
	}
	if panel == "" || variable == "" {
		t.Fatal("the overview dashboard has no search variable or search panel")
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			seed(t, e.Store, 120)
			var dash *Server
			srv := newTestServerWith(t, e.Store, func(s *Server) { dash = s })
			admin := login(t, srv.URL, "admin", "admin-pass")
			var saved SavedQuery
			for _, body := range []string{
				`{"name": "Negative delivery", "query": "toimitus OR delivery OR \"ei vastaa\"", "filters": "sentiment=negative&source=mastodon,reddit,rss", "shared": true}`,
				`{"name": "Private", "query": "hinta"}`,
			} {
				code, b := admin.send("POST", "/api/v1/saved-queries", body)
				if code != http.StatusCreated {
					t.Fatalf("saving a query: %d %s", code, b)
				}
				if saved.ID == "" {
					if err := json.Unmarshal([]byte(b), &saved); err != nil {
						t.Fatal(err)
					}
				}
			}
			options := func() map[string]string {
				sql, err := expandGrafana(variable, e.Store, weekStart, weekEnd, time.Hour, nil)
				if err != nil {
					t.Fatal(err)
				}
				rows, err := e.Store.Query(ctx, sql)
				if err != nil {
					t.Fatalf("%v\n%s", err, sql)
				}
				out := map[string]string{}
				for _, r := range rows {
					var o struct{ Name, Condition string }
					if err := json.Unmarshal(r, &o); err != nil {
						t.Fatal(err)
					}
					out[o.Name] = o.Condition
				}
				return out
			}
			opts := options()
			cond, ok := opts["Negative delivery"]
			if len(opts) != 1 || !ok {
				t.Fatalf("the search variable offers %v; want the shared query only", opts)
			}
			count := func(cond string) int64 {
				sql, err := expandGrafana(panel, e.Store, weekStart, weekEnd, time.Hour, map[string][]string{"search": {cond}})
				if err != nil {
					t.Fatal(err)
				}
				rows, err := e.Store.Query(ctx, sql)
				if err != nil {
					t.Fatalf("%v\n%s", err, sql)
				}
				var n int64
				for _, r := range rows {
					var o struct{ Positive, Neutral, Negative json.Number }
					if err := json.Unmarshal(r, &o); err != nil {
						t.Fatal(err)
					}
					for _, v := range []json.Number{o.Positive, o.Neutral, o.Negative} {
						x, err := v.Int64()
						if err != nil {
							t.Fatalf("%s: %v", r, err)
						}
						n += x
					}
				}
				return n
			}
			var want Summary
			admin.getJSON("/api/v1/summary?saved="+saved.ID+"&"+week, &want)
			if got := count(cond); got != want.Current.Mentions || got == 0 {
				t.Errorf("Grafana's search panel counts %d mentions, the API %d", got, want.Current.Mentions)
			}
			if got, all := count(cond), count("1 = 1"); got >= all {
				t.Errorf("the search keeps %d of %d mentions", got, all)
			}

			// A stored SQL from another build is rewritten, once.
			if err := e.Store.Exec(ctx, "INSERT INTO "+e.Store.Table("saved_query_sql")+" (id, condition, version) SELECT "+
				store.Quote(saved.ID)+", 'stale = 1', "+strconv.FormatInt(time.Now().UnixNano(), 10)); err != nil {
				t.Fatal(err)
			}
			if n, err := dash.SyncSavedSQL(ctx); err != nil || n != 1 {
				t.Fatalf("sync: %d written, %v; want 1", n, err)
			}
			if got := options()["Negative delivery"]; got != cond {
				t.Errorf("after the sync the variable gives %q, want %q", got, cond)
			}
			if n, err := dash.SyncSavedSQL(ctx); err != nil || n != 0 {
				t.Errorf("second sync: %d written, %v; want none", n, err)
			}
		})
	}
}
