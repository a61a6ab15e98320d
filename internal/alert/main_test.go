package alert_test

import (
	"os"
	"testing"

	"github.com/ewom/ewom/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopShared()
	os.Exit(code)
}
