package inbox

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// onPostgres reports whether the benchmark runs on PostgreSQL.
func onPostgres() bool { return os.Getenv("KONTOR_TEST_DIALECT") == "postgres" }

// pgBackendsCPU is the CPU the PostgreSQL backends of the test database
// have used so far (user and system), when the server runs on this
// machine: the other half of the cost of a request, which the test
// process's own CPU leaves out. Backends that ended are not counted; the
// pool keeps its connections for the run. 0 without PostgreSQL.
func pgBackendsCPU() time.Duration {
	if !onPostgres() {
		return 0
	}
	u, err := url.Parse(os.Getenv("KONTOR_TEST_POSTGRES_URL"))
	if err != nil {
		return 0
	}
	dbname := " " + strings.TrimPrefix(u.Path, "/") + " "
	tick := time.Second / 100 // USER_HZ on Linux
	var total time.Duration
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		cmd, err := os.ReadFile(dir + "/cmdline")
		if err != nil || !bytes.HasPrefix(cmd, []byte("postgres: ")) || !bytes.Contains(cmd, []byte(dbname)) {
			continue
		}
		stat, err := os.ReadFile(dir + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command (in parentheses): utime and stime are
		// the 14th and 15th of the line, the 12th and 13th after it.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * tick
	}
	return total
}
