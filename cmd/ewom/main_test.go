package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/ewom/ewom/internal/store/storetest"
)

// TestMain lets tests run the real binary: with EWOM_TEST_RUN_MAIN=1 the
// test executable behaves as ewom itself (see runSelf).
func TestMain(m *testing.M) {
	if os.Getenv("EWOM_TEST_RUN_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:])
		stop()
		os.Exit(code)
	}
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}
