package federation_test

// Regression tests for what running Kontor beside a real GoToSocial
// (v0.20.0-rc1, on loopback) showed. They need no GoToSocial: the fake
// server speaks with the shapes GoToSocial sends (see interop/GOTOSOCIAL.md).

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/signature"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// gtsAccept is the Accept header of GoToSocial's dereferencing GETs.
const gtsAccept = `application/ld+json; profile="https://www.w3.org/ns/activitystreams",application/activity+json`

// gtsActor makes an actor shaped like a GoToSocial one: its key id is a path
// of its own (…/main-key, no fragment) that serves a stub of the actor with
// the key, it has no shared inbox and it is locked.
func gtsActor(remote *kontortest.FakeServer, username string) *kontortest.FakeActor {
	a := remote.Actor(username)
	a.KeyID = a.ID + "/main-key"
	key := a.Doc["publicKey"].(map[string]any)
	key["id"] = a.KeyID
	delete(a.Doc, "endpoints")
	a.Doc["manuallyApprovesFollowers"] = true
	a.Doc["url"] = remote.URL + "/@" + username
	remote.Object("/users/"+username+"/main-key", map[string]any{
		"@context":          []any{"https://w3id.org/security/v1", "https://www.w3.org/ns/activitystreams"},
		"id":                a.ID,
		"type":              "Person",
		"preferredUsername": username,
		"publicKey":         key,
	})
	return a
}

// gtsGet GETs url as GoToSocial does: signed "(request-target) host date"
// with algorithm="hs2019" (RSA-SHA256 underneath) and its Accept header.
func gtsGet(t *testing.T, a *kontortest.FakeActor, url string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", gtsAccept)
	req.Header.Set("Accept-Charset", "utf-8")
	if err := signature.SignRequest(req, nil, a.KeyID, a.Key); err != nil {
		t.Fatal(err)
	}
	sig := req.Header.Get("Signature")
	if !strings.Contains(sig, `algorithm="rsa-sha256"`) {
		t.Fatalf("unexpected signature header %s", sig)
	}
	req.Header.Set("Signature", strings.Replace(sig, `algorithm="rsa-sha256"`, `algorithm="hs2019"`, 1))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// TestStatusWebURLAnswersActivityPub: GoToSocial (like Mastodon) resolves a
// pasted status link by GETting it with an ActivityPub Accept. Kontor's
// status `url` is /@user/id; it answered 404, so a GoToSocial user could
// not look a Kontor post up by its link.
func TestStatusWebURLAnswersActivityPub(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.AuthorizedFetch = true }})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	gina := gtsActor(remote, "gina")
	stranger := gtsActor(remote, "stranger")
	gina.FollowLocal(in, alice)

	public := in.Post(alice, activitypub.PostParams{Text: "public by link", Visibility: db.Public})
	private := in.Post(alice, activitypub.PostParams{Text: "followers by link", Visibility: db.Private})
	for _, s := range []*db.Status{public, private} {
		if s.URL == s.URI || !strings.Contains(s.URL, "/@alice/") {
			t.Fatalf("status url %q: the test expects the web URL to differ from the id", s.URL)
		}
	}

	status, body := gtsGet(t, gina, public.URL)
	if status != 200 {
		t.Fatalf("GoToSocial-style GET of %s: %d %s", public.URL, status, body)
	}
	doc := decode(t, body)
	if doc["id"] != public.URI || doc["type"] != "Note" || doc["url"] != public.URL {
		t.Errorf("document at the web URL: %s", body)
	}
	// The same visibility rules as at the id.
	if status, _ := gtsGet(t, gina, private.URL); status != 200 {
		t.Errorf("follower GET of a private status by its web URL: %d", status)
	}
	if status, body := gtsGet(t, stranger, private.URL); status != 404 || strings.Contains(string(body), "followers by link") {
		t.Errorf("stranger GET of a private status by its web URL: %d %s", status, body)
	}
	resp, _ := in.Get(strings.TrimPrefix(public.URL, in.URL), "Accept: application/activity+json")
	if resp.StatusCode != 401 {
		t.Errorf("unsigned GET under authorized fetch: %d, want 401", resp.StatusCode)
	}
	// Browsers get the HTML page there (authorized fetch is about
	// ActivityPub GETs), never the JSON.
	resp, body = in.Get(strings.TrimPrefix(public.URL, in.URL), "Accept: text/html")
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/html") {
		t.Errorf("browser GET of the web URL: %d %s %s", resp.StatusCode, ct, body)
	}
	// Unknown ids and users, and boosts, are 404.
	for _, p := range []string{"/@alice/1", "/@nobody/" + db.FormatID(public.ID), "/@alice/x"} {
		if status, _ := gtsGet(t, gina, in.URL+p); status != 404 {
			t.Errorf("GET %s: %d, want 404", p, status)
		}
	}
}

// TestInstanceActorOutbox: the instance actor advertises an outbox;
// GoToSocial GETs it to count the actor's posts and logged a 404.
func TestInstanceActorOutbox(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.AuthorizedFetch = true }})
	_, body := in.Get("/actor", "Accept: application/activity+json")
	outbox, _ := decode(t, body)["outbox"].(string)
	if !strings.HasPrefix(outbox, in.URL+"/") {
		t.Fatalf("instance actor outbox %q", outbox)
	}
	remote := kontortest.NewFakeServer(t)
	gina := gtsActor(remote, "gina")
	status, body := gtsGet(t, gina, outbox)
	if status != 200 {
		t.Fatalf("GET %s: %d %s", outbox, status, body)
	}
	doc := decode(t, body)
	if doc["id"] != outbox || doc["type"] != "OrderedCollection" || doc["totalItems"] != float64(0) {
		t.Errorf("instance actor outbox: %s", body)
	}
}

// gtsPost delivers an activity as GoToSocial does: Content-Type
// application/ld+json with the AS profile, signed "(request-target) host
// date digest" with algorithm="hs2019".
func gtsPost(t *testing.T, a *kontortest.FakeActor, url string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := signature.SignRequest(req, body, a.KeyID, a.Key); err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Signature", strings.Replace(req.Header.Get("Signature"), `algorithm="rsa-sha256"`, `algorithm="hs2019"`, 1))
	req.Header.Set("Content-Type", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// gtsFollowedBy makes u follow the GoToSocial-shaped actor a (a follow
// request there, accepted by hand as GoToSocial's API would).
func gtsFollowedBy(t *testing.T, in *kontortest.Instance, u *kontortest.User, a *kontortest.FakeActor) *db.Account {
	t.Helper()
	target, err := in.Engine().Resolver().Actor(ctx, a.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := in.Engine().Follow(ctx, u.Account, target, activitypub.FollowOptions{ShowReblogs: true})
	if err != nil {
		t.Fatal(err)
	}
	accept, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"actor":    a.ID,
		"id":       a.ID + "/accepts/01ACCEPT" + u.Account.Username,
		"object": map[string]any{"actor": u.Account.URI, "id": f.URI, "object": a.ID,
			"to": a.ID, "type": "Follow"},
		"to":   u.Account.URI,
		"type": "Accept",
	})
	if status, body := gtsPost(t, a, in.URL+"/users/"+u.Account.Username+"/inbox", accept); status != 202 {
		t.Fatalf("accept: %d %s", status, body)
	}
	kontortest.Eventually(t, kontortest.Wait, "the follow to be accepted", func() bool {
		f, err := in.DB.FollowBetween(ctx, u.Account.ID, target.ID)
		return err == nil && f.Accepted
	})
	return target
}

// gtsNote is a Note as GoToSocial v0.20 renders one (the shape, from a
// Create it delivered): string to/cc, contentMap, an interactionPolicy, a
// replies Collection, empty summary and tag.
func gtsNote(a *kontortest.FakeActor, id, text string, extra map[string]any) map[string]any {
	uri := a.ID + "/statuses/" + id
	n := map[string]any{
		"attributedTo": a.ID,
		"cc":           "https://www.w3.org/ns/activitystreams#Public",
		"content":      "<p>" + text + "</p>",
		"contentMap":   map[string]any{"en": "<p>" + text + "</p>"},
		"id":           uri,
		"interactionPolicy": map[string]any{
			"canLike": map[string]any{"always": []any{"https://www.w3.org/ns/activitystreams#Public"}, "approvalRequired": []any{},
				"automaticApproval": []any{"https://www.w3.org/ns/activitystreams#Public"}, "manualApproval": []any{}},
		},
		"published": time.Now().UTC().Format(time.RFC3339),
		"replies": map[string]any{"id": uri + "/replies", "type": "Collection",
			"first": map[string]any{"id": uri + "/replies?page=true", "partOf": uri + "/replies", "type": "CollectionPage"}},
		"sensitive": false,
		"summary":   "",
		"tag":       []any{},
		"to":        a.ID + "/followers",
		"type":      "Note",
		"url":       a.Server.URL + "/@" + a.Username + "/statuses/" + id,
	}
	for k, v := range extra {
		n[k] = v
	}
	return n
}

// gtsCreate wraps a Note in GoToSocial's Create (id …/activity#Create).
func gtsCreate(a *kontortest.FakeActor, note map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"@context": []any{"https://gotosocial.org/ns", "https://www.w3.org/ns/activitystreams",
			map[string]any{"blurhash": "toot:blurhash", "sensitive": "as:sensitive", "toot": "http://joinmastodon.org/ns#"}},
		"actor":     a.ID,
		"cc":        note["cc"],
		"id":        note["id"].(string) + "/activity#Create",
		"object":    note,
		"published": note["published"],
		"to":        note["to"],
		"type":      "Create",
	})
	return b
}

// TestGoToSocialAttachmentAltText: GoToSocial sends an attachment's alt
// text as summary, not name; Kontor showed no description.
func TestGoToSocialAttachmentAltText(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	gina := gtsActor(remote, "gina")
	gtsFollowedBy(t, in, alice, gina)

	att := func(file, name, summary string) map[string]any {
		m := map[string]any{"blurhash": "LyHLF[2swxX8mHWWjtf7gJfjfQfj", "mediaType": "image/png", "type": "Image",
			"url": remote.URL + "/fileserver/01T1/attachment/original/" + file}
		if name != "" {
			m["name"] = name
		}
		if summary != "" {
			m["summary"] = summary
		}
		return m
	}
	note := gtsNote(gina, "01M8B0QA50KQPDZ5PD6TSWJPZG", "Gina with image", map[string]any{"attachment": []any{
		att("a.png", "", "gts alt text"),
		att("b.png", "mastodon alt text", ""),
		att("c.png", "name wins", "summary loses"),
		att("d.png", "", ""),
	}})
	if status, body := gtsPost(t, gina, in.URL+"/inbox", gtsCreate(gina, note)); status != 202 {
		t.Fatalf("create: %d %s", status, body)
	}
	s := in.WaitStatus(note["id"].(string))
	resp, body := in.Get("/api/v1/statuses/"+db.FormatID(s.ID), "Authorization: Bearer "+alice.Token)
	if resp.StatusCode != 200 {
		t.Fatalf("status: %d %s", resp.StatusCode, body)
	}
	var got struct {
		Media []struct {
			RemoteURL   string  `json:"remote_url"`
			Description *string `json:"description"`
			Blurhash    *string `json:"blurhash"`
		} `json:"media_attachments"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a.png": "gts alt text", "b.png": "mastodon alt text", "c.png": "name wins", "d.png": ""}
	if len(got.Media) != len(want) {
		t.Fatalf("%d attachments: %s", len(got.Media), body)
	}
	for _, m := range got.Media {
		file := m.RemoteURL[strings.LastIndex(m.RemoteURL, "/")+1:]
		desc := ""
		if m.Description != nil {
			desc = *m.Description
		}
		if desc != want[file] {
			t.Errorf("%s: description %q, want %q", file, desc, want[file])
		}
		if m.Blurhash == nil || *m.Blurhash == "" {
			t.Errorf("%s: blurhash lost", file)
		}
	}
}

// localKeys resolves the keys of in's accounts, for a fake peer that
// verifies Kontor's signatures.
type localKeys struct{ in *kontortest.Instance }

func (k localKeys) PublicKey(ctx context.Context, keyID string, _ bool) (crypto.PublicKey, string, error) {
	a, err := k.in.DB.AccountByKeyID(ctx, keyID)
	if err != nil {
		return nil, "", err
	}
	pub, err := activitypub.ParsePublicKey(a.PublicKeyPEM)
	return pub, a.URI, err
}

// TestResolveFollowersOnlyPostByURL: GoToSocial shows a followers-only post
// only to a signer who follows its author, and Kontor signed every fetch
// with its instance actor, so a follower could not look such a post up by
// its URL (search with resolve=true). The search now signs as the user.
func TestResolveFollowersOnlyPostByURL(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	remote := kontortest.NewFakeServer(t)
	gina := gtsActor(remote, "gina")
	gtsFollowedBy(t, in, alice, gina)

	note := gtsNote(gina, "01M8B0RQTPJ2320B4CZS11VBN5", "Gina followers-only before alice looked", map[string]any{"cc": []any{}})
	var mu sync.Mutex
	var signers []string
	uri := remote.Handle("/users/gina/statuses/01M8B0RQTPJ2320B4CZS11VBN5", func(w http.ResponseWriter, r *http.Request) {
		res, err := signature.Verify(r.Context(), r, nil, localKeys{in}, signature.VerifyOptions{Scheme: "http"})
		owner := ""
		if err == nil {
			owner = res.Owner
		}
		mu.Lock()
		signers = append(signers, owner)
		mu.Unlock()
		if owner != alice.Account.URI {
			// What GoToSocial answers anyone but a follower.
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"Not Found: status not visible to requesting account"}`))
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		note := maps.Clone(note)
		note["@context"] = "https://www.w3.org/ns/activitystreams"
		json.NewEncoder(w).Encode(note)
	})

	search := func(u *kontortest.User) []map[string]any {
		t.Helper()
		resp, body := in.Get("/api/v2/search?resolve=true&type=statuses&q="+url.QueryEscape(uri), "Authorization: Bearer "+u.Token)
		if resp.StatusCode != 200 {
			t.Fatalf("search as %s: %d %s", u.Account.Username, resp.StatusCode, body)
		}
		var res struct {
			Statuses []map[string]any `json:"statuses"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatal(err)
		}
		return res.Statuses
	}
	// bob does not follow gina: the origin refuses him and nothing is stored.
	if got := search(bob); len(got) != 0 {
		t.Errorf("bob found %v", got)
	}
	if in.StatusByURI(uri) != nil {
		t.Errorf("the post was stored after the origin refused bob")
	}
	got := search(alice)
	if len(got) != 1 || got[0]["uri"] != uri || got[0]["visibility"] != "private" {
		t.Fatalf("alice's search: %v", got)
	}
	// Stored now, it stays hidden from bob.
	if got := search(bob); len(got) != 0 {
		t.Errorf("bob found the stored post: %v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(signers) != 2 || signers[0] != bob.Account.URI || signers[1] != alice.Account.URI {
		t.Errorf("the origin saw these signers: %q, want bob's then alice's", signers)
	}
}

// logRecorder is a slog.Handler that keeps the messages of the records it
// sees with their "type" attribute.
type logRecorder struct {
	mu   *sync.Mutex
	msgs *[]string
}

func (l logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l logRecorder) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "type" {
			line += " type=" + a.Value.String()
		}
		return true
	})
	l.mu.Lock()
	*l.msgs = append(*l.msgs, line)
	l.mu.Unlock()
	return nil
}
func (l logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l logRecorder) WithGroup(string) slog.Handler      { return l }

// TestGoToSocialReplyApprovalIsIgnored: GoToSocial answers a reply to one of
// its posts with an Accept naming the reply by id (an interaction
// approval). Kontor took it for an Accept of an unknown Follow and logged it
// as dropped; it is ignored now, and a Follow's Accept still works.
func TestGoToSocialReplyApprovalIsIgnored(t *testing.T) {
	var mu sync.Mutex
	var msgs []string
	in := kontortest.Start(t, kontortest.Options{Engine: func(o *activitypub.Options) {
		o.Logger = slog.New(logRecorder{mu: &mu, msgs: &msgs})
	}})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	gina := gtsActor(remote, "gina")
	gtsFollowedBy(t, in, alice, gina) // the Accept of a Follow still applies

	note := gtsNote(gina, "01M8B0J74078M6DP70WB06MVMJ", "Gina followers-only", map[string]any{"cc": []any{}})
	if status, body := gtsPost(t, gina, in.URL+"/inbox", gtsCreate(gina, note)); status != 202 {
		t.Fatalf("create: %d %s", status, body)
	}
	parent := in.WaitStatus(note["id"].(string))
	reply := in.Post(alice, activitypub.PostParams{Text: "@gina@" + remote.Host + " reply", Visibility: db.Private, InReplyToID: &parent.ID})

	approval, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"actor":    gina.ID,
		"cc":       []any{"https://www.w3.org/ns/activitystreams#Public", gina.ID + "/followers"},
		"id":       gina.ID + "/accepts/01M8B0NYS3274B3110392691JC",
		"object":   reply.URI,
		"target":   parent.URI,
		"to":       alice.Account.URI,
		"type":     "Accept",
	})
	if status, body := gtsPost(t, gina, in.URL+"/inbox", approval); status != 202 {
		t.Fatalf("approval: %d %s", status, body)
	}
	kontortest.Eventually(t, kontortest.Wait, "the approval to be handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(msgs, "inbox: ignored type=Accept") || slices.Contains(msgs, "inbox: dropped type=Accept")
	})
	mu.Lock()
	if slices.Contains(msgs, "inbox: dropped type=Accept") {
		t.Errorf("GoToSocial's reply approval was logged as dropped: %q", msgs)
	}
	mu.Unlock()
	if s := in.StatusByURI(reply.URI); s == nil || s.InReplyToID == nil || *s.InReplyToID != parent.ID {
		t.Errorf("the reply changed: %+v", s)
	}
	target, _ := in.DB.AccountByURI(ctx, gina.ID)
	if f, err := in.DB.FollowBetween(ctx, alice.Account.ID, target.ID); err != nil || !f.Accepted {
		t.Errorf("the follow changed: %+v %v", f, err)
	}
}
