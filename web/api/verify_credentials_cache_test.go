package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// verify_credentials is answered from cached rows (the token, the user and
// account, the count of follow requests): a changed note, a lock, a new
// follow request and a revoked token must show on the next request, on this
// node and on a second process of the same PostgreSQL database.
func TestVerifyCredentialsFollowsChanges(t *testing.T) {
	nodeA := kontortest.Start(t, kontortest.Options{})
	nodes := []*kontortest.Instance{nodeA}
	if kontortest.Dialect() == db.Postgres {
		nodes = append(nodes, kontortest.Start(t, kontortest.Options{NodeOf: nodeA}))
	}
	alice := nodeA.CreateUser("alice")
	bob := nodeA.CreateUser("bob")
	type credentials struct {
		Note   string `json:"note"`
		Locked bool   `json:"locked"`
		Source struct {
			Note                string `json:"note"`
			FollowRequestsCount int64  `json:"follow_requests_count"`
		} `json:"source"`
	}
	seen := func(check func(c credentials) bool) func(int, []byte) bool {
		return func(status int, body []byte) bool {
			var c credentials
			return status == http.StatusOK && json.Unmarshal(body, &c) == nil && check(c)
		}
	}
	const path = "/api/v1/accounts/verify_credentials"
	expectOnNodes(t, nodes, "before", path, alice.Token, seen(func(c credentials) bool {
		return !c.Locked && c.Source.Note == "" && c.Source.FollowRequestsCount == 0
	}))

	resp, body := nodeA.Do(http.MethodPatch, "/api/v1/accounts/update_credentials",
		[]byte(url.Values{"note": {"Hello there"}, "locked": {"true"}}.Encode()),
		"Authorization: Bearer "+alice.Token, "Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update_credentials: %d %s", resp.StatusCode, body)
	}
	expectOnNodes(t, nodes, "a new note and a lock", path, alice.Token, seen(func(c credentials) bool {
		return c.Locked && c.Source.Note == "Hello there"
	}))

	// bob asks to follow the locked alice.
	resp, body = nodeA.Do(http.MethodPost, "/api/v1/accounts/"+db.FormatID(alice.Account.ID)+"/follow", nil,
		"Authorization: Bearer "+bob.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("follow: %d %s", resp.StatusCode, body)
	}
	expectOnNodes(t, nodes, "a follow request", path, alice.Token, seen(func(c credentials) bool {
		return c.Source.FollowRequestsCount == 1
	}))

	if err := nodeA.DB.RevokeToken(t.Context(), alice.Token); err != nil {
		t.Fatal(err)
	}
	expectOnNodes(t, nodes, "a revoked token", path, alice.Token, func(status int, _ []byte) bool {
		return status == http.StatusUnauthorized
	})
}
