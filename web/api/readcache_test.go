package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// The read caches (tokens, users, accounts, the instance's figures) hold
// rows between requests: every change must be seen on the next request,
// through the node that made it and — on PostgreSQL — through a second
// process on the same database, which hears of it by NOTIFY (a bounded
// wait there: the notification travels after the commit).
func TestReadCachesSeeChanges(t *testing.T) {
	ctx := context.Background()
	nodeA := kontortest.Start(t, kontortest.Options{})
	nodes := []*kontortest.Instance{nodeA}
	if kontortest.Dialect() == db.Postgres {
		nodes = append(nodes, kontortest.Start(t, kontortest.Options{NodeOf: nodeA}))
	}
	alice := nodeA.CreateUser("alice")
	bob := nodeA.CreateUser("bob")
	auth := func(u *kontortest.User) string { return "Authorization: Bearer " + u.Token }

	// expect asks every node until it answers as want says: at once on the
	// node that made the change, within a few seconds on the other.
	expect := func(what string, path string, u *kontortest.User, want func(status int, body []byte) bool) {
		t.Helper()
		for i, n := range nodes {
			deadline := time.Now().Add(3 * time.Second)
			for {
				resp, body := n.Get(path, auth(u))
				if want(resp.StatusCode, body) {
					break
				}
				if i == 0 || time.Now().After(deadline) {
					t.Fatalf("%s: node %d answered %d %s", what, i, resp.StatusCode, body)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	displayName := func(name string) func(int, []byte) bool {
		return func(status int, body []byte) bool {
			var a struct {
				DisplayName string `json:"display_name"`
			}
			return status == http.StatusOK && json.Unmarshal(body, &a) == nil && a.DisplayName == name
		}
	}
	answers := func(want int) func(int, []byte) bool {
		return func(status int, _ []byte) bool { return status == want }
	}

	// Fill every node's caches first.
	expect("before", "/api/v1/accounts/verify_credentials", alice, displayName(""))
	expect("before", "/api/v1/accounts/"+db.FormatID(alice.Account.ID), bob, displayName(""))
	expect("before", "/api/v1/instance", bob, answers(http.StatusOK))

	// A changed display name.
	resp, body := nodeA.Do(http.MethodPatch, "/api/v1/accounts/update_credentials",
		[]byte(url.Values{"display_name": {"Alice A."}}.Encode()), auth(alice), "Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update_credentials: %d %s", resp.StatusCode, body)
	}
	expect("changed display name, own", "/api/v1/accounts/verify_credentials", alice, displayName("Alice A."))
	expect("changed display name, seen by another", "/api/v1/accounts/"+db.FormatID(alice.Account.ID), bob, displayName("Alice A."))

	// A deleted status.
	s := nodeA.Post(alice, postText("soon gone"))
	path := "/api/v1/statuses/" + db.FormatID(s.ID)
	expect("status before deletion", path, bob, answers(http.StatusOK))
	if _, err := nodeA.Engine().DeleteStatus(ctx, alice.Account, s.ID); err != nil {
		t.Fatal(err)
	}
	expect("deleted status", path, bob, answers(http.StatusNotFound))

	// A new block: bob no longer sees alice's posts.
	s = nodeA.Post(alice, postText("before the block"))
	path = "/api/v1/statuses/" + db.FormatID(s.ID)
	expect("status before the block", path, bob, answers(http.StatusOK))
	if err := nodeA.Engine().Block(ctx, alice.Account, bob.Account); err != nil {
		t.Fatal(err)
	}
	expect("blocked", path, bob, answers(http.StatusNotFound))

	// A suspended account's token stops working.
	carol := nodeA.CreateUser("carol")
	expect("before suspension", "/api/v1/accounts/verify_credentials", carol, answers(http.StatusOK))
	if err := nodeA.Engine().Suspend(ctx, carol.Account); err != nil {
		t.Fatal(err)
	}
	expect("suspended", "/api/v1/accounts/verify_credentials", carol, func(status int, _ []byte) bool {
		return status == http.StatusForbidden || status == http.StatusUnauthorized
	})

	// A revoked token.
	if err := nodeA.DB.RevokeToken(ctx, alice.Token); err != nil {
		t.Fatal(err)
	}
	expect("revoked token", "/api/v1/accounts/verify_credentials", alice, answers(http.StatusUnauthorized))

	// The instance's user count follows a new user.
	users := func(want int64) func(int, []byte) bool {
		return func(status int, body []byte) bool {
			var in struct {
				Stats struct {
					UserCount int64 `json:"user_count"`
				} `json:"stats"`
			}
			return status == http.StatusOK && json.Unmarshal(body, &in) == nil && in.Stats.UserCount == want
		}
	}
	expect("user count", "/api/v1/instance", bob, users(2)) // carol is suspended
	nodeA.CreateUser("dave")
	expect("user count after a sign-up", "/api/v1/instance", bob, users(3))
}

func postText(text string) activitypub.PostParams {
	return activitypub.PostParams{Text: text, Visibility: db.Public}
}
