package collector_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/mention"
)

type partFunc func(ctx context.Context, cursor []byte, out collector.Output) error

func (f partFunc) Collect(ctx context.Context, cursor []byte, out collector.Output) error {
	return f(ctx, cursor, out)
}

type recordingOutput struct {
	emitted []string
	cursors []string
	// skipped and warned are the reasons and kinds, in order.
	skipped, warned []string
}

func (o *recordingOutput) Emit(m *mention.Mention) error {
	o.emitted = append(o.emitted, m.ID)
	return nil
}
func (o *recordingOutput) Skip(reason string)        { o.skipped = append(o.skipped, reason) }
func (o *recordingOutput) SkipBad(error)             { o.Skip("malformed") }
func (o *recordingOutput) Warn(kind string, _ error) { o.warned = append(o.warned, kind) }
func (o *recordingOutput) Checkpoint(c []byte) error {
	o.cursors = append(o.cursors, string(c))
	return nil
}

func TestCombineKeepsEachPartsCursor(t *testing.T) {
	var seenA, seenB []byte
	a := partFunc(func(_ context.Context, cur []byte, out collector.Output) error {
		seenA = cur
		out.Emit(&mention.Mention{ID: "a1"})
		return out.Checkpoint([]byte(`"a-next"`))
	})
	b := partFunc(func(_ context.Context, cur []byte, out collector.Output) error {
		seenB = cur
		return errors.New("GET https://b.example/feed: HTTP 500")
	})
	c := collector.Combine(collector.Part{Key: "a", C: a}, collector.Part{Key: "b", C: b})
	out := &recordingOutput{}
	err := c.Collect(context.Background(), []byte(`{"a":"a-prev","b":{"x":1}}`), out)
	if err == nil || !strings.Contains(err.Error(), "b: GET https://b.example/feed") {
		t.Fatalf("err %v", err)
	}
	if string(seenA) != `"a-prev"` || string(seenB) != `{"x":1}` {
		t.Errorf("parts got %s and %s", seenA, seenB)
	}
	if len(out.emitted) != 1 || len(out.cursors) != 1 || out.cursors[0] != `{"a":"a-next","b":{"x":1}}` {
		t.Errorf("emitted %v, cursors %v", out.emitted, out.cursors)
	}
	if err := c.Collect(context.Background(), []byte(`[`), out); err == nil {
		t.Error("corrupt cursor accepted")
	}
}
