//go:build !amd64

package terms

// prefetch does nothing on this architecture (prefetch_amd64.go).
func prefetch(addrs []uintptr) {}
