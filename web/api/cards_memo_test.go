package api_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/entity"
)

// The presenter remembers which card a status shows (none, mostly), keyed
// by the status row's updated_at: a card that arrives after the first
// render, a link added by an edit and one removed by the next must show on
// the next request — on the node that
// stored them and on a second process on the same PostgreSQL, which is told
// nothing.
func TestCardMemoSeesCards(t *testing.T) {
	site := kontortest.NewFakeServer(t)
	release := make(chan struct{})
	site.Handle("/story", func(w http.ResponseWriter, r *http.Request) {
		select { // the fetch waits until the post has been read without a card
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><meta property="og:title" content="Late story"></head></html>`))
	})
	site.Handle("/added", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><meta property="og:title" content="Added by an edit"></head></html>`))
	})
	tune := func(o *activitypub.Options) {
		o.CardTimeout = 5 * time.Second
		o.DialHosts = map[string]string{"news.example.com": "127.0.0.1"}
	}
	nodeA := kontortest.Start(t, kontortest.Options{Engine: tune, Configure: plNoLimits})
	nodes := []*kontortest.Instance{nodeA}
	if kontortest.Dialect() == db.Postgres {
		nodes = append(nodes, kontortest.Start(t, kontortest.Options{NodeOf: nodeA, Engine: tune, Configure: plNoLimits}))
	}
	alice, bob := nodeA.CreateUser("alice"), nodeA.CreateUser("bob")
	_, port, _ := net.SplitHostPort(site.Host)
	base := "http://news.example.com:" + port

	cardOn := func(n *kontortest.Instance, id int64) *entity.PreviewCard {
		t.Helper()
		resp, body := n.Get("/api/v1/statuses/"+db.FormatID(id), "Authorization: Bearer "+bob.Token)
		var st struct {
			Card *entity.PreviewCard `json:"card"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &st) != nil {
			t.Fatalf("status %d: %d %s", id, resp.StatusCode, body)
		}
		return st.Card
	}
	// expectTitle reads id on every node until it shows a card titled want
	// ("": no card).
	expectTitle := func(what string, id int64, want string) {
		t.Helper()
		for i, n := range nodes {
			kontortest.Eventually(t, 10*time.Second, what+" on node "+string(rune('A'+i)), func() bool {
				c := cardOn(n, id)
				return c == nil && want == "" || c != nil && c.Title == want
			})
		}
	}
	edit := func(id int64, text string) {
		t.Helper()
		resp, body := nodeA.Do(http.MethodPut, "/api/v1/statuses/"+db.FormatID(id), []byte(url.Values{"status": {text}}.Encode()),
			"Authorization: Bearer "+alice.Token, "Content-Type: application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("edit: %d %s", resp.StatusCode, body)
		}
	}

	// Read while the fetch is under way: no card yet, on every node.
	late := nodeA.Post(alice, activitypub.PostParams{Text: "see " + base + "/story", Visibility: db.Public})
	plain := nodeA.Post(alice, activitypub.PostParams{Text: "no link here", Visibility: db.Public})
	for _, n := range nodes {
		for range 2 {
			if c := cardOn(n, late.ID); c != nil {
				t.Fatalf("a card before the fetch: %+v", c)
			}
			if c := cardOn(n, plain.ID); c != nil {
				t.Fatalf("a card on a post without a link: %+v", c)
			}
		}
	}
	close(release)
	expectTitle("the card that arrived after the first render", late.ID, "Late story")

	// An edit adds a link to a post read (and remembered) without one.
	edit(plain.ID, "now with "+base+"/added")
	expectTitle("the card of a link added by an edit", plain.ID, "Added by an edit")

	// The next edit takes the link away, and the card with it.
	edit(plain.ID, "the link is gone")
	expectTitle("no card once the link is edited away", plain.ID, "")
}
