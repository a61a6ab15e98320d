package terms

// prefetch asks the processor to bring the cache lines at addrs into its
// caches, without waiting for them: the band slots and word-cache sets a
// mention will read are requested while other work goes on. A load
// would wait (the processor retires instructions in order, and stalls once
// its reorder buffer fills behind the load, some 100 instructions
// later), and Go has no prefetch of its own (the runtime's is internal).
// A prefetch never faults: an address is only a hint.
//
//go:noescape
func prefetch(addrs []uintptr)
