package store

import (
	"context"
	"fmt"
)

// Operations (versions 300-399): retention and erasure support.

// Mutate runs an ALTER TABLE … DELETE/UPDATE on s and returns once it has
// been applied, on every engine (old servers lack mutations_sync and are
// polled), so that the caller's next query sees its effect.
func Mutate(ctx context.Context, s Store, stmt string) error {
	c, ok := s.(*common)
	if !ok {
		return fmt.Errorf("store: Mutate needs a store from this package, got %T", s)
	}
	return c.mutate(ctx, stmt)
}
