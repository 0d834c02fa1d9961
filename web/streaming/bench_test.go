package streaming_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// BenchmarkFanOut1000 connects 1,000 streaming clients (WebSocket, stream
// user) of 1,000 accounts that all follow one author, to one node, and
// posts: ms/fanout is the time from the post (the engine call) to the
// last client receiving its update. The clients run in a child process
// (this test binary again), so the node's memory is measured alone:
// KB/conn is the growth of the node's heap and stacks in use (after GC)
// per connection once all are subscribed, goroutines/conn the same for
// goroutines. The clients' CPU is the same machine's.
//
//	go test ./web/streaming/ -run '^$' -bench FanOut1000 -benchtime 20x
//	KONTOR_TEST_DIALECT=postgres KONTOR_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test ./web/streaming/ -run '^$' -bench FanOut1000 -benchtime 20x
func BenchmarkFanOut1000(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	in := kontortest.Start(b, kontortest.Options{})
	alice := in.CreateUser("alice")
	tokens := make([]string, 0, n)
	for i := range n {
		tokens = append(tokens, benchFollower(b, in, alice, i))
	}
	file := filepath.Join(b.TempDir(), "tokens")
	if err := os.WriteFile(file, []byte(strings.Join(tokens, "\n")), 0o600); err != nil {
		b.Fatal(err)
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutines := runtime.NumGoroutine()

	cmd := exec.Command(os.Args[0], "-test.run=^TestFanOutClients$", "-test.v")
	cmd.Env = append(os.Environ(), "KONTOR_BENCH_CLIENTS="+file, "KONTOR_BENCH_URL="+in.URL)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	readLine := func(prefix string) []string {
		for lines.Scan() {
			if f := strings.Fields(lines.Text()); len(f) > 0 && f[0] == prefix {
				return f
			}
		}
		b.Fatalf("clients: no %q line: %v", prefix, lines.Err())
		return nil
	}
	readLine("ready")
	kontortest.Eventually(b, time.Minute, "1,000 connections", func() bool { return in.Server.Streaming.Connections() == n })

	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perConn := float64(int64(after.HeapInuse+after.StackInuse)-int64(before.HeapInuse+before.StackInuse)) / n / 1024
	goPerConn := float64(runtime.NumGoroutine()-goroutines) / n
	b.Logf("per connection: heap %.1f KB, stacks %.1f KB", float64(int64(after.HeapInuse)-int64(before.HeapInuse))/n/1024,
		float64(int64(after.StackInuse)-int64(before.StackInuse))/n/1024)

	var total time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		s, err := in.Engine().PublishStatus(ctx, alice.Account, activitypub.PostParams{Text: fmt.Sprintf("fan-out %d", i)})
		if err != nil {
			b.Fatal(err)
		}
		f := readLine("done")
		if f[1] != db.FormatID(s.ID) {
			b.Fatalf("clients report %s, posted %d", f[1], s.ID)
		}
		last, _ := strconv.ParseInt(f[2], 10, 64)
		total += time.Unix(0, last).Sub(start)
	}
	b.StopTimer()
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/fanout")
	b.ReportMetric(perConn, "KB/conn")
	b.ReportMetric(goPerConn, "goroutines/conn")
}

// benchFollower makes a follower of author quickly: the account reuses the
// author's key pair (no RSA generation), and returns its token.
func benchFollower(b *testing.B, in *kontortest.Instance, author *kontortest.User, i int) string {
	ctx := context.Background()
	name := fmt.Sprintf("reader%d", i)
	a := *author.Account
	a.Username = name
	for _, s := range []*string{&a.URI, &a.URL, &a.InboxURI, &a.OutboxURI, &a.FollowersURI, &a.FollowingURI, &a.FeaturedURI, &a.PublicKeyID} {
		*s = strings.Replace(*s, author.Account.Username, name, 1)
	}
	now := time.Now().UTC()
	u := &db.User{Email: name + "@example.com", ConfirmedAt: &now, Approved: true}
	if err := in.DB.CreateLocalAccount(ctx, &a, u); err != nil {
		b.Fatal(err)
	}
	tok, err := in.DB.CreateToken(ctx, db.NewToken{UserID: &u.ID, AccountID: &a.ID, Scopes: []string{"read"}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := in.Engine().Follow(ctx, &a, author.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		b.Fatal(err)
	}
	return tok.AccessToken
}

// TestFanOutClients is the client side of BenchmarkFanOut1000, run in a
// child process: it connects one WebSocket per token, prints "ready", then
// for each status all clients received prints "done <id> <unix nanos of
// the last arrival>". It runs until its stdin closes.
func TestFanOutClients(t *testing.T) {
	file, base := os.Getenv("KONTOR_BENCH_CLIENTS"), os.Getenv("KONTOR_BENCH_URL")
	if file == "" {
		t.Skip("the client process of BenchmarkFanOut1000")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tokens := strings.Split(string(data), "\n")
	var mu sync.Mutex
	got := map[string]int{}
	var out sync.Mutex
	arrived := func(id string) {
		now := time.Now().UnixNano()
		mu.Lock()
		got[id]++
		all := got[id] == len(tokens)
		mu.Unlock()
		if all {
			out.Lock()
			fmt.Printf("done %s %d\n", id, now)
			out.Unlock()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, tok := range tokens {
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/streaming?stream=user&access_token="+tok, nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		ws.SetReadLimit(1 << 20)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, data, err := ws.Read(ctx)
				if err != nil {
					return
				}
				// Cheaper than decoding the payload: the client process
				// shares the machine's two cores with the node.
				if id, ok := updateID(data); ok {
					arrived(id)
				}
			}
		}()
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes it
	cancel()
	wg.Wait()
}

// updateID finds the status id of an update frame:
// {"stream":["user"],"event":"update","payload":"{\"id\":\"123\",…
func updateID(frame []byte) (string, bool) {
	const event, id = `"event":"update"`, `{\"id\":\"`
	if !bytes.Contains(frame, []byte(event)) {
		return "", false
	}
	i := bytes.Index(frame, []byte(id))
	if i < 0 {
		return "", false
	}
	rest := frame[i+len(id):]
	j := bytes.IndexByte(rest, '\\')
	if j < 0 {
		return "", false
	}
	return string(rest[:j]), true
}
