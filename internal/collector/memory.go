package collector

import (
	"bytes"
	"context"
	"sync"
)

// MemoryCursors is an in-process CursorStore for dry runs (collect --once)
// and tests. It is safe for concurrent use.
type MemoryCursors struct {
	mu sync.Mutex
	m  map[string][]byte
}

// Get returns the stored cursor, or nil when there is none.
func (c *MemoryCursors) Get(_ context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.m[key]), nil
}

// Put stores a cursor.
func (c *MemoryCursors) Put(_ context.Context, key string, val []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	c.m[key] = bytes.Clone(val)
	return nil
}
