package faults

import "syscall"

// childAttr makes the kernel kill a child when the harness dies (a test
// binary killed by its timeout runs no cleanup).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
