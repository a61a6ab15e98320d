package terms

import (
	"sync"
	"sync/atomic"
)

// cachePool keeps the goroutines' word caches between the texts they
// extract (Extractor.caches), as a sync.Pool did before, but the garbage
// collector does not empty it: a sync.Pool drops what sits in it through
// two collections, and a worker that waited that long (or whose
// collections came from the other goroutines' garbage) started again
// with empty caches, 2 MB a language to allocate and every word to
// analyse afresh. A worker takes its caches and puts them back a post at
// a time, so it finds the same ones again (the first free slot) unless
// another goroutine took them in between. Caches put back when its
// cachePoolSlots slots are full wait in a list behind a lock (more
// goroutines at once than the slots): the pool keeps every cache made, as
// many as goroutines ever extracted at once.
type cachePool struct {
	free [cachePoolSlots]atomic.Pointer[wordCaches]
	mu   sync.Mutex
	more []*wordCaches
}

// cachePoolSlots is about the most goroutines that extract at once (the
// classifier workers and reclassify).
const cachePoolSlots = 16

// get returns free caches, or new ones.
func (p *cachePool) get() *wordCaches {
	for i := range p.free {
		if c := p.free[i].Swap(nil); c != nil {
			return c
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.more); n > 0 {
		c := p.more[n-1]
		p.more = p.more[:n-1]
		return c
	}
	return &wordCaches{}
}

// put gives caches back for another text.
func (p *cachePool) put(c *wordCaches) {
	for i := range p.free {
		if p.free[i].CompareAndSwap(nil, c) {
			return
		}
	}
	p.mu.Lock()
	p.more = append(p.more, c)
	p.mu.Unlock()
}
