package collector

import (
	"encoding/json"
	"fmt"
)

// LoadCursor decodes a stored JSON cursor into v; an empty cursor (the first
// run) leaves v as it is.
func LoadCursor(raw []byte, v any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("stored cursor is corrupt: %w", err)
	}
	return nil
}

// CheckpointJSON stores v, encoded as JSON, as the cursor.
func CheckpointJSON(out Output, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return out.Checkpoint(b)
}
