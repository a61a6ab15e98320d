// Package bus carries mentions over NATS JetStream: an embedded server by
// default, or an external cluster. It owns the stream, the classifier's pull
// consumer, the dead-letter stream and the collectors' cursor bucket, and sets
// them up idempotently at start.
package bus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ewom/ewom/internal/config"
	"github.com/ewom/ewom/internal/mention"
)

// Subjects and names on the bus. The raw subject ends with the mention's source.
const (
	RawSubjectPrefix  = "ewom.mention.raw."
	DeadSubjectPrefix = "ewom.mention.dead."
	ConsumerName      = "classifier"
	CursorBucket      = "ewom_cursors"
	// HeaderReason carries why a message was dead-lettered.
	HeaderReason = "Ewom-Dead-Reason"
	// HeaderOrigSubject carries the subject a dead letter was first published on.
	HeaderOrigSubject = "Ewom-Original-Subject"
)

// Bus is a connection to JetStream with the ewom stream set up.
type Bus struct {
	cfg     config.NATS
	srv     *server.Server // nil when connected to an external server
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  jetstream.Stream
	metrics *Metrics
	log     *slog.Logger
	// publishes is the outcome of the latest publishes, for readiness.
	publishes publishOutcomes
}

// Open connects to cfg.URL, or starts an embedded server storing under
// dataDir/nats when the URL is empty, and ensures the streams, consumer
// and key-value bucket exist.
//
// Connection events (disconnects, reconnects, servers discovered, the
// client's asynchronous errors such as a slow consumer) and the leader
// elections of the streams and the classifier consumer are logged to log.
// Publishes wait for JetStream's acknowledgement at most
// cfg.PublishTimeout.
func Open(ctx context.Context, cfg config.NATS, dataDir string, m *Metrics, log *slog.Logger) (*Bus, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.PublishTimeout = cmp.Or(cfg.PublishTimeout, config.DefaultPublishTimeout)
	b := &Bus{cfg: cfg, metrics: m, log: log}
	var err error
	if cfg.URL == "" {
		if b.srv, err = startEmbedded(cfg, filepath.Join(dataDir, "nats")); err != nil {
			return nil, err
		}
		b.nc, err = nats.Connect("", append(b.connEvents(), nats.InProcessServer(b.srv), nats.Name("ewom"), nats.MaxReconnects(-1))...)
	} else {
		var opts []nats.Option
		if opts, err = clientOptions(cfg); err != nil {
			return nil, err
		}
		b.nc, err = nats.Connect(cfg.URL, append(b.connEvents(), opts...)...)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connect to NATS %s: %w (check nats.url and credentials; an empty nats.url runs an embedded server)", cfg.Display(), err)
	}
	// The async timeout also frees the slot of a publish whose ack never
	// comes: without it such publishes would fill the 4096 slots and stall
	// every later one.
	if b.js, err = jetstream.New(b.nc, jetstream.WithPublishAsyncMaxPending(4096),
		jetstream.WithPublishAsyncTimeout(cfg.PublishTimeout)); err != nil {
		b.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if err := b.setup(ctx); err != nil {
		b.Close()
		return nil, err
	}
	if err := b.watchLeaders(); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func startEmbedded(cfg config.NATS, storeDir string) (*server.Server, error) {
	if err := os.MkdirAll(storeDir, 0o750); err != nil {
		return nil, fmt.Errorf("embedded NATS: create %s: %w", storeDir, err)
	}
	opts := &server.Options{
		ServerName: "ewom-embedded",
		JetStream:  true,
		StoreDir:   storeDir,
		NoSigs:     true,
		NoLog:      true,
		DontListen: cfg.Listen == "",
	}
	if cfg.Listen != "" {
		host, port, err := splitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats.listen: %w", err)
		}
		opts.Host, opts.Port = host, port
		if port == 0 {
			// Port 0 means nats-server's default, 4222; here, as for
			// http.listen, the system picks a free port (see ListenAddr).
			opts.Port = server.RANDOM_PORT
		}
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		if cfg.Listen != "" {
			return nil, fmt.Errorf("embedded NATS did not become ready within 30s (is nats.listen %s taken? store %s: is another ewom using it?)", cfg.Listen, storeDir)
		}
		return nil, fmt.Errorf("embedded NATS did not become ready within 30s (store %s: is another ewom using it?)", storeDir)
	}
	return srv, nil
}

func clientOptions(cfg config.NATS) ([]nats.Option, error) {
	opts := []nats.Option{nats.Name("ewom"), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second)}
	switch {
	case cfg.CredsFile != "":
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	case cfg.NKeyFile != "":
		o, err := nats.NkeyOptionFromSeed(cfg.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("nats.nkey_file: %w", err)
		}
		opts = append(opts, o)
	case cfg.User != "":
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.TLS.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.TLS.CAFile))
	}
	if cfg.TLS.CertFile != "" || cfg.TLS.KeyFile != "" {
		opts = append(opts, nats.ClientCert(cfg.TLS.CertFile, cfg.TLS.KeyFile))
	}
	return opts, nil
}

func (b *Bus) setup(ctx context.Context) error {
	var err error
	b.stream, err = b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        b.cfg.Stream,
		Description: "ewom mentions awaiting classification",
		Subjects:    []string{RawSubjectPrefix + ">"},
		// Work-queue retention: a mention leaves the bus once it is stored,
		// so the bus holds only in-flight data (and erasure is simple).
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Replicas:   b.cfg.Replicas,
		Duplicates: b.cfg.DuplicateWindow,
		MaxAge:     b.cfg.MaxAge,
	})
	if err != nil {
		return fmt.Errorf("set up stream %s: %w", b.cfg.Stream, err)
	}
	if _, err := b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        b.deadStream(),
		Description: "ewom mentions that could not be processed, with the reason in a header",
		Subjects:    []string{DeadSubjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Replicas:    b.cfg.Replicas,
		MaxAge:      30 * 24 * time.Hour,
	}); err != nil {
		return fmt.Errorf("set up dead-letter stream: %w", err)
	}
	if _, err := b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      CursorBucket,
		Description: "collector cursors (since-id, ETag, time_us)",
		Storage:     jetstream.FileStorage,
		Replicas:    b.cfg.Replicas,
		History:     1,
	}); err != nil {
		return fmt.Errorf("set up key-value bucket %s: %w", CursorBucket, err)
	}
	return nil
}

func (b *Bus) deadStream() string { return DeadStream(b.cfg.Stream) }

// DeadStream names the dead-letter stream that goes with a mention stream.
func DeadStream(stream string) string { return stream + "_DEAD" }

// ConsumerConfig tunes the classifier's pull consumer.
type ConsumerConfig struct {
	AckWait       time.Duration
	MaxAckPending int
	MaxDeliver    int
}

// Consumer creates or updates the shared durable pull consumer; several
// workers (in one or many processes) share its messages.
func (b *Bus) Consumer(ctx context.Context, cc ConsumerConfig) (jetstream.Consumer, error) {
	c, err := b.js.CreateOrUpdateConsumer(ctx, b.cfg.Stream, jetstream.ConsumerConfig{
		Durable:       ConsumerName,
		Description:   "ewom classifier workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cc.AckWait,
		MaxAckPending: cc.MaxAckPending,
		// The worker dead-letters a message itself on its last delivery so
		// that the reason is recorded; the server limit is one beyond that.
		MaxDeliver:    cc.MaxDeliver + 1,
		FilterSubject: RawSubjectPrefix + ">",
	})
	if err != nil {
		return nil, fmt.Errorf("set up consumer %s: %w", ConsumerName, err)
	}
	return c, nil
}

// Subject returns the raw subject for a source: ewom.mention.raw.<source>,
// with characters NATS treats specially replaced.
func Subject(source string) string {
	return RawSubjectPrefix + subjectToken(source)
}

func subjectToken(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "unknown"
	}
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	return sb.String()
}

// Publish puts one mention on the bus and waits for JetStream's ack. A
// duplicate within the window is acknowledged without being stored twice.
// It waits at most nats.publish_timeout.
func (b *Bus) Publish(ctx context.Context, m *mention.Mention) error {
	data, err := m.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encode mention: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.PublishTimeout)
	defer cancel()
	ack, err := b.js.Publish(ctx, Subject(m.Source), data, jetstream.WithMsgID(m.Key()))
	if err != nil {
		err = b.publishError(Subject(m.Source), err)
		b.metrics.publishFailed.Inc()
		b.publishes.record(err)
		return err
	}
	b.countAck(ack)
	b.publishes.record(nil)
	return nil
}

// publishError says which subject a publish failed on, and that the bus did
// not acknowledge it in time when that is why.
func (b *Bus) publishError(subject string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jetstream.ErrAsyncPublishTimeout) || errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
		return fmt.Errorf("publish to %s: %w", subject, &AckTimeoutError{After: b.cfg.PublishTimeout, Err: err})
	}
	return fmt.Errorf("publish to %s: %w", subject, err)
}

// AckTimeoutError is a publish JetStream did not acknowledge within
// nats.publish_timeout: the stream may have no leader, or the server may
// be unreachable. The message may still be stored; publishing it again
// is deduplicated by its id.
type AckTimeoutError struct {
	After time.Duration
	Err   error
}

func (e *AckTimeoutError) Error() string {
	return fmt.Sprintf("JetStream did not acknowledge within %s (nats.publish_timeout): %v", e.After, e.Err)
}

func (e *AckTimeoutError) Unwrap() error { return e.Err }

func (b *Bus) countAck(ack *jetstream.PubAck) {
	if ack.Duplicate {
		b.metrics.duplicates.Inc()
	} else {
		b.metrics.published.Inc()
	}
}

// Published is what became of one mention given to PublishAll.
type Published struct {
	// Err is nil when JetStream persisted the mention (or already held it).
	Err error
	// Duplicate is true when JetStream already held a mention with the same
	// id within its duplicate window: this copy was acknowledged but not
	// stored, whatever its content.
	Duplicate bool
}

// PublishAll publishes mentions concurrently and waits for every ack, for
// at most nats.publish_timeout in all: a mention not acknowledged by then
// fails with an *AckTimeoutError. The returned slice has one entry per
// mention.
func (b *Bus) PublishAll(ctx context.Context, ms []*mention.Mention) []Published {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.PublishTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	out := make([]Published, len(ms))
	futures := make([]jetstream.PubAckFuture, len(ms))
	for i, m := range ms {
		if err := ctx.Err(); err != nil {
			out[i].Err = b.publishError(Subject(m.Source), err)
			continue
		}
		data, err := m.MarshalJSON()
		if err != nil {
			out[i].Err = fmt.Errorf("encode mention: %w", err)
			continue
		}
		msg := &nats.Msg{Subject: Subject(m.Source), Data: data, Header: nats.Header{}}
		// With every slot of the async window taken, wait for one as long
		// as the request's deadline allows, not the client's default 200 ms:
		// a slow bus is slow, not failing.
		stall := time.Until(deadline)
		if stall <= 0 {
			out[i].Err = b.publishError(msg.Subject, context.DeadlineExceeded)
			continue
		}
		if futures[i], err = b.js.PublishMsgAsync(msg, jetstream.WithMsgID(m.Key()), jetstream.WithStallWait(stall)); err != nil {
			out[i].Err = b.publishError(msg.Subject, err)
		}
	}
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case ack := <-f.Ok():
			b.countAck(ack)
			out[i].Duplicate = ack.Duplicate
		case err := <-f.Err():
			out[i].Err = b.publishError(f.Msg().Subject, err)
		case <-ctx.Done():
			out[i].Err = b.publishError(f.Msg().Subject, ctx.Err())
		}
	}
	var failed error
	for _, p := range out {
		if p.Err != nil {
			b.metrics.publishFailed.Inc()
			failed = cmp.Or(failed, p.Err)
		}
	}
	if len(ms) > 0 {
		b.publishes.record(failed)
	}
	return out
}

// DeadLetter stores a message that can never be processed on the dead-letter
// stream, with the reason in a header, so that it never blocks the stream.
func (b *Bus) DeadLetter(ctx context.Context, origSubject string, data []byte, reason string) error {
	src := strings.TrimPrefix(origSubject, RawSubjectPrefix)
	msg := &nats.Msg{Subject: DeadSubjectPrefix + subjectToken(src), Data: data, Header: nats.Header{}}
	msg.Header.Set(HeaderReason, reason)
	msg.Header.Set(HeaderOrigSubject, origSubject)
	if _, err := b.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("dead-letter to %s: %w", msg.Subject, err)
	}
	b.metrics.deadLettered.WithLabelValues(reasonClass(reason)).Inc()
	return nil
}

// reasonClass keeps the metric label's cardinality small.
func reasonClass(reason string) string {
	if i := strings.IndexByte(reason, ':'); i > 0 {
		return reason[:i]
	}
	return reason
}

// DeadLetters reads up to max dead letters (oldest first) for inspection.
func (b *Bus) DeadLetters(ctx context.Context, max int) ([]DeadLetter, error) {
	s, err := b.js.Stream(ctx, b.deadStream())
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("dead-letter stream info: %w", err)
	}
	var out []DeadLetter
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && len(out) < max; seq++ {
		raw, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("read dead letter %d: %w", seq, err)
		}
		out = append(out, DeadLetter{Subject: raw.Subject, Reason: raw.Header.Get(HeaderReason),
			OriginalSubject: raw.Header.Get(HeaderOrigSubject), Data: raw.Data, Time: raw.Time})
	}
	return out, nil
}

// DeadLetter is one message on the dead-letter stream.
type DeadLetter struct {
	Subject, OriginalSubject, Reason string
	Data                             []byte
	Time                             time.Time
}

// Cursors returns the collectors' cursor store.
func (b *Bus) Cursors() *Cursors { return &Cursors{js: b.js} }

// Pending reports the consumer's backlog: messages not yet delivered and
// delivered but not yet acknowledged.
func (b *Bus) Pending(ctx context.Context) (pending uint64, ackPending int, err error) {
	c, err := b.js.Consumer(ctx, b.cfg.Stream, ConsumerName)
	if err != nil {
		return 0, 0, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, 0, err
	}
	return info.NumPending, info.NumAckPending, nil
}

// ListenAddr is the embedded server's client address (host:port, the port
// chosen when nats.listen asked for 0), or "" when it listens on none.
func (b *Bus) ListenAddr() string {
	if b.srv == nil {
		return ""
	}
	if a := b.srv.Addr(); a != nil {
		return a.String()
	}
	return ""
}

// JetStream exposes the JetStream context for components that need more.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Close drains the connection (so pending publishes and acks complete) and
// shuts the embedded server down.
func (b *Bus) Close() {
	if b.nc != nil {
		if err := b.nc.Drain(); err != nil && b.log != nil {
			b.log.Warn("drain NATS connection", "err", err)
		}
		for deadline := time.Now().Add(10 * time.Second); !b.nc.IsClosed() && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		b.nc.Close()
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}
