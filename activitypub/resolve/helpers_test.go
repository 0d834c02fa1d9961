// The tests are an external package: kontortest imports activitypub, which
// imports resolve.
package resolve_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub/resolve"
	"github.com/kontor-social/kontor/activitypub/signature"
	"github.com/kontor-social/kontor/activitypub/transport"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// keys are generated once: RSA-2048 generation is slow.
var (
	keysOnce sync.Once
	keyPool  []*rsa.PrivateKey
)

// testKey returns the i-th test key (0 is the local instance actor's).
func testKey(i int) *rsa.PrivateKey {
	keysOnce.Do(func() {
		for range 6 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keyPool = append(keyPool, k)
		}
	})
	return keyPool[i]
}

func pemOf(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// response is what a fake peer answers on one path.
type response struct {
	status   int
	ctype    string
	body     string
	location string
}

// peer is a fake remote server on 127.0.0.1. It counts requests per path and
// checks that fetches (all but WebFinger) are signed by the local instance.
type peer struct {
	t    *testing.T
	srv  *httptest.Server
	URL  string // http://127.0.0.1:PORT
	Host string // 127.0.0.1:PORT

	mu       sync.Mutex
	routes   map[string]response
	hits     map[string]int
	delay    time.Duration
	verifier signature.KeyResolver
}

func newPeer(t *testing.T) *peer {
	t.Helper()
	p := &peer{t: t, routes: map[string]response{}, hits: map[string]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	p.URL = p.srv.URL
	p.Host = strings.TrimPrefix(p.URL, "http://")
	return p
}

func (p *peer) serve(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Path
	if key == "/.well-known/webfinger" {
		key += "?" + r.URL.Query().Get("resource")
	}
	p.mu.Lock()
	p.hits[key]++
	res, ok := p.routes[key]
	delay, verifier := p.delay, p.verifier
	p.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if !strings.HasPrefix(key, "/.well-known/") && verifier != nil {
		// Like GoToSocial and Mastodon in authorized-fetch mode.
		if _, err := signature.Verify(r.Context(), r, nil, verifier, signature.VerifyOptions{Scheme: "http"}); err != nil {
			p.t.Errorf("peer: unsigned or badly signed GET %s: %v", key, err)
			http.Error(w, "signature required", http.StatusUnauthorized)
			return
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	if res.location != "" {
		w.Header().Set("Location", res.location)
	}
	if res.ctype != "" {
		w.Header().Set("Content-Type", res.ctype)
	}
	if res.status == 0 {
		res.status = http.StatusOK
	}
	w.WriteHeader(res.status)
	io.WriteString(w, res.body)
}

func (p *peer) set(path string, res response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.routes[path] = res
}

// json serves v as an ActivityPub document.
func (p *peer) json(path string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		p.t.Fatal(err)
	}
	p.set(path, response{ctype: "application/activity+json; charset=utf-8", body: string(b)})
}

func (p *peer) status(path string, code int) {
	p.set(path, response{status: code, ctype: "application/activity+json", body: `{}`})
}

func (p *peer) redirect(path, to string) {
	p.set(path, response{status: http.StatusFound, location: to})
}

func (p *peer) webfinger(resource, href string) {
	b, _ := json.Marshal(map[string]any{
		"subject": resource,
		"aliases": []string{href},
		"links": []map[string]string{
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": href},
			{"rel": "self", "type": "application/activity+json", "href": href},
		},
	})
	p.set("/.well-known/webfinger?"+resource, response{ctype: "application/jrd+json; charset=utf-8", body: string(b)})
}

func (p *peer) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

// fetches counts the requests other than WebFinger (which the domain check
// of every fetched actor makes).
func (p *peer) fetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for path, c := range p.hits {
		if !strings.HasPrefix(path, "/.well-known/webfinger") {
			n += c
		}
	}
	return n
}

func (p *peer) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.hits {
		n += c
	}
	return n
}

// mastodonActor is an actor shaped like Mastodon 4.x serves it.
func mastodonActor(base, username string, key *rsa.PrivateKey) map[string]any {
	id := base + "/users/" + username
	return map[string]any{
		"@context": []any{
			"https://www.w3.org/ns/activitystreams",
			"https://w3id.org/security/v1",
			map[string]any{
				"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
				"toot":                      "http://joinmastodon.org/ns#",
				"featured":                  map[string]string{"@id": "toot:featured", "@type": "@id"},
				"featuredTags":              map[string]string{"@id": "toot:featuredTags", "@type": "@id"},
				"alsoKnownAs":               map[string]string{"@id": "as:alsoKnownAs", "@type": "@id"},
				"movedTo":                   map[string]string{"@id": "as:movedTo", "@type": "@id"},
				"schema":                    "http://schema.org#",
				"PropertyValue":             "schema:PropertyValue",
				"value":                     "schema:value",
				"discoverable":              "toot:discoverable",
				"suspended":                 "toot:suspended",
				"memorial":                  "toot:memorial",
				"indexable":                 "toot:indexable",
			},
		},
		"id":                        id,
		"type":                      "Person",
		"following":                 id + "/following",
		"followers":                 id + "/followers",
		"inbox":                     id + "/inbox",
		"outbox":                    id + "/outbox",
		"featured":                  id + "/collections/featured",
		"featuredTags":              id + "/collections/tags",
		"preferredUsername":         username,
		"name":                      "Alice Example",
		"summary":                   `<p>Hello <script>alert(1)</script><a href="https://alice.example/" onclick="steal()">site</a></p>`,
		"url":                       base + "/@" + username,
		"manuallyApprovesFollowers": true,
		"discoverable":              true,
		"indexable":                 true,
		"memorial":                  false,
		"published":                 "2022-11-01T00:00:00Z",
		"publicKey": map[string]any{
			"id":           id + "#main-key",
			"owner":        id,
			"publicKeyPem": pemOf(key),
		},
		"tag": []any{},
		"attachment": []any{
			map[string]any{"type": "PropertyValue", "name": "Website", "value": `<a href="https://alice.example" target="_blank" rel="nofollow noopener me"><span class="invisible">https://</span><span class="">alice.example</span></a><img src=x onerror=alert(1)>`},
			map[string]any{"type": "PropertyValue", "name": "Pronouns", "value": "she/her"},
		},
		"endpoints":   map[string]any{"sharedInbox": base + "/inbox"},
		"icon":        map[string]any{"type": "Image", "mediaType": "image/png", "url": base + "/system/avatars/alice.png"},
		"image":       map[string]any{"type": "Image", "mediaType": "image/jpeg", "url": base + "/system/headers/alice.jpg"},
		"alsoKnownAs": []any{"https://old.example/users/alice"},
		"movedTo":     base + "/users/alice2",
	}
}

// gtsActor is an actor shaped like GoToSocial serves it: key at a path of
// its own, no shared inbox.
func gtsActor(base, username string, key *rsa.PrivateKey) map[string]any {
	id := base + "/users/" + username
	return map[string]any{
		"@context":                  []any{"http://joinmastodon.org/ns", "https://w3id.org/security/v1", "https://www.w3.org/ns/activitystreams", "http://schema.org"},
		"attachment":                []any{map[string]any{"name": "age", "type": "PropertyValue", "value": "120"}},
		"discoverable":              false,
		"featured":                  id + "/collections/featured",
		"followers":                 id + "/followers",
		"following":                 id + "/following",
		"id":                        id,
		"inbox":                     id + "/inbox",
		"manuallyApprovesFollowers": true,
		"name":                      "happy little turtle :3",
		"outbox":                    id + "/outbox",
		"preferredUsername":         username,
		"publicKey": map[string]any{
			"id":           id + "/main-key",
			"owner":        id,
			"publicKeyPem": pemOf(key),
		},
		"summary": "<p>i post about things that concern me</p>",
		"tag":     []any{},
		"type":    "Service",
		"url":     base + "/@" + username,
	}
}

// gtsKeyStub is what GoToSocial serves at an actor's /main-key: a stub of
// the actor with only its key.
func gtsKeyStub(base, username string, key *rsa.PrivateKey) map[string]any {
	id := base + "/users/" + username
	return map[string]any{
		"@context":          []any{"https://w3id.org/security/v1", "https://www.w3.org/ns/activitystreams"},
		"id":                id,
		"preferredUsername": username,
		"publicKey":         map[string]any{"id": id + "/main-key", "owner": id, "publicKeyPem": pemOf(key)},
		"type":              "Person",
	}
}

// env is a resolver on a real database, a fake local instance (which must
// never be asked anything) and a fake remote peer.
type env struct {
	t     *testing.T
	db    *db.DB
	r     *resolve.Resolver
	peer  *peer
	local *peer
	opts  resolve.Options
}

const instanceKeyPath = "/actor#main-key"

type staticKeys map[string]crypto.PublicKey

func (k staticKeys) PublicKey(_ context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	if pub, ok := k[keyID]; ok {
		return pub, strings.TrimSuffix(keyID, "#main-key"), nil
	}
	return nil, "", errors.New("unknown key " + keyID)
}

// dialects runs f on SQLite and on PostgreSQL (which skips, loudly, without
// KONTOR_TEST_POSTGRES_URL).
func dialects(t *testing.T, f func(t *testing.T, e *env)) {
	for _, dialect := range []string{db.SQLite, db.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			f(t, newEnv(t, kontortest.NewDB(t, dialect), nil))
		})
	}
}

func newEnv(t *testing.T, d *db.DB, configure func(*resolve.Options)) *env {
	t.Helper()
	e := &env{t: t, db: d, peer: newPeer(t), local: newPeer(t)}
	instanceKeyID := e.local.URL + instanceKeyPath
	e.peer.verifier = staticKeys{instanceKeyID: &testKey(0).PublicKey}
	loopback, err := transport.ParseNetworks([]string{"127.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	e.opts = resolve.Options{
		DB:           d,
		Client:       transport.New(transport.Options{Protocol: "http", AllowedNetworks: loopback, Timeout: 10 * time.Second}),
		LocalBase:    e.local.URL,
		LocalDomains: []string{e.local.Host, "acme.example"},
		InstanceSigner: func(context.Context) (transport.Signer, error) {
			return transport.Signer{KeyID: instanceKeyID, Key: testKey(0)}, nil
		},
		Logger: kontortest.Logger(t),
	}
	if configure != nil {
		configure(&e.opts)
	}
	e.r = resolve.New(e.opts)
	t.Cleanup(func() {
		if n := e.local.total(); n != 0 {
			t.Errorf("the local instance was asked %d times: local URIs must never be fetched", n)
		}
	})
	return e
}

// reconfigure replaces the resolver (same database and peers).
func (e *env) reconfigure(configure func(*resolve.Options)) {
	configure(&e.opts)
	e.r = resolve.New(e.opts)
}

// mustErr fails unless err matches target.
func mustErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got %v, want %v", what, err, target)
	}
}

func sameKey(t *testing.T, got crypto.PublicKey, want *rsa.PrivateKey) {
	t.Helper()
	rk, ok := got.(*rsa.PublicKey)
	if !ok || !rk.Equal(&want.PublicKey) {
		t.Fatalf("got key %T that is not the expected one", got)
	}
}

// corpusDir is the shared corpus of real documents, relative to this package.
func corpusDir(t *testing.T) string {
	t.Helper()
	// ../../../shared from the main checkout; worktrees sit one level deeper.
	dir := filepath.Join("..", "..", "..", "shared", "testdata", "ap")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		dir = filepath.Join("..", "..", "..", "..", "shared", "testdata", "ap")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("SKIPPING: corpus of real ActivityPub documents not found at %s (%v)", dir, err)
	}
	return dir
}

// corpusDoc reads a corpus document with its host moved to the fake peer.
func corpusDoc(t *testing.T, dir, name, from, to string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), from, to)
}

func parsePEM(s string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	return x509.ParsePKIXPublicKey(block.Bytes)
}
