package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// A page's favourites, boosts, bookmarks and pins are looked up as a range of ids
// when the page spans a day or less, else as a list: either way each status
// says only what the viewer did to it (muted threads too), not what it did to
// a status between.
func TestViewerInteractionsOfAPage(t *testing.T) {
	in := stStart(t)
	alice := in.CreateUser("alice")
	fs := kontortest.NewFakeServer(t)
	eve := fs.Actor("eve")
	// eve's old post gets an ID from its publication time, three days back.
	note := eve.Note("old", "<p>@alice from long ago</p>", map[string]any{
		"published": time.Now().Add(-72 * time.Hour).UTC().Format(time.RFC3339), "cc": []any{alice.Account.URI},
		"tag": []any{map[string]any{"type": "Mention", "href": alice.Account.URI, "name": "@alice"}}})
	if code, out := eve.SignedPost(in.URL+"/inbox", eve.Activity("Create", "statuses/old/activity", note, nil)); code != http.StatusAccepted {
		t.Fatalf("create: %d %s", code, out)
	}
	old := db.FormatID(in.WaitStatus(eve.ID + "/statuses/old").ID)
	var ids []string
	for i := range 3 {
		ids = append(ids, stPost(t, in, alice, map[string]any{"status": fmt.Sprintf("post %d", i)}).ID)
	}
	for _, act := range []string{ids[0] + "/favourite", ids[1] + "/favourite", ids[2] + "/bookmark", ids[2] + "/pin", old + "/favourite", ids[1] + "/reblog", old + "/reblog", ids[0] + "/mute"} {
		stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+act, alice.Token, nil)
	}
	type flags struct{ fav, boost, bookmark, pin, muted bool }
	want := map[string]flags{ids[0]: {fav: true, muted: true}, ids[1]: {fav: true, boost: true}, ids[2]: {bookmark: true, pin: true}, old: {fav: true, boost: true}}
	for _, page := range [][]string{
		{ids[0], ids[2]},         // a range, with ids[1] inside it but not asked
		{ids[2]},                 // one
		{old, ids[2]},            // three days apart: a list
		{ids[0], ids[1], ids[2]}, // all of today's
	} {
		q := ""
		for _, id := range page {
			q += "&id[]=" + id
		}
		for range 2 { // the second from a statement already prepared
			got := stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/statuses?"+q[1:], alice.Token, nil)
			if len(got) != len(page) {
				t.Fatalf("page %v: %d statuses", page, len(got))
			}
			on := func(b *bool) bool { return b != nil && *b } // pinned is left out of others' statuses
			for _, s := range got {
				w := want[s.ID]
				if g := (flags{on(s.Favourited), on(s.Reblogged), on(s.Bookmarked), on(s.Pinned), on(s.Muted)}); g != w {
					t.Errorf("page %v, status %s: %+v, want %+v", page, s.ID, g, w)
				}
			}
		}
	}
}

// One status is read on its own (GET /api/v1/statuses/:id): it says what
// the viewer did to it, muted thread included, and nothing of what the
// viewer did to the status beside it.
func TestViewerInteractionsOfOneStatus(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	done := stPost(t, in, alice, map[string]any{"status": "all of it"}).ID
	beside := stPost(t, in, alice, map[string]any{"status": "none of it"}).ID
	for _, act := range []string{"favourite", "reblog", "bookmark", "pin", "mute"} {
		stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+done+"/"+act, alice.Token, nil)
	}
	on := func(b *bool) bool { return b != nil && *b }
	type flags struct{ fav, boost, bookmark, pin, muted bool }
	for _, c := range []struct {
		id, token string
		want      flags
	}{
		{done, alice.Token, flags{true, true, true, true, true}},
		{beside, alice.Token, flags{}},
		{done, bob.Token, flags{}}, // someone else's view of the same status
	} {
		for range 2 { // the second from a statement already prepared
			s := stOK[stStatus](t, in, http.MethodGet, "/api/v1/statuses/"+c.id, c.token, nil)
			if g := (flags{on(s.Favourited), on(s.Reblogged), on(s.Bookmarked), on(s.Pinned), on(s.Muted)}); g != c.want {
				t.Errorf("status %s: %+v, want %+v", c.id, g, c.want)
			}
		}
	}
}
