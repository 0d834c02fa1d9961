package main

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/kontor-social/kontor/activitypub/signature"
	"github.com/kontor-social/kontor/bench/proc"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/server"
)

// runShared measures a post's fan-out to many followers on many instances
// that all have a shared inbox: alice gets o.followers remote followers
// spread evenly over o.instances fake instances, each a loopback address of
// its own (127.1.x.y, one host per instance), so the queue sees as many
// hosts as instances and sends one Create per shared inbox. The followers
// are written straight into the database before the server starts (their
// Follows are not what is measured); then alice posts through the API and
// the time until every shared inbox has the Create is printed.
func runShared(o options) error {
	if o.instances < 1 || o.instances > 250*250 {
		return errors.New("-instances: 1 to 62500")
	}
	seed, err := openSeed(o)
	if err != nil {
		return err
	}
	dir, err := newRunDir(&o, seed)
	if err != nil {
		return err
	}
	defer dir.cleanup()

	sink, err := newSharedSink(o.instances, o.delay, seed.sinkPort)
	if err != nil {
		return err
	}
	defer sink.close()

	ctx := context.Background()
	if seed.reused {
		if err := sink.trustAlice(ctx, o.database); err != nil {
			return err
		}
		fmt.Printf("%d remote followers of alice on %d instances (shared inboxes answering in %s) copied from %s\n",
			o.followers, o.instances, o.delay, o.seeded)
	} else {
		start := time.Now()
		if err := seedFollowers(ctx, o.database, sink, o.followers); err != nil {
			return fmt.Errorf("seeding the followers: %w", err)
		}
		fmt.Printf("%d remote followers of alice on %d instances (shared inboxes answering in %s) written in %.1f s\n",
			o.followers, o.instances, o.delay, time.Since(start).Seconds())
		if err := seed.save(o, dir, sink); err != nil {
			return err
		}
	}

	pid, stop, err := startServer(ctx, o, dir)
	if err != nil {
		return err
	}
	defer stop()
	time.Sleep(2 * time.Second) // let the start-up work settle before reading the idle figure
	fmt.Printf("kontor serve pid %d, RSS idle %s, load average %s\n", pid, proc.RSS(pid), proc.LoadAverage())

	base := "http://" + dir.addr
	cpu := proc.CPUTime(pid)
	posted := time.Now()
	if _, err := proc.Post(base, dir.token, "hello, instances"); err != nil {
		return err
	}
	answered := time.Since(posted)
	werr := sink.wait(o.timeout, o.instances)
	all := time.Since(posted)
	used := proc.CPUTime(pid) - cpu
	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	got, dups, unsigned := sink.tally()
	fmt.Printf("POST answered in %.0f ms\n", float64(answered.Microseconds())/1000)
	if werr != nil {
		fmt.Printf("after %s: %d of %d shared inboxes had the post\n", o.timeout, got, o.instances)
	} else {
		fmt.Printf("every shared inbox (%d) had the post %.2f s after the POST; server CPU meanwhile %.2f s\n",
			o.instances, all.Seconds(), used.Seconds())
	}
	fmt.Printf("duplicates %d, unsigned or badly signed %d; server RSS after %s, load average %s\n", dups, unsigned, proc.RSS(pid), proc.LoadAverage())
	if werr == nil && (dups > 0 || unsigned > 0) {
		return errors.New("duplicate, unsigned or badly signed deliveries")
	}
	return werr
}

// startServer starts `kontor serve`, or with -cpuprofile the same server in
// this process (server.New + Serve, what `kontor serve` runs) with the CPU
// profile started once it is up: the profile then also holds the fake
// instances' side, which is small (they only read and count).
func startServer(ctx context.Context, o options, dir *runDir) (pid int, stop func(), err error) {
	if o.cpuProfile == "" {
		srv, err := proc.Serve(o.kontor, dir.env, dir.addr, o.logs)
		if err != nil {
			return 0, nil, err
		}
		return srv.Process.Pid, func() { srv.Process.Kill(); srv.Wait() }, nil
	}
	var env []string
	for _, kv := range dir.env {
		if strings.HasPrefix(kv, "KONTOR_") {
			env = append(env, kv)
		}
	}
	cfg, err := config.Load("", false, env)
	if err != nil {
		return 0, nil, err
	}
	level := slog.LevelWarn
	if o.logs {
		level = slog.LevelInfo
	}
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	if err != nil {
		return 0, nil, err
	}
	l, err := net.Listen("tcp", dir.addr)
	if err != nil {
		srv.Close()
		return 0, nil, err
	}
	serveCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(serveCtx, l) }()
	stop = func() { cancel(); <-done; srv.Close() }
	f, err := os.Create(o.cpuProfile)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		stop()
		return 0, nil, err
	}
	return os.Getpid(), stop, nil
}

// runDir is a fresh instance's files, database, address and alice's token.
type runDir struct {
	dir, addr, token string
	env              []string
}

func (r *runDir) cleanup() { os.RemoveAll(r.dir) }

// newRunDir builds kontor if needed, migrates the database and creates
// alice with a token; with a reused seed, the database is a copy of the
// seeded one and the server listens where it did when it was seeded (alice's
// URIs name that address).
func newRunDir(o *options, seed *seedDir) (*runDir, error) {
	dir, err := os.MkdirTemp("", "kontor-delivery-")
	if err != nil {
		return nil, err
	}
	r := &runDir{dir: dir}
	fail := func(err error) (*runDir, error) { r.cleanup(); return nil, err }
	if o.kontor == "" {
		if o.kontor, err = proc.Build(dir); err != nil {
			return fail(err)
		}
	}
	if o.database == "" {
		o.database = "sqlite://" + filepath.Join(dir, "kontor.db")
	}
	r.addr = seed.serverAddr
	if seed.reused {
		if err := copyFile(filepath.Join(o.seeded, "kontor.db"), filepath.Join(dir, "kontor.db")); err != nil {
			return fail(err)
		}
	} else if r.addr, err = proc.FreeAddr(); err != nil {
		return fail(err)
	}
	r.env = proc.Env(o.database, r.addr, r.addr, filepath.Join(dir, "media"))
	setup := [][]string{{"migrate"}, {"admin", "account", "create", "--username", "alice", "--email", "alice@example.com"}}
	if seed.reused {
		setup = setup[:1]
	}
	for _, args := range setup {
		if _, err := proc.Run(o.kontor, r.env, args...); err != nil {
			return fail(err)
		}
	}
	token, err := proc.Run(o.kontor, r.env, "admin", "token", "create", "--username", "alice", "--scopes", "read write")
	if err != nil {
		return fail(err)
	}
	r.token = strings.TrimSpace(token)
	return r, nil
}

// seedDir is -seeded: a seeded SQLite database kept with the addresses its
// rows name (the server's, for alice's URIs; the fake instances' port, for
// the followers').
type seedDir struct {
	reused     bool
	serverAddr string
	sinkPort   int
}

func openSeed(o options) (*seedDir, error) {
	s := &seedDir{}
	if o.seeded == "" {
		return s, nil
	}
	if o.database != "" || o.cpuProfile != "" {
		return nil, errors.New("-seeded: only with the default SQLite database and without -cpuprofile")
	}
	meta, err := os.ReadFile(filepath.Join(o.seeded, "addresses"))
	if errors.Is(err, os.ErrNotExist) {
		return s, os.MkdirAll(o.seeded, 0o755)
	}
	if err != nil {
		return nil, err
	}
	var followers, instances int
	if _, err := fmt.Sscan(string(meta), &s.serverAddr, &s.sinkPort, &followers, &instances); err != nil {
		return nil, fmt.Errorf("-seeded %s: %w", o.seeded, err)
	}
	if followers != o.followers || instances != o.instances {
		return nil, fmt.Errorf("-seeded %s holds %d followers on %d instances", o.seeded, followers, instances)
	}
	s.reused = true
	return s, nil
}

// save keeps the freshly seeded database (closed, so its WAL is in it).
func (s *seedDir) save(o options, dir *runDir, sink *sharedSink) error {
	if o.seeded == "" {
		return nil
	}
	if err := copyFile(filepath.Join(dir.dir, "kontor.db"), filepath.Join(o.seeded, "kontor.db")); err != nil {
		return err
	}
	meta := fmt.Sprintf("%s %d %d %d\n", dir.addr, sink.port, o.followers, o.instances)
	return os.WriteFile(filepath.Join(o.seeded, "addresses"), []byte(meta), 0o644)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// seedFollowers stores n remote accounts spread over the sink's instances,
// each following alice (accepted).
func seedFollowers(ctx context.Context, databaseURL string, sink *sharedSink, n int) error {
	d, err := db.Open(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer d.Close()
	alice, err := d.LocalAccount(ctx, "alice")
	if err != nil {
		return err
	}
	if err := sink.trust(alice); err != nil {
		return err
	}
	const batch = 500
	for from := 0; from < n; from += batch {
		ids := make([]int64, 0, batch)
		for i := from; i < min(n, from+batch); i++ {
			host := sink.hosts[i%len(sink.hosts)]
			actor := fmt.Sprintf("http://%s/users/u%d", host, i)
			a := &db.Account{Username: fmt.Sprintf("u%d", i), Domain: host, URI: actor, URL: actor, ActorType: "Person",
				InboxURI: actor + "/inbox", SharedInboxURI: "http://" + host + "/inbox", OutboxURI: actor + "/outbox",
				FollowersURI: actor + "/followers", FollowingURI: actor + "/following", PublicKeyID: actor + "#main-key"}
			if err := d.UpsertRemoteAccount(ctx, a); err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for _, id := range ids {
				if _, err := tx.UpsertFollow(ctx, &db.Follow{AccountID: id, TargetAccountID: alice.ID, Accepted: true, ShowReblogs: true}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// sharedSink is the fake instances: one listener per instance on a loopback
// address of its own, all on one port, answering POST /inbox with 202 after
// delay and counting what each instance received.
type sharedSink struct {
	hosts     []string
	port      int
	server    *http.Server
	listeners []net.Listener
	delay     time.Duration

	// alice's key: every Create must carry a valid signature by it.
	key   crypto.PublicKey
	keyID string

	mu       sync.Mutex
	got      map[string]int // host → Creates received
	unsigned int            // Creates without a valid signature
	changed  *sync.Cond
}

// trust makes alice's key the one the sink checks signatures with.
func (s *sharedSink) trust(alice *db.Account) (err error) {
	s.key, err = signature.ParsePublicKeyPEM(alice.PublicKeyPEM)
	s.keyID = alice.PublicKeyID
	return err
}

// trustAlice reads alice's key from the database and trusts it.
func (s *sharedSink) trustAlice(ctx context.Context, databaseURL string) error {
	d, err := db.Open(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer d.Close()
	alice, err := d.LocalAccount(ctx, "alice")
	if err != nil {
		return err
	}
	return s.trust(alice)
}

// PublicKey makes the sink the signature.KeyResolver of its own checks.
func (s *sharedSink) PublicKey(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	if keyID != s.keyID {
		return nil, "", fmt.Errorf("unknown key %q", keyID)
	}
	return s.key, strings.TrimSuffix(keyID, "#main-key"), nil
}

// newSharedSink listens on port on every instance's address (0: a free one).
func newSharedSink(instances int, delay time.Duration, port int) (*sharedSink, error) {
	s := &sharedSink{delay: delay, got: map[string]int{}}
	s.changed = sync.NewCond(&s.mu)
	s.server = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	first, err := net.Listen("tcp", fmt.Sprintf("127.1.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	port = first.Addr().(*net.TCPAddr).Port
	s.port = port
	s.listeners = append(s.listeners, first)
	for i := 1; i < instances; i++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.1.%d.%d:%d", i/250, i%250+1, port))
		if err != nil {
			s.close()
			return nil, fmt.Errorf("instance %d (raise the open files limit?): %w", i, err)
		}
		s.listeners = append(s.listeners, l)
	}
	for _, l := range s.listeners {
		s.hosts = append(s.hosts, l.Addr().String())
		go s.server.Serve(l)
	}
	return s, nil
}

func (s *sharedSink) close() {
	s.server.Close()
	for _, l := range s.listeners {
		l.Close()
	}
}

func (s *sharedSink) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/inbox" {
		http.NotFound(w, req)
		return
	}
	body, _ := io.ReadAll(req.Body)
	var doc struct {
		Type string `json:"type"`
	}
	json.Unmarshal(body, &doc)
	if doc.Type == "Create" {
		_, verr := signature.Verify(req.Context(), req, body, s, signature.VerifyOptions{RequireDigest: true, Scheme: "http"})
		s.mu.Lock()
		s.got[req.Host]++
		if verr != nil {
			s.unsigned++
		}
		s.changed.Broadcast()
		s.mu.Unlock()
	}
	time.Sleep(s.delay)
	w.WriteHeader(http.StatusAccepted)
}

// wait blocks until n instances have a Create, or timeout.
func (s *sharedSink) wait(timeout time.Duration, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		s.changed.Broadcast()
		s.mu.Unlock()
	}()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.got) < n {
		if ctx.Err() != nil {
			return fmt.Errorf("%d of %d instances got the Create", len(s.got), n)
		}
		s.changed.Wait()
	}
	return nil
}

// tally is the instances that got the Create, the copies beyond one per
// instance, and the unsigned ones.
func (s *sharedSink) tally() (got, dups, unsigned int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.got {
		dups += c - 1
	}
	return len(s.got), dups, s.unsigned
}
