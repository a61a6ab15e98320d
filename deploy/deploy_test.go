// Package deploy_test checks the deployment files (docker-compose.yml,
// Dockerfile, Prometheus, Alertmanager, ClickHouse and Kubernetes configs)
// without a container engine: they parse, reference files that exist, and
// pass the projects' own checkers.
package deploy_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ewom/ewom/internal/config"
)

const root = ".."

type service struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Volumes     []string          `yaml:"volumes"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Deploy      struct {
		Replicas int `yaml:"replicas"`
	} `yaml:"deploy"`
}

type compose struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

func loadCompose(t *testing.T) compose {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"nats", "clickhouse", "ewom-collector", "ewom-classifier", "ewom-api", "grafana", "prometheus", "alertmanager"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("service %s missing", name)
		}
	}
	if r := c.Services["ewom-classifier"].Deploy.Replicas; r < 2 {
		t.Errorf("ewom-classifier has %d replicas, want 2", r)
	}
	roles := map[string]string{}
	for name, s := range c.Services {
		if s.Image == "" || strings.HasSuffix(s.Image, ":latest") || !strings.Contains(s.Image, ":") {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, ".") {
				if _, err := os.Stat(filepath.Join(root, src)); err != nil {
					t.Errorf("%s: volume source %s does not exist in the repo", name, src)
				}
			} else if _, ok := c.Volumes[src]; !ok {
				t.Errorf("%s: named volume %s is not declared", name, src)
			}
		}
		if strings.HasPrefix(name, "ewom-") {
			i := slices.Index(s.Command, "--roles")
			if i < 0 || i+1 >= len(s.Command) {
				t.Errorf("%s: no --roles in %v", name, s.Command)
				continue
			}
			roles[name] = s.Command[i+1]
			for _, k := range []string{"EWOM_NATS_URL", "EWOM_STORE_DSN", "EWOM_TOKEN"} {
				if s.Environment[k] == "" {
					t.Errorf("%s: %s not set", name, k)
				}
			}
		}
	}
	var all []string
	for _, r := range roles {
		all = append(all, strings.Split(r, ",")...)
	}
	for _, r := range config.KnownRoles {
		if !slices.Contains(all, r) {
			t.Errorf("no ewom service runs the %s role", r)
		}
	}
	for _, p := range []string{"nats", "clickhouse", "grafana", "prometheus", "alertmanager"} {
		if vols := c.Services[p].Volumes; !slices.ContainsFunc(vols, func(v string) bool { return !strings.HasPrefix(v, ".") }) {
			t.Errorf("%s has no persistent volume", p)
		}
	}
}

// TestComposeEwomConfig loads the ewom config the containers use, with the
// environment compose gives them.
func TestComposeEwomConfig(t *testing.T) {
	t.Setenv("EWOM_NATS_URL", "nats://nats:4222")
	t.Setenv("EWOM_STORE_DSN", "clickhouse://ewom:pw@clickhouse:9000/ewom")
	t.Setenv("EWOM_TOKEN", "compose-test-token-0123")
	cfg, err := config.Load(filepath.Join(root, "deploy/compose/ewom.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Listen != "0.0.0.0:8080" {
		t.Errorf("http.listen %s is not reachable from other containers", cfg.HTTP.Listen)
	}
	c := loadCompose(t)
	for name, s := range c.Services {
		if strings.HasPrefix(name, "ewom-") && !slices.Contains(s.Volumes, "./deploy/compose/ewom.yaml:/etc/ewom/ewom.yaml:ro") {
			t.Errorf("%s does not mount deploy/compose/ewom.yaml", name)
		}
	}
}

func TestPrometheusConfig(t *testing.T) {
	out, err := exec.Command("promtool", "check", "config", filepath.Join(root, "deploy/prometheus/prometheus.yml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config (Debian package prometheus): %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "rule files found") {
		t.Errorf("no rule files loaded:\n%s", out)
	}
}

func TestAlertmanagerConfig(t *testing.T) {
	out, err := exec.Command("amtool", "check-config", filepath.Join(root, "deploy/alertmanager/alertmanager.yml")).CombinedOutput()
	if err != nil {
		t.Fatalf("amtool check-config (Debian package prometheus-alertmanager): %v\n%s", err, out)
	}
}

// TestClickHouseUsers checks the users file is well-formed XML and the users
// compose relies on exist, with passwords from the environment.
func TestClickHouseUsers(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "deploy/clickhouse/users.d/ewom.xml"))
	if err != nil {
		t.Fatal(err)
	}
	type user struct {
		XMLName  xml.Name
		Remove   string `xml:"remove,attr"`
		Password struct {
			FromEnv string `xml:"from_env,attr"`
			Value   string `xml:",chardata"`
		} `xml:"password"`
		Profile string `xml:"profile"`
	}
	var doc struct {
		XMLName  xml.Name `xml:"clickhouse"`
		Profiles struct {
			Inner []byte `xml:",innerxml"`
		} `xml:"profiles"`
		Users struct {
			List []user `xml:",any"`
		} `xml:"users"`
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("users XML: %v", err)
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if cd, ok := tok.(xml.CharData); err != nil || !ok || len(bytes.TrimSpace(cd)) > 0 {
			t.Fatalf("content after the root element: %v %v", tok, err)
		}
	}
	c := loadCompose(t)
	env := c.Services["clickhouse"].Environment
	users := map[string]user{}
	for _, u := range doc.Users.List {
		users[u.XMLName.Local] = u
	}
	for _, name := range []string{"ewom", "grafana"} {
		u, ok := users[name]
		switch {
		case !ok:
			t.Errorf("user %s missing", name)
		case u.Password.FromEnv == "" || strings.TrimSpace(u.Password.Value) != "":
			t.Errorf("user %s: password must come from_env, not the file", name)
		case env[u.Password.FromEnv] == "":
			t.Errorf("user %s: %s is not set on the clickhouse service", name, u.Password.FromEnv)
		}
	}
	if users["default"].Remove != "remove" {
		t.Error("the passwordless default user is not removed")
	}
	if p := users["grafana"].Profile; !strings.Contains(string(doc.Profiles.Inner), "<"+p+">") || !strings.Contains(string(doc.Profiles.Inner), "<readonly>") {
		t.Errorf("grafana's profile %q is not a read-only profile", p)
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var from []string
	var user string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "FROM":
			from = append(from, f[1])
		case "USER":
			user = f[1]
		}
	}
	if len(from) < 2 {
		t.Fatalf("not multi-stage: FROM %v", from)
	}
	if last := from[len(from)-1]; !strings.HasPrefix(last, "gcr.io/distroless/static") && last != "scratch" {
		t.Errorf("runtime image %s has more than a static binary needs", last)
	}
	if user == "" || strings.HasPrefix(user, "root") || strings.HasPrefix(user, "0") {
		t.Errorf("runs as %q, want a non-root user", user)
	}
	if !strings.Contains(string(b), "CGO_ENABLED=0") {
		t.Error("binary not built static (CGO_ENABLED=0)")
	}
	if !strings.Contains(string(b), "./cmd/ewom") {
		t.Error("does not build ./cmd/ewom")
	}
}

// TestKubernetesManifests parses every document and checks each workload
// runs ewom roles as non-root with the config mounted.
func TestKubernetesManifests(t *testing.T) {
	f, err := os.Open(filepath.Join(root, "deploy/k8s/ewom.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	kinds := map[string]int{}
	for {
		var doc struct {
			Kind string `yaml:"kind"`
			Spec struct {
				Template struct {
					Spec struct {
						SecurityContext struct {
							RunAsNonRoot bool `yaml:"runAsNonRoot"`
						} `yaml:"securityContext"`
						Containers []struct {
							Args []string `yaml:"args"`
						} `yaml:"containers"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		}
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		kinds[doc.Kind]++
		if doc.Kind == "Deployment" {
			ps := doc.Spec.Template.Spec
			if !ps.SecurityContext.RunAsNonRoot || len(ps.Containers) != 1 || !slices.Contains(ps.Containers[0].Args, "--roles") {
				t.Errorf("deployment: non-root %v, containers %+v", ps.SecurityContext.RunAsNonRoot, ps.Containers)
			}
		}
	}
	if kinds["Deployment"] != 3 || kinds["Service"] != 1 {
		t.Errorf("kinds %v", kinds)
	}
}
