package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// connEvents routes the NATS client's connection events and asynchronous
// errors (which it would otherwise print to stderr, e.g. "slow consumer")
// through the bus's logger.
func (b *Bus) connEvents() []nats.Option {
	return []nats.Option{
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err == nil { // closed by us; the closed handler says so
				return
			}
			b.log.Warn("NATS disconnected; reconnecting (publishes wait at most nats.publish_timeout)",
				"nats", b.cfg.Display(), "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("NATS reconnected", "server", nc.ConnectedUrlRedacted(), "server_name", nc.ConnectedServerName(),
				"reconnects", nc.Stats().Reconnects)
		}),
		nats.ReconnectErrHandler(func(nc *nats.Conn, err error) {
			b.log.Debug("NATS reconnect attempt failed", "err", err)
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				b.log.Warn("NATS connection closed", "err", err)
				return
			}
			b.log.Info("NATS connection closed")
		}),
		nats.DiscoveredServersHandler(func(nc *nats.Conn) {
			b.log.Info("NATS servers discovered", "servers", nc.DiscoveredServers())
		}),
		nats.LameDuckModeHandler(func(nc *nats.Conn) {
			b.log.Warn("NATS server entering lame duck mode; moving to another", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			if sub != nil {
				b.log.Warn("NATS client error", "err", err, "subject", sub.Subject)
				return
			}
			b.log.Warn("NATS client error", "err", err)
		}),
	}
}

// advisory holds the fields of JetStream's leader-elected and quorum-lost
// advisories for streams and consumers that the log shows.
type advisory struct {
	Type     string `json:"type"`
	Stream   string `json:"stream"`
	Consumer string `json:"consumer"`
	Leader   string `json:"leader"`
	Replicas []struct {
		Name    string `json:"name"`
		Current bool   `json:"current"`
		Offline bool   `json:"offline"`
	} `json:"replicas"`
}

// watchLeaders logs the leader elections and quorum losses of the mention
// stream, the dead-letter stream, the cursor bucket and the classifier
// consumer: JetStream publishes them as advisories (on a cluster; a single
// server elects no leaders). A NATS user without permission to subscribe
// to $JS.EVENT.ADVISORY.> gets one logged permission error and no such lines.
func (b *Bus) watchLeaders() error {
	var subjects []string
	for _, s := range []string{b.cfg.Stream, b.deadStream(), "KV_" + CursorBucket} {
		subjects = append(subjects, server.JSAdvisoryStreamLeaderElectedPre+"."+s, server.JSAdvisoryStreamQuorumLostPre+"."+s)
	}
	for _, pre := range []string{server.JSAdvisoryConsumerLeaderElectedPre, server.JSAdvisoryConsumerQuorumLostPre} {
		subjects = append(subjects, pre+"."+b.cfg.Stream+"."+ConsumerName)
	}
	for _, subj := range subjects {
		if _, err := b.nc.Subscribe(subj, b.logAdvisory); err != nil {
			return fmt.Errorf("subscribe to JetStream advisories %s: %w", subj, err)
		}
	}
	return nil
}

func (b *Bus) logAdvisory(m *nats.Msg) {
	var a advisory
	if err := json.Unmarshal(m.Data, &a); err != nil {
		b.log.Warn("unreadable JetStream advisory", "subject", m.Subject, "err", err)
		return
	}
	var current, lagging, offline []string
	for _, r := range a.Replicas {
		switch {
		case r.Offline:
			offline = append(offline, r.Name)
		case r.Current:
			current = append(current, r.Name)
		default:
			lagging = append(lagging, r.Name)
		}
	}
	attrs := []any{"stream", a.Stream}
	if a.Consumer != "" {
		attrs = append(attrs, "consumer", a.Consumer)
	}
	attrs = append(attrs, "replicas_current", current, "replicas_lagging", lagging, "replicas_offline", offline)
	what := "stream"
	if strings.HasPrefix(m.Subject, "$JS.EVENT.ADVISORY.CONSUMER.") {
		what = "consumer"
	}
	if strings.Contains(m.Subject, ".QUORUM_LOST.") {
		b.log.Warn("JetStream "+what+" lost its quorum: it takes no messages until a majority of its replicas is back", attrs...)
		return
	}
	b.log.Info("JetStream "+what+" leader elected", append([]any{"leader", a.Leader}, attrs...)...)
}

// publishFailureHold is how long a failed publish keeps the publish path
// unready when no publish has succeeded since. After it, readiness depends
// on the stream again, so that a process taken out of a load balancer's
// rotation gets requests (and a fresh verdict) back.
const publishFailureHold = 30 * time.Second

// publishOutcomes remembers the latest failed and successful publishes.
type publishOutcomes struct {
	mu             sync.Mutex
	failedAt, okAt time.Time
	err            error
}

// record notes a publish (or a batch of them) that failed with err, or
// succeeded when err is nil. A publish cancelled by its caller says nothing
// about the bus.
func (p *publishOutcomes) record(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.okAt = now
		return
	}
	p.failedAt, p.err = now, err
}

// failing returns the latest publish error if no publish succeeded after it
// and it is recent.
func (p *publishOutcomes) failing(now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil || !p.failedAt.After(p.okAt) || now.Sub(p.failedAt) > publishFailureHold {
		return nil
	}
	return fmt.Errorf("the latest publish failed %s ago: %w", now.Sub(p.failedAt).Round(time.Millisecond), p.err)
}

func (b *Bus) connected() error {
	if b.nc == nil {
		return fmt.Errorf("not connected to NATS %s", b.cfg.Display())
	}
	if !b.nc.IsConnected() {
		return fmt.Errorf("not connected to NATS %s (%s)", b.cfg.Display(), strings.ToLower(b.nc.Status().String()))
	}
	return nil
}

// ReadyToPublish reports whether mentions can be published: the client is
// connected, the mention stream answers and has a leader, and the latest
// publish did not fail (for up to 30 s while none has succeeded since).
func (b *Bus) ReadyToPublish(ctx context.Context) error {
	if err := b.connected(); err != nil {
		return err
	}
	info, err := b.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s does not answer: %w", b.cfg.Stream, err)
	}
	if err := leaderless("stream "+b.cfg.Stream, info.Cluster); err != nil {
		return err
	}
	return b.publishes.failing(time.Now())
}

// ReadyToConsume reports whether the classifier consumer can deliver: the
// client is connected and the consumer answers and has a leader.
func (b *Bus) ReadyToConsume(ctx context.Context) error {
	if err := b.connected(); err != nil {
		return err
	}
	c, err := b.js.Consumer(ctx, b.cfg.Stream, ConsumerName)
	if err != nil {
		return fmt.Errorf("consumer %s on stream %s does not answer: %w", ConsumerName, b.cfg.Stream, err)
	}
	return leaderless("consumer "+ConsumerName, c.CachedInfo().Cluster)
}

// leaderless is an error when a replicated asset has no leader.
func leaderless(what string, c *jetstream.ClusterInfo) error {
	if c != nil && c.Leader == "" {
		return fmt.Errorf("%s has no leader (JetStream is electing one, or a majority of its replicas is down)", what)
	}
	return nil
}
