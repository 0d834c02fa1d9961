package streaming_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// A status (and a notification) streamed to a viewer is the same JSON the
// REST API answers the same viewer over HTTP: both render through one
// presenter, filters included.
func TestStreamedEntitiesAreREST(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	alice := in.CreateUser("alice")
	bob := in.CreateUser("bob")
	carol := in.CreateUser("carol")
	stranger := in.CreateUser("stranger")
	for _, u := range []*kontortest.User{bob, carol} {
		follow(t, in, u, alice)
	}
	f := newFixtures(t, in)
	f.filter(carol, "warn", "poll", "home")
	home := map[*kontortest.User]*client{bob: subscribe(t, in, bob, st("user")), carol: subscribe(t, in, carol, st("user"))}
	public := subscribe(t, in, stranger, st("public"))
	notes := subscribe(t, in, bob, st("user:notification"))
	waitConnections(t, in, 4)

	s := in.Post(alice, activitypub.PostParams{Text: "a poll for @bob #kontor", Visibility: db.Public,
		Poll: &activitypub.PollParams{Options: []string{"a", "b"}, ExpiresIn: time.Hour}})
	for u, c := range home {
		sameAsREST(t, c.until(isStatus("update", s.ID), nil), restHomeEntry(t, in, u, s.ID))
	}
	sameAsREST(t, public.until(isStatus("update", s.ID), nil), restGet(t, in, stranger, "/api/v1/statuses/"+db.FormatID(s.ID)))
	n := notes.until(func(e event) bool { return e.Event == "notification" }, nil)
	var streamed struct {
		ID string `json:"id"`
	}
	if n.Payload == nil || json.Unmarshal([]byte(*n.Payload), &streamed) != nil {
		t.Fatalf("notification payload: %s", deref(n.Payload))
	}
	sameAsREST(t, n, restGet(t, in, bob, "/api/v1/notifications/"+streamed.ID))

	// The viewer's own part: favourited and bookmarked, then an edit.
	if _, err := in.Engine().Favourite(ctx, bob.Account, s.ID); err != nil {
		t.Fatal(err)
	}
	f.bookmark(bob, s)
	if _, err := in.Engine().EditStatus(ctx, alice.Account, s.ID, activitypub.PostParams{Text: "a poll for @bob #kontor, edited"}); err != nil {
		t.Fatal(err)
	}
	for u, c := range home {
		e := c.until(isStatus("status.update", s.ID), nil)
		got := sameAsREST(t, e, restHomeEntry(t, in, u, s.ID))
		if u == bob && (got["favourited"] != true || got["bookmarked"] != true) {
			t.Fatalf("bob's edited status lacks his favourite and bookmark: %s", deref(e.Payload))
		}
		if u == carol && len(got["filtered"].([]any)) != 1 {
			t.Fatalf("carol's edited status lacks her filter: %s", deref(e.Payload))
		}
	}
}

// sameAsREST fails unless the event's payload is the same JSON as rest; it
// returns the payload decoded.
func sameAsREST(t *testing.T, e event, rest []byte) map[string]any {
	t.Helper()
	if e.Payload == nil {
		t.Fatalf("streamed %s has no payload", e.Event)
	}
	var got, want map[string]any
	if err := json.Unmarshal([]byte(*e.Payload), &got); err != nil {
		t.Fatalf("streamed payload: %v", err)
	}
	if err := json.Unmarshal(rest, &want); err != nil {
		t.Fatalf("REST body: %v (%s)", err, rest)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("streamed %s\n%s\nREST\n%s", e.Event, *e.Payload, rest)
	}
	return got
}

// restGet is the body of a GET by u (200 expected).
func restGet(t *testing.T, in *kontortest.Instance, u *kontortest.User, path string) []byte {
	t.Helper()
	resp, body := in.Get(path, bearer(u))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

// restHomeEntry is the status id as u's home timeline shows it over HTTP.
func restHomeEntry(t *testing.T, in *kontortest.Instance, u *kontortest.User, id int64) []byte {
	t.Helper()
	var page []json.RawMessage
	if err := json.Unmarshal(restGet(t, in, u, "/api/v1/timelines/home"), &page); err != nil {
		t.Fatal(err)
	}
	for _, raw := range page {
		var s struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &s) == nil && s.ID == db.FormatID(id) {
			return raw
		}
	}
	t.Fatalf("%s's home timeline lacks status %d", u.Handle, id)
	return nil
}
