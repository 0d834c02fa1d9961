package pages_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Browsers get a page for each public post and the newest posts on the
// profile; nothing anonymous may not see appears on either.
func TestStatusAndProfilePages(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	public := in.Post(alice, activitypub.PostParams{Text: "Launch day <script>alert(1)</script>", Visibility: db.Public})
	private := in.Post(alice, activitypub.PostParams{Text: "for followers only", Visibility: db.Private})
	direct := in.Post(alice, activitypub.PostParams{Text: "@bob a secret", Visibility: db.Direct})
	reply := in.Post(bob, activitypub.PostParams{Text: "Congratulations!", Visibility: db.Public, InReplyToID: &public.ID})
	gone := in.Post(alice, activitypub.PostParams{Text: "soon deleted", Visibility: db.Public})
	if _, err := in.Engine().DeleteStatus(context.Background(), alice.Account, gone.ID); err != nil {
		t.Fatal(err)
	}
	page := func(s *db.Status) string { return "/@" + s.Account.Username + "/" + db.FormatID(s.ID) }

	resp, body := in.Get(page(public), "Accept: text/html")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Launch day") || !strings.Contains(string(body), "Congratulations!") {
		t.Fatalf("public post page: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "<script>alert") {
		t.Error("the page contains a live script tag")
	}
	for _, s := range []*db.Status{private, direct} {
		if resp, _ := in.Get(page(s), "Accept: text/html"); resp.StatusCode != 404 {
			t.Errorf("%q: %d, want 404", s.Text, resp.StatusCode)
		}
	}
	if resp, _ := in.Get(page(gone), "Accept: text/html"); resp.StatusCode != 410 {
		t.Errorf("deleted post: %d, want 410", resp.StatusCode)
	}
	if resp, _ := in.Get("/@alice/"+db.FormatID(reply.ID), "Accept: text/html"); resp.StatusCode != 404 {
		t.Errorf("bob's post under alice's name: %d, want 404", resp.StatusCode)
	}
	_, body = in.Get("/@alice", "Accept: text/html")
	if s := string(body); !strings.Contains(s, "Launch day") || strings.Contains(s, "followers only") || strings.Contains(s, "a secret") {
		t.Errorf("profile page posts: %s", s)
	}
}
