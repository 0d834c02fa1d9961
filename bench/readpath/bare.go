package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kontor-social/kontor/bench/proc"
)

// bareRequests are what a visitor and an app ask a fresh instance first:
// the front page (HTML), the instance and its public timeline, NodeInfo.
var bareRequests = []string{"/", "/api/v1/instance", "/api/v2/instance", "/api/v1/timelines/public?limit=20",
	"/.well-known/nodeinfo", "/healthz"}

// runBare measures a bare `kontor serve` on a fresh SQLite file: its RSS
// once started, after a few requests, and once idle again (the server
// returns its free heap to the OS ~10-20 s after a burst; server/gc.go).
func runBare(ctx context.Context, o options) error {
	dir, err := os.MkdirTemp("", "kontor-bare-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := o.kontor
	if bin == "" {
		if bin, err = proc.Build(dir); err != nil {
			return err
		}
	}
	addr, err := proc.FreeAddr()
	if err != nil {
		return err
	}
	media := filepath.Join(dir, "media")
	if err := os.Mkdir(media, 0o755); err != nil {
		return err
	}
	env := proc.Env("sqlite://"+filepath.Join(dir, "kontor.db"), addr, addr, media)
	cmd, err := proc.Serve(bin, env, addr, false)
	if err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	pid := cmd.Process.Pid
	line := func(when string) {
		fmt.Printf("| %s | %s | %s | %s |\n", when, proc.Status(pid, "VmRSS"), proc.Status(pid, "RssAnon"), proc.Status(pid, "RssFile"))
	}
	fmt.Printf("kontor serve %s, pid %d, fresh SQLite, load average %s\n\n", bin, pid, proc.LoadAverage())
	fmt.Println("| when | RSS | of it anonymous | of it files (the binary) |")
	fmt.Println("|---|---|---|---|")
	pause := func(d time.Duration) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
			return true
		}
	}
	if !pause(2 * time.Second) {
		return ctx.Err()
	}
	line("started (2 s)")
	for range 20 {
		for _, path := range bareRequests {
			resp, err := http.Get("http://" + addr + path)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: %s", path, resp.Status)
			}
		}
	}
	line(fmt.Sprintf("after %d requests", 20*len(bareRequests)))
	if !pause(o.bareIdle) {
		return ctx.Err()
	}
	line(fmt.Sprintf("idle %s later", o.bareIdle))
	return nil
}
