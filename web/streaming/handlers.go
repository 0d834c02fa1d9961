package streaming

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Deps are what the streaming endpoints need.
type Deps struct {
	Hub *Hub
	// Presenter renders the entities and Tokens resolves access tokens, as
	// for the REST API.
	Presenter *entity.Presenter
	Tokens    *auth.Resolver
	Logger    *slog.Logger
}

// Handlers serve GET /api/v1/streaming (WebSocket, multiplexed) and the
// server-sent events endpoints below it.
type Handlers struct {
	hub    *Hub
	tokens *auth.Resolver
	log    *slog.Logger
}

// New returns the streaming endpoints and gives the hub the presenter.
func New(d Deps) *Handlers {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	d.Hub.setPresenter(d.Presenter)
	return &Handlers{hub: d.Hub, tokens: d.Tokens, log: d.Logger}
}

// Routes registers the endpoints below /api/v1, behind the API's CORS,
// token resolution (a bad Bearer or access_token is refused with 401
// before it gets here) and rate limits.
func (h *Handlers) Routes(r chi.Router) {
	r.Get("/streaming/health", h.health)
	r.Get("/streaming", h.root)
	r.Get("/streaming/*", h.byPath)
}

// health is GET /api/v1/streaming/health.
func (h *Handlers) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("OK"))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	render.JSON(w, status, map[string]string{"error": msg})
}

// root is GET /api/v1/streaming: a WebSocket upgrade, or server-sent events
// for ?stream= on a plain request.
func (h *Handlers) root(w http.ResponseWriter, r *http.Request) {
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		h.serveWS(w, r)
		return
	}
	q := r.URL.Query()
	if q.Get("stream") == "" {
		writeError(w, http.StatusBadRequest, "Unknown channel requested")
		return
	}
	h.serveSSE(w, r, withMedia(q.Get("stream"), q.Get("only_media")))
}

// withMedia turns a public stream into its media variant for only_media.
func withMedia(name, onlyMedia string) string {
	if strings.HasPrefix(name, "public") && !strings.HasSuffix(name, ":media") && truthy(onlyMedia) {
		return name + ":media"
	}
	return name
}

// byPath is GET /api/v1/streaming/{user, user/notification, public,
// public/local, public/remote, hashtag, hashtag/local, list, direct}.
func (h *Handlers) byPath(w http.ResponseWriter, r *http.Request) {
	path := strings.Trim(chi.URLParam(r, "*"), "/")
	if path == "" {
		h.root(w, r)
		return
	}
	name, ok := ssePaths[path]
	if !ok {
		writeError(w, http.StatusBadRequest, "Unknown channel requested")
		return
	}
	h.serveSSE(w, r, withMedia(name, r.URL.Query().Get("only_media")))
}

// offeredProtocol is the first subprotocol a WebSocket client offers:
// browsers and masto send the access token there, and it must be echoed
// in the handshake or they give up.
func offeredProtocol(r *http.Request) string {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				return p
			}
		}
	}
	return ""
}

// caller is the authenticated user: by Authorization: Bearer or
// ?access_token= (already resolved), else by the token in
// Sec-WebSocket-Protocol. Mastodon 4.2+ wants a user token for every
// stream, public ones included. It answers the refusal itself.
func (h *Handlers) caller(w http.ResponseWriter, r *http.Request) (*auth.Caller, bool) {
	a := auth.From(r.Context())
	if a == nil {
		if tok := offeredProtocol(r); tok != "" {
			var err error
			if a, err = h.tokens.Resolve(r.Context(), tok); err != nil {
				render.APIError(w, r, h.log, err)
				return nil, false
			}
		}
	}
	if a == nil {
		writeError(w, http.StatusUnauthorized, "Missing access token")
		return nil, false
	}
	if a.Account == nil {
		writeError(w, http.StatusUnauthorized, "This method requires an authenticated user")
		return nil, false
	}
	return a, true
}

// authorize checks that a caller may open a stream: the scope, and for a
// list that the caller owns it.
func (h *Handlers) authorize(ctx context.Context, c *conn, st stream) error {
	if !scopes.Allows(c.scopes, st.requiredScope()) {
		return &streamError{http.StatusUnauthorized, "Access token does not have the required scopes"}
	}
	if st.name == streamList {
		owner, err := h.hub.db.ListOwner(ctx, st.list)
		if errors.Is(err, db.ErrNotFound) || err == nil && owner != c.account.ID {
			return &streamError{http.StatusUnauthorized, "Not authorized to stream this list"}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// serveSSE streams one channel as server-sent events.
func (h *Handlers) serveSSE(w http.ResponseWriter, r *http.Request, name string) {
	c, ok := h.openSSE(w, r, name)
	if !ok {
		return
	}
	defer c.close(nil)
	// The server's read and write timeouts are for ordinary requests: a
	// stream lives on, each write bounded on its own.
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{})
	rc.SetReadDeadline(time.Time{})
	defer rc.SetWriteDeadline(time.Time{}) // the per-write deadlines below must not outlive the stream
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(b []byte) bool {
		rc.SetWriteDeadline(time.Now().Add(h.hub.o.WriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write([]byte(":)\n\n")) {
		return
	}
	beat := time.NewTicker(h.hub.o.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case f := <-c.out:
			if !write(f.data) {
				return
			}
			beat.Reset(h.hub.o.Heartbeat)
		case <-beat.C:
			if !write([]byte(":thump\n\n")) {
				return
			}
		}
	}
}

// openSSE authenticates an event stream request and registers its
// connection, subscribed to the named stream; it answers the refusal
// itself (ok false).
func (h *Handlers) openSSE(w http.ResponseWriter, r *http.Request, name string) (*conn, bool) {
	a, ok := h.caller(w, r)
	if !ok {
		return nil, false
	}
	q := r.URL.Query()
	st, err := parseStream(name, q.Get("tag"), q.Get("list"))
	if errors.Is(err, errUnknownStream) {
		writeError(w, http.StatusBadRequest, "Unknown channel requested")
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	c, err := h.hub.register(r.Context(), a.Account, a.Token.ID, a.Scopes, true)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "Streaming is shutting down")
		return nil, false
	}
	if err := h.authorize(r.Context(), c, st); err != nil {
		c.close(nil)
		var se *streamError
		if errors.As(err, &se) {
			writeError(w, se.status, se.msg)
		} else {
			render.APIError(w, r, h.log, err)
		}
		return nil, false
	}
	c.subscribe(st)
	return c, true
}

// serveWS upgrades to a WebSocket on which the client subscribes and
// unsubscribes with {"type":"subscribe","stream":…,"tag"|"list":…}
// messages (or one stream by ?stream=). A bad or missing token refuses the
// upgrade with 401.
func (h *Handlers) serveWS(w http.ResponseWriter, r *http.Request) {
	a, ok := h.caller(w, r)
	if !ok {
		return
	}
	var protocols []string
	if p := offeredProtocol(r); p != "" {
		protocols = []string{p}
	}
	http.NewResponseController(w).SetWriteDeadline(time.Time{})
	// Any origin: Elk and Phanpy run elsewhere, and the token (never a
	// cookie) is what authenticates.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: protocols, InsecureSkipVerify: true})
	if err != nil {
		return // Accept answered
	}
	ws.SetReadLimit(16 << 10)
	// The connection outlives this request: the handler returns now (its
	// goroutine, grown through the middleware, and the request go away)
	// and two small goroutines carry on.
	c, err := h.hub.register(context.Background(), a.Account, a.Token.ID, a.Scopes, false)
	if err != nil {
		ws.Close(websocket.StatusTryAgainLater, "server shutting down")
		return
	}
	q := r.URL.Query()
	if name := q.Get("stream"); name != "" {
		h.subscribeWS(c, withMedia(name, q.Get("only_media")), q.Get("tag"), q.Get("list"))
	}
	go h.wsWriter(c, ws)
	go h.wsReader(c, ws)
}

// clientMessage is what a WebSocket client sends.
type clientMessage struct {
	Type   string          `json:"type"`
	Stream string          `json:"stream"`
	Tag    string          `json:"tag"`
	List   json.RawMessage `json:"list"`
}

// wsReader handles the client's messages until the connection ends.
func (h *Handlers) wsReader(c *conn, ws *websocket.Conn) {
	for {
		// Not c.ctx: cancelling a read closes the socket at once, and the
		// writer closes it politely instead.
		typ, data, err := ws.Read(context.Background())
		if err != nil {
			c.close(nil)
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		var m clientMessage
		if err := json.Unmarshal(data, &m); err != nil {
			c.send(wsError(http.StatusBadRequest, "Invalid JSON"))
			continue
		}
		list := strings.Trim(string(m.List), `"`)
		switch m.Type {
		case "subscribe":
			h.subscribeWS(c, m.Stream, m.Tag, list)
		case "unsubscribe":
			if st, err := parseStream(m.Stream, m.Tag, list); err == nil {
				c.unsubscribe(st)
			}
		}
	}
}

// subscribeWS adds a stream to a WebSocket, or tells the client why not.
func (h *Handlers) subscribeWS(c *conn, name, tag, list string) {
	st, err := parseStream(name, tag, list)
	if err == nil {
		ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
		err = h.authorize(ctx, c, st)
		cancel()
	}
	var se *streamError
	switch {
	case err == nil:
		c.subscribe(st)
	case errors.As(err, &se):
		c.send(wsError(se.status, se.msg))
	default:
		h.log.Warn("streaming: subscribe", "err", err)
		c.send(wsError(http.StatusInternalServerError, "Internal server error"))
	}
}

// wsWriter writes the connection's frames and pings it when idle, until
// the connection ends; then it closes the socket.
func (h *Handlers) wsWriter(c *conn, ws *websocket.Conn) {
	beat := time.NewTicker(h.hub.o.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-c.ctx.Done():
			switch context.Cause(c.ctx) {
			case errShutdown:
				ws.Close(websocket.StatusGoingAway, "server shutting down")
			case errKicked:
				ws.Close(websocket.StatusPolicyViolation, "disconnected")
			default: // too slow, or the reader ended
				ws.CloseNow()
			}
			return
		case f := <-c.out:
			ctx, cancel := context.WithTimeout(c.ctx, h.hub.o.WriteTimeout)
			err := ws.Write(ctx, websocket.MessageText, f.data)
			cancel()
			if err != nil {
				c.close(err)
				ws.CloseNow()
				return
			}
			beat.Reset(h.hub.o.Heartbeat)
		case <-beat.C:
			ctx, cancel := context.WithTimeout(c.ctx, h.hub.o.WriteTimeout)
			err := ws.Ping(ctx)
			cancel()
			if err != nil {
				c.close(err)
				ws.CloseNow()
				return
			}
		}
	}
}
