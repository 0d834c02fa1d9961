package inbox

import (
	"os"
	"testing"

	"github.com/kontor-social/kontor/server"
)

// TestMain tunes the collector as kontor serve does: the benchmarks run the
// server in this process, and measure its CPU.
func TestMain(m *testing.M) {
	server.TuneGC()
	os.Exit(m.Run())
}
