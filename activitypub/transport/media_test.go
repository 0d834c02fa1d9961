package transport

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestGetMedia(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 1000)...)
	mux := http.NewServeMux()
	mux.HandleFunc("/a.png", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Signature") != "" {
			t.Error("media fetches are unsigned")
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/a.png", http.StatusFound)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		for range 4 {
			w.Write(make([]byte, 1024))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusGone) })
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
	})
	srv := serveOn(t, "127.0.0.1:0", mux)
	ctx := context.Background()
	c := loopbackClient(t, Options{Timeout: 3 * time.Second})

	for _, p := range []string{"/a.png", "/moved"} {
		body, ct, err := c.GetMedia(ctx, srv.URL+p, 2048)
		if err != nil || !bytes.Equal(body, png) || ct != "image/png" {
			t.Errorf("%s: %d bytes, %q, %v", p, len(body), ct, err)
		}
	}
	if _, _, err := c.GetMedia(ctx, srv.URL+"/big", 2048); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v, want ErrTooLarge", err)
	}
	var se *StatusError
	if _, _, err := c.GetMedia(ctx, srv.URL+"/gone", 2048); !errors.As(err, &se) || se.Code != 410 {
		t.Errorf("410: %v", err)
	}
	if _, _, err := c.GetMedia(ctx, srv.URL+"/to-metadata", 2048); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("redirect to a metadata address: %v", err)
	}
	if _, _, err := New(Options{Protocol: "http"}).GetMedia(ctx, srv.URL+"/a.png", 2048); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("loopback without allowance: %v", err)
	}
}
