package delivery_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub/delivery"
	"github.com/kontor-social/kontor/activitypub/signature"
	"github.com/kontor-social/kontor/activitypub/transport"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// forEachDialect runs fn on a fresh, migrated SQLite file and PostgreSQL
// schema (skipped loudly without KONTOR_TEST_POSTGRES_URL).
func forEachDialect(t *testing.T, fn func(t *testing.T, store *db.DB, dbURL string)) {
	for _, dialect := range []string{db.SQLite, db.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			url := kontortest.NewDatabaseURL(t, dialect)
			fn(t, openStore(t, url), url)
		})
	}
}

func openStore(tb testing.TB, url string) *db.DB {
	tb.Helper()
	store, err := db.Open(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	if _, err := store.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return store
}

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// key is one RSA-2048 key for the whole test binary (generating one takes a while).
func key(tb testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

// actor is a local account that signs deliveries.
type actor struct {
	ID     int64
	KeyID  string
	Key    *rsa.PrivateKey
	signed int // Signer calls, to check the cache
	mu     sync.Mutex
}

func newActor(tb testing.TB, store *db.DB, name string) *actor {
	tb.Helper()
	k := key(tb)
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	uri := "https://kontor.example/users/" + name
	a := &db.Account{
		Username: name, URI: uri, PublicKeyID: uri + "#main-key",
		PublicKeyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		PrivateKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})),
	}
	if err := store.CreateLocalAccount(context.Background(), a, nil); err != nil {
		tb.Fatal(err)
	}
	return &actor{ID: a.ID, KeyID: a.PublicKeyID, Key: k}
}

func (a *actor) signer(ctx context.Context, id int64) (transport.Signer, error) {
	a.mu.Lock()
	a.signed++
	a.mu.Unlock()
	if id != a.ID {
		return transport.Signer{}, fmt.Errorf("no key for account %d", id)
	}
	return transport.Signer{KeyID: a.KeyID, Key: a.Key}, nil
}

// PublicKey makes actor a signature.KeyResolver for the sink.
func (a *actor) PublicKey(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	if keyID != a.KeyID {
		return nil, "", fmt.Errorf("unknown key %q", keyID)
	}
	return &a.Key.PublicKey, strings.TrimSuffix(keyID, "#main-key"), nil
}

// enqueue stores an activity of a and queues it for inboxes, as the Outbox does.
func enqueue(tb testing.TB, store *db.DB, a *actor, inboxes []string) (int64, []byte) {
	tb.Helper()
	var id int64
	var body []byte
	err := store.InTx(context.Background(), func(tx *db.Tx) error {
		id = tx.NewID()
		uri := fmt.Sprintf("https://kontor.example/activities/%d", id)
		body = []byte(fmt.Sprintf(`{"@context":"https://www.w3.org/ns/activitystreams","id":%q,"type":"Create","actor":"https://kontor.example/users/alice","object":{"type":"Note","content":"hello %d"}}`, uri, id))
		if err := tx.InsertActivity(context.Background(), &db.Activity{ID: id, URI: uri, AccountID: a.ID, Type: "Create", Body: body, Public: true}); err != nil {
			return err
		}
		n, err := tx.EnqueueDeliveries(context.Background(), id, inboxes, nil)
		if err == nil && n != len(inboxes) {
			err = fmt.Errorf("enqueued %d of %d", n, len(inboxes))
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return id, body
}

// hit is one POST the sink received.
type hit struct {
	at      time.Time
	body    []byte
	rfc9421 bool
	sigErr  error
}

// sink is a local inbox server that records POSTs per path. answer decides
// each response (nil: 202); it gets the path and the number of earlier POSTs
// to that path. Paths under /blackhole/ never answer: the connection stays
// open until the client gives up or release is called.
type sink struct {
	tb      testing.TB
	srv     *httptest.Server
	verify  signature.KeyResolver // nil: do not check signatures (benchmarks)
	answer  func(path string, n int, r *http.Request) (code int, header http.Header)
	mu      sync.Mutex
	hits    map[string][]hit
	ok      int
	okCh    chan struct{} // receives after each 2xx, if set
	release chan struct{}
}

func newSink(tb testing.TB, verify signature.KeyResolver) *sink {
	s := &sink{tb: tb, verify: verify, hits: map[string][]hit{}, release: make(chan struct{})}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = nil
	s.srv.Start()
	tb.Cleanup(func() {
		s.releaseBlackholes()
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/blackhole/") {
		select {
		case <-r.Context().Done():
		case <-s.blackholeRelease():
			// Drop the connection without an answer: the client sees a
			// network error, not a status.
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
				}
			}
		}
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	h := hit{at: time.Now(), body: body, rfc9421: r.Header.Get("Signature-Input") != ""}
	if s.verify != nil {
		_, h.sigErr = signature.Verify(r.Context(), r, body, s.verify, signature.VerifyOptions{RequireDigest: true, Scheme: "http"})
	}
	s.mu.Lock()
	n := len(s.hits[r.URL.Path])
	s.hits[r.URL.Path] = append(s.hits[r.URL.Path], h)
	answer := s.answer
	s.mu.Unlock()
	code, header := http.StatusAccepted, http.Header(nil)
	if answer != nil {
		code, header = answer(r.URL.Path, n, r)
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(code)
	if code >= 200 && code < 300 {
		s.mu.Lock()
		s.ok++
		ch := s.okCh
		s.mu.Unlock()
		if ch != nil {
			ch <- struct{}{}
		}
	}
}

func (s *sink) blackholeRelease() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.release
}

// releaseBlackholes drops the connections blackholed requests wait on; later
// ones are blackholed again.
func (s *sink) releaseBlackholes() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.release)
	s.release = make(chan struct{})
}

func (s *sink) setAnswer(f func(path string, n int, r *http.Request) (int, http.Header)) {
	s.mu.Lock()
	s.answer = f
	s.mu.Unlock()
}

func (s *sink) url(path string) string { return s.srv.URL + path }

func (s *sink) host() string { return strings.TrimPrefix(s.srv.URL, "http://") }

func (s *sink) hitsOf(path string) []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.hits[path]...)
}

func (s *sink) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.hits {
		n += len(h)
	}
	return n
}

func (s *sink) oks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ok
}

// client is the real transport, allowed to reach loopback.
func client(timeout time.Duration) *transport.Client {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	return transport.New(transport.Options{Protocol: "http", AllowedNetworks: []*net.IPNet{loopback}, Timeout: timeout, UserAgent: "kontor-delivery-test"})
}

// run starts q until the test ends (or stop is called); stop waits for Run to return.
func run(tb testing.TB, q *delivery.Queue) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					tb.Errorf("Run: %v", err)
				}
			case <-time.After(30 * time.Second):
				tb.Errorf("Run did not return within 30s of cancel")
			}
		})
	}
	tb.Cleanup(stop)
	return stop
}

func inboxes(s *sink, prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s.url(fmt.Sprintf("%s/%d/inbox", prefix, i))
	}
	return out
}

func pending(tb testing.TB, store *db.DB) int {
	tb.Helper()
	n, err := store.PendingDeliveries(context.Background(), 0)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func quickBackoff(int) time.Duration { return 20 * time.Millisecond }
