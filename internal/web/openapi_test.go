package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/ewom/ewom/internal/api"
	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/erasure"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/store/storetest"
)

// spec is the part of an OpenAPI 3.0 document the test checks responses with.
type spec struct {
	Paths      map[string]map[string]operation `yaml:"paths"`
	Components struct {
		Schemas   map[string]*schema `yaml:"schemas"`
		Responses map[string]struct {
			Content map[string]struct {
				Schema *schema `yaml:"schema"`
			} `yaml:"content"`
		} `yaml:"responses"`
	} `yaml:"components"`
}

type operation struct {
	Responses map[string]struct {
		Ref     string `yaml:"$ref"`
		Content map[string]struct {
			Schema *schema `yaml:"schema"`
		} `yaml:"content"`
	} `yaml:"responses"`
}

// schema is the JSON Schema subset the spec uses.
type schema struct {
	Ref                  string             `yaml:"$ref"`
	Type                 string             `yaml:"type"`
	Format               string             `yaml:"format"`
	Enum                 []string           `yaml:"enum"`
	Pattern              string             `yaml:"pattern"`
	Nullable             bool               `yaml:"nullable"`
	Required             []string           `yaml:"required"`
	Properties           map[string]*schema `yaml:"properties"`
	AdditionalProperties yaml.Node          `yaml:"additionalProperties"`
	Items                *schema            `yaml:"items"`
	OneOf                []*schema          `yaml:"oneOf"`
	Minimum              *float64           `yaml:"minimum"`
	Maximum              *float64           `yaml:"maximum"`
}

func loadSpec(t testing.TB) *spec {
	t.Helper()
	b, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var s spec
	if err := yaml.Unmarshal(b, &s); err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	return &s
}

func (sp *spec) resolve(s *schema) *schema {
	for s != nil && s.Ref != "" {
		s = sp.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	return s
}

// validate checks v (decoded JSON) against s and returns every mismatch.
func (sp *spec) validate(path string, s *schema, v any) []string {
	s = sp.resolve(s)
	if s == nil {
		return []string{path + ": unresolved schema"}
	}
	if v == nil {
		if s.Nullable {
			return nil
		}
		return []string{path + ": null"}
	}
	if len(s.OneOf) > 0 {
		for _, o := range s.OneOf {
			if len(sp.validate(path, o, v)) == 0 {
				return nil
			}
		}
		return []string{path + ": matches no oneOf schema"}
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, a...)) }
	switch s.Type {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %T", v)
			break
		}
		for _, r := range s.Required {
			if _, ok := obj[r]; !ok {
				bad("required %q missing", r)
			}
		}
		var extra *schema
		closed := s.AdditionalProperties.Kind == yaml.ScalarNode && s.AdditionalProperties.Value == "false"
		if s.AdditionalProperties.Kind == yaml.MappingNode {
			extra = &schema{}
			if err := s.AdditionalProperties.Decode(extra); err != nil {
				bad("additionalProperties: %v", err)
			}
		}
		for k, val := range obj {
			if ps, ok := s.Properties[k]; ok {
				errs = append(errs, sp.validate(path+"."+k, ps, val)...)
			} else if extra != nil {
				errs = append(errs, sp.validate(path+"."+k, extra, val)...)
			} else if closed {
				bad("property %q is not in the spec", k)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			bad("want an array, got %T", v)
			break
		}
		for i, item := range arr {
			errs = append(errs, sp.validate(fmt.Sprintf("%s[%d]", path, i), s.Items, item)...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("want a string, got %T", v)
			break
		}
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
			bad("%q is not one of %v", str, s.Enum)
		}
		if s.Format == "date-time" {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				bad("%q is not RFC 3339", str)
			}
		}
		if s.Pattern != "" && !regexp.MustCompile(s.Pattern).MatchString(str) {
			bad("%q does not match %s", str, s.Pattern)
		}
	case "integer", "number":
		n, ok := v.(float64)
		if !ok {
			bad("want a number, got %T", v)
			break
		}
		if s.Type == "integer" && n != float64(int64(n)) {
			bad("%v is not an integer", n)
		}
		if s.Minimum != nil && n < *s.Minimum || s.Maximum != nil && n > *s.Maximum {
			bad("%v out of range", n)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %T", v)
		}
	}
	return errs
}

// responseSchema finds the schema of an operation's response.
func (sp *spec) responseSchema(path, method string, code int, contentType string) (*schema, error) {
	op, ok := sp.Paths[path][strings.ToLower(method)]
	if !ok {
		return nil, fmt.Errorf("%s %s is not in the spec", method, path)
	}
	resp, ok := op.Responses[fmt.Sprint(code)]
	if !ok {
		return nil, fmt.Errorf("%s %s: status %d is not in the spec", method, path, code)
	}
	content := resp.Content
	if resp.Ref != "" {
		content = sp.Components.Responses[strings.TrimPrefix(resp.Ref, "#/components/responses/")].Content
	}
	mt, _, _ := strings.Cut(contentType, ";")
	c, ok := content[mt]
	if !ok {
		return nil, fmt.Errorf("%s %s %d: content type %q is not in the spec", method, path, code, mt)
	}
	return c.Schema, nil
}

// acceptAll stands in for the bus behind the ingest endpoint.
type acceptAll struct{}

func (acceptAll) PublishAll(_ context.Context, ms []*mention.Mention) []bus.Published {
	return make([]bus.Published, len(ms))
}

type ready struct{}

func (ready) Ready(context.Context) error { return nil }

// TestOpenAPI checks every operation of api/openapi.yaml against real
// responses, and that each documented operation is exercised.
func TestOpenAPI(t *testing.T) {
	sp := loadSpec(t)
	s := storetest.Embedded(t)
	seed(t, s, 60)
	crisisAlerts(t, s)
	base := alertServer(t, s) // the alert role's real routes
	admin := login(t, base.URL, "admin", "admin-pass")
	viewer := login(t, base.URL, "viewer", "viewer-pass")

	// The ingest and operations endpoints need a bus and readiness checks:
	// a second server with the same routes and a stand-in bus.
	reg := prometheus.NewRegistry()
	ingest := &api.Server{API: true, Bus: acceptAll{}, Store: s, Token: testToken, MaxBodyBytes: 1 << 20, Gatherer: reg, Registerer: reg,
		Log: slog.New(slog.DiscardHandler), Ready: map[string]api.Checker{"store": ready{}}}
	ingest.Routes = []api.Routes{erasure.Routes{Store: s, Getenv: func(string) string { return "" }, Log: slog.New(slog.DiscardHandler)}}
	ingestSrv := httptest.NewServer(ingest.Handler())
	t.Cleanup(ingestSrv.Close)
	tokenClient := &client{t: t, base: ingestSrv.URL, http: http.DefaultClient}
	bearer := map[string]string{"Authorization": "Bearer " + testToken}

	var authors JourneyAuthors
	admin.getJSON("/api/v1/journey/authors?"+week, &authors)
	if len(authors.Authors) == 0 {
		t.Fatal("no authors to look up")
	}
	type call struct {
		c            *client
		method, spec string
		path, body   string
		header       map[string]string
	}
	jsonCT := map[string]string{"Content-Type": "application/json"}
	withCSRF := map[string]string{"Content-Type": "application/json", csrfHeader: admin.csrf}
	calls := []call{
		{admin, "GET", "/api/v1/meta", "/api/v1/meta", "", nil},
		{admin, "GET", "/api/v1/summary", "/api/v1/summary?" + week, "", nil},
		{admin, "GET", "/api/v1/summary", "/api/v1/summary?range=fortnight", "", nil},
		{admin, "GET", "/api/v1/timeseries", "/api/v1/timeseries?brand=Rival&" + week, "", nil},
		{admin, "GET", "/api/v1/breakdown", "/api/v1/breakdown?by=brand&" + week, "", nil},
		{admin, "GET", "/api/v1/breakdown", "/api/v1/breakdown?by=journey_stage&by2=touchpoint&" + week, "", nil},
		{admin, "GET", "/api/v1/breakdown", "/api/v1/breakdown?by=text", "", nil},
		{admin, "POST", "/api/v1/mentions/{id}/labels", "/api/v1/mentions/m2/labels", `{"sentiment":"positive","note":"test"}`, withCSRF},
		{admin, "POST", "/api/v1/mentions/{id}/labels", "/api/v1/mentions/m2/labels", `{"sentiment":"great"}`, withCSRF},
		{admin, "POST", "/api/v1/mentions/{id}/labels", "/api/v1/mentions/nope/labels", `{"sentiment":"positive"}`, withCSRF},
		{viewer, "POST", "/api/v1/mentions/{id}/labels", "/api/v1/mentions/m2/labels", `{"sentiment":"positive"}`, jsonCT},
		{admin, "GET", "/api/v1/mentions", "/api/v1/mentions?" + week, "", nil},
		{admin, "GET", "/api/v1/mentions", "/api/v1/mentions?sort=loudest", "", nil},
		{admin, "GET", "/api/v1/mentions", "/api/v1/mentions?q=toimitus+AND&" + week, "", nil},
		{admin, "GET", "/api/v1/saved-queries", "/api/v1/saved-queries", "", nil},
		{admin, "POST", "/api/v1/saved-queries", "/api/v1/saved-queries", `{"name":"Delivery","query":"toimitus OR delivery"}`, withCSRF},
		{admin, "POST", "/api/v1/saved-queries", "/api/v1/saved-queries", `{"name":"Bad","query":"(toimitus"}`, withCSRF},
		{admin, "PUT", "/api/v1/saved-queries/{id}", "/api/v1/saved-queries/nope", `{"name":"x","query":"x"}`, withCSRF},
		{admin, "DELETE", "/api/v1/saved-queries/{id}", "/api/v1/saved-queries/nope", "", withCSRF},
		{admin, "GET", "/api/v1/mentions/export", "/api/v1/mentions/export?" + week, "", nil},
		{admin, "GET", "/api/v1/mentions/export", "/api/v1/mentions/export?delimiter=semicolon&" + week, "", nil},
		{admin, "GET", "/api/v1/mentions/export", "/api/v1/mentions/export?delimiter=pipe", "", nil},
		{admin, "GET", "/api/v1/mentions/{id}", "/api/v1/mentions/m2", "", nil},
		{admin, "GET", "/api/v1/mentions/{id}", "/api/v1/mentions/none", "", nil},
		{admin, "GET", "/api/v1/corrections", "/api/v1/corrections", "", nil},
		{admin, "GET", "/api/v1/corrections", "/api/v1/corrections?format=csv", "", nil},
		{admin, "GET", "/api/v1/corrections", "/api/v1/corrections?format=tsv", "", nil},
		{admin, "GET", "/api/v1/authors/top", "/api/v1/authors/top?" + week, "", nil},
		{admin, "GET", "/api/v1/journey/transitions", "/api/v1/journey/transitions?" + week, "", nil},
		{admin, "GET", "/api/v1/journey/authors", "/api/v1/journey/authors?" + week, "", nil},
		{admin, "GET", "/api/v1/journey/authors/{id}", "/api/v1/journey/authors/" + authors.Authors[0].ID + "?" + week, "", nil},
		{admin, "GET", "/api/v1/journey/authors/{id}", "/api/v1/journey/authors/alice", "", nil},
		{admin, "GET", "/api/v1/topics", "/api/v1/topics?brand=TietokoneKoijarit&" + week, "", nil},
		{admin, "GET", "/api/v1/topics", "/api/v1/topics?limit=0", "", nil},
		{admin, "GET", "/api/v1/topics/compare", "/api/v1/topics/compare?" + week, "", nil},
		{admin, "GET", "/api/v1/stories", "/api/v1/stories?" + week, "", nil},
		{admin, "GET", "/api/v1/competitors", "/api/v1/competitors?compare=year&" + week, "", nil},
		{admin, "GET", "/api/v1/competitors", "/api/v1/competitors?compare=lastweek", "", nil},
		{admin, "GET", "/api/v1/mentions", "/api/v1/mentions?story=x", "", nil},
		{admin, "GET", "/api/v1/alerts", "/api/v1/alerts", "", nil},
		{admin, "GET", "/api/v1/alerts", "/api/v1/alerts?state=all&brand=Rival&limit=1", "", nil},
		{admin, "GET", "/api/v1/alerts", "/api/v1/alerts?state=open", "", nil},
		{admin, "GET", "/api/v1/alerts/{id}", "/api/v1/alerts/own-1", "", nil},
		{admin, "GET", "/api/v1/alerts/{id}", "/api/v1/alerts/none", "", nil},
		{admin, "POST", "/api/v1/alerts/{id}/actions", "/api/v1/alerts/own-1/actions", `{"action":"acknowledge","comment":"on it"}`, withCSRF},
		{admin, "POST", "/api/v1/alerts/{id}/actions", "/api/v1/alerts/own-1/actions", `{"action":"snooze","for":"4h"}`, withCSRF},
		{admin, "POST", "/api/v1/alerts/{id}/actions", "/api/v1/alerts/own-1/actions", `{"action":"acknowledge"}`, withCSRF},
		{admin, "POST", "/api/v1/alerts/{id}/actions", "/api/v1/alerts/own-1/actions", `{"action":"assign","assignee":"nobody"}`, withCSRF},
		{admin, "POST", "/api/v1/alerts/{id}/actions", "/api/v1/alerts/none/actions", `{"action":"resolve"}`, withCSRF},
		{viewer, "POST", "/api/v1/alerts/{id}/actions", "/api/v1/alerts/own-1/actions", `{"action":"resolve"}`, jsonCT},
		{&client{t: t, base: base.URL, http: http.DefaultClient}, "GET", "/api/v1/summary", "/api/v1/summary", "", nil},
		{tokenClient, "POST", "/api/v1/mentions", "/api/v1/mentions", `{"source":"test","text":"hello","published_at":"2026-11-20T08:00:00Z"}`, bearer},
		{tokenClient, "POST", "/api/v1/mentions", "/api/v1/mentions", `[{"source":"test"}]`, bearer},
		{tokenClient, "GET", "/api/v1/mentions/count", "/api/v1/mentions/count?" + week, "", bearer},
		{tokenClient, "GET", "/api/v1/mentions/count", "/api/v1/mentions/count", "", bearer},
		{tokenClient, "GET", "/api/v1/mentions/count", "/api/v1/mentions/count", "", nil},
		{tokenClient, "POST", "/api/v1/webhooks/{name}", "/api/v1/webhooks/nope", `{}`, jsonCT},
		{tokenClient, "POST", "/api/v1/authors/export", "/api/v1/authors/export", `{"author":"@nobody"}`, bearer},
		{tokenClient, "POST", "/api/v1/authors/export", "/api/v1/authors/export", `{}`, bearer},
		{tokenClient, "POST", "/api/v1/authors/forget", "/api/v1/authors/forget", `{"author":"@nobody"}`, bearer},
		{tokenClient, "POST", "/api/v1/authors/forget", "/api/v1/authors/forget", `{"author":"@nobody"}`, nil},
		{tokenClient, "POST", "/api/v1/authors/forget", "/api/v1/authors/forget", `not json`, bearer},
		{tokenClient, "GET", "/healthz", "/healthz", "", nil},
		{tokenClient, "GET", "/readyz", "/readyz", "", nil},
		{tokenClient, "GET", "/metrics", "/metrics", "", nil},
	}
	covered := map[string]bool{}
	for _, c := range calls {
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		resp := c.c.do(c.method, c.path, body, c.header)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		covered[c.method+" "+c.spec] = true
		sch, err := sp.responseSchema(c.spec, c.method, resp.StatusCode, resp.Header.Get("Content-Type"))
		if err != nil {
			t.Errorf("%s %s: %v (%.300s)", c.method, c.path, err, raw)
			continue
		}
		if sch.Type == "string" && sch.Ref == "" {
			continue // CSV, TSV, text
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Errorf("%s %s: not JSON: %v", c.method, c.path, err)
			continue
		}
		for _, e := range sp.validate("response", sch, v) {
			t.Errorf("%s %s (%d): %s", c.method, c.path, resp.StatusCode, e)
		}
	}
	var missing []string
	for path, ops := range sp.Paths {
		for method := range ops {
			if !covered[strings.ToUpper(method)+" "+path] {
				missing = append(missing, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations not exercised: %v", missing)
	}
}

// The checker itself must notice missing, extra and mistyped fields.
func TestSpecValidatorCatchesMismatches(t *testing.T) {
	sp := loadSpec(t)
	var v any
	if err := json.Unmarshal([]byte(`{"interval":"2h","points":[{"t":"yesterday","mentions":1.5,"positive":0,"neutral":0,"net_sentiment":0,"extra":1}]}`), &v); err != nil {
		t.Fatal(err)
	}
	errs := sp.validate("r", &schema{Ref: "#/components/schemas/Timeseries"}, v)
	for _, want := range []string{`"2h" is not one of`, `"yesterday" is not RFC 3339`, "1.5 is not an integer", `required "negative" missing`,
		`property "extra" is not in the spec`} {
		if !strings.Contains(strings.Join(errs, "\n"), want) {
			t.Errorf("validator missed %s; got %v", want, errs)
		}
	}
}
