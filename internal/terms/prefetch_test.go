package terms

import (
	"testing"
	"unsafe"
)

// Prefetching is a hint: no addresses, addresses of live memory and
// addresses of none (0, the end of the address space) neither fault nor
// change what is there.
func TestPrefetch(t *testing.T) {
	prefetch(nil)
	data := []uint64{1, 2, 3}
	prefetch([]uintptr{uintptr(unsafe.Pointer(&data[0])), uintptr(unsafe.Pointer(&data[2])), 0, ^uintptr(0)})
	if data[0] != 1 || data[1] != 2 || data[2] != 3 {
		t.Errorf("prefetching changed the memory: %v", data)
	}
}
