package bus_test

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/bus/bustest"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
	"github.com/ewom/ewom/internal/proctest"
)

// hangGuard bounds a call that must give up by itself well before: a
// publish that waited for it would fail with its error, not the bus's.
const hangGuard = 60 * time.Second

// A publish JetStream never acknowledges fails after nats.publish_timeout
// with an error that says so, for each mention, instead of waiting as long
// as the caller does; the publish path reports unready until a publish
// succeeds again.
func TestPublishGivesUpWhenNoAckComes(t *testing.T) {
	cfg := config.Default().NATS
	cfg.PublishTimeout = 300 * time.Millisecond
	b := bustest.RunJetStreamIn(t, t.TempDir(), cfg)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if err := b.ReadyToPublish(ctx); err != nil {
		t.Fatalf("ready before: %v", err)
	}
	restore := bustest.Unacknowledged(t, b, cfg)

	out := b.PublishAll(ctx, []*mention.Mention{sample(1), sample(2), sample(3)})
	for i, p := range out {
		var timeout *bus.AckTimeoutError
		if !errors.As(p.Err, &timeout) || !strings.Contains(p.Err.Error(), "nats.publish_timeout") {
			t.Fatalf("mention %d: err = %v; want the bus's ack timeout", i, p.Err)
		}
	}
	var timeout *bus.AckTimeoutError
	if err := b.Publish(ctx, sample(4)); !errors.As(err, &timeout) {
		t.Fatalf("sync publish: err = %v; want the bus's ack timeout", err)
	}
	err := b.ReadyToPublish(ctx)
	if err == nil || !strings.Contains(err.Error(), "latest publish failed") {
		t.Fatalf("ready while publishes time out: %v", err)
	}

	restore()
	if p := b.PublishAll(ctx, []*mention.Mention{sample(5)}); p[0].Err != nil {
		t.Fatalf("publish after the stream is back: %v", p[0].Err)
	}
	if err := b.ReadyToPublish(ctx); err != nil {
		t.Fatalf("not ready after a publish succeeded: %v", err)
	}
}

func openBus(t *testing.T, cfg config.NATS, log *slog.Logger) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	b, err := bus.Open(ctx, cfg, t.TempDir(), bus.NewMetrics(prometheus.NewRegistry()), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// When the NATS server goes away, the disconnect is logged, publishes give
// up after nats.publish_timeout and the publish path is unready; when it
// is back, the reconnect is logged and publishing works again.
func TestServerOutageIsSurvivedAndLogged(t *testing.T) {
	srv := bustest.NewServers(t, 1)
	srv.StartAll()
	cfg := config.Default().NATS
	cfg.URL = srv.URL()
	cfg.PublishTimeout = 300 * time.Millisecond
	logs := proctest.NewLog("NATS disconnected", "NATS reconnected")
	b := openBus(t, cfg, logs.Logger)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()

	srv.Stop(0)
	if line := logs.Await(t, "NATS disconnected", hangGuard); !strings.Contains(line, "err=") {
		t.Errorf("disconnect line names no error: %s", line)
	}
	var timeout *bus.AckTimeoutError
	if p := b.PublishAll(ctx, []*mention.Mention{sample(1)}); !errors.As(p[0].Err, &timeout) {
		t.Fatalf("publish while the server is down: %v", p[0].Err)
	}
	if err := b.ReadyToPublish(ctx); err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Fatalf("ready while disconnected: %v", err)
	}

	srv.Start(0)
	if line := logs.Await(t, "NATS reconnected", hangGuard); !strings.Contains(line, "server_name=n1") {
		t.Errorf("reconnect line does not name the server: %s", line)
	}
	// JetStream recovers its streams from disk just after the server
	// takes connections.
	for {
		p := b.PublishAll(ctx, []*mention.Mention{sample(2)})
		if p[0].Err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no publish succeeded after the reconnect: %v", p[0].Err)
		}
	}
	if err := b.ReadyToPublish(ctx); err != nil {
		t.Fatalf("not ready after the reconnect: %v", err)
	}
}

// On a cluster, the leader elections of the mention stream and of the
// classifier consumer are logged with the new leader.
func TestLeaderElectionsAreLogged(t *testing.T) {
	c := bustest.NewServers(t, 3)
	c.StartAll()
	cfg := config.Default().NATS
	cfg.URL = c.URL()
	cfg.Replicas = 3
	logs := proctest.NewLog("JetStream stream leader elected", "JetStream consumer leader elected")
	b := openBus(t, cfg, logs.Logger)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if _, err := b.Consumer(ctx, bus.ConsumerConfig{AckWait: time.Minute, MaxAckPending: 100, MaxDeliver: 3}); err != nil {
		t.Fatal(err)
	}
	nc := b.JetStream().Conn()
	for _, api := range []string{"$JS.API.STREAM.LEADER.STEPDOWN." + cfg.Stream,
		"$JS.API.CONSUMER.LEADER.STEPDOWN." + cfg.Stream + "." + bus.ConsumerName} {
		if _, err := nc.RequestWithContext(ctx, api, nil); err != nil {
			t.Fatalf("%s: %v", api, err)
		}
	}
	leader := regexp.MustCompile(`leader=n[123] stream=` + cfg.Stream)
	if line := logs.Await(t, "JetStream stream leader elected", hangGuard); !leader.MatchString(line) {
		t.Errorf("stream election line: %s", line)
	}
	if line := logs.Await(t, "JetStream consumer leader elected", hangGuard); !leader.MatchString(line) || !strings.Contains(line, "consumer=classifier") {
		t.Errorf("consumer election line: %s", line)
	}
}

// The NATS client's own asynchronous errors, such as a slow consumer, go to
// the log instead of the client's unstructured lines on stderr.
func TestClientErrorsAreLogged(t *testing.T) {
	logs := proctest.NewLog("NATS client error")
	b := openBus(t, config.Default().NATS, logs.Logger)
	nc := b.JetStream().Conn()
	release := make(chan struct{})
	defer close(release)
	sub, err := nc.Subscribe("ewom.test.slow", func(*nats.Msg) { <-release })
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.SetPendingLimits(1, -1); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := nc.Publish("ewom.test.slow", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if line := logs.Await(t, "NATS client error", hangGuard); !strings.Contains(line, "slow consumer") ||
		!strings.Contains(line, "subject=ewom.test.slow") {
		t.Fatalf("client error line: %s", line)
	}
}
