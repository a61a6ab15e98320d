package collector_test

import (
	"context"
	"testing"
	"time"

	"github.com/ewom/ewom/internal/bus/bustest"
	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
	"github.com/ewom/ewom/internal/config"
)

// TestRunnerOnJetStreamResumesWithoutDuplicates runs the runner against real
// embedded JetStream: mentions go to the stream, the cursor to the KV bucket,
// and after a restart of the server (same storage) and of the runner only
// new posts are published. A pass that published but crashed before its
// checkpoint is repeated without duplicates thanks to the Nats-Msg-Id dedup.
func TestRunnerOnJetStreamResumesWithoutDuplicates(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	natsCfg := config.Default().NATS
	remote := &fakeRemote{posts: 3}
	remotes.Store("js", remote)
	srcs := []config.Source{
		collectortest.Source(t, "{type: test-fake, name: 'fake js', remote: js}"),
	}
	runOnce := func(pub collector.Publisher, cur collector.CursorStore) collector.Stats {
		t.Helper()
		r, err := collector.NewRunner(srcs, collector.Options{Publisher: pub, Cursors: cur, Logger: discard()})
		if err != nil {
			t.Fatal(err)
		}
		stats, err := r.RunOnce(ctx, time.Second)
		if err != nil || stats[0].Err != nil {
			t.Fatalf("pass: %v %+v", err, stats)
		}
		return stats[0]
	}
	b := bustest.RunJetStreamIn(t, dir, natsCfg)
	if st := runOnce(b, b.Cursors()); st.Emitted != 3 {
		t.Fatalf("first pass emitted %d", st.Emitted)
	}
	// A crash after publishing, before the checkpoint: publish posts 4-5
	// directly, as the runner would have, but leave the cursor at 3.
	remote.add(2)
	runOnce(b, crashBeforeCheckpoint{b.Cursors()})
	b.Close()

	b = bustest.RunJetStreamIn(t, dir, natsCfg)
	cur, err := b.Cursors().Get(ctx, "fake js")
	if err != nil || string(cur) != "3" {
		t.Fatalf("cursor after restart = %q, %v; want 3", cur, err)
	}
	remote.add(1)
	if st := runOnce(b, b.Cursors()); st.Emitted != 3 {
		t.Fatalf("resumed pass emitted %d, want posts 4-6", st.Emitted)
	}
	s, err := b.JetStream().Stream(ctx, natsCfg.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 6 {
		t.Fatalf("stream holds %d messages, want 6 (posts 1-6 once each)", info.State.Msgs)
	}
	if cur, _ := b.Cursors().Get(ctx, "fake js"); string(cur) != "6" {
		t.Fatalf("cursor %q, want 6", cur)
	}
}

// crashBeforeCheckpoint loses every cursor save, like a process killed
// between publishing and checkpointing.
type crashBeforeCheckpoint struct{ collector.CursorStore }

func (crashBeforeCheckpoint) Put(context.Context, string, []byte) error { return nil }
