package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

type miscConversationJSON struct {
	ID       string `json:"id"`
	Unread   bool   `json:"unread"`
	Accounts []struct {
		Acct string `json:"acct"`
	} `json:"accounts"`
	LastStatus *struct {
		ID      string `json:"id"`
		Content string `json:"content"`
	} `json:"last_status"`
}

func (c miscConversationJSON) accts() []string {
	var out []string
	for _, a := range c.Accounts {
		out = append(out, a.Acct)
	}
	slices.Sort(out)
	return out
}

func (w *miscWorld) conversations(token, query string) []miscConversationJSON {
	w.t.Helper()
	var out []miscConversationJSON
	w.call("GET", "/api/v1/conversations"+query, token, nil, 200, &out)
	return out
}

func TestConversations(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob, carol, dave := w.in.CreateUser("alice"), w.in.CreateUser("bob"), w.in.CreateUser("carol"), w.in.CreateUser("dave")
	w.post(alice, "public @bob", db.Public)
	w.post(alice, "followers @bob", db.Private)
	first := w.post(alice, "@bob @carol a secret", db.Direct)

	if got := w.conversations(dave.Token, ""); len(got) != 0 {
		t.Errorf("dave is no participant: %+v", got)
	}
	a := w.conversations(alice.Token, "")
	if len(a) != 1 || a[0].Unread || !slices.Equal(a[0].accts(), []string{"bob", "carol"}) || a[0].LastStatus == nil || a[0].LastStatus.ID != db.FormatID(first.ID) {
		t.Fatalf("alice: %+v", a)
	}
	b := w.conversations(bob.Token, "")
	if len(b) != 1 || !b[0].Unread || !slices.Equal(b[0].accts(), []string{"alice", "carol"}) {
		t.Fatalf("bob: %+v", b)
	}
	var raw []map[string]any
	w.call("GET", "/api/v1/conversations", carol.Token, nil, 200, &raw)
	if len(raw) != 1 {
		t.Fatalf("carol: %v", raw)
	}
	miscHasKeys(t, "conversation", raw[0], "id", "unread", "accounts", "last_status")

	// bob answers in the thread: unread for alice and carol, read for him.
	reply := w.in.Post(bob, activitypub.PostParams{Text: "@alice @carol got it", Visibility: db.Direct, InReplyToID: &first.ID})
	a = w.conversations(alice.Token, "")
	if len(a) != 1 || !a[0].Unread || a[0].LastStatus.ID != db.FormatID(reply.ID) || a[0].ID == b[0].ID {
		t.Errorf("alice after reply: %+v", a)
	}
	if b = w.conversations(bob.Token, ""); len(b) != 1 || b[0].Unread {
		t.Errorf("bob after his reply: %+v", b)
	}

	// go-mastodon: read, delete.
	ca := w.client(alice)
	list, err := ca.GetConversations(ctx, nil)
	if err != nil || len(list) != 1 || !list[0].Unread || len(list[0].Accounts) != 2 {
		t.Fatalf("go-mastodon: %+v %v", list, err)
	}
	if err := ca.MarkConversationAsRead(ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	var read miscConversationJSON
	w.call("POST", "/api/v1/conversations/"+string(list[0].ID)+"/read", alice.Token, nil, 200, &read)
	if read.Unread || read.LastStatus == nil {
		t.Errorf("read: %+v", read)
	}
	// Not hers: 404, and nothing changes.
	for _, tc := range []struct{ method, path string }{
		{"POST", "/api/v1/conversations/" + b[0].ID + "/read"},
		{"DELETE", "/api/v1/conversations/" + b[0].ID},
		{"DELETE", "/api/v1/conversations/999"},
		{"POST", "/api/v1/conversations/x/read"},
	} {
		if resp, data := w.do(tc.method, tc.path, alice.Token, nil); resp.StatusCode != 404 {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, data)
		}
	}
	if err := w.client(bob).DeleteConversation(ctx, mastodon.ID(b[0].ID)); err != nil {
		t.Fatal(err)
	}
	if got := w.conversations(bob.Token, ""); len(got) != 0 {
		t.Errorf("bob after delete: %+v", got)
	}
	if got := w.conversations(alice.Token, ""); len(got) != 1 {
		t.Errorf("bob's delete touched alice's: %+v", got)
	}
	// A new message brings it back.
	third := w.in.Post(carol, activitypub.PostParams{Text: "@alice @bob me too", Visibility: db.Direct, InReplyToID: &reply.ID})
	if got := w.conversations(bob.Token, ""); len(got) != 1 || !got[0].Unread || got[0].LastStatus.ID != db.FormatID(third.ID) {
		t.Errorf("bob after carol's message: %+v", got)
	}
	// Deleting the last message shows the one before.
	if _, err := w.in.Engine().DeleteStatus(ctx, carol.Account, third.ID); err != nil {
		t.Fatal(err)
	}
	if got := w.conversations(alice.Token, ""); len(got) != 1 || got[0].LastStatus.ID != db.FormatID(reply.ID) {
		t.Errorf("after delete of the last message: %+v", got)
	}

	// A blocked participant gets no conversation.
	if err := w.in.Engine().Block(ctx, dave.Account, alice.Account); err != nil {
		t.Fatal(err)
	}
	w.post(alice, "@dave hello?", db.Direct)
	if got := w.conversations(dave.Token, ""); len(got) != 0 {
		t.Errorf("dave got a conversation from someone he blocks: %+v", got)
	}

	for _, tc := range []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/api/v1/conversations", "", 401},
		{"GET", "/api/v1/conversations", w.token(alice, "read:notifications"), 403},
		{"GET", "/api/v1/conversations", w.token(alice, "read:statuses"), 200},
		{"POST", "/api/v1/conversations/" + a[0].ID + "/read", w.token(alice, "write:statuses"), 403},
		{"DELETE", "/api/v1/conversations/" + a[0].ID, w.token(alice, "read"), 403},
		{"POST", "/api/v1/conversations/" + a[0].ID + "/read", w.token(alice, "write:conversations"), 200},
	} {
		if resp, data := w.do(tc.method, tc.path, tc.token, nil); resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.path, resp.StatusCode, tc.want, data)
		}
	}
}

func TestConversationsPaging(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob := w.in.CreateUser("alice"), w.in.CreateUser("bob")
	var ids []string
	for _, text := range []string{"one", "two", "three"} {
		ids = append(ids, db.FormatID(w.post(alice, "@bob "+text, db.Direct).ID))
	}
	resp := w.call("GET", "/api/v1/conversations?limit=2", bob.Token, nil, 200, nil)
	if link := resp.Header.Get("Link"); !strings.Contains(link, "max_id="+ids[1]) || !strings.Contains(link, "min_id="+ids[2]) {
		t.Errorf("Link %q", link)
	}
	pg := &mastodon.Pagination{Limit: 2}
	page, err := w.client(bob).GetConversations(ctx, pg)
	if err != nil || len(page) != 2 || string(page[0].LastStatus.ID) != ids[2] {
		t.Fatalf("page 1: %v %v", page, err)
	}
	rest, err := w.client(bob).GetConversations(ctx, &mastodon.Pagination{MaxID: pg.MaxID, Limit: 2})
	if err != nil || len(rest) != 1 || string(rest[0].LastStatus.ID) != ids[0] {
		t.Errorf("page 2: %v %v", rest, err)
	}
	if got := w.conversations(bob.Token, "?min_id="+ids[0]); len(got) != 2 || got[0].LastStatus.ID != ids[2] {
		t.Errorf("min_id: %+v", got)
	}
	resp = w.call("GET", "/api/v1/conversations?max_id="+ids[0], bob.Token, nil, 200, nil)
	if resp.Header.Get("Link") != "" {
		t.Errorf("empty page Link %q", resp.Header.Get("Link"))
	}
}

// A direct message from another instance starts a conversation.
func TestConversationsFederated(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, bob := a.CreateUser("alice"), b.CreateUser("bob")
	w := &miscWorld{t: t, in: a}
	dm := b.Post(bob, activitypub.PostParams{Text: "@" + alice.Handle + " psst", Visibility: db.Direct})
	a.WaitStatus(dm.URI)
	got := w.conversations(alice.Token, "")
	if len(got) != 1 || !got[0].Unread || !slices.Equal(got[0].accts(), []string{bob.Handle}) || got[0].LastStatus == nil ||
		!strings.Contains(got[0].LastStatus.Content, "psst") {
		t.Fatalf("alice: %+v", got)
	}
	// Her answer goes into the same conversation, read for her.
	reply := a.Post(alice, activitypub.PostParams{Text: "@" + bob.Handle + " hi!", Visibility: db.Direct, InReplyToID: miscPtr(a.StatusByURI(dm.URI).ID)})
	got = w.conversations(alice.Token, "")
	if len(got) != 1 || got[0].Unread || got[0].LastStatus.ID != db.FormatID(reply.ID) {
		t.Errorf("after her reply: %+v", got)
	}
}

func miscPtr(v int64) *int64 { return &v }
