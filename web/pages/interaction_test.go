package pages_test

import (
	"net/url"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Another server's follow box sends jane to /authorize_interaction?uri=…:
// she signs in if she must, and lands on the account's or the post's page.
func TestAuthorizeInteraction(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane, bob := in.CreateUser("jane"), in.CreateUser("bob")
	post := in.Post(bob, activitypub.PostParams{Text: "hello", Visibility: db.Public})

	b := kontortest.NewBrowser(t, in.URL)
	path := "/authorize_interaction?" + url.Values{"uri": {bob.Account.URI}}.Encode()
	resp, page := b.Get(path)
	if resp.Request.URL.Path != "/auth/sign_in" {
		t.Fatalf("signed out: %d %s", resp.StatusCode, resp.Request.URL)
	}
	resp, _ = b.Submit(page, "/auth/sign_in", map[string]string{"login": jane.Account.Username, "password": jane.Password})
	if want := "/accounts/" + db.FormatID(bob.Account.ID); resp.StatusCode != 200 || resp.Request.URL.Path != want {
		t.Errorf("after sign-in: %d %s, want %s", resp.StatusCode, resp.Request.URL, want)
	}
	resp, _ = b.Get("/authorize_interaction?" + url.Values{"uri": {post.URI}}.Encode())
	if want := "/statuses/" + db.FormatID(post.ID); resp.Request.URL.Path != want {
		t.Errorf("a post's uri: %s, want %s", resp.Request.URL, want)
	}
	resp, _ = b.Get("/authorize_interaction?" + url.Values{"uri": {"acct:bob@" + in.Config.AccountDomain}}.Encode())
	if want := "/accounts/" + db.FormatID(bob.Account.ID); resp.Request.URL.Path != want {
		t.Errorf("a handle: %s, want %s", resp.Request.URL, want)
	}
	if resp, _ := b.Get("/authorize_interaction?uri="); resp.StatusCode != 400 {
		t.Errorf("no uri: %d, want 400", resp.StatusCode)
	}
}
