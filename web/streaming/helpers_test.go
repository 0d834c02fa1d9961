package streaming_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web"
	"github.com/kontor-social/kontor/web/streaming"
)

// quiet is how long a test waits to be sure an event does NOT arrive. Events
// are dispatched in order per status, so tests usually post a marker after
// the status that must not arrive and wait for the marker instead.
const quiet = 300 * time.Millisecond

// wait is how long a test waits for an event that must arrive.
const wait = 10 * time.Second

// event is one message from the server (an event or an error).
type event struct {
	Stream  []string `json:"stream"`
	Event   string   `json:"event"`
	Payload *string  `json:"payload"`
	Error   string   `json:"error"`
	Status  int      `json:"status"`
}

// status decodes the payload as a Mastodon Status.
func (e event) status(t testing.TB) map[string]any {
	t.Helper()
	if e.Payload == nil {
		t.Fatalf("event %s has no payload", e.Event)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(*e.Payload), &m); err != nil {
		t.Fatalf("event %s: payload is not a JSON entity: %v (%q)", e.Event, err, *e.Payload)
	}
	return m
}

// client is a raw streaming client (WebSocket or SSE) collecting events.
type client struct {
	t      testing.TB
	ws     *websocket.Conn
	resp   *http.Response
	events chan event
	done   chan struct{}
	closed sync.Once
}

// dialWS opens a WebSocket; query is appended to /api/v1/streaming;
// headers are "Key: value". It fails the test unless the upgrade succeeds.
func dialWS(t testing.TB, base, query string, headers ...string) *client {
	t.Helper()
	c, resp, err := tryWS(base, query, nil, headers...)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", query, err, status)
	}
	return startClient(t, c, nil)
}

func tryWS(base, query string, protocols []string, headers ...string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	for _, kv := range headers {
		k, v, _ := strings.Cut(kv, ":")
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	u := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/streaming" + query
	return websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h, Subprotocols: protocols})
}

func startClient(t testing.TB, ws *websocket.Conn, resp *http.Response) *client {
	c := &client{t: t, ws: ws, resp: resp, events: make(chan event, 1024), done: make(chan struct{})}
	if ws != nil {
		ws.SetReadLimit(1 << 20)
		go func() {
			defer close(c.done)
			for {
				_, data, err := ws.Read(context.Background())
				if err != nil {
					return
				}
				var e event
				if err := json.Unmarshal(data, &e); err != nil {
					t.Errorf("not JSON from the server: %q", data)
					return
				}
				c.events <- e
			}
		}()
	} else {
		go func() {
			defer close(c.done)
			readSSE(resp, c.events)
		}()
	}
	t.Cleanup(c.close)
	return c
}

// readSSE parses server-sent events ("event:" and "data:" lines; comments
// are kept as events named ":" so heartbeats can be checked).
func readSSE(resp *http.Response, out chan<- event) {
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var e event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if e.Event != "" {
				out <- e
			}
			e = event{}
		case strings.HasPrefix(line, ":"):
			out <- event{Event: ":", Payload: ptr(line[1:])}
		case strings.HasPrefix(line, "event: "):
			e.Event = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			e.Payload = ptr(line[len("data: "):])
		}
	}
}

func ptr[T any](v T) *T { return &v }

// dialSSE opens a server-sent events stream at path (below /api/v1/streaming).
func dialSSE(t testing.TB, base, path string, headers ...string) *client {
	t.Helper()
	resp := trySSE(t, base, path, headers...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SSE %s: HTTP %d", path, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("SSE %s: Content-Type %q", path, ct)
	}
	return startClient(t, nil, resp)
}

func trySSE(t testing.TB, base, path string, headers ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/streaming"+path, nil)
	for _, kv := range headers {
		k, v, _ := strings.Cut(kv, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("SSE %s: %v", path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (c *client) close() {
	c.closed.Do(func() {
		if c.ws != nil {
			c.ws.CloseNow()
		} else {
			c.resp.Body.Close()
		}
	})
}

// send writes a client message (WebSocket only).
func (c *client) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("send %s: %v", b, err)
	}
}

// sync waits until the server has handled every message sent before: it
// handles them in order, and answers an unknown stream with an error.
func (c *client) sync() {
	c.t.Helper()
	c.send(map[string]string{"type": "subscribe", "stream": "barrier"})
	c.until(func(e event) bool { return e.Error == "Unknown stream type" }, nil)
}

// next returns the next event that is not a heartbeat.
func (c *client) next() event {
	c.t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case e := <-c.events:
			if e.Event == ":" {
				continue
			}
			return e
		case <-c.done:
			select {
			case e := <-c.events:
				return e
			default:
			}
			c.t.Fatalf("connection closed while waiting for an event")
		case <-timeout:
			c.t.Fatalf("no event within %s", wait)
		}
	}
}

// until returns the first event that satisfies ok, failing the test if an
// event before it matches bad (nil: anything goes).
func (c *client) until(ok, bad func(event) bool) event {
	c.t.Helper()
	for {
		e := c.next()
		if ok(e) {
			return e
		}
		if bad != nil && bad(e) {
			c.t.Fatalf("unexpected event %s %v %s", e.Event, e.Stream, deref(e.Payload))
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<none>"
	}
	if len(*s) > 200 {
		return (*s)[:200] + "…"
	}
	return *s
}

// none fails if any event (besides heartbeats) arrives within quiet.
func (c *client) none() {
	c.t.Helper()
	c.noneOf(func(event) bool { return true })
}

// noneOf fails if an event matching bad arrives within quiet.
func (c *client) noneOf(bad func(event) bool) {
	c.t.Helper()
	timeout := time.After(quiet)
	for {
		select {
		case e := <-c.events:
			if e.Event == ":" || !bad(e) {
				continue
			}
			c.t.Fatalf("unexpected event %s %v %s", e.Event, e.Stream, deref(e.Payload))
		case <-timeout:
			return
		}
	}
}

// isStatus matches an update (or other status event) about a status id.
func isStatus(name string, id int64) func(event) bool {
	return func(e event) bool {
		if e.Event != name || e.Payload == nil {
			return false
		}
		var m struct {
			ID         string `json:"id"`
			LastStatus struct {
				ID string `json:"id"`
			} `json:"last_status"`
		}
		json.Unmarshal([]byte(*e.Payload), &m)
		want := db.FormatID(id)
		return m.ID == want || m.LastStatus.ID == want
	}
}

// aboutStatus matches any event whose payload concerns a status id.
func aboutStatus(id int64) func(event) bool {
	want := db.FormatID(id)
	return func(e event) bool {
		return e.Payload != nil && (*e.Payload == want || strings.Contains(*e.Payload, `"id":"`+want+`"`))
	}
}

// post publishes a status through the engine.
func post(t testing.TB, in *kontortest.Instance, u *kontortest.User, text string, vis db.Visibility) *db.Status {
	t.Helper()
	return in.Post(u, activitypub.PostParams{Text: text, Visibility: vis})
}

// marker waits until the hub has dispatched everything so far, then posts
// a public status by u and waits for it on each client, failing if an event
// matching bad arrives first: a connection's frames arrive in order, so
// what did not come before the marker does not come.
func marker(t testing.TB, in *kontortest.Instance, u *kontortest.User, bad func(event) bool, clients ...*client) {
	t.Helper()
	in.Server.Streaming.Flush()
	s := post(t, in, u, "marker", db.Public)
	for _, c := range clients {
		c.until(isStatus("update", s.ID), bad)
	}
}

// bearer is the Authorization header of a user.
func bearer(u *kontortest.User) string { return "Authorization: Bearer " + u.Token }

// customServer serves the instance's handler, with a hub of its own built
// with o, from an http.Server with short read and write timeouts (which
// streams must outlive). The instance's engine reports to that hub until
// the test ends.
func customServer(t testing.TB, in *kontortest.Instance, o streaming.HubOptions, timeouts time.Duration, tune ...func(*httptest.Server)) (string, *streaming.Hub) {
	t.Helper()
	o.DB = in.DB
	o.Logger = kontortest.Logger(t)
	hub := streaming.NewHub(o)
	h := web.NewHandler(web.Deps{Config: in.Config, DB: in.DB, Engine: in.Engine(), Logger: o.Logger, Version: "test", Streaming: hub})
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = timeouts, timeouts
	for _, f := range tune {
		f(srv)
	}
	srv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { hub.Run(ctx); close(done) }()
	in.Engine().SetEvents(hub)
	t.Cleanup(func() {
		in.Engine().SetEvents(in.Server.Streaming)
		hub.Shutdown()
		srv.Close()
		cancel()
		<-done
	})
	return srv.URL, hub
}

// follow makes a follow b (both local).
func follow(t testing.TB, in *kontortest.Instance, a, b *kontortest.User) {
	t.Helper()
	if _, err := in.Engine().Follow(context.Background(), a.Account, b.Account, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatalf("%s follows %s: %v", a.Handle, b.Handle, err)
	}
}

// waitConnections waits until the instance has n streaming connections.
func waitConnections(t testing.TB, in *kontortest.Instance, n int) {
	t.Helper()
	kontortest.Eventually(t, wait, "streaming connections", func() bool { return in.Server.Streaming.Connections() == n })
}

// fixtures writes rows the API of this branch cannot create yet (lists,
// filters, followed tags, bookmarks, pins, thread mutes) through a
// connection of its own.
type fixtures struct {
	t  testing.TB
	in *kontortest.Instance
	db *bun.DB
}

func newFixtures(t testing.TB, in *kontortest.Instance) *fixtures {
	t.Helper()
	dialect, dsn, err := db.ParseDatabaseURL(in.Config.Database)
	if err != nil {
		t.Fatal(err)
	}
	var b *bun.DB
	if dialect == db.Postgres {
		b = bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn))), pgdialect.New())
	} else {
		s, err := sql.Open(sqliteshim.ShimName, "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
		if err != nil {
			t.Fatal(err)
		}
		b = bun.NewDB(s, sqlitedialect.New())
	}
	t.Cleanup(func() { b.Close() })
	return &fixtures{t: t, in: in, db: b}
}

func (f *fixtures) exec(query string, args ...any) {
	f.t.Helper()
	if _, err := f.db.NewRaw(query, args...).Exec(context.Background()); err != nil {
		f.t.Fatalf("fixture %q: %v", query, err)
	}
}

// list creates a list of owner with members and returns its id.
func (f *fixtures) list(owner *kontortest.User, policy string, members ...*kontortest.User) int64 {
	id := f.in.DB.NewID()
	f.exec("INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES (?, ?, 'l', ?, FALSE, ?)",
		id, owner.Account.ID, policy, time.Now().UTC())
	for _, m := range members {
		f.exec("INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)", id, m.Account.ID)
	}
	return id
}

// filter creates a filter with one keyword in contexts.
func (f *fixtures) filter(owner *kontortest.User, action, keyword string, contexts ...string) int64 {
	id := f.in.DB.NewID()
	ctx, _ := json.Marshal(contexts)
	f.exec("INSERT INTO filters (id, account_id, title, contexts, action, created_at) VALUES (?, ?, 't', ?, ?, ?)",
		id, owner.Account.ID, string(ctx), action, time.Now().UTC())
	f.exec("INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES (?, ?, ?, TRUE)", f.in.DB.NewID(), id, keyword)
	return id
}

func (f *fixtures) followTag(u *kontortest.User, name string) {
	var tagID int64
	if err := f.db.NewRaw("SELECT id FROM tags WHERE name = ?", name).Scan(context.Background(), &tagID); err != nil {
		tagID = f.in.DB.NewID()
		f.exec("INSERT INTO tags (id, name, display_name, created_at) VALUES (?, ?, ?, ?)", tagID, name, name, time.Now().UTC())
	}
	f.exec("INSERT INTO followed_tags (account_id, tag_id, created_at) VALUES (?, ?, ?)", u.Account.ID, tagID, time.Now().UTC())
}

func (f *fixtures) bookmark(u *kontortest.User, s *db.Status) {
	f.exec("INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?)", f.in.DB.NewID(), u.Account.ID, s.ID, time.Now().UTC())
}

func (f *fixtures) pin(u *kontortest.User, s *db.Status) {
	f.exec("INSERT INTO pins (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?)", f.in.DB.NewID(), u.Account.ID, s.ID, time.Now().UTC())
}

func (f *fixtures) muteThread(u *kontortest.User, s *db.Status) {
	f.exec("INSERT INTO thread_mutes (account_id, thread_id) VALUES (?, ?)", u.Account.ID, s.ThreadID)
}

func postParams(text string, vis db.Visibility) activitypub.PostParams {
	return activitypub.PostParams{Text: text, Visibility: vis}
}
