package bus_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ewom/ewom/internal/bus"
	"github.com/ewom/ewom/internal/bus/bustest"
	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

func sample(i int) *mention.Mention {
	return &mention.Mention{Source: "test", ID: fmt.Sprint(i), Text: "hello", PublishedAt: time.Now().UTC()}
}

func TestPublishDeduplicatesByMentionID(t *testing.T) {
	b := bustest.RunJetStream(t)
	ctx := context.Background()
	ms := []*mention.Mention{sample(1), sample(2), sample(1)}
	for i, p := range b.PublishAll(ctx, ms) {
		if p.Err != nil || p.Duplicate != (i == 2) {
			t.Fatalf("publish %d: %v, duplicate %v", i, p.Err, p.Duplicate)
		}
	}
	if err := b.Publish(ctx, sample(2)); err != nil {
		t.Fatal(err)
	}
	pending, _, err := b.Pending(ctxConsumer(t, b))
	if err != nil {
		t.Fatal(err)
	}
	if pending != 2 {
		t.Fatalf("stream holds %d messages for the consumer, want 2 distinct mentions", pending)
	}
}

func ctxConsumer(t *testing.T, b *bus.Bus) context.Context {
	t.Helper()
	ctx := context.Background()
	if _, err := b.Consumer(ctx, bus.ConsumerConfig{AckWait: time.Minute, MaxAckPending: 100, MaxDeliver: 3}); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func TestSetupIsIdempotentAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default().NATS
	first := bustest.RunJetStreamIn(t, dir, cfg)
	ctx := ctxConsumer(t, first)
	if err := first.Publish(ctx, sample(7)); err != nil {
		t.Fatal(err)
	}
	if err := first.Cursors().Put(ctx, "rss feed/1", []byte("etag-1")); err != nil {
		t.Fatal(err)
	}
	first.Close()

	second := bustest.RunJetStreamIn(t, dir, cfg)
	ctx = ctxConsumer(t, second)
	pending, _, err := second.Pending(ctx)
	if err != nil || pending != 1 {
		t.Fatalf("after restart pending = %d, %v; want the 1 message kept on disk", pending, err)
	}
	got, err := second.Cursors().Get(ctx, "rss feed/1")
	if err != nil || string(got) != "etag-1" {
		t.Fatalf("cursor after restart = %q, %v", got, err)
	}
	missing, err := second.Cursors().Get(ctx, "never-set")
	if err != nil || missing != nil {
		t.Fatalf("absent cursor = %q, %v; want nil, nil", missing, err)
	}
}

func TestDeadLetterKeepsReason(t *testing.T) {
	b := bustest.RunJetStream(t)
	ctx := context.Background()
	if err := b.DeadLetter(ctx, bus.Subject("rss"), []byte("{bad"), "unparseable: invalid JSON"); err != nil {
		t.Fatal(err)
	}
	dl, err := b.DeadLetters(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != 1 || dl[0].Reason != "unparseable: invalid JSON" || string(dl[0].Data) != "{bad" || dl[0].OriginalSubject != "ewom.mention.raw.rss" {
		t.Fatalf("dead letters = %+v", dl)
	}
}

func TestSubjectSanitisesSource(t *testing.T) {
	for in, want := range map[string]string{"Mastodon": "ewom.mention.raw.mastodon", "app store.fi": "ewom.mention.raw.app_store_fi", "": "ewom.mention.raw.unknown", "a>b*": "ewom.mention.raw.a_b_"} {
		if got := bus.Subject(in); got != want {
			t.Errorf("Subject(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestListenOnPortZeroPicksAFreePort: nats.listen with port 0 lets the system
// choose (nats-server itself would take 0 for its default, 4222), and the
// bus tells which port it got, so tests need not pick a "free" port that
// another process may take before the server binds it.
func TestListenOnPortZeroPicksAFreePort(t *testing.T) {
	cfg := config.Default().NATS
	cfg.Listen = "127.0.0.1:0"
	b := bustest.RunJetStreamIn(t, t.TempDir(), cfg)
	addr := b.ListenAddr()
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "0" || port == "4222" {
		t.Fatalf("ListenAddr() = %q, want 127.0.0.1 with a picked port", addr)
	}
	nc, err := nats.Connect("nats://" + addr)
	if err != nil {
		t.Fatalf("connect to %s: %v", addr, err)
	}
	nc.Close()
	if got := bustest.RunJetStream(t).ListenAddr(); got != "" {
		t.Errorf("without nats.listen, ListenAddr() = %q, want none", got)
	}
}

// BenchmarkPublishAll publishes chunks of 1,000 mentions to the embedded
// server, each chunk waiting for its acks, as the ingest API does.
//
//	go test ./internal/bus -run '^$' -bench PublishAll -benchtime 20x
func BenchmarkPublishAll(b *testing.B) {
	bs := bustest.RunJetStream(b)
	ctx := context.Background()
	ms := make([]*mention.Mention, 1000)
	n := 0
	for b.Loop() {
		for i := range ms {
			ms[i] = sample(n)
			n++
		}
		for _, p := range bs.PublishAll(ctx, ms) {
			if p.Err != nil {
				b.Fatal(p.Err)
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "mentions/s")
}
