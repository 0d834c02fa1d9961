// Command uploads measures the memory a real `kontor serve` process needs
// for image uploads: it builds the binary (or takes -kontor), creates a user
// and a token with `kontor admin`, starts the server, POSTs -n uploads of
// the same large image at once to /api/v1/media and samples the process's
// VmHWM and VmRSS (/proc/PID/status) until all have answered, then a few
// seconds more. It exits 1 when the peak exceeds -limit-mb. See README.md.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type options struct {
	kontor   string
	database string
	n        int
	side     int
	kind     string
	limitMB  int
	after    time.Duration
	timeout  time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.kontor, "kontor", "", "kontor binary (default: go build ./cmd/kontor into a temporary directory)")
	flag.StringVar(&o.database, "db", "", "database URL (default: a new SQLite file)")
	flag.IntVar(&o.n, "n", 16, "uploads sent at once")
	flag.IntVar(&o.side, "side", 5760, "width and height of the image (5760x5760 = media_max_image_pixels)")
	flag.StringVar(&o.kind, "kind", "rgb", "image: rgb (8-bit truecolor PNG), rgba, rgba16 (16-bit PNG) or jpeg")
	flag.IntVar(&o.limitMB, "limit-mb", 400, "peak RSS (VmHWM) allowed, in MB")
	flag.DurationVar(&o.after, "after", 5*time.Second, "how long to keep sampling after the last answer")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "client timeout of each upload")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "uploads:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "kontor-uploads-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.kontor == "" {
		o.kontor = filepath.Join(dir, "kontor")
		build := exec.Command("go", "build", "-o", o.kontor, "./cmd/kontor")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build (run from the repository root): %w", err)
		}
	}
	if o.database == "" {
		o.database = "sqlite://" + filepath.Join(dir, "kontor.db")
	}
	img, ext, err := makeImage(o.kind, o.side)
	if err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	env := append(os.Environ(),
		"KONTOR_DATABASE="+o.database, "KONTOR_LISTEN="+addr, "KONTOR_HOST="+addr, "KONTOR_PROTOCOL=http",
		"KONTOR_MEDIA_DIR="+filepath.Join(dir, "media"), "KONTOR_LOG_LEVEL=warn",
		"KONTOR_API_RATE_LIMIT=0", "KONTOR_API_RATE_LIMIT_IP=0")
	if _, err := kontor(o.kontor, env, "migrate"); err != nil {
		return err
	}
	if _, err := kontor(o.kontor, env, "admin", "account", "create", "--username", "bench", "--email", "bench@example.com"); err != nil {
		return err
	}
	token, err := kontor(o.kontor, env, "admin", "token", "create", "--username", "bench", "--scopes", "read write")
	if err != nil {
		return err
	}
	token = strings.TrimSpace(token)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, o.kontor, "serve")
	srv.Env, srv.Stdout, srv.Stderr = env, os.Stdout, os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	base := "http://" + addr
	if err := waitHealthy(base); err != nil {
		return err
	}
	idleRSS, _ := readMem(srv.Process.Pid)

	var peak, last memSample
	var sampling sync.WaitGroup
	stop := make(chan struct{})
	sampling.Add(1)
	go func() {
		defer sampling.Done()
		for {
			if m, err := readMem(srv.Process.Pid); err == nil {
				peak.hwm = max(peak.hwm, m.hwm)
				peak.rss = max(peak.rss, m.rss)
				last = m
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	fmt.Printf("%d uploads of a %dx%d %s image (%d KB) to %s, at once\n", o.n, o.side, o.side, o.kind, len(img)>>10, base)
	start := time.Now()
	codes, lat := uploadAll(base, token, img, ext, o)
	elapsed := time.Since(start)
	time.Sleep(o.after)
	close(stop)
	sampling.Wait()

	fmt.Printf("answers: %s in %.1f s (latency p50 %.1f s, max %.1f s)\n", summarize(codes), elapsed.Seconds(),
		pct(lat, 50).Seconds(), pct(lat, 100).Seconds())
	fmt.Printf("RSS idle %d MB; peak VmHWM %d MB; RSS %s after the last answer %d MB\n",
		idleRSS.rss>>10, peak.hwm>>10, o.after, last.rss>>10)
	if peak.hwm>>10 > int64(o.limitMB) {
		return fmt.Errorf("peak RSS %d MB is over the limit of %d MB", peak.hwm>>10, o.limitMB)
	}
	return nil
}

// makeImage encodes a side x side image of zero pixels (black): tiny to
// send, large to decode.
func makeImage(kind string, side int) ([]byte, string, error) {
	var buf bytes.Buffer
	r := image.Rect(0, 0, side, side)
	var err error
	switch kind {
	case "rgb": // opaque: the encoder writes 8-bit truecolor
		m := image.NewRGBA(r)
		for i := 3; i < len(m.Pix); i += 4 {
			m.Pix[i] = 0xff
		}
		err = png.Encode(&buf, m)
	case "rgba":
		err = png.Encode(&buf, image.NewNRGBA(r))
	case "rgba16":
		err = png.Encode(&buf, image.NewNRGBA64(r))
	case "jpeg":
		return jpegOf(side)
	default:
		return nil, "", fmt.Errorf("unknown -kind %q", kind)
	}
	return buf.Bytes(), "png", err
}

// uploadAll posts n uploads at once and returns their status codes and
// latencies.
func uploadAll(base, token string, img []byte, ext string, o options) ([]int, []time.Duration) {
	client := &http.Client{Timeout: o.timeout}
	codes := make([]int, o.n)
	lat := make([]time.Duration, o.n)
	var ready sync.WaitGroup
	var wg sync.WaitGroup
	gate := make(chan struct{})
	var failed atomic.Int32
	for i := range o.n {
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, ctype := multipartImage(img, ext)
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/media", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", ctype)
			ready.Done()
			<-gate
			t := time.Now()
			resp, err := client.Do(req)
			lat[i] = time.Since(t)
			if err != nil {
				failed.Add(1)
				fmt.Fprintln(os.Stderr, "upload:", err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i] = resp.StatusCode
			if resp.StatusCode == http.StatusServiceUnavailable {
				fmt.Printf("  upload %d: 503, Retry-After %q\n", i, resp.Header.Get("Retry-After"))
			}
		}()
	}
	ready.Wait()
	close(gate)
	wg.Wait()
	return codes, lat
}

func multipartImage(img []byte, ext string) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "big."+ext)
	fw.Write(img)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func summarize(codes []int) string {
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	keys := make([]int, 0, len(count))
	for c := range count {
		keys = append(keys, c)
	}
	sort.Ints(keys)
	var parts []string
	for _, c := range keys {
		name := strconv.Itoa(c)
		if c == 0 {
			name = "failed"
		}
		parts = append(parts, fmt.Sprintf("%d× %s", count[c], name))
	}
	return strings.Join(parts, ", ")
}

func pct(d []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, (len(s)*p)/100)]
}

// memSample is VmHWM and VmRSS in kB.
type memSample struct{ hwm, rss int64 }

func readMem(pid int) (memSample, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memSample{}, err
	}
	defer f.Close()
	var m memSample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmHWM":
			m.hwm = n
		case "VmRSS":
			m.rss = n
		}
	}
	return m, sc.Err()
}

func kontor(bin string, env []string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("kontor %s: %w: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitHealthy(base string) error {
	for range 200 {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the server did not become healthy")
}

// jpegOf is a side x side colour JPEG of one grey (4:2:0, as encoders
// write photos).
func jpegOf(side int) ([]byte, string, error) {
	m := image.NewRGBA(image.Rect(0, 0, side, side))
	for i := range m.Pix {
		m.Pix[i] = 0x80
	}
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90})
	return buf.Bytes(), "jpg", err
}
