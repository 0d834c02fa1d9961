package streaming_test

import (
	"encoding/json"
	"net"
	"net/http"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Alice posts a link; her stream gets the status, then status.update with
// the card once it is fetched.
func TestCardArrivesAsStatusUpdate(t *testing.T) {
	site := kontortest.NewFakeServer(t)
	site.Handle("/story", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><meta property="og:title" content="Harbour opens"></head></html>`))
	})
	in := kontortest.Start(t, kontortest.Options{Engine: func(o *activitypub.Options) {
		o.DialHosts = map[string]string{"news.example.com": "127.0.0.1"}
	}})
	alice := in.CreateUser("alice")
	c := dialWS(t, in.URL, "?stream=user", bearer(alice))
	c.sync()
	_, port, _ := net.SplitHostPort(site.Host)
	s := in.Post(alice, activitypub.PostParams{Text: "read http://news.example.com:" + port + "/story", Visibility: db.Public})
	e := c.until(isStatus("status.update", s.ID), nil)
	var got struct {
		Card *struct {
			Title string `json:"title"`
		} `json:"card"`
	}
	if err := json.Unmarshal([]byte(*e.Payload), &got); err != nil || got.Card == nil || got.Card.Title != "Harbour opens" {
		t.Fatalf("status.update without the card: %s", *e.Payload)
	}
}
