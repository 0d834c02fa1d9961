package streaming_test

import (
	"context"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// A suspension through the admin API ends the person's streams at once,
// not at the next periodic token check (15 s).
func TestAdminSuspensionEndsStreams(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	bob := in.CreateUser("bob")
	ctx := context.Background()
	a, u, err := in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{
		Username: "boss", Email: "boss@example.com", Password: "password-boss", Role: "admin", Confirmed: true, Approved: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := in.DB.CreateToken(ctx, db.NewToken{UserID: &u.ID, AccountID: &a.ID, Scopes: []string{"admin:write"}})
	if err != nil {
		t.Fatal(err)
	}
	c := dialWS(t, in.URL, "?stream=user", bearer(bob))
	c.sync()
	resp, body := in.Do("POST", "/api/v1/admin/accounts/"+db.FormatID(bob.Account.ID)+"/action", []byte(`{"type":"suspend"}`),
		"Content-Type: application/json", "Authorization: Bearer "+tok.AccessToken)
	if resp.StatusCode != 200 {
		t.Fatalf("suspend: %d %s", resp.StatusCode, body)
	}
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the suspended person's stream is still open")
	}
}
