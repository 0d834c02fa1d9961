package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// Regression tests for what the masto.js acceptance suite
// (interop/masto.sh) found; each names the check it covers.

// "entities: Status … shapes": like Mastodon, a status rendered for a
// signed-in viewer carries "filtered" (an empty array when no filter
// matched), in every place a status is rendered: a single status, the
// boosted status inside a boost, timelines, an account's statuses,
// notifications and a thread. Anonymous readers get no "filtered" key.
func TestStatusFilteredAlwaysPresentForViewer(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	stFollow(t, in, alice, bob)
	post := stPost(t, in, bob, map[string]any{"status": "hello @alice"})
	reply := stPost(t, in, alice, map[string]any{"status": "hi", "in_reply_to_id": post.ID})
	stOK[map[string]any](t, in, http.MethodPost, "/api/v1/statuses/"+post.ID+"/reblog", alice.Token, nil)

	hasFiltered := func(t *testing.T, what string, st map[string]any, want bool) {
		t.Helper()
		f, ok := st["filtered"]
		if ok != want {
			t.Errorf("%s: filtered present=%v, want %v (%v)", what, ok, want, st["filtered"])
			return
		}
		if want {
			if list, isList := f.([]any); !isList || len(list) != 0 {
				t.Errorf("%s: filtered = %#v, want []", what, f)
			}
		}
	}
	get := func(path, token string) []byte {
		t.Helper()
		resp, data := stCall(t, in, http.MethodGet, path, token, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, data)
		}
		return data
	}
	var one map[string]any
	json.Unmarshal(get("/api/v1/statuses/"+post.ID, alice.Token), &one)
	hasFiltered(t, "status (someone else's)", one, true)
	json.Unmarshal(get("/api/v1/statuses/"+reply.ID, alice.Token), &one)
	hasFiltered(t, "status (own)", one, true)
	one = nil
	json.Unmarshal(get("/api/v1/statuses/"+post.ID, ""), &one)
	hasFiltered(t, "status (anonymous)", one, false)

	var home []map[string]any
	json.Unmarshal(get("/api/v1/timelines/home", alice.Token), &home)
	if len(home) < 2 {
		t.Fatalf("home: %d statuses", len(home))
	}
	for _, st := range home {
		hasFiltered(t, "home "+st["id"].(string), st, true)
		if inner, ok := st["reblog"].(map[string]any); ok {
			hasFiltered(t, "home boost's reblog", inner, true)
		}
	}
	var public []map[string]any
	json.Unmarshal(get("/api/v1/timelines/public", ""), &public)
	for _, st := range public {
		hasFiltered(t, "public (anonymous)", st, false)
	}
	var account []map[string]any
	json.Unmarshal(get("/api/v1/accounts/"+post.Account.ID+"/statuses", alice.Token), &account)
	for _, st := range account {
		hasFiltered(t, "account statuses", st, true)
	}
	var notes []map[string]any
	json.Unmarshal(get("/api/v1/notifications", alice.Token), &notes)
	seen := false
	for _, n := range notes {
		if st, ok := n["status"].(map[string]any); ok {
			seen = true
			hasFiltered(t, "notification status", st, true)
		}
	}
	if !seen {
		t.Errorf("no notification with a status: %v", notes)
	}
	var ctx struct{ Ancestors, Descendants []map[string]any }
	json.Unmarshal(get("/api/v1/statuses/"+reply.ID+"/context", alice.Token), &ctx)
	if len(ctx.Ancestors) != 1 {
		t.Fatalf("context: %+v", ctx)
	}
	hasFiltered(t, "context ancestor", ctx.Ancestors[0], true)
}
