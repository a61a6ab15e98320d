// Package config loads and validates the single YAML configuration file.
// Every key has a default; errors name the key path (sources[2].url).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ewom/ewom/internal/classify/morph"
)

// Config is the whole service configuration.
type Config struct {
	DataDir  string   `yaml:"data_dir"`
	LogLevel string   `yaml:"log_level"`
	Roles    []string `yaml:"roles"`
	HTTP     HTTP     `yaml:"http"`
	NATS     NATS     `yaml:"nats"`
	Store    Store    `yaml:"store"`
	Pipeline Pipeline `yaml:"pipeline"`
	Brands   []Brand  `yaml:"brands"`
	Sources  []Source `yaml:"sources"`
	Alerts   Alerts   `yaml:"alerts"`
	Digests  Digests  `yaml:"digests"`
	Web      Web      `yaml:"web"`
	Privacy  Privacy  `yaml:"privacy"`

	// StartupTimeout bounds how long start-up waits for an external bus
	// and store to answer (see resilience.go).
	StartupTimeout time.Duration `yaml:"startup_timeout"`
}

// HTTP configures the API, dashboard and metrics listener.
type HTTP struct {
	Listen       string `yaml:"listen"`
	TokenFile    string `yaml:"token_file"`
	MaxBodyBytes int64  `yaml:"max_body_bytes"`
	// MaxURLBytes bounds a request's path and query; longer ones get 414
	// before anything parses them.
	MaxURLBytes int `yaml:"max_url_bytes"`
	// MaxIngestItems bounds the mentions in one ingest request; a request
	// with more gets 413.
	MaxIngestItems int `yaml:"max_ingest_items"`
	// TrustedProxies are the reverse proxies (addresses or CIDR prefixes)
	// whose X-Forwarded-For names the client; for any other peer the TCP
	// peer is the client.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// AuthThrottle limits password and token guessing.
	AuthThrottle AuthThrottle `yaml:"auth_throttle"`
	// StatusAuth requires the API token on /metrics and /readyz; /healthz
	// stays open for liveness probes.
	StatusAuth bool `yaml:"status_auth"`
	// Webhooks are ingest endpoints (POST /api/v1/webhooks/<name>) that
	// authenticate by an HMAC signature instead of the bearer token.
	Webhooks []Webhook `yaml:"webhooks"`
	// Token is read from EWOM_TOKEN or token_file, never from the YAML itself.
	Token string `yaml:"-"`
}

// AuthThrottle limits failed authentication within a sliding Window: a
// client address or account over its allowance is answered 429 until its
// oldest failure leaves the window.
type AuthThrottle struct {
	Window time.Duration `yaml:"window"`
	// PerAddress is the failures allowed from one client address (UI
	// sign-ins and bearer tokens are counted apart).
	PerAddress int `yaml:"per_address"`
	// PerAccount is the failed sign-ins allowed for one user name, from
	// any address.
	PerAccount int `yaml:"per_account"`
}

// Webhook is one HMAC-signed ingest endpoint (see collectors/webhook).
type Webhook struct {
	Name      string        `yaml:"name"`
	SecretEnv string        `yaml:"secret_env"`
	Scheme    string        `yaml:"scheme"` // ewom or zendesk
	Window    time.Duration `yaml:"window"`
}

// NATS configures the bus. An empty URL runs an embedded server.
type NATS struct {
	URL             string        `yaml:"url"`
	User            string        `yaml:"user"`
	Password        string        `yaml:"-"` // EWOM_NATS_PASSWORD
	CredsFile       string        `yaml:"creds_file"`
	NKeyFile        string        `yaml:"nkey_file"`
	TLS             TLS           `yaml:"tls"`
	Stream          string        `yaml:"stream"`
	Replicas        int           `yaml:"replicas"`
	DuplicateWindow time.Duration `yaml:"duplicate_window"`
	MaxAge          time.Duration `yaml:"max_age"`
	// Listen is the embedded server's client address; empty = no client port
	// (in-process only). Set it to let other processes join; port 0 picks a
	// free port.
	Listen string `yaml:"listen"`

	// PublishTimeout bounds the wait for JetStream's acknowledgement of a
	// publish (see resilience.go).
	PublishTimeout time.Duration `yaml:"publish_timeout"`
}

// TLS configures client TLS towards NATS.
type TLS struct {
	CAFile   string `yaml:"ca_file"`
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Store configures ClickHouse. An empty DSN uses embedded chDB under data_dir.
type Store struct {
	DSN           string        `yaml:"dsn"`
	ChdbLib       string        `yaml:"chdb_lib"`
	BatchRows     int           `yaml:"batch_rows"`
	BatchBytes    int           `yaml:"batch_bytes"`
	FlushInterval time.Duration `yaml:"flush_interval"`
	// Cluster, when set, makes migrations create Replicated and Distributed tables.
	Cluster string `yaml:"cluster"`
	// Retention is how long data is kept; zero keeps it forever.
	Retention Retention `yaml:"retention"`
}

// Retention limits how long mentions (raw rows with text and authors) and
// the rollups behind the dashboards are kept. Rollups usually outlive rows.
type Retention struct {
	Mentions time.Duration `yaml:"mentions"`
	Rollup   time.Duration `yaml:"rollup"`
}

// Pipeline tunes the classifier workers' consumption of the bus.
type Pipeline struct {
	Workers       int             `yaml:"workers"`
	MaxAckPending int             `yaml:"max_ack_pending"`
	MaxDeliver    int             `yaml:"max_deliver"`
	AckWait       time.Duration   `yaml:"ack_wait"`
	Backoff       []time.Duration `yaml:"backoff"`
}

// Brand is a brand to watch, with how to recognise it and its own channels.
// The name and aliases are found in their inflected forms (Rantakodosta);
// the declension keys tune that (docs/configuration.md).
type Brand struct {
	Name    string   `yaml:"name"`
	Aliases []string `yaml:"aliases"`
	// Variants are other spellings of the name, declined as it is.
	Variants []string `yaml:"variants"`
	Exclude  []string `yaml:"exclude"`
	// Context words, for a name that is also an everyday word (Kide,
	// Kuutamo): the name counts only in a post that also has one of them.
	Context []string `yaml:"context"`
	// InflectLike is a Finnish model word the name is declined like ("koto").
	InflectLike string `yaml:"inflect_like"`
	// Stems are extra stems that take case endings (Harmaasude-).
	Stems []string `yaml:"stems"`
	// Inflect false matches the name and aliases only as written; unset is true.
	Inflect *bool `yaml:"inflect"`
	// Compounds lets the name begin a compound written as one word.
	Compounds bool `yaml:"compounds"`
	// Fuzzy also accepts names of 7+ letters one typing error off.
	Fuzzy      bool  `yaml:"fuzzy"`
	Owned      Owned `yaml:"owned"`
	Competitor bool  `yaml:"competitor"`
	// Own marks the deployment's own brand: the Overview opens on it, and
	// its alerts raise the banner on every page.
	Own bool `yaml:"own"`
}

// Declension returns the brand's declension settings for the classifier.
func (b *Brand) Declension() morph.Options {
	return morph.Options{Like: b.InflectLike, Variants: b.Variants, Stems: b.Stems,
		Compounds: b.Compounds, Fuzzy: b.Fuzzy, Exact: b.Inflect != nil && !*b.Inflect}
}

// Owned lists a brand's own channels, used for the PESO "owned" touchpoint.
type Owned struct {
	Domains  []string `yaml:"domains"`
	Accounts []string `yaml:"accounts"` // "source:handle", e.g. mastodon:@tk@mastodon.social
}

// Source is one collector instance. Type-specific keys stay in Options and
// are decoded by the collector itself (see Decode).
type Source struct {
	Type     string        `yaml:"type"`
	Name     string        `yaml:"name"`
	Interval time.Duration `yaml:"interval"`
	node     yaml.Node
}

// UnmarshalYAML keeps the raw node so collectors can decode their own keys.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	var common struct {
		Type     string        `yaml:"type"`
		Name     string        `yaml:"name"`
		Interval time.Duration `yaml:"interval"`
	}
	if err := n.Decode(&common); err != nil {
		return err
	}
	s.Type, s.Name, s.Interval, s.node = common.Type, common.Name, common.Interval, *n
	return nil
}

// Decode strictly decodes the source's keys into v; keys unknown to v (other
// than type, name and interval) are an error naming the key.
func (s *Source) Decode(v any) error {
	raw, err := yaml.Marshal(&s.node)
	if err != nil {
		return err
	}
	var generic map[string]any
	if err := yaml.Unmarshal(raw, &generic); err != nil {
		return err
	}
	delete(generic, "type")
	delete(generic, "name")
	delete(generic, "interval")
	rest, err := yaml.Marshal(generic)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(rest))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return cleanYAMLError(err)
	}
	return nil
}

// Privacy controls handling of personal data.
type Privacy struct {
	// PseudonymizeAuthors replaces author handles with a keyed hash; the key
	// comes from the environment variable named by KeyEnv.
	PseudonymizeAuthors bool   `yaml:"pseudonymize_authors"`
	KeyEnv              string `yaml:"key_env"`
}

// Default returns a configuration with every default filled in.
func Default() Config {
	return Config{
		DataDir:  "./data",
		LogLevel: "info",
		Roles:    []string{"collect", "classify", "api", "alert"},
		HTTP:     defaultHTTP(),
		NATS: NATS{Stream: "EWOM_MENTIONS", Replicas: 1, DuplicateWindow: 20 * time.Minute,
			MaxAge: 7 * 24 * time.Hour, PublishTimeout: DefaultPublishTimeout},
		Store: Store{BatchRows: 20000, BatchBytes: 32 << 20, FlushInterval: 500 * time.Millisecond},
		Pipeline: Pipeline{Workers: 1, MaxAckPending: 50000, MaxDeliver: 20, AckWait: 60 * time.Second,
			Backoff: []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute}},
		Alerts:  defaultAlerts(),
		Web:     defaultWeb(),
		Privacy: Privacy{KeyEnv: "EWOM_PSEUDONYM_KEY"},

		StartupTimeout: DefaultStartupTimeout,
	}
}

func defaultHTTP() HTTP {
	return HTTP{Listen: "127.0.0.1:8080", MaxBodyBytes: 8 << 20, MaxURLBytes: 16 << 10, MaxIngestItems: 10000,
		AuthThrottle: AuthThrottle{Window: 5 * time.Minute, PerAddress: 20, PerAccount: 10}}
}

// Load reads a YAML file over the defaults, applies environment overrides and
// validates the result. An empty path gives the defaults.
func Load(path string) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("%s: %w", path, cleanYAMLError(err))
		}
		// Relative paths in the file are relative to the file, not the cwd.
		base := filepath.Dir(path)
		paths := []*string{&cfg.DataDir, &cfg.HTTP.TokenFile, &cfg.NATS.CredsFile, &cfg.NATS.NKeyFile,
			&cfg.NATS.TLS.CAFile, &cfg.NATS.TLS.CertFile, &cfg.NATS.TLS.KeyFile, &cfg.Store.ChdbLib, &cfg.Digests.SMTP.CAFile}
		for i := range cfg.Web.Users {
			paths = append(paths, &cfg.Web.Users[i].PasswordFile)
		}
		for _, p := range paths {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(base, *p)
			}
		}
	}
	if err := cfg.applyEnv(); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func (c *Config) applyEnv() error {
	if v := os.Getenv("EWOM_TOKEN"); v != "" {
		c.HTTP.Token = v
	} else if c.HTTP.TokenFile != "" {
		tok, err := ReadTokenFile(c.HTTP.TokenFile)
		if err != nil {
			return fmt.Errorf("http.token_file: %w", err)
		}
		c.HTTP.Token = tok
	}
	if v := os.Getenv("EWOM_NATS_PASSWORD"); v != "" {
		c.NATS.Password = v
	}
	if v := os.Getenv("EWOM_NATS_URL"); v != "" {
		c.NATS.URL = v
	}
	if v := os.Getenv("EWOM_STORE_DSN"); v != "" {
		c.Store.DSN = v
	}
	if v := os.Getenv("EWOM_DATA_DIR"); v != "" {
		c.DataDir = v
	}
	if err := c.Digests.applyEnv(); err != nil {
		return err
	}
	if v := os.Getenv("CHDB_LIB_PATH"); v != "" && c.Store.ChdbLib == "" {
		c.Store.ChdbLib = v
	}
	return nil
}

// MinTokenBytes is the length of the shortest API token accepted.
const MinTokenBytes = 16

// ReadTokenFile reads a token from a file, refusing a file that every user
// may read or write.
func ReadTokenFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if m := fi.Mode().Perm(); m&0o007 != 0 {
		return "", fmt.Errorf("%s is readable or writable by every user (mode %04o): chmod 600 it (or 640 with the service's group)", path, m)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// FieldError is a validation problem at a key path.
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

var validName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// KnownRoles are the values --roles and roles accept.
var KnownRoles = []string{"collect", "classify", "api", "alert"}

// Validate reports every problem, each with its key path.
func (c *Config) Validate() error {
	var errs []error
	bad := func(path, format string, a ...any) {
		errs = append(errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, a...)})
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	for i, r := range c.Roles {
		if !contains(KnownRoles, r) {
			bad(fmt.Sprintf("roles[%d]", i), "%q is not one of %s", r, strings.Join(KnownRoles, ", "))
		}
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		bad("http.listen", "%q is not host:port", c.HTTP.Listen)
	}
	if n := len(c.HTTP.Token); n > 0 && n < MinTokenBytes {
		src := "http.token_file"
		if os.Getenv("EWOM_TOKEN") != "" {
			src = "EWOM_TOKEN"
		}
		bad(src, "the API token is %d bytes; use at least %d random ones (e.g. openssl rand -hex 24)", n, MinTokenBytes)
	}
	if c.HTTP.MaxBodyBytes < 1024 {
		bad("http.max_body_bytes", "must be at least 1024")
	}
	if c.HTTP.MaxURLBytes < 1024 || c.HTTP.MaxURLBytes > 1<<20 {
		// Above 1 MiB the request line no longer fits Go's header limit.
		bad("http.max_url_bytes", "%d is outside 1024..1048576", c.HTTP.MaxURLBytes)
	}
	if c.HTTP.MaxIngestItems < 1 || c.HTTP.MaxIngestItems > 1_000_000 {
		bad("http.max_ingest_items", "%d is outside 1..1000000", c.HTTP.MaxIngestItems)
	}
	for i, p := range c.HTTP.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				bad(fmt.Sprintf("http.trusted_proxies[%d]", i), "%q is neither an address nor a CIDR prefix such as 10.0.0.0/8", p)
			}
		}
	}
	if t := c.HTTP.AuthThrottle; t.Window < time.Second || t.Window > 24*time.Hour {
		bad("http.auth_throttle.window", "%s is outside 1s..24h", t.Window)
	}
	if n := c.HTTP.AuthThrottle.PerAddress; n < 1 || n > 10000 {
		bad("http.auth_throttle.per_address", "%d is outside 1..10000", n)
	}
	if n := c.HTTP.AuthThrottle.PerAccount; n < 1 || n > 10000 {
		bad("http.auth_throttle.per_account", "%d is outside 1..10000", n)
	}
	hooks := map[string]bool{}
	for i, h := range c.HTTP.Webhooks {
		p := fmt.Sprintf("http.webhooks[%d]", i)
		if !validName.MatchString(h.Name) {
			bad(p+".name", "%q: want letters, digits, - and _ (it becomes the URL path)", h.Name)
		} else if hooks[h.Name] {
			bad(p+".name", "%q is used twice", h.Name)
		}
		hooks[h.Name] = true
		if h.SecretEnv == "" {
			bad(p+".secret_env", "required: the environment variable holding the shared secret")
		}
	}
	if c.NATS.URL != "" {
		for _, u := range strings.Split(c.NATS.URL, ",") {
			if pu, err := url.Parse(strings.TrimSpace(u)); err != nil || pu.Host == "" {
				bad("nats.url", "%q is not a URL such as nats://host:4222", u)
			}
		}
	}
	if c.NATS.Stream == "" {
		bad("nats.stream", "must not be empty")
	}
	if c.NATS.DuplicateWindow < 10*time.Minute {
		bad("nats.duplicate_window", "%s is below the 10m minimum", c.NATS.DuplicateWindow)
	}
	if c.NATS.Replicas < 1 || c.NATS.Replicas > 5 {
		bad("nats.replicas", "must be 1..5")
	}
	if c.NATS.CredsFile != "" && c.NATS.NKeyFile != "" {
		bad("nats.creds_file", "set creds_file or nkey_file, not both")
	}
	if c.Store.DSN != "" {
		if u, err := url.Parse(c.Store.DSN); err != nil || (u.Scheme != "clickhouse" && u.Scheme != "tcp") || u.Host == "" {
			bad("store.dsn", "want clickhouse://user:pass@host:9000/db, got %q", RedactDSN(c.Store.DSN))
		}
	}
	if c.Store.Cluster != "" {
		if c.Store.DSN == "" {
			bad("store.cluster", "needs a ClickHouse server cluster: set store.dsn (the embedded engine is a single node)")
		}
		if !validName.MatchString(c.Store.Cluster) {
			bad("store.cluster", "%q: want the cluster's name in <remote_servers> (letters, digits, - and _)", c.Store.Cluster)
		}
	}
	if c.Store.BatchRows < 1 {
		bad("store.batch_rows", "must be at least 1")
	}
	if c.Store.BatchBytes < 1024 {
		bad("store.batch_bytes", "must be at least 1024")
	}
	if c.Store.FlushInterval <= 0 {
		bad("store.flush_interval", "must be positive")
	}
	for key, d := range map[string]time.Duration{"store.retention.mentions": c.Store.Retention.Mentions, "store.retention.rollup": c.Store.Retention.Rollup} {
		if d != 0 && d < 24*time.Hour {
			bad(key, "%s: keep at least a day (24h), or 0 for forever", d)
		}
	}
	if r := c.Store.Retention; r.Rollup != 0 && (r.Mentions == 0 || r.Rollup < r.Mentions) {
		bad("store.retention.rollup", "rollups must be kept at least as long as mentions (they are rebuilt from them)")
	}
	if c.Pipeline.Workers < 1 {
		bad("pipeline.workers", "must be at least 1")
	}
	if c.Pipeline.MaxAckPending < 2*c.Store.BatchRows {
		// A batch fills while the one before it is stored; with less room
		// the two would take turns and throughput would halve.
		bad("pipeline.max_ack_pending", "%d: must be at least twice store.batch_rows (%d)", c.Pipeline.MaxAckPending, c.Store.BatchRows)
	}
	if c.Pipeline.MaxDeliver < 2 {
		bad("pipeline.max_deliver", "must be at least 2")
	}
	if c.Pipeline.AckWait < time.Second {
		bad("pipeline.ack_wait", "must be at least 1s")
	}
	names := map[string]int{}
	for i, b := range c.Brands {
		p := fmt.Sprintf("brands[%d]", i)
		if strings.TrimSpace(b.Name) == "" {
			bad(p+".name", "required")
		} else if j, dup := names[strings.ToLower(b.Name)]; dup {
			bad(p+".name", "%q is already brands[%d]", b.Name, j)
		}
		names[strings.ToLower(b.Name)] = i
		if b.Own && b.Competitor {
			bad(p+".own", "a brand cannot be both own and a competitor")
		}
		var oe *morph.OptionError
		if _, err := morph.Decline(b.Name, b.Declension()); strings.TrimSpace(b.Name) != "" && errors.As(err, &oe) {
			bad(p+"."+oe.Key, "%s", oe.Msg)
		}
		for j, d := range b.Owned.Domains {
			if strings.Contains(d, "/") || strings.TrimSpace(d) == "" {
				bad(fmt.Sprintf("%s.owned.domains[%d]", p, j), "%q: want a bare domain such as example.fi", d)
			}
		}
		for j, a := range b.Owned.Accounts {
			if src, h, ok := strings.Cut(a, ":"); !ok || src == "" || h == "" {
				bad(fmt.Sprintf("%s.owned.accounts[%d]", p, j), "%q: want source:handle such as mastodon:@tk@mastodon.social", a)
			}
		}
	}
	srcNames := map[string]int{}
	for i, s := range c.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		if s.Type == "" {
			bad(p+".type", "required")
		}
		n := s.DisplayName(i)
		if s.Name != "" && !validName.MatchString(s.Name) {
			// The name is also the cursor key and a metrics label.
			bad(p+".name", "%q: want letters, digits, - and _", s.Name)
		}
		if j, dup := srcNames[n]; dup {
			bad(p+".name", "%q is already the name of sources[%d]; give one a name", n, j)
		}
		srcNames[n] = i
		if s.Interval < 0 {
			bad(p+".interval", "must not be negative")
		}
	}
	c.Alerts.validate(bad)
	c.Digests.validate(c.Brands, bad)
	c.Web.validate(bad)
	c.validateBounds(bad)
	return errors.Join(errs...)
}

// DisplayName is the source's name, or type plus position when unnamed.
func (s *Source) DisplayName(i int) string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("%s-%d", s.Type, i)
}

// HasRole reports whether role is enabled.
func (c *Config) HasRole(role string) bool { return contains(c.Roles, role) }

// badFunc records a validation problem at a key path.
type badFunc func(path, format string, a ...any)

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// RedactDSN hides the password of a DSN or URL so it can be shown in errors and logs.
func RedactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable DSN)"
	}
	return u.Redacted()
}

// Display names the bus for logs and messages: "embedded" or the URL
// without its password.
func (n NATS) Display() string {
	if n.URL == "" {
		return "embedded"
	}
	return RedactDSN(n.URL)
}

// cleanYAMLError turns yaml.v3's "field x not found in type config.Y" into
// wording about the user's file.
func cleanYAMLError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n  ")
	if i := strings.Index(msg, "field "); i >= 0 && strings.Contains(msg, " not found in type ") {
		key := msg[i+len("field "):]
		key = key[:strings.Index(key, " not found")]
		return fmt.Errorf("%sunknown key %q (check spelling; see docs/configuration.md)", msg[:i], key)
	}
	return errors.New(msg)
}
