package activitypub_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/kontortest"
)

// tap is a reverse proxy in front of an instance that keeps the bodies of
// the inbox POSTs passing through, with the instance's answers: what the
// instance received, seen from outside.
type tap struct {
	mu    sync.Mutex
	posts []tapped
}

type tapped struct {
	path   string
	body   []byte
	status int
}

// startBehindTap starts an instance whose public host is a tap's address.
func startBehindTap(t *testing.T) (*kontortest.Instance, *tap, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.Host, c.AccountDomain = host, host }})
	backend, _ := url.Parse(in.URL)
	tp := &tap{}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backend)
		r.Out.Host = r.In.Host // signatures cover the Host header
	}}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/inbox") {
			proxy.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rw := &statusWriter{ResponseWriter: w}
		proxy.ServeHTTP(rw, r)
		tp.mu.Lock()
		tp.posts = append(tp.posts, tapped{path: r.URL.Path, body: body, status: rw.status})
		tp.mu.Unlock()
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return in, tp, host
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// updatesOf returns the Updates of actor that passed the tap, as parsed
// JSON, with the instance's answer to each.
func (tp *tap) updatesOf(actor string) ([]map[string]any, []int) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var docs []map[string]any
	var statuses []int
	for _, p := range tp.posts {
		var doc map[string]any
		if json.Unmarshal(p.body, &doc) != nil || doc["type"] != "Update" {
			continue
		}
		if obj, _ := doc["object"].(map[string]any); obj != nil && obj["id"] == actor {
			docs = append(docs, doc)
			statuses = append(statuses, p.status)
		}
	}
	return docs, statuses
}

// Suspending a local account federates: instance B, where bob follows
// alice of A, receives an Update of alice's actor with "suspended": true,
// and one without it when the suspension is lifted.
func TestSuspensionFederates(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b, tp, bHost := startBehindTap(t)
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	b.Follow(bob, a, alice)
	bobOnA, err := a.DB.AccountByURI(ctx, "http://"+bHost+"/users/bob")
	if err != nil {
		t.Fatalf("A does not know bob: %v", err)
	}
	if f, err := a.DB.FollowBetween(ctx, bobOnA.ID, alice.Account.ID); err != nil || !f.Accepted {
		t.Fatalf("bob's follow on A: %+v %v", f, err)
	}

	if err := a.Engine().Suspend(ctx, alice.Account); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "B to receive alice's Update", func() bool {
		docs, _ := tp.updatesOf(alice.Account.URI)
		return len(docs) == 1
	})
	docs, statuses := tp.updatesOf(alice.Account.URI)
	obj := docs[0]["object"].(map[string]any)
	if obj["suspended"] != true || docs[0]["actor"] != alice.Account.URI {
		t.Errorf("the Update B received: %v", docs[0])
	}
	if statuses[0] != http.StatusAccepted {
		t.Errorf("B answered the Update %d", statuses[0])
	}
	// Suspending again sends nothing more.
	suspended, _ := a.DB.AccountByID(ctx, alice.Account.ID)
	if err := a.Engine().Suspend(ctx, suspended); err != nil {
		t.Fatal(err)
	}

	if err := a.Engine().Unsuspend(ctx, suspended); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "B to receive the lifting Update", func() bool {
		docs, _ := tp.updatesOf(alice.Account.URI)
		return len(docs) == 2
	})
	docs, statuses = tp.updatesOf(alice.Account.URI)
	if obj := docs[1]["object"].(map[string]any); obj["suspended"] != nil || statuses[1] != http.StatusAccepted {
		t.Errorf("the lifting Update: %v (answered %d)", docs[1], statuses[1])
	}
	a.DeliveriesDone()
	if docs, _ := tp.updatesOf(alice.Account.URI); len(docs) != 2 {
		t.Errorf("B received %d Updates of alice, want 2", len(docs))
	}
}
