package streaming

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"

	"github.com/kontor-social/kontor/db"
)

// conn is one streaming client (a WebSocket or an SSE response) of a local
// account, with its subscriptions and its bounded queue of frames.
type conn struct {
	hub     *Hub
	account *db.Account
	tokenID int64 // checked again while the connection lives (Hub.checkTokens)
	scopes  []string
	sse     bool
	out     chan *frame // ready to write
	ctx     context.Context
	cancel  context.CancelCauseFunc

	mu      sync.Mutex
	streams []stream
}

// Reasons a connection ends.
var (
	errSlowClient = errors.New("streaming: client too slow, its buffer is full")
	errShutdown   = errors.New("streaming: server shutting down")
	errKicked     = errors.New("streaming: disconnected by the server")
)

// subscribe adds a stream (once).
func (c *conn) subscribe(st stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, have := range c.streams {
		if have.key() == st.key() {
			return
		}
	}
	c.streams = append(c.streams, st)
}

// unsubscribe removes a stream.
func (c *conn) unsubscribe(st stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.streams = slices.DeleteFunc(c.streams, func(have stream) bool { return have.key() == st.key() })
}

// subscriptions returns a copy of the streams.
func (c *conn) subscriptions() []stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.streams)
}

// send queues a frame without ever blocking: a client whose queue is full
// is too slow (or gone) and is disconnected, so it never holds up others.
func (c *conn) send(f *frame) {
	if c.ctx.Err() != nil {
		return
	}
	select {
	case c.out <- f:
	default:
		c.hub.log.Info("streaming: dropping a slow client", "account_id", c.account.ID, "buffer", cap(c.out))
		c.close(errSlowClient)
	}
}

// close ends the connection (its writer notices) and forgets it.
func (c *conn) close(cause error) {
	c.cancel(cause)
	c.hub.unregister(c)
}

// message is one event (or error) for a client; it is rendered as a frame
// of the connection's transport.
type message struct {
	stream     []string
	event      string
	payload    string
	hasPayload bool
}

// wsFrame is a WebSocket text message: {"stream":[…],"event":…,"payload":"…"}
// where the payload is a JSON string (the entity's JSON, or a bare id).
func (m message) wsFrame() []byte {
	v := struct {
		Stream  []string `json:"stream"`
		Event   string   `json:"event"`
		Payload *string  `json:"payload,omitempty"`
	}{Stream: m.stream, Event: m.event}
	if m.hasPayload {
		v.Payload = &m.payload
	}
	b, _ := json.Marshal(v)
	return b
}

// sseFrame is a server-sent event: "event: name\ndata: payload\n\n".
func (m message) sseFrame() []byte {
	b := make([]byte, 0, len(m.event)+len(m.payload)+16)
	b = append(b, "event: "...)
	b = append(b, m.event...)
	b = append(b, "\ndata: "...)
	b = append(b, m.payload...)
	return append(b, "\n\n"...)
}

// frame is a message rendered for one transport, shared by every
// connection that gets it (a queue holds pointers: 8 bytes a slot).
type frame struct{ data []byte }

// frame renders m for c's transport.
func (c *conn) frame(m message) *frame {
	if c.sse {
		return &frame{m.sseFrame()}
	}
	return &frame{m.wsFrame()}
}

// wsError is the message a WebSocket client gets for a refused
// subscription: {"error":"Unknown stream type","status":400}.
func wsError(status int, msg string) *frame {
	b, _ := json.Marshal(struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}{msg, status})
	return &frame{b}
}
