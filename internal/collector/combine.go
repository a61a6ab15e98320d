package collector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Part is one named member of a combined collector.
type Part struct {
	Key string
	C   Collector
}

// Combine runs several pollers as one source, each with its own cursor kept
// under its key in a JSON object. A failing part does not stop the others.
func Combine(parts ...Part) Collector { return combined(parts) }

type combined []Part

func (c combined) Collect(ctx context.Context, raw []byte, out Output) error {
	cursors := map[string]json.RawMessage{}
	if err := LoadCursor(raw, &cursors); err != nil {
		return err
	}
	var errs []error
	for _, p := range c {
		po := &partOutput{Output: out, key: p.Key, all: cursors}
		if err := p.C.Collect(ctx, cursors[p.Key], po); err != nil {
			if ctx.Err() != nil {
				return err
			}
			errs = append(errs, fmt.Errorf("%s: %w", p.Key, err))
		}
	}
	return errors.Join(errs...)
}

// partOutput stores a part's checkpoint inside the combined cursor.
type partOutput struct {
	Output
	key string
	all map[string]json.RawMessage
}

func (o *partOutput) Checkpoint(cursor []byte) error {
	o.all[o.key] = json.RawMessage(cursor)
	b, err := json.Marshal(o.all)
	if err != nil {
		return err
	}
	return o.Output.Checkpoint(b)
}
