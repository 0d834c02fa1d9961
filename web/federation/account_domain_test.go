package federation_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// TestHandleOnAnotherName federates with an instance whose handles carry a
// different name than its host, using two names of loopback: actors live on
// 127.0.0.1:PORT while handles are @user@localhost:PORT (as a company runs
// Kontor on social.acme.example with handles @jane@acme.example). The other
// instance finds @jane@localhost:PORT by WebFinger on that name, follows
// her, and gets her posts.
func TestHandleOnAnotherName(t *testing.T) {
	if addrs, err := net.LookupHost("localhost"); err != nil || len(addrs) == 0 {
		t.Skip("SKIPPED: the name localhost does not resolve here")
	}
	acme := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		_, port, _ := net.SplitHostPort(c.Host)
		c.AccountDomain = "localhost:" + port
		// localhost may resolve to ::1 as well as 127.0.0.1.
		c.AllowedPrivateNetworks = append(c.AllowedPrivateNetworks, "::1/128")
	}})
	other := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		c.AllowedPrivateNetworks = append(c.AllowedPrivateNetworks, "::1/128")
	}})
	jane := acme.CreateUser("jane")
	bob := other.CreateUser("bob")
	_, port, _ := net.SplitHostPort(acme.Host)
	handleDomain := "localhost:" + port
	if !strings.HasSuffix(jane.Handle, handleDomain) {
		t.Fatalf("handle %q does not use the account domain", jane.Handle)
	}

	// WebFinger answers on both names with the account domain as subject.
	for _, host := range []string{acme.URL, "http://" + handleDomain} {
		resp, body := acme.Get(host + "/.well-known/webfinger?resource=acct:jane@" + handleDomain)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"subject":"acct:jane@`+handleDomain+`"`) ||
			!strings.Contains(string(body), acme.URL+"/users/jane") {
			t.Fatalf("webfinger via %s: %d %s", host, resp.StatusCode, body)
		}
	}

	// bob finds jane by her handle, follows her and gets her post.
	target, err := other.Engine().Resolver().Handle(context.Background(), "jane", handleDomain)
	if err != nil {
		t.Fatalf("resolve @jane@%s: %v", handleDomain, err)
	}
	if target.URI != acme.URL+"/users/jane" {
		t.Fatalf("resolved to %s", target.URI)
	}
	if _, err := other.Engine().Follow(context.Background(), bob.Account, target, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "the follow to be accepted", func() bool {
		f, err := other.DB.FollowBetween(context.Background(), bob.Account.ID, target.ID)
		return err == nil && f.Accepted
	})
	post := acme.Post(jane, activitypub.PostParams{Text: "Hello from acme", Visibility: db.Public})
	other.WaitStatus(post.URI)

	// Mentions written with the handle domain reach her.
	other.Post(bob, activitypub.PostParams{Text: "@jane@" + handleDomain + " welcome!", Visibility: db.Public})
	kontortest.Eventually(t, kontortest.Wait, "jane's mention notification", func() bool {
		list, _ := acme.DB.Notifications(context.Background(), jane.Account.ID, db.NotificationFilter{Types: []string{db.NotifyMention}}, db.Page{Limit: 5})
		return len(list) == 1
	})
}
