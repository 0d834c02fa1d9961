package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/signature"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

var ctx = context.Background()

// TestInboxRefusals sends really signed requests that must be refused, each
// for its own reason, and checks nothing was stored.
func TestInboxRefusals(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.DomainBlocks = []string{"blocked.example"} }})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	mallory := remote.Actor("mallory")
	bob := remote.Actor("bob")
	inbox := in.URL + "/users/alice/inbox"

	note := func(id string) []byte {
		return mallory.Activity("Create", "create-"+id, mallory.Note(id, "<p>hi @alice</p>", map[string]any{
			"tag": []any{map[string]any{"type": "Mention", "href": alice.Account.URI, "name": "@alice"}}}), nil)
	}
	post := func(body []byte, tamper func(*http.Request)) (int, string) {
		return mallory.SignedPostWith(inbox, body, tamper)
	}
	unsigned := func(body []byte) (int, string) {
		resp, out := in.Do("POST", "/users/alice/inbox", body, "Content-Type: application/activity+json")
		return resp.StatusCode, string(out)
	}
	cases := []struct {
		name   string
		send   func() (int, string)
		status int
		reason string
	}{
		{"no signature", func() (int, string) { return unsigned(note("1")) }, 401, "no signature"},
		{"unknown key", func() (int, string) {
			ghost := *mallory
			ghost.KeyID = remote.URL + "/users/ghost#main-key"
			return ghost.SignedPost(inbox, note("2"))
		}, 401, "unknown key"},
		{"wrong key", func() (int, string) {
			impostor := *mallory
			impostor.Key = bob.Key
			if bob.Key.Equal(mallory.Key) {
				t.Skip("key pool handed out the same key twice")
			}
			return impostor.SignedPost(inbox, note("3"))
		}, 401, "invalid signature"},
		{"tampered body", func() (int, string) {
			return post(note("4"), func(r *http.Request) {
				tampered := bytes.Replace(note("4"), []byte("hi"), []byte("ho"), 1)
				r.Body, r.ContentLength = readCloser(tampered), int64(len(tampered))
			})
		}, 401, "digest mismatch"},
		{"digest header mismatch", func() (int, string) {
			return post(note("5"), func(r *http.Request) { r.Header.Set("Digest", "SHA-256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") })
		}, 401, ""},
		{"digest not signed", func() (int, string) {
			body := note("6")
			req, _ := http.NewRequest("POST", inbox, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/activity+json")
			signature.SignRequest(req, nil, mallory.KeyID, mallory.Key) // signs as a GET: no digest
			return send(t, req)
		}, 401, "digest"},
		{"stale date", func() (int, string) {
			body := note("7")
			req, _ := http.NewRequest("POST", inbox, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/activity+json")
			req.Header.Set("Date", time.Now().Add(-13*time.Hour).UTC().Format(http.TimeFormat))
			signature.SignRequest(req, body, mallory.KeyID, mallory.Key)
			return send(t, req)
		}, 401, "expired"},
		{"future date", func() (int, string) {
			body := note("8")
			req, _ := http.NewRequest("POST", inbox, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/activity+json")
			req.Header.Set("Date", time.Now().Add(2*time.Hour).UTC().Format(http.TimeFormat))
			signature.SignRequest(req, body, mallory.KeyID, mallory.Key)
			return send(t, req)
		}, 401, "future"},
		{"key owner is not the actor", func() (int, string) {
			// mallory signs an activity that claims bob as its actor.
			forged := bob.Activity("Like", "like-9", alice.Account.URI, nil)
			return mallory.SignedPost(inbox, forged)
		}, 401, "may not speak for"},
		{"activity id on another host than its actor", func() (int, string) {
			body := mallory.Activity("Like", "x", alice.Account.URI, map[string]any{"id": "https://elsewhere.example/likes/1"})
			return mallory.SignedPost(inbox, body)
		}, 400, "different hosts"},
		{"malformed JSON", func() (int, string) { return mallory.SignedPost(inbox, []byte(`{"type":`)) }, 400, "invalid activity"},
		{"no actor", func() (int, string) {
			return mallory.SignedPost(inbox, []byte(`{"type":"Like","id":"`+mallory.ID+`/l"}`))
		}, 400, "no actor"},
		{"wrong content type", func() (int, string) {
			return post(note("10"), func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") })
		}, 415, ""},
		{"too large", func() (int, string) {
			big := mallory.Activity("Create", "big", mallory.Note("big", strings.Repeat("x", 1<<20), nil), nil)
			return mallory.SignedPost(inbox, big)
		}, 413, ""},
		{"unknown recipient", func() (int, string) { return mallory.SignedPost(in.URL+"/users/nobody/inbox", note("11")) }, 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := c.send()
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, body)
			}
			if c.reason != "" && !strings.Contains(body, c.reason) {
				t.Errorf("reason %q does not mention %q", body, c.reason)
			}
		})
	}
	// The blocked domain: an actor there is refused before its key is fetched.
	blockedBody := []byte(`{"id":"https://blocked.example/a/1","type":"Like","actor":"https://blocked.example/users/x","object":"` + alice.Account.URI + `"}`)
	if status, _ := mallory.SignedPost(inbox, blockedBody); status != http.StatusForbidden {
		t.Errorf("blocked domain: %d, want 403", status)
	}
	time.Sleep(300 * time.Millisecond)
	list, err := in.DB.AccountStatuses(ctx, 0, db.Anonymous, db.AccountStatusesFilter{}, db.Page{Limit: 5})
	if err != nil || len(list) != 0 {
		t.Errorf("refused activities stored something: %v %v", list, err)
	}
	if n := notificationCount(t, in, alice); n != 0 {
		t.Errorf("refused activities notified alice %d times", n)
	}
}

func notificationCount(t *testing.T, in *kontortest.Instance, u *kontortest.User) int {
	t.Helper()
	list, err := in.DB.Notifications(ctx, u.Account.ID, db.NotificationFilter{}, db.Page{Limit: 40})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func readCloser(b []byte) *bodyReader { return &bodyReader{bytes.NewReader(b)} }

type bodyReader struct{ *bytes.Reader }

func (bodyReader) Close() error { return nil }

func send(t *testing.T, req *http.Request) (int, string) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// TestInboxApplies covers what accepted activities do.
func TestInboxApplies(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Engine: func(o *activitypub.Options) { o.KeyRefreshInterval = time.Millisecond }})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	xavier := remote.Actor("xavier")
	inbox := in.URL + "/inbox"

	t.Run("follow is accepted with an Accept naming the Follow", func(t *testing.T) {
		follow := xavier.Activity("Follow", "follows/1", alice.Account.URI, nil)
		if status, body := xavier.SignedPost(in.URL+"/users/alice/inbox", follow); status != 202 {
			t.Fatalf("follow: %d %s", status, body)
		}
		kontortest.Eventually(t, kontortest.Wait, "an Accept at the fake server", func() bool {
			for _, r := range remote.Received() {
				var doc map[string]any
				json.Unmarshal(r.Body, &doc)
				if doc["type"] == "Accept" {
					obj, _ := doc["object"].(map[string]any)
					return obj["id"] == xavier.ID+"/follows/1" && doc["actor"] == alice.Account.URI
				}
			}
			return false
		})
		a, _ := in.DB.LocalAccount(ctx, "alice")
		if a.FollowersCount != 1 {
			t.Errorf("followers_count %d", a.FollowersCount)
		}
	})

	t.Run("a post from a followed actor is stored once however often it arrives", func(t *testing.T) {
		// alice follows xavier: accept comes from the fake side by hand.
		target, err := in.Engine().Resolver().Actor(ctx, xavier.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		f, err := in.Engine().Follow(ctx, alice.Account, target, activitypub.FollowOptions{ShowReblogs: true})
		if err != nil {
			t.Fatal(err)
		}
		accept := xavier.Activity("Accept", "accepts/1", f.URI, nil)
		if status, body := xavier.SignedPost(inbox, accept); status != 202 {
			t.Fatalf("accept: %d %s", status, body)
		}
		kontortest.Eventually(t, kontortest.Wait, "the follow to be accepted", func() bool {
			f, err := in.DB.FollowBetween(ctx, alice.Account.ID, target.ID)
			return err == nil && f.Accepted
		})
		create := xavier.Activity("Create", "creates/1", xavier.Note("1", "<p>Breaking news</p><script>alert(1)</script>", nil), nil)
		for range 3 {
			if status, body := xavier.SignedPost(inbox, create); status != 202 {
				t.Fatalf("create: %d %s", status, body)
			}
		}
		s := in.WaitStatus(xavier.ID + "/statuses/1")
		time.Sleep(200 * time.Millisecond)
		list, _ := in.DB.AccountStatuses(ctx, target.ID, db.ViewerOf(alice.Account.ID), db.AccountStatusesFilter{}, db.Page{Limit: 10})
		if len(list) != 1 {
			t.Errorf("%d copies stored", len(list))
		}
		if strings.Contains(s.Content, "script") || !strings.Contains(s.Content, "Breaking news") {
			t.Errorf("content not sanitized: %q", s.Content)
		}
	})

	t.Run("posts addressed to nobody here from nobody followed are ignored", func(t *testing.T) {
		stranger := remote.Actor("stranger")
		create := stranger.Activity("Create", "creates/2", stranger.Note("2", "not for you", nil), nil)
		if status, _ := stranger.SignedPost(inbox, create); status != 202 {
			t.Fatalf("status %d", status)
		}
		time.Sleep(300 * time.Millisecond)
		if in.StatusByURI(stranger.ID+"/statuses/2") != nil {
			t.Error("an irrelevant post was stored")
		}
	})

	t.Run("unknown types are accepted and ignored", func(t *testing.T) {
		if status, _ := xavier.SignedPost(inbox, xavier.Activity("EmojiReact", "r/1", alice.Account.URI, nil)); status != 202 {
			t.Errorf("status %d", status)
		}
	})

	t.Run("an object spoofed from another host is not trusted", func(t *testing.T) {
		// xavier embeds a note claiming to live on alice's instance.
		spoof := xavier.Note("3", "I am alice", map[string]any{"id": in.URL + "/users/alice/statuses/999", "attributedTo": xavier.ID})
		create := xavier.Activity("Create", "creates/3", spoof, nil)
		if status, _ := xavier.SignedPost(inbox, create); status != 202 {
			t.Fatalf("status %d", status)
		}
		// and one on a third host, which answers nothing
		other := kontortest.NewFakeServer(t)
		spoof2 := xavier.Note("4", "planted", map[string]any{"id": other.URL + "/notes/4"})
		xavier.SignedPost(inbox, xavier.Activity("Create", "creates/4", spoof2, nil))
		time.Sleep(500 * time.Millisecond)
		if in.StatusByURI(in.URL+"/users/alice/statuses/999") != nil || in.StatusByURI(other.URL+"/notes/4") != nil {
			t.Error("a spoofed object was stored")
		}
	})

	t.Run("mentions notify, deletes leave tombstones", func(t *testing.T) {
		n := xavier.Note("5", "<p>@alice hello</p>", map[string]any{
			"tag": []any{map[string]any{"type": "Mention", "href": alice.Account.URI, "name": "@alice"}},
			"cc":  []any{alice.Account.URI}})
		xavier.SignedPost(inbox, xavier.Activity("Create", "creates/5", n, nil))
		in.WaitStatus(xavier.ID + "/statuses/5")
		kontortest.Eventually(t, kontortest.Wait, "the mention notification", func() bool {
			list, _ := in.DB.Notifications(ctx, alice.Account.ID, db.NotificationFilter{Types: []string{"mention"}}, db.Page{Limit: 5})
			return len(list) == 1
		})
		del := xavier.Activity("Delete", "deletes/5", map[string]any{"id": xavier.ID + "/statuses/5", "type": "Tombstone"}, nil)
		xavier.SignedPost(inbox, del)
		kontortest.Eventually(t, kontortest.Wait, "the delete", func() bool { return in.StatusByURI(xavier.ID+"/statuses/5") == nil })
		// A late duplicate of the Create does not resurrect it.
		xavier.SignedPost(inbox, xavier.Activity("Create", "creates/5-again", n, nil))
		time.Sleep(300 * time.Millisecond)
		if in.StatusByURI(xavier.ID+"/statuses/5") != nil {
			t.Error("a deleted status came back")
		}
	})

	t.Run("someone else's status cannot be deleted", func(t *testing.T) {
		n := xavier.Note("6", "mine", nil)
		xavier.SignedPost(inbox, xavier.Activity("Create", "creates/6", n, nil))
		in.WaitStatus(xavier.ID + "/statuses/6")
		yves := remote.Actor("yves")
		yves.SignedPost(inbox, yves.Activity("Delete", "deletes/6", xavier.ID+"/statuses/6", nil))
		time.Sleep(300 * time.Millisecond)
		if in.StatusByURI(xavier.ID+"/statuses/6") == nil {
			t.Error("yves deleted xavier's status")
		}
	})

	t.Run("key rotation: a new key is fetched once the old one fails", func(t *testing.T) {
		rotating := remote.Actor("rotating")
		rotating.SignedPost(inbox, rotating.Activity("Like", "likes/0", alice.Account.URI, nil)) // key now cached
		spare := remote.Actor("spare")
		if spare.Key.Equal(rotating.Key) {
			t.Skip("key pool handed out the same key")
		}
		rotating.Key = spare.Key
		rotating.Doc["publicKey"] = map[string]any{"id": rotating.KeyID, "owner": rotating.ID,
			"publicKeyPem": spare.Doc["publicKey"].(map[string]any)["publicKeyPem"]}
		if status, body := rotating.SignedPost(inbox, rotating.Activity("Like", "likes/1", alice.Account.URI, nil)); status != 202 {
			t.Errorf("after rotation: %d %s", status, body)
		}
	})

	t.Run("actor deletion removes its content", func(t *testing.T) {
		doomed := remote.Actor("doomed")
		acct, err := in.Engine().Resolver().Actor(ctx, doomed.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		in.Engine().Follow(ctx, alice.Account, acct, activitypub.FollowOptions{})
		doomed.SignedPost(inbox, doomed.Activity("Accept", "a/1", map[string]any{"type": "Follow", "actor": alice.Account.URI, "object": doomed.ID}, nil))
		kontortest.Eventually(t, kontortest.Wait, "the follow", func() bool {
			f, err := in.DB.FollowBetween(ctx, alice.Account.ID, acct.ID)
			return err == nil && f.Accepted
		})
		doomed.SignedPost(inbox, doomed.Activity("Create", "c/1", doomed.Note("1", "soon gone", nil), nil))
		in.WaitStatus(doomed.ID + "/statuses/1")
		doomed.SignedPost(inbox, doomed.Activity("Delete", "d/self", doomed.ID, nil))
		kontortest.Eventually(t, kontortest.Wait, "the account's content to go", func() bool {
			return in.StatusByURI(doomed.ID+"/statuses/1") == nil
		})
		if _, err := in.DB.FollowBetween(ctx, alice.Account.ID, acct.ID); err == nil {
			t.Error("the follow of a deleted actor remains")
		}
	})

	t.Run("move is recorded when the target lists the old actor", func(t *testing.T) {
		old := remote.Actor("oldname")
		newer := remote.Actor("newname")
		newer.Doc["alsoKnownAs"] = []any{old.ID}
		if _, err := in.Engine().Resolver().Actor(ctx, old.ID, false); err != nil {
			t.Fatal(err)
		}
		move := old.Activity("Move", "moves/1", old.ID, map[string]any{"target": newer.ID})
		if status, _ := old.SignedPost(inbox, move); status != 202 {
			t.Fatalf("move: %d", status)
		}
		kontortest.Eventually(t, kontortest.Wait, "the move", func() bool {
			a, err := in.DB.AccountByURI(ctx, old.ID)
			return err == nil && a.MovedToAccountID != nil
		})
	})
}

// TestInboxForwarding: a remote reply to a local post, addressed to the
// local author's followers, is forwarded to them (original body).
func TestInboxForwarding(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	replier := kontortest.NewFakeServer(t)
	followers := kontortest.NewFakeServer(t)
	fan := followers.Actor("fan")
	x := replier.Actor("x")

	fan.SignedPost(in.URL+"/users/alice/inbox", fan.Activity("Follow", "f/1", alice.Account.URI, nil))
	kontortest.Eventually(t, kontortest.Wait, "the fan's follow", func() bool {
		a, _ := in.DB.LocalAccount(ctx, "alice")
		return a.FollowersCount == 1
	})
	post := in.Post(alice, activitypub.PostParams{Text: "Tell me", Visibility: db.Public})
	reply := x.Note("r1", "<p>@alice here is my answer</p>", map[string]any{
		"inReplyTo": post.URI,
		"cc":        []any{alice.Account.FollowersURI, alice.Account.URI},
		"tag":       []any{map[string]any{"type": "Mention", "href": alice.Account.URI}},
	})
	body := x.Activity("Create", "c/r1", reply, map[string]any{"cc": []any{alice.Account.FollowersURI}})
	if status, out := x.SignedPost(in.URL+"/inbox", body); status != 202 {
		t.Fatalf("reply: %d %s", status, out)
	}
	kontortest.Eventually(t, kontortest.Wait, "the forwarded reply at the fan's server", func() bool {
		for _, r := range followers.Received() {
			if bytes.Equal(r.Body, body) {
				return true
			}
		}
		return false
	})
}
