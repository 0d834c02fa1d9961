// Package kontortest starts real Kontor instances on loopback for tests: each
// with its own database (an SQLite file, or a fresh PostgreSQL schema) and
// its own port, so federation and API tests talk real HTTP.
//
// Environment:
//
//	KONTOR_TEST_DIALECT       sqlite (default) or postgres: the store every instance uses
//	KONTOR_TEST_POSTGRES_URL  a PostgreSQL database URL; instances get their own schema in it
//	KONTOR_TEST_LOG           debug, info, warn (default) or error: instance logs shown in test output
package kontortest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/delivery"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/server"
)

// Environment variables read by the harness.
const (
	DialectEnv  = "KONTOR_TEST_DIALECT"
	PostgresEnv = "KONTOR_TEST_POSTGRES_URL"
	LogEnv      = "KONTOR_TEST_LOG"
)

// Dialect is the store the suite runs on.
func Dialect() string {
	if os.Getenv(DialectEnv) == db.Postgres {
		return db.Postgres
	}
	return db.SQLite
}

// PostgresURL returns the test PostgreSQL URL, skipping the test loudly when
// it is not set (or failing it when the suite was asked to run on PostgreSQL).
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(PostgresEnv)
	if u == "" {
		if Dialect() == db.Postgres {
			t.Fatalf("%s=postgres but %s is not set", DialectEnv, PostgresEnv)
		}
		t.Skipf("SKIPPED: this test needs PostgreSQL; set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", PostgresEnv)
	}
	return u
}

// NewDatabaseURL returns the URL of a fresh, empty database for one instance,
// removed when the test ends.
func NewDatabaseURL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == db.SQLite {
		return "sqlite://" + filepath.Join(t.TempDir(), "kontor.db")
	}
	base := PostgresURL(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "kt_" + hex.EncodeToString(b[:])
	admin, err := db.Open(context.Background(), base)
	if err != nil {
		t.Fatalf("kontortest: connect to %s: %v", PostgresEnv, err)
	}
	defer admin.Close()
	if err := admin.CreateSchema(context.Background(), schema); err != nil {
		t.Fatalf("kontortest: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := db.Open(context.Background(), base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.DropSchema(context.Background(), schema)
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// NewDB opens a fresh database of dialect (NewDatabaseURL), migrated, and
// closes it when the test ends: for tests of the store alone.
func NewDB(t testing.TB, dialect string) *db.DB {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, NewDatabaseURL(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// Options change an instance's configuration before it starts.
type Options struct {
	Dialect     string               // default: Dialect()
	DatabaseURL string               // reuse a database (restart scenarios)
	Configure   func(*config.Config) // last word on the configuration
	// Fast shortens delivery retries and host probes to fractions of a
	// second, for scenarios with an instance that is down for a while.
	Fast bool
	// Engine adjusts the protocol engine's options.
	Engine func(*activitypub.Options)
	// NodeOf starts another node of that instance: the same database and
	// public host, its own listener (several processes behind one name).
	// The new Instance's URL is its own address.
	NodeOf *Instance
}

// Restart starts an instance on a host:port an earlier (stopped) one used,
// typically with the same DatabaseURL.
func Restart(t testing.TB, hostPort string, o Options) *Instance {
	t.Helper()
	var l net.Listener
	var err error
	for range 50 { // the old socket may linger for a moment
		if l, err = net.Listen("tcp", hostPort); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("kontortest: listen again on %s: %v", hostPort, err)
	}
	return StartOn(t, l, o)
}

// Instance is a running Kontor on loopback.
type Instance struct {
	t      testing.TB
	URL    string // http://127.0.0.1:PORT, this node's own address
	Host   string // the public host (a NodeOf node shares its instance's)
	Config *config.Config
	Server *server.Server
	DB     *db.DB

	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// Start runs an instance until the test ends (or Stop).
func Start(t testing.TB, o Options) *Instance {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("kontortest: listen: %v", err)
	}
	return StartOn(t, l, o)
}

// StartOn runs an instance on a given listener (to restart on the same port).
func StartOn(t testing.TB, l net.Listener, o Options) *Instance {
	t.Helper()
	dialect := o.Dialect
	if dialect == "" {
		dialect = Dialect()
	}
	dbURL := o.DatabaseURL
	host := l.Addr().String()
	public := host
	if o.NodeOf != nil {
		dbURL, public = o.NodeOf.Config.Database, o.NodeOf.Host
	}
	if dbURL == "" {
		dbURL = NewDatabaseURL(t, dialect)
	}
	env := []string{
		"KONTOR_LISTEN=" + host,
		"KONTOR_HOST=" + public,
		"KONTOR_PROTOCOL=http",
		"KONTOR_DATABASE=" + dbURL,
		"KONTOR_MEDIA_DIR=" + filepath.Join(t.TempDir(), "media"),
		"KONTOR_REGISTRATIONS=open",
		"KONTOR_ALLOWED_PRIVATE_NETWORKS=127.0.0.0/8",
	}
	cfg, err := config.Load("", false, env)
	if err != nil {
		l.Close()
		t.Fatalf("kontortest: config: %v", err)
	}
	if o.Configure != nil {
		o.Configure(cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var tune []func(*activitypub.Options)
	if o.Fast {
		tune = append(tune, func(ao *activitypub.Options) {
			ao.TuneDelivery = func(do *delivery.Options) {
				do.Backoff = func(int) time.Duration { return 150 * time.Millisecond }
				do.MinProbe, do.MaxProbe, do.PollInterval = 150*time.Millisecond, 500*time.Millisecond, 100*time.Millisecond
			}
		})
	}
	if o.Engine != nil {
		tune = append(tune, o.Engine)
	}
	s, err := server.New(ctx, cfg, Logger(t), tune...)
	if err != nil {
		cancel()
		l.Close()
		t.Fatalf("kontortest: start instance: %v", err)
	}
	in := &Instance{t: t, URL: "http://" + host, Host: public, Config: cfg, Server: s, DB: s.DB, cancel: cancel, done: make(chan error, 1)}
	go func() { in.done <- s.Serve(ctx, l) }()
	t.Cleanup(in.Stop)
	return in
}

// Stop shuts the instance down gracefully (idempotent).
func (in *Instance) Stop() {
	in.once.Do(func() {
		in.cancel()
		select {
		case err := <-in.done:
			if err != nil {
				in.t.Errorf("kontortest: serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			in.t.Errorf("kontortest: instance did not stop within 30s")
		}
		in.Server.Close()
	})
}

// Engine is the instance's protocol engine.
func (in *Instance) Engine() *activitypub.Engine { return in.Server.Engine }

// User is a local account with its login and a full-scope token.
type User struct {
	Account  *db.Account
	User     *db.User
	Password string
	Token    string
	Handle   string // user@host
}

// CreateUser makes a confirmed local user with password "password-<name>"
// and a token with read write follow push scopes.
func (in *Instance) CreateUser(name string) *User {
	in.t.Helper()
	pw := "password-" + name
	a, u, err := in.Engine().CreateLocalAccount(context.Background(), activitypub.NewLocalAccount{
		Username: name, Email: name + "@example.com", Password: pw, Confirmed: true, Approved: true,
	})
	if err != nil {
		in.t.Fatalf("kontortest: create user %s: %v", name, err)
	}
	tok, err := in.DB.CreateToken(context.Background(), db.NewToken{
		UserID: &u.ID, AccountID: &a.ID, Scopes: []string{"read", "write", "follow", "push", "profile"},
	})
	if err != nil {
		in.t.Fatalf("kontortest: token for %s: %v", name, err)
	}
	return &User{Account: a, User: u, Password: pw, Token: tok.AccessToken, Handle: name + "@" + in.Config.AccountDomain}
}

// Get performs a GET with optional headers ("Key: value" strings) and
// returns the response with its body read.
func (in *Instance) Get(path string, headers ...string) (*http.Response, []byte) {
	in.t.Helper()
	return in.Do(http.MethodGet, path, nil, headers...)
}

// Do performs a request against the instance.
func (in *Instance) Do(method, path string, body []byte, headers ...string) (*http.Response, []byte) {
	in.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = in.URL + path
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		in.t.Fatalf("kontortest: request: %v", err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		in.t.Fatalf("kontortest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		in.t.Fatalf("kontortest: read body: %v", err)
	}
	return resp, data
}

// Logger returns a logger that writes instance logs into the test output at
// the level KONTOR_TEST_LOG asks for (warn by default).
func Logger(t testing.TB) *slog.Logger {
	var level slog.Level = slog.LevelWarn
	if v := os.Getenv(LogEnv); v != "" {
		level.UnmarshalText([]byte(v))
	}
	return slog.New(slog.NewTextHandler(&testWriter{t: t}, &slog.HandlerOptions{Level: level}))
}

type testWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// Logging after the test ends panics in testing; drop those lines.
	defer func() {
		if recover() != nil {
			w.done = true
		}
	}()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// Eventually polls cond until it is true or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
