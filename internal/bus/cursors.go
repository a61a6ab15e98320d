package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Cursors keeps collector cursors in a JetStream key-value bucket, so a
// restarted or second collector instance resumes where the last one stopped.
type Cursors struct {
	js jetstream.JetStream
}

func (c *Cursors) bucket(ctx context.Context) (jetstream.KeyValue, error) {
	kv, err := c.js.KeyValue(ctx, CursorBucket)
	if err != nil {
		return nil, fmt.Errorf("cursor bucket %s: %w", CursorBucket, err)
	}
	return kv, nil
}

// Get returns the cursor stored under key, or nil when there is none.
func (c *Cursors) Get(ctx context.Context, key string) ([]byte, error) {
	kv, err := c.bucket(ctx)
	if err != nil {
		return nil, err
	}
	e, err := kv.Get(ctx, cursorKey(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get cursor %q: %w", key, err)
	}
	return e.Value(), nil
}

// Put stores the cursor under key.
func (c *Cursors) Put(ctx context.Context, key string, val []byte) error {
	kv, err := c.bucket(ctx)
	if err != nil {
		return err
	}
	if _, err := kv.Put(ctx, cursorKey(key), val); err != nil {
		return fmt.Errorf("put cursor %q: %w", key, err)
	}
	return nil
}

// cursorKey maps a source name to a valid KV key (letters, digits, - _ / = .).
func cursorKey(name string) string {
	var sb strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '=', r == '.':
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	if sb.Len() == 0 {
		return "_"
	}
	return sb.String()
}
