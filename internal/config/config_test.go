package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ewom.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsAreValid(t *testing.T) {
	cfg, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NATS.DuplicateWindow < 10*time.Minute || cfg.Store.BatchRows == 0 || cfg.HTTP.Listen != "127.0.0.1:8080" {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestErrorsNameEveryBadKey(t *testing.T) {
	_, err := Load(write(t, `
log_level: loud
http: {listen: "nope"}
nats: {url: "::bad", duplicate_window: 1m}
store: {dsn: "postgres://x", batch_rows: 0}
brands:
  - name: Koijarit
    owned: {domains: ["https://koijarit.fi/"], accounts: ["@koijarit"]}
  - name: koijarit
  - {name: Rival, own: true, competitor: true}
sources:
  - {type: rss, name: feed}
  - {type: rss, name: feed}
  - {name: untyped}
alerts:
  notify: [{type: pager, url: "ftp://x"}]
`))
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, key := range []string{"log_level:", "http.listen:", "nats.url:", "nats.duplicate_window:", "store.dsn:",
		"store.batch_rows:", "brands[0].owned.domains[0]:", "brands[0].owned.accounts[0]:", "brands[1].name:",
		"brands[2].own:", "sources[1].name:", "sources[2].type:", "alerts.notify[0].type:", "alerts.notify[0].url:"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
}

func TestUnknownKeyIsReportedWithItsLine(t *testing.T) {
	_, err := Load(write(t, "data_dir: ./d\nhttp:\n  listne: \":8080\"\n"))
	if err == nil || !strings.Contains(err.Error(), `line 3`) || !strings.Contains(err.Error(), `unknown key "listne"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretsComeFromEnvironmentAndPathsFromTheFile(t *testing.T) {
	t.Setenv("EWOM_TOKEN", "from-env-0123456789")
	t.Setenv("EWOM_NATS_PASSWORD", "nats-secret")
	p := write(t, "data_dir: data\nnats: {url: \"nats://n:4222\", user: ewom}\n")
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Token != "from-env-0123456789" || cfg.NATS.Password != "nats-secret" || cfg.DataDir != filepath.Join(filepath.Dir(p), "data") {
		t.Fatalf("cfg = %+v", cfg)
	}
}

func TestSourceDecodeIsStrict(t *testing.T) {
	cfg, err := Load(write(t, "sources:\n  - {type: rss, name: a, url: \"https://x/feed\", intervall: 5m}\n"))
	if err != nil {
		t.Fatal(err)
	}
	var opts struct {
		URL string `yaml:"url"`
	}
	if err := cfg.Sources[0].Decode(&opts); err == nil || !strings.Contains(err.Error(), `unknown key "intervall"`) {
		t.Fatalf("decode err = %v", err)
	}
}

func TestClusterNeedsAServerDSN(t *testing.T) {
	_, err := Load(write(t, "store: {cluster: analytics}\n"))
	if err == nil || !strings.Contains(err.Error(), "store.cluster") {
		t.Fatalf("cluster without a server DSN: err = %v", err)
	}
	if _, err := Load(write(t, "store: {cluster: analytics, dsn: \"clickhouse://u@ch:9000/ewom\"}\n")); err != nil {
		t.Fatalf("cluster with a DSN: %v", err)
	}
}

func TestMaxAckPendingLeavesRoomForTwoBatches(t *testing.T) {
	_, err := Load(write(t, "store: {batch_rows: 1000}\npipeline: {max_ack_pending: 1500}\n"))
	if err == nil || !strings.Contains(err.Error(), "pipeline.max_ack_pending: 1500: must be at least twice store.batch_rows (1000)") {
		t.Fatalf("err = %v", err)
	}
	if _, err := Load(write(t, "store: {batch_rows: 1000}\npipeline: {max_ack_pending: 2000}\n")); err != nil {
		t.Fatal(err)
	}
}

func TestBrandDeclensionKeys(t *testing.T) {
	cfg, err := Load(write(t, `
brands:
  - name: Rantakoto
    inflect_like: koto
    variants: [Ranta-Koto]
    stems: [rantakodo]
    compounds: true
    fuzzy: true
  - name: Valo
    inflect: false
`))
	if err != nil {
		t.Fatal(err)
	}
	if o := cfg.Brands[0].Declension(); o.Like != "koto" || len(o.Variants) != 1 || len(o.Stems) != 1 || !o.Compounds || !o.Fuzzy || o.Exact {
		t.Errorf("brands[0]: %+v", o)
	}
	if o := cfg.Brands[1].Declension(); !o.Exact {
		t.Errorf("brands[1]: inflect: false gave %+v", o)
	}
	_, err = Load(write(t, `
brands:
  - {name: Elisa, inflect_like: koto}
  - {name: Kuutamo, inflect_like: kuu}
  - {name: Kide, variants: ["  "]}
  - {name: Kiilus, stems: [ki]}
  - {name: Valo, inflect: false, inflect_like: valo}
`))
	for _, key := range []string{"brands[0].inflect_like:", "brands[1].inflect_like:", "brands[2].variants[0]:", "brands[3].stems[0]:", "brands[4].inflect:"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
}
