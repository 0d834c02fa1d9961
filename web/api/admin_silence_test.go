package api_test

import (
	"slices"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

// A silenced (limited) account's posts reach only its followers and those
// it mentions: on the public timeline, by direct URL and in streaming's
// audience alike (one rule, db/visibility.go).
func TestSilencedAccountReachesOnlyFollowers(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	bob, carol, dave, erin := in.CreateUser("bob"), in.CreateUser("carol"), in.CreateUser("dave"), in.CreateUser("erin")
	if _, err := in.Engine().Follow(stCtx, dave.Account, bob.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	adStatus(t, in, 200, "POST", "/api/v1/admin/accounts/"+db.FormatID(bob.Account.ID)+"/action", admin.Token,
		map[string]string{"type": "silence"})
	post, err := in.Engine().PublishStatus(stCtx, bob.Account, activitypub.PostParams{Text: "hello @erin", Visibility: db.Public})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/statuses/" + db.FormatID(post.ID)
	for _, c := range []struct {
		who   string
		token string
		want  int
	}{{"anonymous", "", 404}, {"carol", carol.Token, 404}, {"dave (follower)", dave.Token, 200},
		{"erin (mentioned)", erin.Token, 200}, {"bob", bob.Token, 200}} {
		if resp, _ := stCall(t, in, "GET", path, c.token, nil); resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.who, resp.StatusCode, c.want)
		}
	}
	onPublic := func(token string) bool {
		var list []map[string]any
		stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/timelines/public", token, nil), &list)
		return slices.Contains(adIDs(list), db.FormatID(post.ID))
	}
	if onPublic("") || onPublic(carol.Token) || !onPublic(dave.Token) {
		t.Error("the public timeline shows a silenced account's post to non-followers, or hides it from followers")
	}
	who, err := in.DB.ViewersWhoMaySee(stCtx, post.ID, []int64{carol.Account.ID, dave.Account.ID, erin.Account.ID})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(who)
	if want := []int64{dave.Account.ID, erin.Account.ID}; !slices.Equal(who, want) {
		t.Errorf("streaming audience %v, want %v", who, want)
	}
	adStatus(t, in, 200, "POST", "/api/v1/admin/accounts/"+db.FormatID(bob.Account.ID)+"/unsilence", admin.Token, nil)
	if !onPublic("") {
		t.Error("unsilenced account's post still hidden")
	}
}

// A sensitized account's media is shown as sensitive, its posts without
// media are left alone.
func TestSensitizedAccountMedia(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	bob := in.CreateUser("bob")
	m := stMedia(t, in, bob)
	withMedia := stPost(t, in, bob, map[string]any{"status": "look", "media_ids": []string{db.FormatID(m.ID)}})
	plain := stPost(t, in, bob, map[string]any{"status": "words"})
	sensitive := func(id string) bool {
		v := stOK[map[string]any](t, in, "GET", "/api/v1/statuses/"+id, "", nil)
		return v["sensitive"] == true
	}
	if sensitive(withMedia.ID) {
		t.Fatal("sensitive before the action")
	}
	adStatus(t, in, 200, "POST", "/api/v1/admin/accounts/"+db.FormatID(bob.Account.ID)+"/action", admin.Token, map[string]any{"type": "sensitive"})
	if !sensitive(withMedia.ID) || sensitive(plain.ID) {
		t.Error("sensitized: media post not sensitive, or a post without media made sensitive")
	}
	adStatus(t, in, 200, "POST", "/api/v1/admin/accounts/"+db.FormatID(bob.Account.ID)+"/unsensitive", admin.Token, nil)
	if sensitive(withMedia.ID) {
		t.Error("still sensitive after unsensitive")
	}
}
