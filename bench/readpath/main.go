// Command readpath is the read-path benchmark of issue 12: it starts the real
// server (server.New + Serve, as `kontor serve` does) on SQLite or
// PostgreSQL, seeds a user with 40 posts who follows a second user, and
// drives the read endpoints every Mastodon app calls with N concurrent
// clients for D seconds each, printing req/s, p50 and p99 per endpoint (see
// README.md).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/bench/proc"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/server"
)

type options struct {
	dialect     string
	postgresURL string
	clients     int
	duration    time.Duration
	warmup      time.Duration
	endpoints   string
	cpuProfile  string
	posts       int
	serve       time.Duration
	listen      string
	explain     bool
	target      string
	token       string
	status      string
	tag         string
	healthz     string
	pid         int
	bare        bool
	bareIdle    time.Duration
	kontor      string
}

func main() {
	var o options
	flag.StringVar(&o.dialect, "dialect", "sqlite", "sqlite or postgres")
	flag.StringVar(&o.postgresURL, "pg", "postgres://postgres@127.0.0.1:5432/kontor_speed?sslmode=disable",
		"PostgreSQL database URL (-dialect postgres): the run gets a fresh schema in it, dropped at the end")
	flag.IntVar(&o.clients, "c", 8, "concurrent clients (one keep-alive connection each)")
	flag.DurationVar(&o.duration, "d", 10*time.Second, "how long to drive each endpoint")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each endpoint")
	flag.StringVar(&o.endpoints, "endpoints", "", "comma-separated endpoint names to drive (default: all)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured load (this process: server and clients, or the clients alone with -target) to this file")
	flag.IntVar(&o.posts, "posts", 40, "statuses the user posts")
	flag.DurationVar(&o.serve, "serve", 0, "after seeding, print the token and serve this long (for an outside client) instead of driving the load")
	flag.StringVar(&o.listen, "listen", "", "with -serve or alone: the address to serve on (alone: serve until interrupted)")
	flag.BoolVar(&o.explain, "explain", false, "print the plan of the reader's home timeline query first")
	flag.StringVar(&o.target, "target", "", "drive an already running Mastodon-API server at this base URL (http://host:port) instead of starting Kontor")
	flag.StringVar(&o.token, "token", "", "-target: the bearer token of the user whose home timeline is read")
	flag.StringVar(&o.status, "status", "", "-target: the status id to read (default: the user's oldest status among its 40 newest)")
	flag.StringVar(&o.tag, "tag", "bench", "the hashtag of the tag timeline")
	flag.StringVar(&o.healthz, "healthz", "/healthz", "path of the server's plain liveness endpoint (the HTTP stack alone, for scale)")
	flag.IntVar(&o.pid, "pid", 0, "-target: the server's process id, for its CPU per request and RSS (same machine)")
	flag.BoolVar(&o.bare, "bare", false, "instead of the load: start a bare `kontor serve` on a fresh SQLite file and print its RSS once started, after a few requests and once idle")
	flag.DurationVar(&o.bareIdle, "bare-idle", 30*time.Second, "-bare: how long to wait after the requests before the last figure")
	flag.StringVar(&o.kontor, "kontor", "", "-bare: the kontor binary to start (default: build ./cmd/kontor, from the repository root)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case o.bare:
		err = runBare(ctx, o)
	case o.target != "":
		err = runTarget(ctx, o)
	default:
		err = run(ctx, o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "readpath:", err)
		os.Exit(1)
	}
}

// endpoint is one measured request.
type endpoint struct {
	name, path string
}

// endpoints are the measured requests, for the reader's token.
func endpoints(status, tag, healthz string) []endpoint {
	return []endpoint{
		{"home", "/api/v1/timelines/home?limit=20"},
		{"public", "/api/v1/timelines/public?limit=20"},
		{"tag", "/api/v1/timelines/tag/" + url.PathEscape(tag) + "?limit=20"},
		{"status", "/api/v1/statuses/" + url.PathEscape(status)},
		{"verify_credentials", "/api/v1/accounts/verify_credentials"},
		{"instance", "/api/v1/instance"},
		{"healthz", healthz},
	}
}

func run(ctx context.Context, o options) error {
	server.TuneGC() // as kontor serve does
	in, err := start(ctx, o)
	if err != nil {
		return err
	}
	defer in.close()
	srv, seeded := in.srv, in.seeded
	if o.explain {
		reader, err := srv.DB.LocalAccount(ctx, "reader")
		if err != nil {
			return err
		}
		plan, err := srv.DB.ExplainHomeTimeline(ctx, reader.ID, db.Page{Limit: 20}, false)
		if err != nil {
			return err
		}
		fmt.Println(plan)
	}
	runtime.GC()
	status := strconv.FormatInt(seeded.statusID, 10)
	if o.serve > 0 || o.listen != "" {
		// The load comes from another process: print what it needs, then serve.
		fmt.Printf("kontor on %s (%s), pid %d, RSS idle %s\nTOKEN=%s\nSTATUS=%s\n", in.addr, srv.DB.Dialect(), os.Getpid(), proc.RSS(os.Getpid()), seeded.token, status)
		fmt.Printf("readpath -target %s -token %s -status %s -pid %d\n", in.base, seeded.token, status, os.Getpid())
		wait := make(<-chan time.Time)
		if o.serve > 0 {
			wait = time.After(o.serve)
		}
		select {
		case <-wait:
		case <-ctx.Done():
		}
		return in.close()
	}
	fmt.Printf("kontor on %s (%s), %d clients, %s per endpoint, GOMAXPROCS %d, load average %s, RSS idle %s\n",
		in.addr, srv.DB.Dialect(), o.clients, o.duration, runtime.GOMAXPROCS(0), proc.LoadAverage(), proc.RSS(os.Getpid()))
	err = measure(ctx, o, in.base, seeded.token, endpoints(status, o.tag, o.healthz), os.Getpid())
	if closeErr := in.close(); err == nil {
		err = closeErr
	}
	return err
}

// instance is a seeded Kontor serving on loopback in this process.
type instance struct {
	srv        *server.Server
	seeded     *seeded
	addr, base string
	close      func() error // stops serving and removes the database; once
}

// start starts the real server (server.New and Serve, as kontor serve) on
// a fresh database with rate limits off, seeds it and waits until it
// answers.
func start(ctx context.Context, o options) (*instance, error) {
	dbURL, cleanup, err := databaseURL(ctx, o)
	if err != nil {
		return nil, err
	}
	listen := o.listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", listen)
	if err != nil {
		cleanup()
		return nil, err
	}
	addr := l.Addr().String()
	cfg, err := config.Load("", false, []string{
		"KONTOR_LISTEN=" + addr, "KONTOR_HOST=" + addr, "KONTOR_PROTOCOL=http", "KONTOR_DATABASE=" + dbURL,
		"KONTOR_MEDIA_DIR=" + filepathTemp("kontor-readpath-media"), "KONTOR_API_RATE_LIMIT=0", "KONTOR_API_RATE_LIMIT_IP=0",
		"KONTOR_LOG_LEVEL=warn",
	})
	if err != nil {
		l.Close()
		cleanup()
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	serveCtx, cancel := context.WithCancel(ctx)
	go server.ReturnMemoryWhenIdle(serveCtx)
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		cancel()
		l.Close()
		cleanup()
		return nil, err
	}
	done := make(chan error, 1)
	var once sync.Once
	var closeErr error
	in := &instance{srv: srv, addr: addr, base: "http://" + addr}
	served := false
	in.close = func() error {
		once.Do(func() {
			cancel()
			if served {
				closeErr = <-done
			} else {
				l.Close()
			}
			srv.Close()
			cleanup()
		})
		return closeErr
	}
	if in.seeded, err = seed(ctx, srv, o.posts); err != nil {
		in.close()
		return nil, fmt.Errorf("seed: %w", err)
	}
	served = true
	go func() { done <- srv.Serve(serveCtx, l) }()
	if err := waitUp(ctx, in.base+"/healthz"); err != nil {
		in.close()
		return nil, err
	}
	return in, nil
}

// runTarget drives a server another process runs, Kontor or any server of
// the Mastodon client API, with the same clients and endpoints.
func runTarget(ctx context.Context, o options) error {
	if o.token == "" {
		return errors.New("-target needs -token")
	}
	base := strings.TrimRight(o.target, "/")
	if err := waitUp(ctx, base+"/api/v1/instance"); err != nil {
		return err
	}
	status := o.status
	if status == "" {
		var err error
		if status, err = oldestOwnStatus(base, o.token); err != nil {
			return fmt.Errorf("finding a status to read (or give -status): %w", err)
		}
	}
	fmt.Printf("target %s, status %s, %d clients, %s per endpoint, load average %s", base, status, o.clients, o.duration, proc.LoadAverage())
	if o.pid > 0 {
		fmt.Printf(", server pid %d, its RSS idle %s", o.pid, proc.RSS(o.pid))
	}
	fmt.Println()
	pid := o.pid
	return measure(ctx, o, base, o.token, endpoints(status, o.tag, o.healthz), pid)
}

// oldestOwnStatus is the token user's oldest status among its 40 newest:
// the reader's first post, as the in-process seeding reads.
func oldestOwnStatus(base, token string) (string, error) {
	var me struct {
		ID string `json:"id"`
	}
	if err := getJSON(base+"/api/v1/accounts/verify_credentials", token, &me); err != nil {
		return "", err
	}
	var statuses []struct {
		ID string `json:"id"`
	}
	if err := getJSON(base+"/api/v1/accounts/"+url.PathEscape(me.ID)+"/statuses?limit=40", token, &statuses); err != nil {
		return "", err
	}
	if len(statuses) == 0 {
		return "", fmt.Errorf("account %s has no statuses", me.ID)
	}
	return statuses[len(statuses)-1].ID, nil
}

func getJSON(u, token string, v any) error {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %.200s", u, resp.StatusCode, body)
	}
	return json.Unmarshal(body, v)
}

// measure drives each chosen endpoint and prints a table row for it. CPU per
// request is that of process pid (this process: server and clients
// together; another: the server alone; 0: not measured).
func measure(ctx context.Context, o options, base, token string, all []endpoint, pid int) error {
	chosen, err := choose(all, o.endpoints)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Println("| endpoint | req/s | p50 | p99 | CPU/req | errors |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, ep := range chosen {
		if ctx.Err() != nil {
			break
		}
		if o.warmup > 0 {
			drive(ctx, base+ep.path, token, o.clients, o.warmup)
		}
		cpu := cpuTime(pid)
		r := drive(ctx, base+ep.path, token, o.clients, o.duration)
		perRequest := "–"
		if pid > 0 && r.count > 0 {
			perRequest = fmt.Sprintf("%.0f µs", float64((cpuTime(pid)-cpu)/time.Duration(r.count))/float64(time.Microsecond))
		}
		fmt.Printf("| %s | %.0f | %s | %s | %s | %d |\n", ep.name, r.rate, ms(r.p50), ms(r.p99), perRequest, r.errors)
		if r.firstError != "" {
			fmt.Fprintf(os.Stderr, "%s: first error: %s\n", ep.name, r.firstError)
		}
	}
	fmt.Printf("load average after: %s", proc.LoadAverage())
	if pid > 0 {
		fmt.Printf(", RSS after: %s", proc.RSS(pid))
	}
	fmt.Println()
	return nil
}

// databaseURL is the URL the server opens: an SQLite file in a fresh
// directory, or a fresh schema in the PostgreSQL database.
func databaseURL(ctx context.Context, o options) (string, func(), error) {
	switch o.dialect {
	case db.SQLite:
		dir, err := os.MkdirTemp("", "kontor-readpath-")
		if err != nil {
			return "", nil, err
		}
		return "sqlite://" + dir + "/kontor.db", func() { os.RemoveAll(dir) }, nil
	case db.Postgres:
		var b [6]byte
		rand.Read(b[:])
		schema := "readpath_" + hex.EncodeToString(b[:])
		admin, err := db.Open(ctx, o.postgresURL)
		if err != nil {
			return "", nil, err
		}
		defer admin.Close()
		if err := admin.CreateSchema(ctx, schema); err != nil {
			return "", nil, err
		}
		u, err := url.Parse(o.postgresURL)
		if err != nil {
			return "", nil, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), func() {
			admin, err := db.Open(context.Background(), o.postgresURL)
			if err != nil {
				return
			}
			defer admin.Close()
			admin.DropSchema(context.Background(), schema)
		}, nil
	}
	return "", nil, fmt.Errorf("-dialect %q: sqlite or postgres", o.dialect)
}

type seeded struct {
	token    string
	statusID int64
	linked   []int64 // the statuses whose links were queued for a card
}

// seed creates the reader with its posts (every other one tagged #bench),
// a friend it follows with posts of their own, and a token of the reader.
func seed(ctx context.Context, srv *server.Server, posts int) (*seeded, error) {
	var accounts [2]*db.Account
	var users [2]*db.User
	for i, name := range []string{"reader", "friend"} {
		a, u, err := srv.Engine.CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: name,
			Email: name + "@bench.example", Password: "password-" + name, Confirmed: true, Approved: true})
		if err != nil {
			return nil, err
		}
		accounts[i], users[i] = a, u
	}
	reader, friend := accounts[0], accounts[1]
	if _, err := srv.Engine.Follow(ctx, reader, friend, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		return nil, err
	}
	var first int64
	var linked []int64
	for i := range posts {
		text := fmt.Sprintf("post %d of the read-path benchmark, with a link https://example.com/%d and @friend", i, i)
		if i%2 == 0 {
			text += " #bench"
		}
		s, err := srv.Engine.PublishStatus(ctx, reader, activitypub.PostParams{Text: text, Visibility: db.Public})
		if err != nil {
			return nil, err
		}
		linked = append(linked, s.ID)
		if first == 0 {
			first = s.ID
		}
		if i%4 == 0 {
			if _, err := srv.Engine.PublishStatus(ctx, friend, activitypub.PostParams{Text: fmt.Sprintf("friend's post %d #bench", i), Visibility: db.Public}); err != nil {
				return nil, err
			}
		}
	}
	tok, err := srv.DB.CreateToken(ctx, db.NewToken{UserID: &users[0].ID, AccountID: &reader.ID, Scopes: []string{"read", "write", "follow"}})
	if err != nil {
		return nil, err
	}
	if err := settleCards(ctx, srv.DB, linked); err != nil {
		return nil, err
	}
	return &seeded{token: tok.AccessToken, statusID: first, linked: linked}, nil
}

// settleCards ends the card fetches of the seeded links as the fetcher
// ends them when a link cannot be reached: failed for good, no card. The
// links (https://example.com/N, kept so that another server seeds the same
// text) cannot be resolved on this closed network, and the fetcher retries
// such a failure for ~3 minutes; until then every page asks for the
// pending cards' states, which in production settle within seconds. The
// load measures the settled instance. A fetch still running ends without
// requeueing: it only moves the next attempt of a row no longer queued.
func settleCards(ctx context.Context, d *db.DB, ids []int64) error {
	for _, id := range ids {
		if err := d.RetryStatusCard(ctx, id, time.Now(), true); err != nil {
			return err
		}
	}
	states, err := d.CardStates(ctx, ids)
	if err != nil {
		return err
	}
	for id, st := range states {
		if st.State == db.CardQueued {
			return fmt.Errorf("status %d: card still queued", id)
		}
	}
	return nil
}

func choose(all []endpoint, names string) ([]endpoint, error) {
	if names == "" {
		return all, nil
	}
	var chosen []endpoint
	for _, n := range strings.Split(names, ",") {
		i := slices.IndexFunc(all, func(e endpoint) bool { return e.name == n })
		if i < 0 {
			return nil, fmt.Errorf("unknown endpoint %q", n)
		}
		chosen = append(chosen, all[i])
	}
	return chosen, nil
}

type result struct {
	count      int
	rate       float64
	p50, p99   time.Duration
	errors     int
	firstError string
}

// drive sends GET url with the token from n clients, each waiting for its
// answer before the next request, for d, and returns the rate of
// successful requests and their latency percentiles.
func drive(ctx context.Context, target, token string, n int, d time.Duration) result {
	transport := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu         sync.Mutex
		all        []time.Duration
		errs       int
		firstError string
		wg         sync.WaitGroup
	)
	start := time.Now()
	for range n {
		wg.Go(func() {
			times := make([]time.Duration, 0, 4096)
			bad := 0
			var first string
			for ctx.Err() == nil {
				t0 := time.Now()
				_, err := get(client, target, token)
				if ctx.Err() != nil {
					break // the request may have been cut short by the end of the run
				}
				if err != nil {
					bad++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				times = append(times, time.Since(t0))
			}
			mu.Lock()
			all = append(all, times...)
			errs += bad
			if firstError == "" {
				firstError = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	r := result{count: len(all), rate: float64(len(all)) / elapsed.Seconds(), errors: errs, firstError: firstError}
	if len(all) > 0 {
		r.p50 = all[len(all)*50/100]
		r.p99 = all[len(all)*99/100]
	}
	return r
}

// get asks target with token and reads the answer: its body's length, or
// an error unless it is a 200.
func get(client *http.Client, target, token string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %d %.200s", target, resp.StatusCode, body)
	}
	return len(body), nil
}

// waitUp waits until u answers 200.
func waitUp(ctx context.Context, u string) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within 15 s", u)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// cpuTime is the CPU process pid used so far: this process from getrusage
// (exact), another from /proc (10 ms ticks); 0 for pid 0.
func cpuTime(pid int) time.Duration {
	switch pid {
	case 0:
		return 0
	case os.Getpid():
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return proc.CPUTime(pid)
}

func filepathTemp(name string) string { return os.TempDir() + "/" + name }
