// Command scaleout runs two `kontor serve` processes on one PostgreSQL
// database behind a small round-robin proxy and checks what the README
// promises of several processes: deliveries are neither lost nor doubled, a
// post made on one node streams to a client connected to the other, and a
// change made on one node is seen on the other's next read. See README.md.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kontor-social/kontor/bench/peers"
	"github.com/kontor-social/kontor/bench/proc"
	"github.com/kontor-social/kontor/db"
)

type options struct {
	kontor    string
	database  string
	followers int
	servers   int
	posts     int
	rounds    int
	timeout   time.Duration
	logs      bool
}

func main() {
	var o options
	flag.StringVar(&o.kontor, "kontor", "", "kontor binary (default: go build ./cmd/kontor into a temporary directory)")
	flag.StringVar(&o.database, "db", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL database; the run uses a new schema in it and drops it afterwards")
	flag.IntVar(&o.followers, "followers", 500, "remote followers, each with its own inbox")
	flag.IntVar(&o.servers, "servers", 10, "fake remote servers (hosts) they live on")
	flag.IntVar(&o.posts, "posts", 20, "posts, made alternately on the two nodes")
	flag.IntVar(&o.rounds, "rounds", 50, "rounds of the streaming and read-after-write checks")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Minute, "give up waiting for deliveries after this")
	flag.BoolVar(&o.logs, "logs", false, "show the servers' logs")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "scaleout:", err)
		os.Exit(1)
	}
}

// cluster is the two nodes and the proxy in front of them.
type cluster struct {
	nodes [2]string // node addresses
	proxy string    // the public host both nodes answer for
	alice string    // tokens
	bob   string
}

func (c *cluster) node(i int) string { return "http://" + c.nodes[i%2] }

func run(o options) error {
	dir, err := os.MkdirTemp("", "kontor-scaleout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.kontor == "" {
		if o.kontor, err = proc.Build(dir); err != nil {
			return err
		}
	}
	database, drop, err := freshSchema(o.database)
	if err != nil {
		return err
	}
	defer drop()

	var c cluster
	for _, p := range []*string{&c.nodes[0], &c.nodes[1], &c.proxy} {
		if *p, err = proc.FreeAddr(); err != nil {
			return err
		}
	}
	media := filepath.Join(dir, "media") // one directory: both nodes on this machine (S3 across machines)
	envA := proc.Env(database, c.nodes[0], c.proxy, media)
	envB := proc.Env(database, c.nodes[1], c.proxy, media)
	if err := setup(o.kontor, envA, &c); err != nil {
		return err
	}
	for i, env := range [][]string{envA, envB} {
		srv, err := proc.Serve(o.kontor, env, c.nodes[i], o.logs)
		if err != nil {
			return err
		}
		defer func() { srv.Process.Kill(); srv.Wait() }()
	}
	stopProxy, err := roundRobin(c.proxy, c.nodes[:])
	if err != nil {
		return err
	}
	defer stopProxy()
	fmt.Printf("two nodes (%s, %s) on one PostgreSQL schema, behind a round-robin proxy at %s\n", c.nodes[0], c.nodes[1], c.proxy)

	derr := deliveries(o, &c)
	serr := streamingAcross(o, &c)
	rerr := readAfterWrite(o, &c)
	return errors.Join(derr, serr, rerr)
}

// freshSchema makes a new schema in the database and returns its URL.
func freshSchema(base string) (string, func(), error) {
	ctx := context.Background()
	admin, err := db.Open(ctx, base)
	if err != nil {
		return "", nil, err
	}
	if admin.Dialect() != db.Postgres {
		admin.Close()
		return "", nil, errors.New("-db must be a PostgreSQL database: several processes share one only there")
	}
	var b [4]byte
	rand.Read(b[:])
	schema := "scaleout_" + hex.EncodeToString(b[:])
	if err := admin.CreateSchema(ctx, schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() { admin.DropSchema(ctx, schema); admin.Close() }, nil
}

// setup creates alice (who posts) and bob (who follows her and reads).
func setup(bin string, env []string, c *cluster) error {
	if _, err := proc.Run(bin, env, "migrate"); err != nil {
		return err
	}
	for _, name := range []string{"alice", "bob"} {
		if _, err := proc.Run(bin, env, "admin", "account", "create", "--username", name, "--email", name+"@example.com"); err != nil {
			return err
		}
		tok, err := proc.Run(bin, env, "admin", "token", "create", "--username", name, "--scopes", "read write follow")
		if err != nil {
			return err
		}
		if name == "alice" {
			c.alice = strings.TrimSpace(tok)
		} else {
			c.bob = strings.TrimSpace(tok)
		}
	}
	return nil
}

// roundRobin is the load balancer: requests alternate between the nodes and
// keep their Host header (signatures sign it).
func roundRobin(addr string, nodes []string) (func(), error) {
	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			node := nodes[next.Add(1)%uint64(len(nodes))]
			r.SetURL(&url.URL{Scheme: "http", Host: node})
			r.Out.Host = r.In.Host
		},
		FlushInterval: -1,
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go s.Serve(l)
	return func() { s.Close() }, nil
}

// deliveries: remote followers follow alice through the proxy (so both
// nodes take Follows), alice posts alternately on both nodes, and every
// follower must get every post exactly once.
func deliveries(o options, c *cluster) error {
	remote, err := peers.New(o.servers, o.followers, 0)
	if err != nil {
		return err
	}
	defer remote.Close()
	base := "http://" + c.proxy
	began := time.Now()
	if err := remote.FollowAll(base+"/users/alice", func(int) string { return base + "/users/alice/inbox" }); err != nil {
		return err
	}
	if err := remote.Wait(o.timeout, "Accept", o.followers); err != nil {
		return fmt.Errorf("deliveries: waiting for the Accepts: %w", err)
	}
	accepted := time.Since(began)
	posted := time.Now()
	for i := range o.posts {
		if _, err := proc.Post(c.node(i), c.alice, fmt.Sprintf("post %d, made on node %d", i, i%2)); err != nil {
			return err
		}
	}
	werr := remote.WaitAll(o.timeout, "Create", o.posts)
	took := time.Since(posted)
	time.Sleep(2 * time.Second) // late duplicates would arrive now
	activities, dups, missing := remote.Tally("Create")
	acceptDups, acceptMissing := remote.Duplicates("Accept")
	fmt.Printf("deliveries: %d follows accepted in %.2f s (duplicate Accepts %d, missing %d)\n",
		o.followers, accepted.Seconds(), acceptDups, acceptMissing)
	fmt.Printf("deliveries: %d posts × %d followers = %d deliveries in %.2f s; posts seen %d, duplicates %d, lost %d\n",
		o.posts, o.followers, o.posts*o.followers, took.Seconds(), activities, dups, missing)
	if werr == nil && (dups > 0 || missing > 0 || acceptDups > 0 || activities != o.posts) {
		werr = fmt.Errorf("deliveries: %d duplicates, %d lost", dups+acceptDups, missing)
	}
	return werr
}

// streamingAcross: bob's client streams from node B; alice posts on node A;
// the post must arrive on B's stream.
func streamingAcross(o options, c *cluster) error {
	aliceID, err := accountID(c.node(0), c.alice)
	if err != nil {
		return err
	}
	if _, err := proc.Call(http.MethodPost, c.node(0)+"/api/v1/accounts/"+aliceID+"/follow", c.bob, url.Values{}); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := stream(ctx, c.node(1)+"/api/v1/streaming/user", c.bob)
	if err != nil {
		return err
	}
	var lat, answered []time.Duration
	missed := 0
	for i := range o.rounds {
		sent := time.Now()
		body, err := proc.Post(c.node(0), c.alice, fmt.Sprintf("streamed %d", i))
		if err != nil {
			return err
		}
		answered = append(answered, time.Since(sent))
		id := statusID(body)
		if !awaitEvent(events, id, 5*time.Second) {
			missed++
			continue
		}
		lat = append(lat, time.Since(sent))
	}
	fmt.Printf("streaming: posted on node A, streamed from node B: %d of %d arrived; from the POST to the event p50 %s, max %s"+
		" (the POST's answer alone: p50 %s, max %s)\n", len(lat), o.rounds, pct(lat, 50), pct(lat, 100), pct(answered, 50), pct(answered, 100))
	if missed > 0 {
		return fmt.Errorf("streaming: %d posts never reached the other node's stream", missed)
	}
	return nil
}

// readAfterWrite: a change answered by node A must be what node B answers
// on the very next request (caches included).
func readAfterWrite(o options, c *cluster) error {
	stale := 0
	for i := range o.rounds {
		name := fmt.Sprintf("Alice %d", i)
		if _, err := proc.Call(http.MethodPatch, c.node(0)+"/api/v1/accounts/update_credentials", c.alice, url.Values{"display_name": {name}}); err != nil {
			return err
		}
		body, err := proc.Call(http.MethodGet, c.node(1)+"/api/v1/accounts/verify_credentials", c.alice, nil)
		if err != nil {
			return err
		}
		var acct struct {
			DisplayName string `json:"display_name"`
		}
		json.Unmarshal(body, &acct)
		if acct.DisplayName != name {
			stale++
		}
	}
	gone := 0
	for i := range o.rounds {
		body, err := proc.Post(c.node(1), c.alice, fmt.Sprintf("to delete %d", i))
		if err != nil {
			return err
		}
		id := statusID(body)
		if _, err := proc.Call(http.MethodGet, c.node(0)+"/api/v1/statuses/"+id, c.bob, nil); err != nil {
			return err // seen on A before the delete, so A has it cached if it caches
		}
		if _, err := proc.Call(http.MethodDelete, c.node(1)+"/api/v1/statuses/"+id, c.alice, nil); err != nil {
			return err
		}
		if _, err := proc.Call(http.MethodGet, c.node(0)+"/api/v1/statuses/"+id, c.bob, nil); err == nil {
			gone++ // still served after its deletion
		}
	}
	fmt.Printf("read after write: display name changed on A, stale on B %d of %d; status deleted on B, still served by A %d of %d\n",
		stale, o.rounds, gone, o.rounds)
	if stale > 0 || gone > 0 {
		return errors.New("read after write: stale reads across nodes")
	}
	return nil
}

func accountID(base, token string) (string, error) {
	body, err := proc.Call(http.MethodGet, base+"/api/v1/accounts/verify_credentials", token, nil)
	if err != nil {
		return "", err
	}
	var a struct {
		ID string `json:"id"`
	}
	return a.ID, json.Unmarshal(body, &a)
}

func statusID(body []byte) string {
	var s struct {
		ID string `json:"id"`
	}
	json.Unmarshal(body, &s)
	return s.ID
}

// stream opens a server-sent events stream and sends the ids of the
// statuses its update events carry.
func stream(ctx context.Context, u, token string) (<-chan string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("stream %s: %d", u, resp.StatusCode)
	}
	ids := make(chan string, 1024)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:") && event == "update":
				ids <- statusID([]byte(strings.TrimPrefix(line, "data:")))
			}
		}
	}()
	return ids, nil
}

func awaitEvent(ids <-chan string, want string, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		select {
		case id := <-ids:
			if id == want {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s) - 1) * p / 100
	return s[i].Round(100 * time.Microsecond)
}
