package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// TestStreamingAcrossProcesses runs two real Kontor processes on one
// PostgreSQL database: node A in this test process, node B the kontor
// binary. A streaming client connected to B sees a post made through A,
// and the reverse, carried by PostgreSQL LISTEN/NOTIFY.
func TestStreamingAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short")
	}
	if kontortest.Dialect() != db.Postgres {
		t.Skip("SKIPPED: processes share events through PostgreSQL; set KONTOR_TEST_DIALECT=postgres and " + kontortest.PostgresEnv)
	}
	nodeA := kontortest.Start(t, kontortest.Options{})
	alice := nodeA.CreateUser("alice")
	bob := nodeA.CreateUser("bob")
	if _, err := nodeA.Engine().Follow(context.Background(), bob.Account, alice.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "kontor")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	port := freePort(t)
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"KONTOR_LISTEN=127.0.0.1:"+port, "KONTOR_HOST="+nodeA.Host, "KONTOR_PROTOCOL=http",
		"KONTOR_DATABASE="+nodeA.Config.Database, "KONTOR_MEDIA_DIR="+filepath.Join(dir, "media"),
		"KONTOR_ALLOWED_PRIVATE_NETWORKS=127.0.0.0/8")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	nodeB := "127.0.0.1:" + port
	kontortest.Eventually(t, 30*time.Second, "node B to answer", func() bool {
		resp, err := http.Get("http://" + nodeB + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})

	stream := func(host string) *websocket.Conn {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, "ws://"+host+"/api/v1/streaming?stream=user&access_token="+bob.Token, nil)
		if err != nil {
			t.Fatalf("stream on %s: %v\n%s", host, err, logs.String())
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	await := func(c *websocket.Conn, where string, statusID int64) {
		ctx, cancel := context.WithTimeout(context.Background(), kontortest.Wait)
		defer cancel()
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("%s: no update for status %d: %v\n%s", where, statusID, err, logs.String())
			}
			var ev struct {
				Event   string `json:"event"`
				Payload string `json:"payload"`
			}
			json.Unmarshal(data, &ev)
			if ev.Event == "update" && strings.Contains(ev.Payload, `"id":"`+db.FormatID(statusID)+`"`) {
				return
			}
		}
	}
	onB := stream(nodeB)
	onA := stream(nodeA.Host)

	viaA := nodeA.Post(alice, activitypub.PostParams{Text: "posted through process A", Visibility: db.Public})
	await(onB, "client of process B", viaA.ID)
	await(onA, "client of process A", viaA.ID)

	// And back: a post through B's API reaches the client of A.
	req, _ := http.NewRequest("POST", "http://"+nodeB+"/api/v1/statuses", strings.NewReader(`{"status":"posted through process B"}`))
	req.Header.Set("Authorization", "Bearer "+alice.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	id, ok := db.ParseID(created.ID)
	if resp.StatusCode != 200 || !ok {
		t.Fatalf("post through B: %d %q", resp.StatusCode, created.ID)
	}
	await(onA, "client of process A", id)
}
