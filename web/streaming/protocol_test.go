package streaming_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/streaming"
)

func TestHealth(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	resp, body := in.Get("/api/v1/streaming/health")
	if resp.StatusCode != http.StatusOK || string(body) != "OK" {
		t.Fatalf("health: %d %q", resp.StatusCode, body)
	}
}

// The three ways to pass the token all open a stream; the token sent as
// WebSocket subprotocol is echoed in the handshake (masto and browsers
// give up otherwise).
func TestAuthentication(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	follow(t, in, bob, alice)

	var clients []*client
	clients = append(clients, dialWS(t, in.URL, "?stream=user", bearer(bob)))
	clients = append(clients, dialWS(t, in.URL, "?stream=user&access_token="+bob.Token))
	ws, resp, err := tryWS(in.URL, "?stream=user", []string{bob.Token})
	if err != nil {
		t.Fatalf("dial with the token as subprotocol: %v", err)
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != bob.Token {
		t.Fatalf("Sec-WebSocket-Protocol in the 101: %q, want the token echoed", got)
	}
	if ws.Subprotocol() != bob.Token {
		t.Fatalf("negotiated subprotocol %q", ws.Subprotocol())
	}
	clients = append(clients, startClient(t, ws, nil))
	clients = append(clients, dialSSE(t, in.URL, "/user", bearer(bob)))
	clients = append(clients, dialSSE(t, in.URL, "/user?access_token="+bob.Token))
	waitConnections(t, in, len(clients))

	s := post(t, in, alice, "hello followers", db.Public)
	for i, c := range clients {
		e := c.next()
		if !isStatus("update", s.ID)(e) {
			t.Fatalf("client %d: got %s %s", i, e.Event, deref(e.Payload))
		}
		if c.ws != nil && !slices.Equal(e.Stream, []string{"user"}) {
			t.Fatalf("client %d: stream %v, want [user]", i, e.Stream)
		}
	}
}

// A missing or bad token is refused before anything streams: 401 over
// HTTP, and for WebSocket the upgrade itself is refused with 401. Mastodon
// 4.2+ wants a user token even for public streams; an app token is not one.
func TestAuthenticationRefused(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	app, err := in.DB.CreateToken(context.Background(), db.NewToken{Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		query     string
		protocols []string
		headers   []string
	}{
		{"no token", "?stream=public", nil, nil},
		{"bad bearer", "?stream=public", nil, []string{"Authorization: Bearer nope"}},
		{"bad access_token", "?stream=public&access_token=nope", nil, nil},
		{"bad subprotocol token", "?stream=public", []string{"nope"}, nil},
		{"app token", "?stream=public", nil, []string{"Authorization: Bearer " + app.AccessToken}},
	}
	for _, tc := range cases {
		t.Run("ws "+tc.name, func(t *testing.T) {
			ws, resp, err := tryWS(in.URL, tc.query, tc.protocols, tc.headers...)
			if err == nil {
				ws.CloseNow()
				t.Fatal("upgrade accepted")
			}
			if resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("want 401, got %v", resp)
			}
		})
		t.Run("sse "+tc.name, func(t *testing.T) {
			resp := trySSE(t, in.URL, "/public"+strings.Replace(tc.query, "?stream=public", "?", 1), tc.headers...)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"error"`) {
				t.Fatalf("want 401 with an error, got %d %s", resp.StatusCode, body)
			}
		})
	}
	if n := in.Server.Streaming.Connections(); n != 0 {
		t.Fatalf("%d connections registered", n)
	}
}

// Streams need the read scope of what they carry.
func TestScopes(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	onlyNotes, err := in.DB.CreateToken(context.Background(), db.NewToken{UserID: &alice.User.ID, AccountID: &alice.Account.ID, Scopes: []string{"read:notifications"}})
	if err != nil {
		t.Fatal(err)
	}
	auth := "Authorization: Bearer " + onlyNotes.AccessToken

	resp := trySSE(t, in.URL, "/user", auth)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("user stream with read:notifications only: %d, want 401", resp.StatusCode)
	}
	dialSSE(t, in.URL, "/user/notification", auth)

	c := dialWS(t, in.URL, "", auth)
	c.send(map[string]string{"type": "subscribe", "stream": "public"})
	if e := c.next(); e.Error == "" || e.Status != http.StatusUnauthorized {
		t.Fatalf("public with read:notifications only: %+v", e)
	}
	c.send(map[string]string{"type": "subscribe", "stream": "user:notification"})
	c.sync()
	c.none()
}

func TestUnknownStreams(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	var f = newFixtures(t, in)
	bobsList := f.list(bob, "list")

	for _, path := range []string{"/nope", "/public/nope", "?stream=nope", ""} {
		resp := trySSE(t, in.URL, path, bearer(alice))
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%q: %d %s", path, resp.StatusCode, body)
		}
		var e struct{ Error string }
		json.Unmarshal(body, &e)
		if e.Error != "Unknown channel requested" {
			t.Fatalf("%q: error %q", path, e.Error)
		}
	}
	for _, path := range []string{"/hashtag", "/list", "/list?list=" + db.FormatID(bobsList)} {
		resp := trySSE(t, in.URL, path, bearer(alice))
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Fatalf("%s: %d, want a refusal", path, resp.StatusCode)
		}
	}

	c := dialWS(t, in.URL, "?stream=nope", bearer(alice))
	if e := c.next(); e.Error != "Unknown stream type" || e.Status != 400 {
		t.Fatalf("?stream=nope: %+v", e)
	}
	c.send(map[string]string{"type": "subscribe", "stream": "public:nope"})
	if e := c.next(); e.Error != "Unknown stream type" || e.Status != 400 {
		t.Fatalf("subscribe public:nope: %+v", e)
	}
	c.send(map[string]string{"type": "subscribe", "stream": "hashtag"})
	if e := c.next(); e.Error == "" || e.Status != 400 {
		t.Fatalf("hashtag without tag: %+v", e)
	}
	c.send(map[string]string{"type": "subscribe", "stream": "list", "list": db.FormatID(bobsList)})
	if e := c.next(); e.Error == "" || e.Status != http.StatusUnauthorized {
		t.Fatalf("someone else's list: %+v", e)
	}
	// The socket stays usable after errors.
	c.send(map[string]string{"type": "subscribe", "stream": "public"})
	c.sync()
	s := post(t, in, bob, "still here", db.Public)
	c.until(isStatus("update", s.ID), nil)
}

// One socket carries several streams; every event names its stream, and
// unsubscribing stops it.
func TestMultiplexed(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	follow(t, in, bob, alice)
	f := newFixtures(t, in)
	list := f.list(bob, "list", alice)

	c := dialWS(t, in.URL, "", bearer(bob))
	c.send(map[string]string{"type": "subscribe", "stream": "user"})
	c.send(map[string]string{"type": "subscribe", "stream": "user:notification"})
	c.send(map[string]string{"type": "subscribe", "stream": "public:local"})
	c.send(map[string]string{"type": "subscribe", "stream": "hashtag", "tag": "Kontor"})
	c.send(map[string]any{"type": "subscribe", "stream": "list", "list": db.FormatID(list)})
	c.send(map[string]string{"type": "subscribe", "stream": "user"}) // twice is once
	c.sync()

	s := post(t, in, alice, "hello #kontor", db.Public)
	want := map[string]bool{"user": true, "public:local": true, "hashtag,Kontor": true, "list," + db.FormatID(list): true}
	for n := len(want); n > 0; n-- {
		e := c.next()
		key := strings.Join(e.Stream, ",")
		if !want[key] || !isStatus("update", s.ID)(e) {
			t.Fatalf("unexpected %s on %v", e.Event, e.Stream)
		}
		delete(want, key)
	}
	c.none()

	// A mention is a notification on both user streams (and an update on
	// the user stream: bob follows alice).
	m := post(t, in, alice, "@bob look", db.Public)
	got := map[string]int{}
	for range 5 { // update on user, public:local, list; notification on user, user:notification
		e := c.next()
		got[e.Event+" "+strings.Join(e.Stream, ",")]++
		if e.Event == "notification" {
			var n struct {
				Type   string
				Status struct{ ID string }
			}
			json.Unmarshal([]byte(*e.Payload), &n)
			if n.Type != "mention" || n.Status.ID != db.FormatID(m.ID) {
				t.Fatalf("notification %s", *e.Payload)
			}
		}
	}
	if got["notification user"] != 1 || got["notification user:notification"] != 1 || got["update user"] != 1 {
		t.Fatalf("events: %v", got)
	}

	c.send(map[string]string{"type": "unsubscribe", "stream": "public:local"})
	c.send(map[string]string{"type": "unsubscribe", "stream": "hashtag", "tag": "kontor"})
	c.send(map[string]any{"type": "unsubscribe", "stream": "list", "list": db.FormatID(list)})
	c.send(map[string]string{"type": "unsubscribe", "stream": "user:notification"})
	c.sync()
	s = post(t, in, alice, "again #kontor", db.Public)
	e := c.next()
	if !isStatus("update", s.ID)(e) || !slices.Equal(e.Stream, []string{"user"}) {
		t.Fatalf("after unsubscribing: %s %v", e.Event, e.Stream)
	}
	c.none()
}

// Server-sent events: "event: <name>\ndata: <payload>\n\n", a first ":)"
// comment, ":thump" heartbeats on idle streams, and WebSocket pings; both
// outlive the server's read and write timeouts.
func TestFramesHeartbeatsAndTimeouts(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	follow(t, in, bob, alice)
	base, hub := customServer(t, in, streaming.HubOptions{Heartbeat: 200 * time.Millisecond}, time.Second)

	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/streaming/user", nil)
	req.Header.Set("Authorization", "Bearer "+bob.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", resp.Header)
	}
	pings := make(chan struct{}, 100)
	ws, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(base, "http")+"/api/v1/streaming?stream=user",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + bob.Token}},
			OnPingReceived: func(context.Context, []byte) bool { pings <- struct{}{}; return true }})
	if err != nil {
		t.Fatal(err)
	}
	wc := startClient(t, ws, nil)
	kontortest.Eventually(t, wait, "two connections", func() bool { return hub.Connections() == 2 })

	time.Sleep(2500 * time.Millisecond) // past the server's 1s timeouts
	s := post(t, in, alice, "after the timeouts", db.Public)

	raw := make([]byte, 0, 1<<16)
	buf := make([]byte, 4096)
	deadline := time.Now().Add(wait)
	for !strings.Contains(string(raw), "event: update\n") || !strings.HasSuffix(string(raw), "\n\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no update in %q", raw)
		}
		n, err := resp.Body.Read(buf)
		if err != nil {
			t.Fatalf("SSE read after %q: %v", raw, err)
		}
		raw = append(raw, buf[:n]...)
	}
	text := string(raw)
	if !strings.HasPrefix(text, ":)\n\n") || !strings.Contains(text, ":thump\n\n") {
		t.Fatalf("no opening comment or heartbeat in %q", text)
	}
	frame := text[strings.Index(text, "event: update\n"):]
	lines := strings.Split(strings.TrimSuffix(frame, "\n\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "data: {") {
		t.Fatalf("frame %q", frame)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(lines[1], "data: ")), &st); err != nil || st["id"] != db.FormatID(s.ID) {
		t.Fatalf("data %q: %v", lines[1], err)
	}

	if e := wc.next(); !isStatus("update", s.ID)(e) {
		t.Fatalf("websocket: %s", e.Event)
	}
	if len(pings) == 0 {
		t.Fatal("no WebSocket ping while idle")
	}
}

// When the server closes a connection, go-mastodon's client dials again
// and the stream goes on.
func TestReconnect(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	follow(t, in, bob, alice)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, err := mastodonClient(in, bob).NewWSClient().StreamingWSUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitConnections(t, in, 1)
	s := post(t, in, alice, "one", db.Public)
	waitUpdate(t, events, s.ID)

	in.Server.Streaming.Disconnect(bob.Account.ID)
	// go-mastodon reports the closed socket, then dials again.
	for {
		if _, ok := (<-events).(*mastodon.ErrorEvent); ok {
			break
		}
	}
	waitConnections(t, in, 1)
	s = post(t, in, alice, "two", db.Public)
	waitUpdate(t, events, s.ID)
}
