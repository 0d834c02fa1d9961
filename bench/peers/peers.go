// Package peers is a crowd of fake remote followers for the whole-system
// benchmarks: actors on several loopback servers (one key for all), each
// with an inbox of its own that counts what it receives.
package peers

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
	"time"

	"github.com/kontor-social/kontor/activitypub/signature"
)

// Followers are n fake remote actors spread over servers.
type Followers struct {
	key     *rsa.PrivateKey
	pem     string
	servers []*http.Server
	bases   []string
	n       int
	delay   time.Duration

	mu      sync.Mutex
	got     map[string]map[int]int       // type → follower → receipts
	acked   map[string]map[int]time.Time // type → follower → first 2xx written
	byID    map[string]map[int]int       // activity id → follower → receipts
	typeOf  map[string]string            // activity id → type
	changed *sync.Cond
}

// New starts the servers; their inboxes answer 202 after delay.
func New(servers, followers int, delay time.Duration) (*Followers, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	f := &Followers{key: k, pem: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), n: followers,
		delay: delay, got: map[string]map[int]int{}, acked: map[string]map[int]time.Time{},
		byID: map[string]map[int]int{}, typeOf: map[string]string{}}
	f.changed = sync.NewCond(&f.mu)
	for range servers {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		s := &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 10 * time.Second}
		go s.Serve(l)
		f.servers = append(f.servers, s)
		f.bases = append(f.bases, "http://"+l.Addr().String())
	}
	return f, nil
}

// Close stops the servers.
func (f *Followers) Close() {
	for _, s := range f.servers {
		s.Close()
	}
}

// ActorURL is follower i's id: followers are spread over the servers.
func (f *Followers) ActorURL(i int) string {
	return fmt.Sprintf("%s/users/f%d", f.bases[i%len(f.bases)], i)
}

func (f *Followers) serve(w http.ResponseWriter, req *http.Request) {
	var i int
	if _, err := fmt.Sscanf(strings.TrimPrefix(req.URL.Path, "/users/f"), "%d", &i); err != nil || i < 0 || i >= f.n {
		http.NotFound(w, req)
		return
	}
	if req.Method == http.MethodPost {
		f.receive(w, req, i)
		return
	}
	id := f.ActorURL(i)
	w.Header().Set("Content-Type", "application/activity+json")
	json.NewEncoder(w).Encode(map[string]any{
		"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id":       id, "type": "Person", "preferredUsername": fmt.Sprintf("f%d", i),
		"inbox": id + "/inbox", "outbox": id + "/outbox", "followers": id + "/followers",
		"publicKey": map[string]any{"id": id + "#main-key", "owner": id, "publicKeyPem": f.pem},
	})
}

func (f *Followers) receive(w http.ResponseWriter, req *http.Request, i int) {
	body, _ := io.ReadAll(req.Body)
	var doc struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	json.Unmarshal(body, &doc)
	f.mu.Lock()
	if f.got[doc.Type] == nil {
		f.got[doc.Type] = map[int]int{}
	}
	f.got[doc.Type][i]++
	if f.byID[doc.ID] == nil {
		f.byID[doc.ID] = map[int]int{}
		f.typeOf[doc.ID] = doc.Type
	}
	f.byID[doc.ID][i]++
	f.changed.Broadcast()
	f.mu.Unlock()
	time.Sleep(f.delay)
	w.WriteHeader(http.StatusAccepted)
	http.NewResponseController(w).Flush()
	f.mu.Lock()
	if f.acked[doc.Type] == nil {
		f.acked[doc.Type] = map[int]time.Time{}
	}
	if _, ok := f.acked[doc.Type][i]; !ok {
		f.acked[doc.Type][i] = time.Now()
	}
	f.mu.Unlock()
}

// FollowAll sends every follower's signed Follow of target, 32 at a time;
// inbox(i) is where follower i's Follow goes.
func (f *Followers) FollowAll(target string, inbox func(i int) string) error {
	var wg sync.WaitGroup
	errs := make(chan error, f.n)
	sem := make(chan struct{}, 32)
	for i := range f.n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f.follow(i, target, inbox(i)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (f *Followers) follow(i int, target, inbox string) error {
	id := f.ActorURL(i)
	body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": id + "/follows/1", "type": "Follow", "actor": id, "object": target})
	req, _ := http.NewRequest(http.MethodPost, inbox, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/activity+json")
	if err := signature.SignRequest(req, body, id+"#main-key", f.key); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("follow %d: %d", i, resp.StatusCode)
	}
	return nil
}

// Wait blocks until n followers have received an activity of typ.
func (f *Followers) Wait(timeout time.Duration, typ string, n int) error {
	return f.waitFor(timeout, func() (bool, string) {
		return len(f.got[typ]) >= n, fmt.Sprintf("%d of %d followers got a %s", len(f.got[typ]), n, typ)
	})
}

// WaitAll blocks until every follower has received each of n distinct
// activities of typ.
func (f *Followers) WaitAll(timeout time.Duration, typ string, n int) error {
	return f.waitFor(timeout, func() (bool, string) {
		done := 0
		for id, by := range f.byID {
			if f.typeOf[id] == typ && len(by) == f.n {
				done++
			}
		}
		return done >= n, fmt.Sprintf("%d of %d %s activities reached every follower", done, n, typ)
	})
}

func (f *Followers) waitFor(timeout time.Duration, done func() (bool, string)) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go func() {
		<-ctx.Done()
		f.mu.Lock()
		f.changed.Broadcast()
		f.mu.Unlock()
	}()
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		ok, why := done()
		if ok {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s", why)
		}
		f.changed.Wait()
	}
}

// Have counts the followers who received an activity of typ.
func (f *Followers) Have(typ string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got[typ])
}

// Duplicates counts receipts of typ beyond the first per follower, and the
// followers without any.
func (f *Followers) Duplicates(typ string) (dups, missing int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.got[typ] {
		dups += c - 1
	}
	return dups, f.n - len(f.got[typ])
}

// Tally counts, over the distinct activities of typ, the copies beyond the
// first and the (activity, follower) pairs never delivered.
func (f *Followers) Tally(typ string) (activities, dups, missing int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, by := range f.byID {
		if f.typeOf[id] != typ {
			continue
		}
		activities++
		missing += f.n - len(by)
		for _, c := range by {
			dups += c - 1
		}
	}
	return activities, dups, missing
}

// Doubled counts the followers who got typ more than once; with ackedBy
// set, only those whose first copy was answered 2xx before then (a copy
// in flight at a kill is rightly sent again: its sender never learned).
func (f *Followers) Doubled(typ string, ackedBy time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for i, c := range f.got[typ] {
		at, ok := f.acked[typ][i]
		if c > 1 && (ackedBy.IsZero() || ok && at.Before(ackedBy)) {
			n++
		}
	}
	return n
}
