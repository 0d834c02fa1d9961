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
// says only what the viewer did to it, not what it did to a status between.
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
	for _, act := range []string{ids[0] + "/favourite", ids[1] + "/favourite", ids[2] + "/bookmark", ids[2] + "/pin", old + "/favourite", ids[1] + "/reblog", old + "/reblog"} {
		stOK[stStatus](t, in, http.MethodPost, "/api/v1/statuses/"+act, alice.Token, nil)
	}
	type flags struct{ fav, boost, bookmark, pin bool }
	want := map[string]flags{ids[0]: {fav: true}, ids[1]: {fav: true, boost: true}, ids[2]: {bookmark: true, pin: true}, old: {fav: true, boost: true}}
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
		got := stOK[[]stStatus](t, in, http.MethodGet, "/api/v1/statuses?"+q[1:], alice.Token, nil)
		if len(got) != len(page) {
			t.Fatalf("page %v: %d statuses", page, len(got))
		}
		on := func(b *bool) bool { return b != nil && *b } // pinned is left out of others' statuses
		for _, s := range got {
			w := want[s.ID]
			if g := (flags{on(s.Favourited), on(s.Reblogged), on(s.Bookmarked), on(s.Pinned)}); g != w {
				t.Errorf("page %v, status %s: %+v, want %+v", page, s.ID, g, w)
			}
		}
	}
}
