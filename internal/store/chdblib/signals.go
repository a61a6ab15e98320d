package chdblib

import (
	"syscall"
	"unsafe"
)

// kernelSigaction is the kernel's struct sigaction on linux/amd64.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const numSignals = 64

// signalHandlers is a snapshot of every signal's disposition.
type signalHandlers [numSignals + 1]kernelSigaction

// saveSignals records the current handlers. The ClickHouse engine installs
// its own handlers for SIGSEGV, SIGBUS, SIGPIPE and others when it loads and
// starts; in a Go process they would swallow the runtime's nil-dereference
// panics (the thread hangs instead of panicking) and its preemption signals.
func saveSignals() *signalHandlers {
	var s signalHandlers
	for sig := 1; sig <= numSignals; sig++ {
		if sig == int(syscall.SIGKILL) || sig == int(syscall.SIGSTOP) {
			continue
		}
		syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&s[sig])), 8, 0, 0)
	}
	return &s
}

// restore puts the saved handlers back where something changed them.
func (s *signalHandlers) restore() {
	for sig := 1; sig <= numSignals; sig++ {
		if sig == int(syscall.SIGKILL) || sig == int(syscall.SIGSTOP) {
			continue
		}
		var cur kernelSigaction
		syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&cur)), 8, 0, 0)
		if cur != s[sig] {
			syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&s[sig])), 0, 8, 0, 0)
		}
	}
}
