package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Alice posts through go-mastodon: text with a mention, a hashtag and a
// link becomes HTML; bob reads it, replies, and the thread links up.
func TestPostStatusThroughGoMastodon(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	ac, bc := stClient(in, alice.Token), stClient(in, bob.Token)

	s, err := ac.PostStatus(stCtx, &mastodon.Toot{Status: "Hello @bob #Kontor https://example.com/page", Visibility: "unlisted",
		SpoilerText: "greeting", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Visibility != "unlisted" || s.SpoilerText != "greeting" || !s.Sensitive || s.Language != "en" || s.Account.Acct != "alice" {
		t.Errorf("posted: %+v", s)
	}
	if len(s.Mentions) != 1 || s.Mentions[0].Acct != "bob" || string(s.Mentions[0].ID) != db.FormatID(bob.Account.ID) {
		t.Errorf("mentions: %+v", s.Mentions)
	}
	if len(s.Tags) != 1 || s.Tags[0].Name != "kontor" {
		t.Errorf("tags: %+v", s.Tags)
	}
	for _, want := range []string{`href="https://example.com/page"`, `/tags/kontor"`, `@<span>bob</span>`} {
		if !strings.Contains(s.Content, want) {
			t.Errorf("content lacks %s: %s", want, s.Content)
		}
	}

	got, err := bc.GetStatus(stCtx, s.ID)
	if err != nil || got.ID != s.ID || got.Content != s.Content {
		t.Fatalf("bob reads: %v %+v", err, got)
	}
	reply, err := bc.PostStatus(stCtx, &mastodon.Toot{Status: "@alice hi back", InReplyToID: s.ID})
	if err != nil {
		t.Fatal(err)
	}
	if reply.InReplyToID != string(s.ID) || reply.InReplyToAccountID != db.FormatID(alice.Account.ID) {
		t.Errorf("reply links: %v %v", reply.InReplyToID, reply.InReplyToAccountID)
	}
	ctxt, err := ac.GetStatusContext(stCtx, s.ID)
	if err != nil || len(ctxt.Ancestors) != 0 || len(ctxt.Descendants) != 1 || ctxt.Descendants[0].ID != reply.ID {
		t.Fatalf("context of the post: %v %+v", err, ctxt)
	}
	ctxt, err = ac.GetStatusContext(stCtx, reply.ID)
	if err != nil || len(ctxt.Ancestors) != 1 || ctxt.Ancestors[0].ID != s.ID || len(ctxt.Descendants) != 0 {
		t.Fatalf("context of the reply: %v %+v", err, ctxt)
	}
	again, _ := ac.GetStatus(stCtx, s.ID)
	if again.RepliesCount != 1 {
		t.Errorf("replies_count %d", again.RepliesCount)
	}

	poll, err := ac.PostStatus(stCtx, &mastodon.Toot{Status: "Tea or coffee?", Poll: &mastodon.TootPoll{
		Options: []string{"tea", "coffee"}, ExpiresInSeconds: 3600, Multiple: true}})
	if err != nil {
		t.Fatal(err)
	}
	if poll.Poll == nil || len(poll.Poll.Options) != 2 || !poll.Poll.Multiple || poll.Poll.Options[1].Title != "coffee" {
		t.Errorf("poll: %+v", poll.Poll)
	}
}

// POST /api/v1/statuses from Tusky (form) and masto (JSON) alike, with the
// user's defaults and the token's application.
func TestPostStatusBodiesAndDefaults(t *testing.T) {
	in := stStart(t)
	alice := in.CreateUser("alice")
	m1, m2 := stMedia(t, in, alice), stMedia(t, in, alice)

	form := url.Values{"status": {"with pictures"}, "media_ids[]": {db.FormatID(m2.ID), db.FormatID(m1.ID)},
		"sensitive": {"1"}, "visibility": {"private"}}
	s := stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses", alice.Token, form)
	if s.Visibility != "private" || len(s.MediaAttachments) != 2 || s.MediaAttachments[0].ID != db.FormatID(m2.ID) {
		t.Errorf("form post: %+v", s)
	}
	formPoll := url.Values{"status": {"pick"}, "poll[options][]": {"a", "b", "c"}, "poll[expires_in]": {"600"}, "poll[hide_totals]": {"true"}}
	if s := stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses", alice.Token, formPoll); s.Poll == nil || len(s.Poll.Options) != 3 {
		t.Errorf("form poll: %+v", s.Poll)
	}
	jsonPoll := `{"status":"pick one","poll":{"options":["x","y"],"expires_in":600,"multiple":false},"in_reply_to_id":null,"media_ids":[]}`
	if s := stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses", alice.Token, jsonPoll); s.Poll == nil || s.Poll.Options[0].Title != "x" {
		t.Errorf("json poll: %+v", s.Poll)
	}

	// The user's posting defaults apply when the client sends none.
	// Set through the API: a write past Kontor's store is not heard by its caches.
	stOK[map[string]any](t, in, http.MethodPatch, "/api/v1/accounts/update_credentials", alice.Token,
		url.Values{"source[privacy]": {"unlisted"}, "source[sensitive]": {"true"}, "source[language]": {"de"}})
	var raw map[string]any
	json.Unmarshal(stCallOK(t, in, alice.Token, map[string]any{"status": "defaults"}), &raw)
	if raw["visibility"] != "unlisted" || raw["sensitive"] != true || raw["language"] != "de" {
		t.Errorf("defaults: visibility %v sensitive %v language %v", raw["visibility"], raw["sensitive"], raw["language"])
	}

	// The application is the token's.
	appID := in.DB.NewID()
	stExec(t, in, "INSERT INTO oauth_apps (id, name, website, redirect_uris, scopes, client_id, client_secret, created_at) VALUES (?, 'Tusky', 'https://tusky.app', 'urn:ietf:wg:oauth:2.0:oob', 'read write', ?, 'secret', ?)",
		appID, fmt.Sprint(appID), time.Now().UTC())
	tok, err := in.DB.CreateToken(stCtx, db.NewToken{AppID: &appID, UserID: &alice.User.ID, AccountID: &alice.Account.ID, Scopes: []string{"write"}})
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(stCallOK(t, in, tok.AccessToken, map[string]any{"status": "from an app"}), &raw)
	app, _ := raw["application"].(map[string]any)
	if app["name"] != "Tusky" || app["website"] != "https://tusky.app" {
		t.Errorf("application: %v", raw["application"])
	}
}

// stCallOK posts a status and returns the raw body.
func stCallOK(t *testing.T, in *kontortest.Instance, token string, body any) []byte {
	t.Helper()
	resp, data := stCall(t, in, http.MethodPost, "/api/v1/statuses", token, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("post: %d %s", resp.StatusCode, data)
	}
	return data
}

var apiTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// Every documented Status field is there, and those Tusky reads without a
// null check are never null.
func TestStatusJSONShape(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	m := stMedia(t, in, alice)
	posted := stPost(t, in, alice, map[string]any{"status": "look @bob #tag", "media_ids": []string{db.FormatID(m.ID)}, "language": "en"})

	check := func(name string, token string, withViewer, own bool) {
		t.Run(name, func(t *testing.T) {
			_, data := stCall(t, in, http.MethodGet, "/api/v1/statuses/"+posted.ID, token, nil)
			var st map[string]any
			if err := json.Unmarshal(data, &st); err != nil {
				t.Fatal(err)
			}
			nonNull := []string{"id", "uri", "created_at", "account", "content", "visibility", "sensitive", "spoiler_text",
				"media_attachments", "mentions", "tags", "emojis", "reblogs_count", "favourites_count", "replies_count", "quotes_count"}
			present := []string{"url", "in_reply_to_id", "in_reply_to_account_id", "reblog", "poll", "card", "language", "text", "edited_at", "application"}
			viewerFields := []string{"favourited", "reblogged", "muted", "bookmarked"}
			for _, k := range nonNull {
				if v, ok := st[k]; !ok || v == nil {
					t.Errorf("%s missing or null", k)
				}
			}
			for _, k := range present {
				if _, ok := st[k]; !ok {
					t.Errorf("%s missing", k)
				}
			}
			for _, k := range viewerFields {
				if _, ok := st[k]; ok != withViewer {
					t.Errorf("%s present=%v, want %v", k, ok, withViewer)
				}
			}
			if _, ok := st["pinned"]; ok != own {
				t.Errorf("pinned present=%v for own=%v", ok, own)
			}
			if _, ok := st["id"].(string); !ok {
				t.Errorf("id is not a string: %v", st["id"])
			}
			if s, _ := st["created_at"].(string); !apiTimeRE.MatchString(s) {
				t.Errorf("created_at %q", s)
			}
			acct := st["account"].(map[string]any)
			for _, k := range []string{"id", "username", "acct", "url", "avatar", "note", "created_at", "header", "emojis", "fields"} {
				if acct[k] == nil {
					t.Errorf("account.%s missing or null", k)
				}
			}
			att := st["media_attachments"].([]any)[0].(map[string]any)
			if att["url"] == nil || att["id"] != db.FormatID(m.ID) || att["type"] != "image" {
				t.Errorf("attachment: %v", att)
			}
			men := st["mentions"].([]any)[0].(map[string]any)
			for _, k := range []string{"id", "username", "url", "acct"} {
				if men[k] == nil {
					t.Errorf("mention.%s missing", k)
				}
			}
		})
	}
	check("anonymous", "", false, false)
	check("signed in", bob.Token, true, false)
	check("author", alice.Token, true, true)
}

// An Idempotency-Key names one status per user for an hour: the same key
// gives the same status, even when both requests arrive at once; another
// user's key is another key; a refused request does not use the key up.
func TestPostStatusIdempotencyKey(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")

	post := func(u *kontortest.User, key, text string) (int, stStatus) {
		resp, data := stCall(t, in, http.MethodPost, "/api/v1/statuses", u.Token, map[string]any{"status": text}, "Idempotency-Key: "+key)
		var s stStatus
		json.Unmarshal(data, &s)
		return resp.StatusCode, s
	}
	_, first := post(alice, "key-1", "once")
	_, second := post(alice, "key-1", "once")
	if first.ID == "" || first.ID != second.ID {
		t.Errorf("same key, two statuses: %s %s", first.ID, second.ID)
	}
	if n := stCount(t, in, alice); n != 1 {
		t.Errorf("alice has %d statuses", n)
	}
	_, other := post(bob, "key-1", "once")
	if other.ID == "" || other.ID == first.ID || other.Account.ID != db.FormatID(bob.Account.ID) {
		t.Errorf("bob's key-1 gave %+v", other)
	}
	_, third := post(alice, "key-2", "twice")
	if third.ID == first.ID {
		t.Error("a new key gave the old status")
	}

	// A refused post leaves the key free for the corrected retry.
	if code, _ := post(alice, "key-3", strings.Repeat("x", 600)); code != http.StatusUnprocessableEntity {
		t.Fatalf("too long: %d", code)
	}
	if code, s := post(alice, "key-3", "short"); code != http.StatusOK || s.ID == "" {
		t.Fatalf("retry: %d %+v", code, s)
	}

	// Concurrent duplicates (Tusky retrying on a slow network).
	before := stCount(t, in, alice)
	var wg sync.WaitGroup
	ids := make([]string, 6)
	codes := make([]int, 6)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, in.URL+"/api/v1/statuses", strings.NewReader(`{"status":"racing"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+alice.Token)
			req.Header.Set("Idempotency-Key", "race")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			var s stStatus
			json.NewDecoder(resp.Body).Decode(&s)
			ids[i], codes[i] = s.ID, resp.StatusCode
		}()
	}
	wg.Wait()
	for i := range ids {
		if codes[i] != http.StatusOK || ids[i] != ids[0] {
			t.Errorf("concurrent request %d: %d %s (first %s)", i, codes[i], ids[i], ids[0])
		}
	}
	if n := stCount(t, in, alice); n != before+1 {
		t.Errorf("concurrent duplicates stored %d statuses", n-before)
	}

	// go-mastodon with the header set by its HTTP client.
	c := stClient(in, alice.Token)
	c.Transport = stHeaderTransport{"Idempotency-Key", "gm-1"}
	s1, err := c.PostStatus(stCtx, &mastodon.Toot{Status: "from go-mastodon"})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.PostStatus(stCtx, &mastodon.Toot{Status: "from go-mastodon"})
	if err != nil || s2.ID != s1.ID {
		t.Errorf("go-mastodon retry: %v %s %s", err, s1.ID, s2.ID)
	}
}

type stHeaderTransport struct{ key, value string }

func (h stHeaderTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.key, h.value)
	return http.DefaultTransport.RoundTrip(r)
}

// Refused posts answer 4xx with a JSON error naming the problem, and store nothing.
func TestPostStatusRefused(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	bobsMedia := stMedia(t, in, bob)
	readOnly := stTokenWith(t, in, alice, "read")
	revoked := stTokenWith(t, in, alice, "write")
	if err := in.DB.RevokeToken(stCtx, revoked); err != nil {
		t.Fatal(err)
	}
	soon := time.Now().Add(2 * time.Minute).UTC().Format(time.RFC3339)
	cases := []struct {
		name   string
		token  string
		body   any
		status int
		want   string // in the error message
	}{
		{"over the character limit", alice.Token, map[string]any{"status": strings.Repeat("a", 501)}, 422, "status"},
		{"blank", alice.Token, map[string]any{"status": "  "}, 422, "status"},
		{"malformed JSON", alice.Token, `{"status": "x"`, 400, "JSON"},
		{"JSON not an object", alice.Token, `["status"]`, 400, "object"},
		{"sensitive not a boolean", alice.Token, map[string]any{"status": "x", "sensitive": "maybe"}, 422, "sensitive"},
		{"media_ids not ids", alice.Token, map[string]any{"status": "x", "media_ids": []string{"abc"}}, 422, "media_ids"},
		{"someone else's media", alice.Token, map[string]any{"status": "x", "media_ids": []string{db.FormatID(bobsMedia.ID)}}, 422, "media_ids"},
		{"in_reply_to_id not an id", alice.Token, map[string]any{"status": "x", "in_reply_to_id": "abc"}, 422, "in_reply_to_id"},
		{"unknown visibility", alice.Token, map[string]any{"status": "x", "visibility": "secret"}, 422, "visibility"},
		{"poll expires_in not a number", alice.Token, map[string]any{"status": "x", "poll": map[string]any{"options": []string{"a", "b"}, "expires_in": "soon"}}, 422, "poll"},
		{"poll with one option", alice.Token, map[string]any{"status": "x", "poll": map[string]any{"options": []string{"a"}, "expires_in": 600}}, 422, "poll"},
		{"poll and media", alice.Token, map[string]any{"status": "x", "media_ids": []string{db.FormatID(stMedia(t, in, alice).ID)}, "poll": map[string]any{"options": []string{"a", "b"}, "expires_in": 600}}, 422, "poll"},
		{"reply to an unknown status", alice.Token, map[string]any{"status": "x", "in_reply_to_id": "12345"}, 404, "reply"},
		{"scheduled too soon", alice.Token, map[string]any{"status": "later", "scheduled_at": soon}, 422, "scheduled_at"},
		{"scheduled_at not a time", alice.Token, map[string]any{"status": "later", "scheduled_at": "tomorrow"}, 422, "scheduled_at"},
		{"no token", "", map[string]any{"status": "x"}, 401, "token"},
		{"token without write:statuses", readOnly, map[string]any{"status": "x"}, 403, "scope"},
		{"revoked token", revoked, map[string]any{"status": "x"}, 401, "token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, data := stCall(t, in, http.MethodPost, "/api/v1/statuses", c.token, c.body)
			var e struct {
				Error string `json:"error"`
			}
			if resp.StatusCode != c.status || json.Unmarshal(data, &e) != nil || !strings.Contains(e.Error, c.want) {
				t.Errorf("%d %s, want %d with %q", resp.StatusCode, data, c.status, c.want)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	if n := stCount(t, in, alice); n != 0 {
		t.Errorf("refused posts stored %d statuses", n)
	}
	// A scheduled_at in the past posts at once, as on Mastodon.
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	if s := stPost(t, in, alice, map[string]any{"status": "now", "scheduled_at": past}); s.ID == "" {
		t.Error("past scheduled_at did not post")
	}
}

// Unknown or malformed ids are 404 on every status endpoint.
func TestStatusUnknownIDs(t *testing.T) {
	in := stStart(t)
	alice := in.CreateUser("alice")
	paths := []string{"", "/context", "/history", "/source", "/favourited_by", "/reblogged_by", "/card"}
	posts := []string{"/favourite", "/unfavourite", "/reblog", "/unreblog", "/bookmark", "/unbookmark", "/pin", "/unpin", "/mute", "/unmute"}
	for _, id := range []string{"12345", "abc", "-1"} {
		for _, p := range paths {
			if resp, data := stCall(t, in, http.MethodGet, "/api/v1/statuses/"+id+p, alice.Token, nil); resp.StatusCode != 404 || !json.Valid(data) {
				t.Errorf("GET %s%s: %d %s", id, p, resp.StatusCode, data)
			}
		}
		for _, p := range posts {
			if resp, data := stCall(t, in, http.MethodPost, "/api/v1/statuses/"+id+p, alice.Token, nil); resp.StatusCode != 404 || !json.Valid(data) {
				t.Errorf("POST %s%s: %d %s", id, p, resp.StatusCode, data)
			}
		}
		if resp, _ := stCall(t, in, http.MethodDelete, "/api/v1/statuses/"+id, alice.Token, nil); resp.StatusCode != 404 {
			t.Errorf("DELETE %s: %d", id, resp.StatusCode)
		}
		if resp, _ := stCall(t, in, http.MethodPut, "/api/v1/statuses/"+id, alice.Token, map[string]any{"status": "x"}); resp.StatusCode != 404 {
			t.Errorf("PUT %s: %d", id, resp.StatusCode)
		}
	}
}

// DELETE answers the status with its source, poll and attachments, so a
// client can redraft it; the attachments are free for the new post.
func TestDeleteStatusForRedraft(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	m := stMedia(t, in, alice)
	withMedia := stPost(t, in, alice, map[string]any{"status": "see #pic", "media_ids": []string{db.FormatID(m.ID)}})
	withPoll := stPost(t, in, alice, map[string]any{"status": "vote @bob", "poll": map[string]any{"options": []string{"yes", "no"}, "expires_in": 3600}})

	if resp, _ := stCall(t, in, http.MethodDelete, "/api/v1/statuses/"+withPoll.ID, bob.Token, nil); resp.StatusCode != 404 {
		t.Errorf("bob deletes alice's status: %d", resp.StatusCode)
	}
	gone := stOK[stStatus](t, in, http.MethodDelete, "/api/v1/statuses/"+withPoll.ID, alice.Token, nil)
	if gone.Text == nil || *gone.Text != "vote @bob" || gone.Poll == nil || len(gone.Poll.Options) != 2 {
		t.Errorf("deleted poll status: %+v", gone)
	}
	var raw map[string]any
	_, data := stCall(t, in, http.MethodDelete, "/api/v1/statuses/"+withMedia.ID, alice.Token, nil)
	json.Unmarshal(data, &raw)
	if raw["text"] != "see #pic" || len(raw["media_attachments"].([]any)) != 1 || len(raw["tags"].([]any)) != 1 {
		t.Errorf("deleted media status: %s", data)
	}
	for _, id := range []string{withMedia.ID, withPoll.ID} {
		if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/statuses/"+id, alice.Token, nil); resp.StatusCode != 404 {
			t.Errorf("deleted %s still readable: %d", id, resp.StatusCode)
		}
	}
	redraft := stPost(t, in, alice, map[string]any{"status": "see #pic", "media_ids": []string{db.FormatID(m.ID)}})
	if len(redraft.MediaAttachments) != 1 {
		t.Errorf("redraft lost the attachment: %+v", redraft)
	}
	// go-mastodon's DeleteStatus.
	if err := stClient(in, alice.Token).DeleteStatus(stCtx, mastodon.ID(redraft.ID)); err != nil {
		t.Fatal(err)
	}
	if n := stCount(t, in, alice); n != 0 {
		t.Errorf("%d statuses left", n)
	}
}

// The thread of a status: ancestors oldest first, descendants depth first
// in reply order; invisible statuses are skipped but walked through.
func TestStatusContext(t *testing.T) {
	in := stStart(t)
	alice, bob, carol, dave := in.CreateUser("alice"), in.CreateUser("bob"), in.CreateUser("carol"), in.CreateUser("dave")
	stFollow(t, in, bob, alice)
	root := stPost(t, in, alice, map[string]any{"status": "root"})
	r1 := stPost(t, in, bob, map[string]any{"status": "r1", "in_reply_to_id": root.ID})
	r2 := stPost(t, in, carol, map[string]any{"status": "r2", "in_reply_to_id": root.ID})
	r1a := stPost(t, in, alice, map[string]any{"status": "r1a", "in_reply_to_id": r1.ID})
	priv := stPost(t, in, alice, map[string]any{"status": "r1a-private", "in_reply_to_id": r1a.ID, "visibility": "private"})
	deep := stPost(t, in, alice, map[string]any{"status": "public under private", "in_reply_to_id": priv.ID})
	r1b := stPost(t, in, bob, map[string]any{"status": "r1b", "in_reply_to_id": r1.ID})

	context := func(token, id string) (anc, desc []string) {
		t.Helper()
		c := stOK[struct{ Ancestors, Descendants []stStatus }](t, in, http.MethodGet, "/api/v1/statuses/"+id+"/context", token, nil)
		return stIDs(c.Ancestors), stIDs(c.Descendants)
	}
	eq := func(what string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	_, desc := context(bob.Token, root.ID)
	eq("follower's descendants", desc, r1.ID, r1a.ID, priv.ID, deep.ID, r1b.ID, r2.ID)
	_, desc = context(dave.Token, root.ID)
	eq("stranger's descendants", desc, r1.ID, r1a.ID, deep.ID, r1b.ID, r2.ID)
	_, desc = context("", root.ID)
	eq("anonymous descendants", desc, r1.ID, r1a.ID, deep.ID, r1b.ID, r2.ID)
	anc, _ := context(dave.Token, deep.ID)
	eq("stranger's ancestors", anc, root.ID, r1.ID, r1a.ID)
	anc, _ = context(bob.Token, deep.ID)
	eq("follower's ancestors", anc, root.ID, r1.ID, r1a.ID, priv.ID)
	if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/statuses/"+priv.ID+"/context", dave.Token, nil); resp.StatusCode != 404 {
		t.Errorf("stranger reads the private status's context: %d", resp.StatusCode)
	}

	// Blocks hide both ways; mutes hide the muted account's replies.
	stBlock(t, in, dave, bob)
	_, desc = context(dave.Token, root.ID)
	eq("after dave blocks bob", desc, r1a.ID, deep.ID, r2.ID)
	stBlock(t, in, carol, dave)
	_, desc = context(dave.Token, root.ID)
	eq("after carol blocks dave", desc, r1a.ID, deep.ID)
	stExec(t, in, "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, created_at) VALUES (?, ?, ?, TRUE, ?)",
		in.DB.NewID(), bob.Account.ID, carol.Account.ID, time.Now().UTC())
	_, desc = context(bob.Token, root.ID)
	eq("bob mutes carol", desc, r1.ID, r1a.ID, priv.ID, deep.ID, r1b.ID)
}

// GET /api/v1/statuses?id[]= returns those the viewer may see, in order.
func TestStatusesByIDs(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	a := stPost(t, in, alice, map[string]any{"status": "a"})
	b := stPost(t, in, alice, map[string]any{"status": "b", "visibility": "private"})
	c := stPost(t, in, alice, map[string]any{"status": "c", "visibility": "unlisted"})
	q := "/api/v1/statuses?id[]=" + c.ID + "&id[]=" + b.ID + "&id[]=12345&id[]=" + a.ID + "&id[]=" + c.ID
	if got := stIDs(stOK[[]stStatus](t, in, http.MethodGet, q, alice.Token, nil)); strings.Join(got, ",") != c.ID+","+b.ID+","+a.ID {
		t.Errorf("alice: %v", got)
	}
	if got := stIDs(stOK[[]stStatus](t, in, http.MethodGet, q, bob.Token, nil)); strings.Join(got, ",") != c.ID+","+a.ID {
		t.Errorf("bob: %v", got)
	}
	if got := stIDs(stOK[[]stStatus](t, in, http.MethodGet, q, "", nil)); strings.Join(got, ",") != c.ID+","+a.ID {
		t.Errorf("anonymous: %v", got)
	}
	if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/statuses?id[]=x", bob.Token, nil); resp.StatusCode != 422 {
		t.Errorf("bad id: %d", resp.StatusCode)
	}
	// The card endpoint answers {} for a post without a link (cards_test.go has the rest).
	if resp, data := stCall(t, in, http.MethodGet, "/api/v1/statuses/"+a.ID+"/card", bob.Token, nil); resp.StatusCode != 200 || string(data) != "{}" {
		t.Errorf("card: %d %s", resp.StatusCode, data)
	}
}

// Reads need read:statuses when a token is sent; a bad token is 401 even
// where anonymous access is allowed.
func TestStatusReadAuth(t *testing.T) {
	in := stStart(t)
	alice := in.CreateUser("alice")
	s := stPost(t, in, alice, map[string]any{"status": "hi"})
	other := stTokenWith(t, in, alice, "read:accounts")
	for _, p := range []string{"", "/context", "/history", "/source"} {
		if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/statuses/"+s.ID+p, other, nil); resp.StatusCode != 403 {
			t.Errorf("%s without read:statuses: %d", p, resp.StatusCode)
		}
		if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/statuses/"+s.ID+p, "not-a-token", nil); resp.StatusCode != 401 {
			t.Errorf("%s with a bad token: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := stCall(t, in, http.MethodGet, "/api/v1/statuses/"+s.ID+"/source", "", nil); resp.StatusCode != 401 {
		t.Errorf("anonymous source: %d", resp.StatusCode)
	}
	var apiErr *mastodon.APIError
	if _, err := stClient(in, other).GetStatus(stCtx, mastodon.ID(s.ID)); !errors.As(err, &apiErr) || apiErr.StatusCode != 403 {
		t.Errorf("go-mastodon without scope: %v", err)
	}
}
