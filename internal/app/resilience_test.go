package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/app"
	"github.com/ewom/ewom/internal/bus/bustest"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/proctest"
	"github.com/ewom/ewom/internal/store/storetest"
)

// patience bounds waits for things that take a moment (a server starting,
// a cluster electing): far more than they need, so that only a hang fails.
const patience = 90 * time.Second

// startAsync runs app.Start in the background; the result comes on the
// channel.
func startAsync(cfg config.Config, log *proctest.Log, opts ...app.Option) <-chan startResult {
	ch := make(chan startResult, 1)
	go func() {
		a, err := app.Start(context.Background(), cfg, log.Logger, opts...)
		ch <- startResult{a, err}
	}()
	return ch
}

type startResult struct {
	a   *app.App
	err error
}

func await(t *testing.T, ch <-chan startResult) startResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(patience):
		t.Fatalf("app.Start did not return within %s", patience)
		return startResult{}
	}
}

// Start-up waits for a NATS server that is not up yet, and for a cluster
// that cannot elect a JetStream leader yet (one node of three), logging
// that it waits, instead of exiting; once the bus is there it starts and
// takes mentions.
func TestStartupWaitsForTheBus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		nodes    int
		upAtOnce int // nodes started before the app
	}{{"server not up yet", 1, 0}, {"cluster without a leader", 3, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			nats := bustest.NewServers(t, tc.nodes)
			for i := range tc.upAtOnce {
				nats.Start(i)
			}
			cfg := testConfig(t)
			cfg.Roles = []string{"api"}
			cfg.NATS.URL = nats.URL()
			cfg.NATS.Replicas = tc.nodes
			cfg.StartupTimeout = 5 * time.Minute
			log := proctest.NewLog("waiting for the bus", "bus reached")
			started := startAsync(cfg, log, app.WithStore(storetest.Embedded(t)))

			line := log.Await(t, "waiting for the bus", patience)
			for _, want := range []string{"attempt=1", "retry_in=", "gives_up_in=", "nats=nats://"} {
				if !strings.Contains(line, want) {
					t.Errorf("waiting line has no %s: %s", want, line)
				}
			}
			nats.StartAll()
			r := await(t, started)
			if r.err != nil {
				t.Fatalf("start: %v\n%s", r.err, log)
			}
			log.Await(t, "bus reached", patience)
			a := run(t, r.a)
			if code, out := post(t, a.base, token, "application/json", ndjson(0, 10)); code != http.StatusOK {
				t.Fatalf("post: %d %v", code, out)
			}
		})
	}
}

// Start-up gives up after startup_timeout, saying what it waited for.
func TestStartupGivesUpAfterStartupTimeout(t *testing.T) {
	cfg := testConfig(t)
	cfg.Roles = []string{"api"}
	cfg.NATS.URL = bustest.NewServers(t, 1).URL() // never started
	cfg.StartupTimeout = 2 * time.Second
	log := proctest.NewLog("waiting for the bus")
	r := await(t, startAsync(cfg, log, app.WithStore(storetest.Embedded(t))))
	if r.err == nil || !strings.Contains(r.err.Error(), "bus not reachable within 2s (startup_timeout)") {
		t.Fatalf("start: %v", r.err)
	}
}

// Start-up waits for a ClickHouse server that is not up yet. The alert
// role needs no bus: it starts with none reachable.
func TestStartupWaitsForTheStore(t *testing.T) {
	ch := storetest.RunServer(t)
	ch.Stop()
	cfg := testConfig(t)
	cfg.Roles = []string{"alert"}
	cfg.NATS.URL = bustest.NewServers(t, 1).URL() // never started
	cfg.Store.DSN = ch.DSN("startup")
	cfg.StartupTimeout = 5 * time.Minute
	log := proctest.NewLog("waiting for the store", "store reached")
	started := startAsync(cfg, log)
	if line := log.Await(t, "waiting for the store", patience); !strings.Contains(line, `dsn="clickhouse://`) {
		t.Errorf("waiting line does not say where: %s", line)
	}
	if err := ch.Start(); err != nil {
		t.Fatal(err)
	}
	r := await(t, started)
	if r.err != nil {
		t.Fatalf("start: %v\n%s", r.err, log)
	}
	log.Await(t, "store reached", patience)
	a := run(t, r.a)
	if code, body := readyz(t, a.base); code != http.StatusOK || body["store"] != "ok" || len(body) != 1 {
		t.Fatalf("alert role: /readyz %d %v; want 200 on the store alone", code, body)
	}
}

func readyz(t *testing.T, base string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// Each role is ready when it can do its work: with ClickHouse down the api
// role still takes mentions and says so (the store reported as degraded),
// while classify and alert are not ready.
func TestReadinessPerRole(t *testing.T) {
	ch := storetest.RunServer(t)
	s := serverStore(t, ch, "readiness")
	apiCfg := testConfig(t)
	apiCfg.Roles = []string{"api"}
	apiCfg.NATS.Listen = "127.0.0.1:0"
	apiNode := start(t, apiCfg, s)
	clsCfg := testConfig(t)
	clsCfg.Roles = []string{"classify"}
	clsCfg.NATS.URL = "nats://" + apiNode.Bus.ListenAddr()
	clsNode := start(t, clsCfg, s)
	alertCfg := testConfig(t)
	alertCfg.Roles = []string{"alert"}
	alertNode := start(t, alertCfg, s)

	want := map[string][]string{apiNode.base: {"bus_publish", "store"}, clsNode.base: {"bus_consume", "store"},
		alertNode.base: {"store"}}
	allReady := func() bool {
		for base, checks := range want {
			code, body := readyz(t, base)
			if code != http.StatusOK || len(body) != len(checks) {
				return false
			}
			for _, c := range checks {
				if body[c] != "ok" {
					return false
				}
			}
		}
		return true
	}
	for deadline := time.Now().Add(patience); !allReady(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the roles did not all become ready")
		}
	}

	ch.Stop()
	code, body := readyz(t, apiNode.base)
	if code != http.StatusOK || body["bus_publish"] != "ok" || !strings.HasPrefix(body["store"], "degraded: ") {
		t.Errorf("api role with the store down: /readyz %d %v; want 200 with the store degraded", code, body)
	}
	if code, out := post(t, apiNode.base, token, "application/json", ndjson(0, 20)); code != http.StatusOK {
		t.Errorf("api role with the store down: post %d %v", code, out)
	}
	for _, node := range []*running{clsNode, alertNode} {
		if code, body := readyz(t, node.base); code != http.StatusServiceUnavailable || body["store"] == "ok" {
			t.Errorf("%s with the store down: /readyz %d %v; want 503 naming the store", node.base, code, body)
		}
	}
	if err := ch.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(patience); !allReady(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the roles did not become ready again after the store came back")
		}
	}
	if got := waitCount(t, apiNode.base, 20, patience); got != 20 {
		t.Fatalf("count %d, want the 20 mentions taken while the store was down", got)
	}
}

// An api role whose publishes are not acknowledged answers 503 within the
// publish bound, naming the items, and reports unready; once publishes
// succeed again it is ready. It never mentions classifier workers, having
// none.
func TestAPIIsUnreadyWhilePublishesTimeOut(t *testing.T) {
	cfg := testConfig(t)
	cfg.Roles = []string{"api"}
	cfg.NATS.PublishTimeout = 500 * time.Millisecond
	log := proctest.NewLog()
	a, err := app.Start(context.Background(), cfg, log.Logger, app.WithStore(storetest.Embedded(t)))
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, a)
	if code, body := readyz(t, r.base); code != http.StatusOK {
		t.Fatalf("before: /readyz %d %v", code, body)
	}
	restore := bustest.Unacknowledged(t, r.Bus, cfg.NATS)
	code, out := post(t, r.base, token, "application/json", ndjson(0, 3))
	if code != http.StatusServiceUnavailable || out["failed"] != float64(3) {
		t.Fatalf("post while unacknowledged: %d %v", code, out)
	}
	if code, body := readyz(t, r.base); code != http.StatusServiceUnavailable ||
		!strings.Contains(body["bus_publish"], "nats.publish_timeout") {
		t.Fatalf("while publishes time out: /readyz %d %v; want 503 naming the timeout", code, body)
	}
	restore()
	if code, out := post(t, r.base, token, "application/json", ndjson(0, 3)); code != http.StatusOK {
		t.Fatalf("post after: %d %v", code, out)
	}
	if code, body := readyz(t, r.base); code != http.StatusOK {
		t.Fatalf("after: /readyz %d %v", code, body)
	}
	r.stop()
	if strings.Contains(log.String(), "classifier") {
		t.Errorf("an api-only process logs about classifier workers:\n%s", log)
	}
}
