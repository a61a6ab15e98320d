package pipeline

import (
	"container/list"
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// timing is what a worker derives from the consumer's AckWait, which
// JetStream counts from a message's delivery and restarts on each
// InProgress. With the default 60 s: keep-alive after 10 s, a store call
// ends 35 s after the oldest ack timer of its batch last restarted, and a
// batch whose insert failed is redelivered no sooner than 15 s later.
type timing struct {
	ackWait time.Duration
	// keepAlive (AckWait/6): a held message whose ack timer last restarted
	// this long ago gets an InProgress, which restarts it.
	keepAlive time.Duration
	// lateCommit (AckWait/4): how long after its call ended an insert the
	// client gave up on may still be committed by a ClickHouse server
	// that had received its rows.
	lateCommit time.Duration
}

func newTiming(ackWait time.Duration) timing {
	return timing{ackWait: ackWait, keepAlive: ackWait / 6, lateCommit: ackWait / 4}
}

// deadline is when a store call for messages whose oldest ack timer
// restarted at since must have ended: lateCommit before that timer could
// run out, counting the last keep-alive as lost (a consumer leader
// election loses the InProgress sent during it, and the new leader counts
// from the one before), so that a redelivery's id check comes after
// anything the call committed.
func (t timing) deadline(since time.Time) time.Time {
	return since.Add(t.ackWait - t.keepAlive - t.lateCommit)
}

// held is a delivered message this worker has not settled yet.
type held struct {
	msg jetstream.Msg
	// since is when the message's ack timer last restarted, as far as the
	// worker knows: its arrival, then each keep-alive confirmed sent. It
	// keeps the monotonic clock reading: a step of the wall clock does not
	// move deadlines. Guarded by the tracker's mutex, as are elem and
	// settled.
	since time.Time
	// elem is its place in the tracker's keep-alive order; nil while a
	// keep-alive is being sent for it, and once settled.
	elem    *list.Element
	settled bool
}

// tracker holds a worker's unsettled messages: it bounds how many there are
// (so the worker fetches only what it has room for, and no message waits
// unseen in a client buffer while its ack timer runs) and keeps them alive
// on the bus while they wait in a batch or behind a running insert.
type tracker struct {
	limit int
	mu    sync.Mutex
	order list.List // of *held, by since, oldest first
	count int
	// freed is signalled when a message is settled.
	freed chan struct{}
}

func newTracker(limit int) *tracker {
	return &tracker{limit: limit, freed: make(chan struct{}, 1)}
}

// room waits until the worker may hold more messages and returns how many,
// or 0 when ctx ends first.
func (t *tracker) room(ctx context.Context) int {
	for {
		t.mu.Lock()
		n := t.limit - t.count
		t.mu.Unlock()
		if n > 0 {
			return n
		}
		select {
		case <-ctx.Done():
			return 0
		case <-t.freed:
		}
	}
}

// add starts holding msg, delivered now.
func (t *tracker) add(msg jetstream.Msg, now time.Time) *held {
	h := &held{msg: msg, since: now}
	t.mu.Lock()
	h.elem = t.order.PushBack(h)
	t.count++
	t.mu.Unlock()
	return h
}

// settle stops holding h: it was acked, NAKed or terminated.
func (t *tracker) settle(h *held) {
	t.mu.Lock()
	if !h.settled {
		h.settled = true
		if h.elem != nil {
			t.order.Remove(h.elem)
			h.elem = nil
		}
		t.count--
	}
	t.mu.Unlock()
	select {
	case t.freed <- struct{}{}:
	default:
	}
}

// held reports how many messages are held.
func (t *tracker) held() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}

// due takes the messages whose ack timer restarted at or before cutoff out
// of the keep-alive order, oldest first.
func (t *tracker) due(cutoff time.Time) []*held {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*held
	for e := t.order.Front(); e != nil; e = t.order.Front() {
		h := e.Value.(*held)
		if h.since.After(cutoff) {
			break
		}
		t.order.Remove(e)
		h.elem = nil
		out = append(out, h)
	}
	return out
}

// kept puts messages taken by due back into the keep-alive order. When
// their keep-alive was confirmed sent at sent, their ack timers restarted
// then, and they go after every message whose timer restarted no later
// (messages that arrived while it was being sent stay behind them);
// otherwise they keep their times and go back to the front, to be tried
// again first.
func (t *tracker) kept(hs []*held, sent time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !ok {
		for i := len(hs) - 1; i >= 0; i-- {
			if h := hs[i]; !h.settled {
				h.elem = t.order.PushFront(h)
			}
		}
		return
	}
	at := t.order.Back()
	for at != nil && at.Value.(*held).since.After(sent) {
		at = at.Prev()
	}
	for _, h := range hs {
		if h.settled {
			continue
		}
		h.since = sent
		if at == nil {
			h.elem = t.order.PushFront(h)
		} else {
			h.elem = t.order.InsertAfter(h, at)
		}
		at = h.elem
	}
}

// oldest is the earliest time an ack timer of the batch's messages last
// restarted.
func (t *tracker) oldest(b *batch) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	oldest := b.items[0].held.since
	for _, it := range b.items[1:] {
		if it.held.since.Before(oldest) {
			oldest = it.held.since
		}
	}
	return oldest
}

// nextDue is when the oldest held message needs its keep-alive; ok is
// false when none is held.
func (t *tracker) nextDue(every time.Duration) (at time.Time, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.order.Front(); e != nil {
		return e.Value.(*held).since.Add(every), true
	}
	return time.Time{}, false
}
