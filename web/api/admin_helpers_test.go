package api_test

import (
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Helpers of the admin API tests (prefixed ad).

// adStaff makes a confirmed local user of role with a token of the given
// scopes (read write follow push admin:read admin:write when none).
func adStaff(t *testing.T, in *kontortest.Instance, name, role string, scopeList ...string) *kontortest.User {
	t.Helper()
	if len(scopeList) == 0 {
		scopeList = []string{"read", "write", "follow", "push", "admin:read", "admin:write"}
	}
	pw := "password-" + name
	a, u, err := in.Engine().CreateLocalAccount(stCtx, activitypub.NewLocalAccount{
		Username: name, Email: name + "@example.com", Password: pw, Role: role, Confirmed: true, Approved: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := in.DB.CreateToken(stCtx, db.NewToken{UserID: &u.ID, AccountID: &a.ID, Scopes: scopeList})
	if err != nil {
		t.Fatal(err)
	}
	return &kontortest.User{Account: a, User: u, Password: pw, Token: tok.AccessToken, Handle: name + "@" + in.Config.AccountDomain}
}

// adStatus expects status from a request and returns the body.
func adStatus(t *testing.T, in *kontortest.Instance, want int, method, path, token string, body any) []byte {
	t.Helper()
	resp, data := stCall(t, in, method, path, token, body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
	}
	return data
}

// adIDs are the ids of a list of entities.
func adIDs(list []map[string]any) []string {
	out := []string{}
	for _, v := range list {
		out = append(out, v["id"].(string))
	}
	return out
}
