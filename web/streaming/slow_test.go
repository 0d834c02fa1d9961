package streaming_test

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/streaming"
)

// slowClient upgrades to a WebSocket on a raw TCP connection with a tiny
// receive buffer and then never reads.
func slowClient(t *testing.T, base, token, query string) net.Conn {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	// The receive buffer is set before connecting, so the window stays small.
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1024) })
	}}
	conn, err := d.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	req := "GET /api/v1/streaming" + query + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer " + token + "\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 64), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("slow client upgrade: %v %v", resp, err)
	}
	return conn
}

// A client that never reads fills its buffer and is disconnected; it
// never delays the others, which get every event.
func TestSlowClientDropped(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	slowpoke := in.CreateUser("slowpoke")
	// Small kernel send buffers on the server side stand for a congested
	// network: the frames pile up in the hub, not in the kernel.
	base, hub := customServer(t, in, streaming.HubOptions{Buffer: 8, WriteTimeout: 30 * time.Second}, time.Minute,
		func(s *httptest.Server) { s.Listener = smallSendBuffers{s.Listener} })

	slowClient(t, base, slowpoke.Token, "?stream=public")
	fast := dialWS(t, base, "?stream=public", bearer(bob))
	kontortest.Eventually(t, wait, "two connections", func() bool { return hub.Connections() == 2 })

	text := "#slow " + strings.Repeat("lorem ipsum dolor sit amet ", 17)
	var worst time.Duration
	dropped := -1
	for i := range 200 {
		start := time.Now()
		s := post(t, in, alice, text, db.Public)
		fast.until(isStatus("update", s.ID), nil)
		worst = max(worst, time.Since(start))
		if dropped < 0 && hub.Connections() == 1 {
			dropped = i
		}
	}
	if dropped < 0 {
		t.Fatal("the client that never reads is still connected after 200 events")
	}
	// Its writes block for up to 30s (WriteTimeout): had it held anyone
	// up, some post would have taken that long to reach the fast client.
	if worst > 5*time.Second {
		t.Fatalf("the fast client waited %s for a post", worst)
	}
	t.Logf("slow client dropped after %d posts; slowest post to reach the fast client: %s", dropped+1, worst)
}

// smallSendBuffers gives accepted connections a 4 KB send buffer.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}
