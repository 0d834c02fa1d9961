// Command delivery measures how a crash during a fan-out delays it: a real
// `kontor serve` with 1,000 remote followers (fake servers on loopback, each
// follower with its own inbox), a post, kill -9 while the post is being
// delivered, a restart on the same database, and the time until every
// follower has the post, with the duplicates. See README.md.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kontor-social/kontor/activitypub/signature"
)

type options struct {
	kontor    string
	database  string
	followers int
	servers   int
	delay     time.Duration
	killAfter int
	timeout   time.Duration
	logs      bool
}

func main() {
	var o options
	flag.StringVar(&o.kontor, "kontor", "", "kontor binary (default: go build ./cmd/kontor into a temporary directory)")
	flag.StringVar(&o.database, "db", "", "database URL (default: a new SQLite file); PostgreSQL: an empty database or schema")
	flag.IntVar(&o.followers, "followers", 1000, "remote followers, each with its own inbox")
	flag.IntVar(&o.servers, "servers", 10, "fake remote servers (hosts) they live on")
	flag.DurationVar(&o.delay, "delay", 200*time.Millisecond, "how long a fake inbox takes to answer")
	flag.IntVar(&o.killAfter, "kill-after", 300, "kill -9 the server once this many followers have the post")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up waiting for the followers after this")
	flag.BoolVar(&o.logs, "logs", false, "show the server's log")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "delivery:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "kontor-delivery-")
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
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	env := append(os.Environ(),
		"KONTOR_DATABASE="+o.database, "KONTOR_LISTEN="+addr, "KONTOR_HOST="+addr, "KONTOR_PROTOCOL=http",
		"KONTOR_MEDIA_DIR="+filepath.Join(dir, "media"), "KONTOR_LOG_LEVEL=warn",
		"KONTOR_ALLOWED_PRIVATE_NETWORKS=127.0.0.0/8", "KONTOR_API_RATE_LIMIT=0", "KONTOR_API_RATE_LIMIT_IP=0")
	for _, args := range [][]string{{"migrate"}, {"admin", "account", "create", "--username", "alice", "--email", "alice@example.com"}} {
		if _, err := kontor(o.kontor, env, args...); err != nil {
			return err
		}
	}
	token, err := kontor(o.kontor, env, "admin", "token", "create", "--username", "alice", "--scopes", "read write")
	if err != nil {
		return err
	}
	token = strings.TrimSpace(token)

	remote, err := newRemote(o.servers, o.followers, o.delay)
	if err != nil {
		return err
	}
	defer remote.close()

	srv, err := start(o, env, addr)
	if err != nil {
		return err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	base := "http://" + addr
	fmt.Printf("%d followers on %d hosts (inboxes answer in %s) follow alice...\n", o.followers, o.servers, o.delay)
	if err := remote.followAll(base+"/users/alice", base+"/users/alice/inbox"); err != nil {
		return err
	}
	if err := remote.wait(o.timeout, "Accept", o.followers); err != nil {
		return fmt.Errorf("waiting for the Accepts: %w", err)
	}
	// Quiet: nothing else in the queue.
	time.Sleep(time.Second)

	posted := time.Now()
	if err := post(base, token); err != nil {
		return err
	}
	if err := remote.wait(o.timeout, "Create", o.killAfter); err != nil {
		return err
	}
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	killed := time.Now()
	before := remote.have("Create")
	fmt.Printf("kill -9 %.2f s after the post, %d followers had it\n", killed.Sub(posted).Seconds(), before)

	srv, err = start(o, env, addr)
	if err != nil {
		return err
	}
	restarted := time.Now()
	werr := remote.wait(o.timeout, "Create", o.followers)
	all := time.Now()
	dups, missing := remote.duplicates("Create")
	fmt.Printf("restarted %.2f s after the kill\n", restarted.Sub(killed).Seconds())
	if werr != nil {
		fmt.Printf("after %s: %d followers still without the post\n", o.timeout, missing)
	} else {
		fmt.Printf("every follower had the post %.2f s after the kill (%.2f s after the restart, %.2f s after the post)\n",
			all.Sub(killed).Seconds(), all.Sub(restarted).Seconds(), all.Sub(posted).Seconds())
	}
	fmt.Printf("duplicates: %d (followers who got the post more than once: %d; of them, whose first copy was answered 2xx\n"+
		"  10 ms before the kill: %d, 50 ms before: %d, 200 ms before: %d)\n",
		dups, remote.doubled("Create", time.Time{}), remote.doubled("Create", killed.Add(-10*time.Millisecond)),
		remote.doubled("Create", killed.Add(-50*time.Millisecond)), remote.doubled("Create", killed.Add(-200*time.Millisecond)))
	return werr
}

// start runs kontor serve and waits until it answers.
func start(o options, env []string, addr string) (*exec.Cmd, error) {
	cmd := exec.Command(o.kontor, "serve")
	cmd.Env = env
	if o.logs {
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

func post(base, token string) error {
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/statuses", strings.NewReader(url.Values{"status": {"hello, followers"}}.Encode()))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("post: %d %s", resp.StatusCode, b)
	}
	return nil
}

// remote is the fake servers: actors (one key for all), and inboxes that
// count what they receive, by activity type and follower.
type remote struct {
	key     *rsa.PrivateKey
	pem     string
	servers []*http.Server
	bases   []string
	n       int
	delay   time.Duration

	mu    sync.Mutex
	got   map[string]map[int]int       // type → follower → receipts
	acked map[string]map[int]time.Time // type → follower → first 2xx written
	cond  *sync.Cond
}

func newRemote(servers, followers int, delay time.Duration) (*remote, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	r := &remote{key: k, pem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), n: followers,
		delay: delay, got: map[string]map[int]int{}, acked: map[string]map[int]time.Time{}}
	r.cond = sync.NewCond(&r.mu)
	for range servers {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		s := &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
		go s.Serve(l)
		r.servers = append(r.servers, s)
		r.bases = append(r.bases, "http://"+l.Addr().String())
	}
	return r, nil
}

func (r *remote) close() {
	for _, s := range r.servers {
		s.Close()
	}
}

// actorURL is follower i's id: followers are spread over the servers.
func (r *remote) actorURL(i int) string {
	return fmt.Sprintf("%s/users/f%d", r.bases[i%len(r.bases)], i)
}

func (r *remote) serve(w http.ResponseWriter, req *http.Request) {
	var i int
	if _, err := fmt.Sscanf(strings.TrimPrefix(req.URL.Path, "/users/f"), "%d", &i); err != nil || i < 0 || i >= r.n {
		http.NotFound(w, req)
		return
	}
	if req.Method == http.MethodPost {
		body, _ := io.ReadAll(req.Body)
		var doc struct {
			Type string `json:"type"`
		}
		json.Unmarshal(body, &doc)
		r.mu.Lock()
		if r.got[doc.Type] == nil {
			r.got[doc.Type] = map[int]int{}
		}
		r.got[doc.Type][i]++
		r.cond.Broadcast()
		r.mu.Unlock()
		time.Sleep(r.delay)
		w.WriteHeader(http.StatusAccepted)
		http.NewResponseController(w).Flush()
		r.mu.Lock()
		if r.acked[doc.Type] == nil {
			r.acked[doc.Type] = map[int]time.Time{}
		}
		if _, ok := r.acked[doc.Type][i]; !ok {
			r.acked[doc.Type][i] = time.Now()
		}
		r.mu.Unlock()
		return
	}
	id := r.actorURL(i)
	w.Header().Set("Content-Type", "application/activity+json")
	json.NewEncoder(w).Encode(map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":       id, "type": "Person", "preferredUsername": fmt.Sprintf("f%d", i),
		"inbox": id + "/inbox", "outbox": id + "/outbox", "followers": id + "/followers",
		"publicKey": map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": r.pem},
	})
}

// followAll sends the followers' signed Follows, 32 at a time.
func (r *remote) followAll(target, inbox string) error {
	var wg sync.WaitGroup
	errs := make(chan error, r.n)
	sem := make(chan struct{}, 32)
	for i := range r.n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id := r.actorURL(i)
			body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": id + "/follows/1", "type": "Follow", "actor": id, "object": target})
			req, _ := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/activity+json")
			if err := signature.SignRequest(req, body, id+"#main-key", r.key); err != nil {
				errs <- err
				return
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				errs <- fmt.Errorf("follow %d: %d", i, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// wait blocks until n followers have received an activity of typ.
func (r *remote) wait(timeout time.Duration, typ string, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go func() {
		<-ctx.Done()
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	}()
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.got[typ]) < n {
		if ctx.Err() != nil {
			return fmt.Errorf("%d of %d followers got a %s", len(r.got[typ]), n, typ)
		}
		r.cond.Wait()
	}
	return nil
}

func (r *remote) have(typ string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got[typ])
}

// duplicates counts receipts beyond the first, and followers without any.
func (r *remote) duplicates(typ string) (dups, missing int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.got[typ] {
		dups += c - 1
	}
	return dups, r.n - len(r.got[typ])
}

// doubled counts the followers who got typ more than once; with ackedBy
// set, only those whose first copy was answered 2xx before then (a copy
// in flight at the kill is rightly sent again: its sender never learned).
func (r *remote) doubled(typ string, ackedBy time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for i, c := range r.got[typ] {
		at, ok := r.acked[typ][i]
		if c > 1 && (ackedBy.IsZero() || ok && at.Before(ackedBy)) {
			n++
		}
	}
	return n
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
