package kontortest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub/signature"
)

// FakeServer is a minimal remote ActivityPub server for tests: it serves
// actors (with their public keys), WebFinger and arbitrary objects, and
// records what is POSTed to its inboxes. It lets tests send hand-made,
// really signed activities to a Kontor instance.
type FakeServer struct {
	t    testing.TB
	URL  string
	Host string
	srv  *http.Server

	mu       sync.Mutex
	actors   map[string]*FakeActor
	objects  map[string][]byte
	handlers map[string]http.HandlerFunc
	inbox    []Received
}

// Received is one POST a FakeServer got.
type Received struct {
	Path string
	Body []byte
}

// FakeActor is an actor on a FakeServer with its key.
type FakeActor struct {
	Server   *FakeServer
	Username string
	ID       string
	KeyID    string
	Key      *rsa.PrivateKey
	Doc      map[string]any // served as is; tests may change it
}

// NewFakeServer starts a fake remote server on loopback.
func NewFakeServer(t testing.TB) *FakeServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &FakeServer{t: t, URL: "http://" + l.Addr().String(), Host: l.Addr().String(),
		actors: map[string]*FakeActor{}, objects: map[string][]byte{}, handlers: map[string]http.HandlerFunc{}}
	fs.srv = &http.Server{Handler: http.HandlerFunc(fs.serve), ReadHeaderTimeout: 5 * time.Second}
	go fs.srv.Serve(l)
	t.Cleanup(func() { fs.srv.Close() })
	return fs
}

var (
	keyOnce sync.Once
	keyPool []*rsa.PrivateKey
	keyMu   sync.Mutex
	keyNext int
)

// testKey hands out RSA keys from a small pool: generating a 2048-bit key
// takes ~100 ms, and a benchmark may need hundreds of actors.
func testKey() *rsa.PrivateKey {
	keyOnce.Do(func() {
		for range 8 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keyPool = append(keyPool, k)
		}
	})
	keyMu.Lock()
	defer keyMu.Unlock()
	keyNext++
	return keyPool[keyNext%len(keyPool)]
}

// Actor creates an actor named username.
func (fs *FakeServer) Actor(username string) *FakeActor {
	key := testKey()
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	id := fs.URL + "/users/" + username
	a := &FakeActor{Server: fs, Username: username, ID: id, KeyID: id + "#main-key", Key: key}
	a.Doc = map[string]any{
		"@context":          []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":                id,
		"type":              "Person",
		"preferredUsername": username,
		"name":              strings.ToUpper(username[:1]) + username[1:],
		"inbox":             id + "/inbox",
		"outbox":            id + "/outbox",
		"followers":         id + "/followers",
		"following":         id + "/following",
		"url":               fs.URL + "/@" + username,
		"endpoints":         map[string]any{"sharedInbox": fs.URL + "/inbox"},
		"publicKey": map[string]any{"id": a.KeyID, "owner": id,
			"publicKeyPem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))},
	}
	fs.mu.Lock()
	fs.actors[username] = a
	fs.mu.Unlock()
	return a
}

// Object makes the server answer GET path with a JSON document.
func (fs *FakeServer) Object(path string, doc any) string {
	b, err := json.Marshal(doc)
	if err != nil {
		fs.t.Fatal(err)
	}
	fs.mu.Lock()
	fs.objects[path] = b
	fs.mu.Unlock()
	return fs.URL + path
}

// Handle makes the server answer GET path with h, for documents that depend
// on the request (e.g. on who signed it). It returns the URL of path.
func (fs *FakeServer) Handle(path string, h http.HandlerFunc) string {
	fs.mu.Lock()
	fs.handlers[path] = h
	fs.mu.Unlock()
	return fs.URL + path
}

// Received returns the POSTs received so far.
func (fs *FakeServer) Received() []Received {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]Received(nil), fs.inbox...)
}

func (fs *FakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		fs.inbox = append(fs.inbox, Received{Path: r.URL.Path, Body: body})
		fs.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if r.URL.Path == "/.well-known/webfinger" {
		res := strings.TrimPrefix(r.URL.Query().Get("resource"), "acct:")
		user, _, _ := strings.Cut(res, "@")
		fs.mu.Lock()
		a := fs.actors[user]
		fs.mu.Unlock()
		if a == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		json.NewEncoder(w).Encode(map[string]any{"subject": "acct:" + user + "@" + fs.Host,
			"links": []any{map[string]any{"rel": "self", "type": "application/activity+json", "href": a.ID}}})
		return
	}
	fs.mu.Lock()
	h := fs.handlers[r.URL.Path]
	fs.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	fs.mu.Lock()
	obj, ok := fs.objects[r.URL.Path]
	var actor *FakeActor
	if name, found := strings.CutPrefix(r.URL.Path, "/users/"); found {
		actor = fs.actors[name]
	}
	var doc []byte
	if actor != nil {
		doc, _ = json.Marshal(actor.Doc)
	}
	fs.mu.Unlock()
	switch {
	case ok:
		w.Header().Set("Content-Type", "application/activity+json")
		w.Write(obj)
	case actor != nil:
		w.Header().Set("Content-Type", "application/activity+json")
		w.Write(doc)
	default:
		http.NotFound(w, r)
	}
}

// SignedPost POSTs body to url signed by the actor (cavage, as Mastodon
// signs) and returns the status code and response body.
func (a *FakeActor) SignedPost(url string, body []byte) (int, string) {
	return a.SignedPostWith(url, body, func(*http.Request) {})
}

// SignedPostWith is SignedPost with a hook to tamper with the signed request
// before it is sent (tests of refusals).
func (a *FakeActor) SignedPostWith(url string, body []byte, tamper func(*http.Request)) (int, string) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		a.Server.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := signature.SignRequest(req, body, a.KeyID, a.Key); err != nil {
		a.Server.t.Fatal(err)
	}
	tamper(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.Server.t.Fatalf("post to %s: %v", url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// Activity builds an activity JSON document by this actor.
func (a *FakeActor) Activity(typ, id string, object any, extra map[string]any) []byte {
	doc := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       a.ID + "/" + id,
		"type":     typ,
		"actor":    a.ID,
		"object":   object,
	}
	for k, v := range extra {
		doc[k] = v
	}
	b, err := json.Marshal(doc)
	if err != nil {
		a.Server.t.Fatal(err)
	}
	return b
}

// Note builds a Note by this actor (id path under the actor), public unless
// extra overrides to/cc.
func (a *FakeActor) Note(id, content string, extra map[string]any) map[string]any {
	n := map[string]any{
		"id":           a.ID + "/statuses/" + id,
		"type":         "Note",
		"attributedTo": a.ID,
		"content":      content,
		"published":    time.Now().UTC().Format(time.RFC3339),
		"to":           []any{"https://www.w3.org/ns/activitystreams#Public"},
		"cc":           []any{a.ID + "/followers"},
	}
	for k, v := range extra {
		n[k] = v
	}
	return n
}

// String is for test messages.
func (a *FakeActor) String() string { return fmt.Sprintf("%s@%s", a.Username, a.Server.Host) }

// SignedGet fetches url as this actor (a signed GET, as servers in
// authorized-fetch mode require) and returns the status and body.
func (a *FakeActor) SignedGet(url string) (int, []byte) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		a.Server.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/activity+json")
	if err := signature.SignRequest(req, nil, a.KeyID, a.Key); err != nil {
		a.Server.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.Server.t.Fatalf("get %s: %v", url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// FollowLocal makes this actor follow a local account of in (a locked one
// stays a request) and waits until in records it.
func (a *FakeActor) FollowLocal(in *Instance, u *User) {
	a.Server.t.Helper()
	status, body := a.SignedPost(in.URL+"/users/"+u.Account.Username+"/inbox", a.Activity("Follow", "follows/"+u.Account.Username, u.Account.URI, nil))
	if status != http.StatusAccepted {
		a.Server.t.Fatalf("follow %s: %d %s", u.Handle, status, body)
	}
	Eventually(a.Server.t, Wait, a.String()+" following "+u.Handle, func() bool {
		acct, err := in.DB.AccountByURI(context.Background(), a.ID)
		if err != nil {
			return false
		}
		_, err = in.DB.FollowBetween(context.Background(), acct.ID, u.Account.ID)
		return err == nil
	})
}
