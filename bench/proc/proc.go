// Package proc runs real kontor processes for the whole-system benchmarks:
// build the binary, run admin commands, start `kontor serve` and wait until
// it answers.
package proc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Build compiles ./cmd/kontor into dir (run from the repository root) and
// returns the binary's path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "kontor")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kontor")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build (run from the repository root): %w", err)
	}
	return bin, nil
}

// Env is the environment of a benchmark instance: its database, its listener
// and public host, loopback peers allowed, rate limits off.
func Env(database, listen, host, mediaDir string) []string {
	return append(os.Environ(),
		"KONTOR_DATABASE="+database, "KONTOR_LISTEN="+listen, "KONTOR_HOST="+host, "KONTOR_PROTOCOL=http",
		"KONTOR_MEDIA_DIR="+mediaDir, "KONTOR_LOG_LEVEL=warn",
		"KONTOR_ALLOWED_PRIVATE_NETWORKS=127.0.0.0/8", "KONTOR_API_RATE_LIMIT=0", "KONTOR_API_RATE_LIMIT_IP=0")
}

// Run runs a kontor command to its end and returns what it printed.
func Run(bin string, env []string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("kontor %s: %w: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

// Serve starts `kontor serve` and waits until addr answers /healthz.
func Serve(bin string, env []string, addr string, logs bool) (*exec.Cmd, error) {
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	if logs {
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	for range 400 {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	cmd.Process.Kill()
	return nil, errors.New("the server did not become healthy")
}

// FreeAddr finds a free loopback port.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Post publishes a public status through the API and returns its JSON.
func Post(base, token, text string) ([]byte, error) {
	return Call(http.MethodPost, base+"/api/v1/statuses", token, url.Values{"status": {text}})
}

// Call makes an API request with a form body (nil: none) and wants a 200.
func Call(method, u, token string, form url.Values) ([]byte, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("%s %s: %d %s", method, u, resp.StatusCode, b)
	}
	return b, nil
}

// RSS is the resident memory of process pid, as /proc shows it ("?" if unknown).
func RSS(pid int) string { return Status(pid, "VmRSS") }

// Status is one field of /proc/PID/status ("?" if unknown): VmRSS, and its
// parts RssAnon (the process's own memory: heap, stacks, SQLite's caches)
// and RssFile (mapped files, mostly the binary's code and read-only data:
// clean pages the kernel shares and can drop under pressure).
func Status(pid int, field string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// CPUTime is the CPU (user and system) process pid has used so far, 0 if unknown.
func CPUTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return statCPU(string(b))
}

// statCPU reads utime + stime from a /proc/PID/stat line. The command name
// (field 2, in parentheses) may hold spaces and parentheses, so the fields
// are counted from the last ") ": utime and stime are fields 14 and 15, in
// ticks of 10 ms (USER_HZ is 100 on Linux).
func statCPU(line string) time.Duration {
	i := strings.LastIndex(line, ") ")
	if i < 0 {
		return 0
	}
	f := strings.Fields(line[i+2:])
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// LoadAverage is the machine's 1, 5 and 15 minute load average.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
