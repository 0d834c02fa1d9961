package transport

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub/signature"
)

const testKeyID = "http://signer.example/users/alice#main-key"

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func signer(t testing.TB) Signer {
	t.Helper()
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return Signer{KeyID: testKeyID, Key: testKey}
}

type staticKeys map[string]crypto.PublicKey

func (k staticKeys) PublicKey(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	if pub, ok := k[keyID]; ok {
		return pub, "http://signer.example/users/alice", nil
	}
	return nil, "", errors.New("unknown key")
}

// serveOn starts an httptest server on a given loopback address.
func serveOn(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// counting wraps a handler and counts the requests it got.
type counting struct {
	n atomic.Int64
	h http.Handler
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.h.ServeHTTP(w, r)
}

func jsonHandler(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		io.WriteString(w, body)
	})
}

func loopbackClient(t *testing.T, o Options) *Client {
	t.Helper()
	if o.Protocol == "" {
		o.Protocol = "http"
	}
	if o.AllowedNetworks == nil {
		nets, err := ParseNetworks([]string{"127.0.0.0/8"})
		if err != nil {
			t.Fatal(err)
		}
		o.AllowedNetworks = nets
	}
	return New(o)
}

func TestSignedGetFollowsRedirectsAndResigns(t *testing.T) {
	s := signer(t)
	keys := staticKeys{testKeyID: &s.Key.PublicKey}
	var verified atomic.Int64
	mux := http.NewServeMux()
	check := func(w http.ResponseWriter, r *http.Request) bool {
		res, err := signature.Verify(r.Context(), r, nil, keys, signature.VerifyOptions{Scheme: "http"})
		if err != nil {
			t.Errorf("%s: signature: %v", r.URL.Path, err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return false
		}
		if res.KeyID != testKeyID {
			t.Errorf("key id %q", res.KeyID)
		}
		if got := r.Header.Get("Accept"); got != AcceptActivity {
			t.Errorf("Accept = %q", got)
		}
		if got := r.Header.Get("User-Agent"); got != "Kontor/test" {
			t.Errorf("User-Agent = %q", got)
		}
		verified.Add(1)
		return true
	}
	mux.HandleFunc("/start", func(w http.ResponseWriter, r *http.Request) {
		if check(w, r) {
			http.Redirect(w, r, "/middle?x=1", http.StatusFound)
		}
	})
	mux.HandleFunc("/middle", func(w http.ResponseWriter, r *http.Request) {
		if check(w, r) {
			http.Redirect(w, r, "/final", http.StatusPermanentRedirect)
		}
	})
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) {
		if check(w, r) {
			w.Header().Set("Content-Type", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
			io.WriteString(w, `{"id":"x","type":"Note"}`)
		}
	})
	srv := serveOn(t, "127.0.0.1:0", mux)
	c := loopbackClient(t, Options{UserAgent: "Kontor/test"})

	body, final, ct, err := c.Get(context.Background(), srv.URL+"/start#frag", &s)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != `{"id":"x","type":"Note"}` || final != srv.URL+"/final" || !strings.HasPrefix(ct, "application/ld+json") {
		t.Errorf("got %q from %q (%q)", body, final, ct)
	}
	if verified.Load() != 3 {
		t.Errorf("%d hops verified, want 3", verified.Load())
	}

	// Without redirect the final URL is the one asked for, minus fragment.
	_, final, _, err = c.Get(context.Background(), srv.URL+"/final#main-key", &s)
	if err != nil || final != srv.URL+"/final" {
		t.Errorf("final = %q, %v", final, err)
	}
}

func TestUnsignedGetHasNoSignature(t *testing.T) {
	srv := serveOn(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Signature") != "" {
			t.Error("unsigned GET carries a Signature")
		}
		if r.Header.Get("Accept") != "application/jrd+json" {
			t.Errorf("Accept = %q", r.Header.Get("Accept"))
		}
		w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
		io.WriteString(w, `{"subject":"acct:a@b"}`)
	}))
	body, err := loopbackClient(t, Options{}).GetJSON(context.Background(), srv.URL+"/.well-known/webfinger?resource=acct:a@b", "application/jrd+json")
	if err != nil || !strings.Contains(string(body), "acct:a@b") {
		t.Fatalf("%q, %v", body, err)
	}
}

func TestLoopbackRefusedUnlessAllowed(t *testing.T) {
	h := &counting{h: jsonHandler(`{"type":"Note"}`)}
	srv := serveOn(t, "127.0.0.1:0", h)
	s := signer(t)

	strict := New(Options{Protocol: "http"})
	_, _, _, err := strict.Get(context.Background(), srv.URL+"/x", nil)
	if !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("GET loopback: %v, want ErrForbiddenAddress", err)
	}
	if IsTemporary(err) {
		t.Error("a refused address is reported as temporary")
	}
	if err := strict.Post(context.Background(), srv.URL+"/inbox", []byte("{}"), s, false); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("POST loopback: %v, want ErrForbiddenAddress", err)
	}
	// "localhost" resolves to a loopback address: refused after resolution.
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	if _, err := strict.GetJSON(context.Background(), fmt.Sprintf("http://localhost:%d/x", port), "application/json"); !errors.Is(err, ErrForbiddenAddress) {
		t.Fatalf("GET localhost: %v, want ErrForbiddenAddress", err)
	}
	if n := h.n.Load(); n != 0 {
		t.Fatalf("the server got %d requests through a refused address", n)
	}

	if _, _, _, err := loopbackClient(t, Options{}).Get(context.Background(), srv.URL+"/x", nil); err != nil {
		t.Fatalf("allowed loopback: %v", err)
	}
	if h.n.Load() != 1 {
		t.Fatalf("requests = %d", h.n.Load())
	}
}

func TestRedirectToForbiddenAddressRefused(t *testing.T) {
	// Only 127.0.0.2 is allowed; the redirect target on 127.0.0.1 is not.
	target := &counting{h: jsonHandler(`{"type":"Note"}`)}
	forbidden := serveOn(t, "127.0.0.1:0", target)
	mux := http.NewServeMux()
	mux.HandleFunc("/to-loopback", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, forbidden.URL+"/secret", http.StatusFound)
	})
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/to-mapped", func(w http.ResponseWriter, r *http.Request) {
		port := forbidden.Listener.Addr().(*net.TCPAddr).Port
		http.Redirect(w, r, fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/secret", port), http.StatusTemporaryRedirect)
	})
	mux.Handle("/ok", jsonHandler(`{"type":"Note"}`))
	allowed := serveOn(t, "127.0.0.2:0", mux)

	nets, _ := ParseNetworks([]string{"127.0.0.2/32"})
	c := New(Options{Protocol: "http", AllowedNetworks: nets, Timeout: 3 * time.Second})
	if _, _, _, err := c.Get(context.Background(), allowed.URL+"/ok", nil); err != nil {
		t.Fatalf("allowed server: %v", err)
	}
	for _, path := range []string{"/to-loopback", "/to-metadata", "/to-mapped"} {
		_, _, _, err := c.Get(context.Background(), allowed.URL+path, nil)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: %v, want ErrForbiddenAddress", path, err)
		}
	}
	if n := target.n.Load(); n != 0 {
		t.Fatalf("the forbidden server got %d requests", n)
	}
}

func TestHTTPRefusedWhenProtocolHTTPS(t *testing.T) {
	plain := &counting{h: jsonHandler(`{"type":"Note"}`)}
	plainSrv := serveOn(t, "127.0.0.1:0", plain)

	var proto atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/doc", func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		w.Header().Set("Content-Type", "application/activity+json")
		io.WriteString(w, `{"type":"Note"}`)
	})
	mux.HandleFunc("/downgrade", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plainSrv.URL+"/doc", http.StatusFound)
	})
	tlsSrv := httptest.NewUnstartedServer(mux)
	tlsSrv.EnableHTTP2 = true
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)

	nets, _ := ParseNetworks([]string{"127.0.0.0/8"})
	c := New(Options{Protocol: "https", AllowedNetworks: nets})
	pool := x509.NewCertPool()
	pool.AddCert(tlsSrv.Certificate())
	c.tr.TLSClientConfig.RootCAs = pool

	if _, _, _, err := c.Get(context.Background(), plainSrv.URL+"/doc", nil); !errors.Is(err, ErrForbiddenScheme) {
		t.Fatalf("http GET: %v, want ErrForbiddenScheme", err)
	}
	if err := c.Post(context.Background(), plainSrv.URL+"/inbox", []byte("{}"), signer(t), false); !errors.Is(err, ErrForbiddenScheme) {
		t.Fatalf("http POST: %v, want ErrForbiddenScheme", err)
	}
	if _, _, _, err := c.Get(context.Background(), tlsSrv.URL+"/doc", nil); err != nil {
		t.Fatalf("https GET: %v", err)
	}
	if p, _ := proto.Load().(string); p != "HTTP/2.0" {
		t.Errorf("protocol %q, want HTTP/2.0", p)
	}
	if _, _, _, err := c.Get(context.Background(), tlsSrv.URL+"/downgrade", nil); !errors.Is(err, ErrForbiddenScheme) {
		t.Fatalf("redirect to http: %v, want ErrForbiddenScheme", err)
	}
	if n := plain.n.Load(); n != 0 {
		t.Fatalf("the plain server got %d requests", n)
	}
	if c.Scheme() != "https" || loopbackClient(t, Options{}).Scheme() != "http" {
		t.Error("Scheme")
	}
}

func TestBodyLimit(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		w.Write(make([]byte, 1024))
	})
	mux.HandleFunc("/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		w.Header().Set("Content-Length", "4096")
		w.Write(make([]byte, 4096))
	})
	mux.HandleFunc("/streamed", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		for range 8 {
			w.Write(make([]byte, 512))
			w.(http.Flusher).Flush()
		}
	})
	srv := serveOn(t, "127.0.0.1:0", mux)
	c := loopbackClient(t, Options{MaxBodyBytes: 1024})
	if body, _, _, err := c.Get(context.Background(), srv.URL+"/exact", nil); err != nil || len(body) != 1024 {
		t.Fatalf("exact: %d bytes, %v", len(body), err)
	}
	for _, p := range []string{"/declared", "/streamed"} {
		_, _, _, err := c.Get(context.Background(), srv.URL+p, nil)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", p, err)
		}
		if IsTemporary(err) {
			t.Errorf("%s: too large reported as temporary", p)
		}
	}
}

func TestContentTypeChecked(t *testing.T) {
	cases := []struct {
		ct string
		ok bool
	}{
		{"application/activity+json", true},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, true},
		{"application/json; charset=utf-8", true},
		{"application/jrd+json", true},
		{"Application/Activity+JSON", true},
		{"text/html; charset=utf-8", false},
		{"image/png", false},
		{"text/plain", false},
		{"", false},
	}
	for _, tc := range cases {
		srv := serveOn(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.ct == "" {
				w.Header()["Content-Type"] = nil // no sniffing: really absent
			} else {
				w.Header().Set("Content-Type", tc.ct)
			}
			io.WriteString(w, `{"type":"Note"}`)
		}))
		_, _, _, err := loopbackClient(t, Options{}).Get(context.Background(), srv.URL, nil)
		if tc.ok && err != nil {
			t.Errorf("%q: %v", tc.ct, err)
		}
		if !tc.ok && !errors.Is(err, ErrContentType) {
			t.Errorf("%q: %v, want ErrContentType", tc.ct, err)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		v    string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"120", 120 * time.Second},
		{" 7 ", 7 * time.Second},
		{"99999999999999999", maxRetryAfter},
		{"Sun, 01 Mar 2026 12:01:30 GMT", 90 * time.Second},
		{"Sunday, 01-Mar-26 12:00:10 GMT", 10 * time.Second}, // RFC 850
		{"Sun Mar  1 12:00:05 2026", 5 * time.Second},        // asctime
		{"Sun, 01 Mar 2026 11:00:00 GMT", 0},                 // past
		{"Sun, 01 Mar 2027 11:00:00 GMT", maxRetryAfter},
		{"soon", 0},
	}
	for _, tc := range cases {
		if got := parseRetryAfter(tc.v, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.v, got, tc.want)
		}
	}
	if got := parseRetryAfter("Sun, 01 Mar 2026 12:00:02 GMT", now.Add(500*time.Millisecond)); got != 2*time.Second {
		t.Errorf("fractional: %s, want 2s (rounded up)", got)
	}
}

func TestStatusErrors(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	mux := http.NewServeMux()
	mux.HandleFunc("/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", date)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		w.WriteHeader(http.StatusGone)
		io.WriteString(w, `{"type":"Tombstone"}`)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	srv := serveOn(t, "127.0.0.1:0", mux)
	c := loopbackClient(t, Options{})
	s := signer(t)
	ctx := context.Background()

	var se *StatusError
	err := c.Post(ctx, srv.URL+"/busy", []byte("{}"), s, false)
	if !errors.As(err, &se) || se.Code != 429 || se.RetryAfter != 120*time.Second || !IsTemporary(err) {
		t.Errorf("429: %v (%+v)", err, se)
	}
	_, _, _, err = c.Get(ctx, srv.URL+"/down", &s)
	if !errors.As(err, &se) || se.Code != 503 || se.RetryAfter < 85*time.Second || se.RetryAfter > 91*time.Second || !IsTemporary(err) {
		t.Errorf("503: %v (%+v)", err, se)
	}
	_, _, _, err = c.Get(ctx, srv.URL+"/gone", nil)
	if !errors.As(err, &se) || se.Code != 410 || IsTemporary(err) {
		t.Errorf("410: %v", err)
	}
	_, _, _, err = c.Get(ctx, srv.URL+"/nothing", nil)
	if !errors.As(err, &se) || se.Code != 404 || IsTemporary(err) {
		t.Errorf("404: %v", err)
	}
	// A POST is never redirected.
	err = c.Post(ctx, srv.URL+"/moved", []byte("{}"), s, false)
	if !errors.As(err, &se) || se.Code != http.StatusTemporaryRedirect {
		t.Errorf("POST redirect: %v", err)
	}
	if _, _, _, err = c.Get(ctx, srv.URL+"/loop", nil); !errors.Is(err, ErrTooManyRedirects) {
		t.Errorf("loop: %v", err)
	}
}

func TestTimeoutsAndNetworkErrorsAreTemporary(t *testing.T) {
	release := make(chan struct{})
	srv := serveOn(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release) }) // runs before srv.Close
	c := loopbackClient(t, Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, _, _, err := c.Get(context.Background(), srv.URL+"/slow", nil)
	if err == nil || !IsTemporary(err) || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("GET timeout: %v (temporary %v)", err, IsTemporary(err))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %s", d)
	}
	if err := c.Post(context.Background(), srv.URL+"/inbox", []byte("{}"), signer(t), false); err == nil || !IsTemporary(err) {
		t.Errorf("POST timeout: %v", err)
	}

	// Nothing listens on a closed port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if err := c.Post(context.Background(), "http://"+addr+"/inbox", []byte("{}"), signer(t), false); err == nil || !IsTemporary(err) {
		t.Errorf("connection refused: %v", err)
	}
}

func TestPostSigned(t *testing.T) {
	s := signer(t)
	keys := staticKeys{testKeyID: &s.Key.PublicKey}
	body := []byte(`{"type":"Follow","id":"http://signer.example/follows/1"}`)
	var schemes sync.Map
	srv := serveOn(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.ReadAll(r.Body)
		if string(got) != string(body) {
			t.Errorf("body %q", got)
		}
		if r.Header.Get("Content-Type") != "application/activity+json" {
			t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
		}
		res, err := signature.Verify(r.Context(), r, got, keys, signature.VerifyOptions{Scheme: "http", RequireDigest: true})
		if err != nil {
			t.Errorf("verify: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		schemes.Store(res.Scheme, true)
		w.WriteHeader(http.StatusAccepted)
	}))
	c := loopbackClient(t, Options{})
	if err := c.Post(context.Background(), srv.URL+"/users/bob/inbox", body, s, false); err != nil {
		t.Fatal(err)
	}
	if err := c.Post(context.Background(), srv.URL+"/inbox", body, s, true); err != nil {
		t.Fatal(err)
	}
	for _, sch := range []string{signature.SchemeCavage, signature.SchemeRFC9421} {
		if _, ok := schemes.Load(sch); !ok {
			t.Errorf("no %s delivery verified", sch)
		}
	}
}

// TestPostFanOutReusesConnections checks the pool: many concurrent
// deliveries to one host stay within MaxConnsPerHost and reuse connections.
func TestPostFanOutReusesConnections(t *testing.T) {
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(5 * time.Millisecond)
		w.WriteHeader(http.StatusAccepted)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	// A generous timeout: this is about connection counts, and the machine
	// running the tests may be busy.
	c := loopbackClient(t, Options{MaxConnsPerHost: 8, Timeout: time.Minute})
	s := signer(t)
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			if err := c.Post(context.Background(), fmt.Sprintf("%s/users/u%d/inbox", srv.URL, i), []byte("{}"), s, false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := opened.Load(); n > 8 {
		t.Errorf("%d connections opened for 100 deliveries, MaxConnsPerHost is 8", n)
	}
}

func TestGetHTML(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "text/html") {
			t.Errorf("Accept %q", r.Header.Get("Accept"))
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<a rel="me" href="x">me</a>`)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/page", http.StatusFound) })
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(make([]byte, 4096))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	srv := serveOn(t, "127.0.0.1:0", mux)
	c := loopbackClient(t, Options{})
	ctx := context.Background()
	body, final, err := c.GetHTML(ctx, srv.URL+"/moved", 1024, time.Second)
	if err != nil || !strings.Contains(string(body), `rel="me"`) || final != srv.URL+"/page" {
		t.Fatalf("GetHTML: %q %q %v", body, final, err)
	}
	if _, _, err := c.GetHTML(ctx, srv.URL+"/json", 1024, time.Second); !errors.Is(err, ErrContentType) {
		t.Errorf("json: %v, want ErrContentType", err)
	}
	if _, _, err := c.GetHTML(ctx, srv.URL+"/big", 1024, time.Second); !errors.Is(err, ErrTooLarge) {
		t.Errorf("big: %v, want ErrTooLarge", err)
	}
	start := time.Now()
	if _, _, err := c.GetHTML(ctx, srv.URL+"/slow", 1024, 200*time.Millisecond); err == nil || time.Since(start) > time.Second {
		t.Errorf("slow: %v after %s, want a timeout within 200ms", err, time.Since(start))
	}
	if _, _, err := New(Options{Protocol: "http"}).GetHTML(ctx, srv.URL+"/page", 1024, time.Second); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("loopback without allowance: %v, want ErrForbiddenAddress", err)
	}
}
