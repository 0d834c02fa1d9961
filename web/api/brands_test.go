package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// The whole life of a brand: an editor authorizes an app as @acme on the
// real OAuth page, acts as the brand (the follower on another instance gets
// posts attributed to the brand, the audit trail names the editor), a
// viewer reads but cannot post, the editor is removed and their token dies
// at once; then approval mode holds an editor's post until an owner
// approves it (it federates) or rejects it (it returns with a note), and
// none of this ever appears in an ActivityPub document or a public API.
func TestBrandScenario(t *testing.T) {
	w := brStart(t, true)
	in, in2 := w.in, w.in2
	brandID := db.FormatID(w.brand.ID)
	ownerAPI := w.owner.Token // the owner's own token manages the brand

	// The editor authorizes an app as the brand through the consent page.
	editorTok, consent := authorizeAs(t, in, w.editor, w.brand.ID)
	for _, want := range []string{"@acme@", `value="` + brandID + `"`, "you are editor", "@eddie@"} {
		if !strings.Contains(string(consent), want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	stored, err := in.DB.TokenByPlaintext(brCtx, editorTok)
	if err != nil || stored.AccountID == nil || *stored.AccountID != w.brand.ID || stored.RoleCeiling != db.BrandEditor || *stored.UserID != w.editor.User.ID {
		t.Fatalf("stored token: %+v %v", stored, err)
	}
	code, _, body := plCall(t, in, "GET", "/api/v1/accounts/verify_credentials", editorTok, nil)
	if me := brJSON[map[string]any](t, body); code != 200 || me["username"] != "acme" || me["id"] != brandID {
		t.Fatalf("verify_credentials as the brand: %d %s", code, body)
	}
	// The identity must be one the user may choose; a code for a brand
	// dies with the membership.
	if _, page := authorizeCode(t, in, w.stranger, w.stranger.Account.ID); strings.Contains(string(page), "@acme@") {
		t.Error("a stranger is offered the brand on the consent page")
	}
	viewerCode, _ := authorizeCode(t, in, w.viewer, w.brand.ID)
	if err := in.DB.RemoveBrandMember(brCtx, w.brand.ID, w.viewer.User.ID, nil); err != nil {
		t.Fatal(err)
	}
	if code, body := viewerCode.redeem(t, in); code != 400 || !strings.Contains(string(body), "invalid_grant") {
		t.Errorf("code of a removed member: %d %s", code, body)
	}
	if err := in.DB.SetBrandMember(brCtx, w.brand.ID, w.viewer.User.ID, db.BrandViewer, nil); err != nil {
		t.Fatal(err)
	}

	// The editor posts as the brand: through the statuses stand-in (the
	// API's context carries the editor) and through the engine with the
	// acting member set; the follower on in2 gets both from @acme.
	code, st := w.postAs(t, editorTok, url.Values{"status": {"Our spring catalogue is out"}})
	if code != 200 || st["account"].(map[string]any)["username"] != "acme" {
		t.Fatalf("editor posts: %d %v", code, st)
	}
	apiPostID, apiPostURI := st["id"].(string), st["uri"].(string)
	s2, err := in.Engine().PublishStatus(activitypub.WithActingMember(brCtx, w.editor.User.ID), w.brand, activitypub.PostParams{Text: "Open house on Friday", Visibility: db.Public})
	if err != nil {
		t.Fatal(err)
	}
	remoteBrand := in2.RemoteAccount(w.brandUser, in)
	if remoteBrand.ActorType != "Organization" {
		t.Errorf("the brand federates as %q, want Organization", remoteBrand.ActorType)
	}
	for _, uri := range []string{apiPostURI, s2.URI} {
		got := in2.WaitStatus(uri)
		if got.AccountID != remoteBrand.ID {
			t.Errorf("%s arrived attributed to account %d, want the brand %d", uri, got.AccountID, remoteBrand.ID)
		}
	}

	// The editor votes in a poll and replies in a DM as the brand; the
	// owner (through a brand token with the owner's ceiling) edits the
	// profile and follows someone: each lands in the trail with its member.
	poll, pollID := plPost(t, in, w.stranger, db.Public, false, "Which colour?", "red", "blue")
	code, _, body = plCall(t, in, "POST", "/api/v1/polls/"+pollID+"/votes", editorTok, url.Values{"choices[]": {"1"}})
	if code != 200 {
		t.Fatalf("editor votes as the brand: %d %s", code, body)
	}
	code, dm := w.postAs(t, editorTok, url.Values{"status": {"@sam your order shipped"}, "visibility": {"direct"}})
	if code != 200 {
		t.Fatalf("dm: %d %v", code, dm)
	}
	ownerBrandTok := w.brandToken(t, w.owner, db.BrandOwner)
	code, _, body = plCall(t, in, "PATCH", "/api/v1/accounts/update_credentials", ownerBrandTok, url.Values{"display_name": {"Acme Inc."}, "note": {"We make things"}})
	if code != 200 {
		t.Fatalf("owner edits the brand's profile: %d %s", code, body)
	}
	code, _, body = plCall(t, in, "POST", "/api/v1/accounts/"+db.FormatID(w.stranger.Account.ID)+"/follow", ownerBrandTok, nil)
	if code != 200 {
		t.Fatalf("owner follows as the brand: %d %s", code, body)
	}
	// An editor's ceiling keeps them off the profile and follows.
	for _, c := range []struct{ method, path string }{
		{"PATCH", "/api/v1/accounts/update_credentials"},
		{"POST", "/api/v1/accounts/" + db.FormatID(w.stranger.Account.ID) + "/unfollow"},
	} {
		if code, _, body := plCall(t, in, c.method, c.path, editorTok, url.Values{"display_name": {"Hacked"}}); code != 403 {
			t.Errorf("editor %s %s as the brand: %d %s, want 403", c.method, c.path, code, body)
		}
	}

	trail := w.audit(t, ownerAPI)
	for _, c := range []struct{ action, status, member string }{
		{"status.create", apiPostID, "eddie"},
		{"status.create", db.FormatID(s2.ID), "eddie"},
		{"poll.vote", db.FormatID(poll.ID), "eddie"},
		{"dm.create", dm["id"].(string), "eddie"},
		{"profile.update", "", "olivia"},
		{"follow", "", "olivia"},
	} {
		e := findAudit(trail, c.action, c.status)
		if e == nil {
			t.Errorf("no %s %s in the audit trail: %v", c.action, c.status, trail)
			continue
		}
		if memberOf(e) != c.member || e["user_id"] == nil {
			t.Errorf("%s names %q (user %v), want %s", c.action, memberOf(e), e["user_id"], c.member)
		}
	}
	if e := findAudit(trail, "profile.update", ""); e != nil && !strings.Contains(e["detail"].(string), "display_name") {
		t.Errorf("profile.update detail %q should name the changed fields", e["detail"])
	}
	if n := countActions(trail, "profile.update"); n != 1 {
		t.Errorf("one profile change recorded %d times", n)
	}
	// The audit page names the editor too (the owner signed in).
	ob := brNewBrowser(t, in)
	resp, page := ob.signIn("/settings/brands/acme", w.owner)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "@eddie") || !strings.Contains(string(page), "status.create") || !strings.Contains(string(page), `id="audit"`) {
		t.Fatalf("brand page for the owner: %d\n%s", resp.StatusCode, page)
	}

	// A viewer reads (notifications) but cannot post, follow or vote.
	viewerTok := w.brandToken(t, w.viewer, db.BrandViewer)
	if code, _, body := plCall(t, in, "GET", "/api/v1/notifications", viewerTok, nil); code != 200 {
		t.Errorf("viewer reads notifications: %d %s", code, body)
	}
	if code, out := w.postAs(t, viewerTok, url.Values{"status": {"viewer post"}}); code != 403 {
		t.Errorf("viewer posts: %d %v, want 403", code, out)
	}
	// A token issued as owner is capped by the member's current role.
	demoted := w.brandToken(t, w.viewer, db.BrandOwner)
	if code, out := w.postAs(t, demoted, url.Values{"status": {"viewer post"}}); code != 403 {
		t.Errorf("viewer with an owner-ceiling token posts: %d %v, want 403", code, out)
	}

	// The editor is removed: their brand token fails on the next request.
	code, _, body = plCall(t, in, "DELETE", "/api/v1/kontor/brands/"+brandID+"/members/"+db.FormatID(w.editor.User.ID), ownerAPI, nil)
	if code != 200 || string(body) != "{}" {
		t.Fatalf("remove editor: %d %s", code, body)
	}
	if code, _, body := plCall(t, in, "GET", "/api/v1/accounts/verify_credentials", editorTok, nil); code != 401 {
		t.Fatalf("removed editor's token: %d %s, want 401", code, body)
	}
	if code, _ := w.postAs(t, editorTok, url.Values{"status": {"after removal"}}); code != 401 {
		t.Fatalf("removed editor posts: %d, want 401", code)
	}
	if code, _, _ := plCall(t, in, "GET", "/api/v1/accounts/verify_credentials", w.editor.Token, nil); code != 200 {
		t.Errorf("the editor's own token must keep working: %d", code)
	}
	if e := findAudit(w.audit(t, ownerAPI), "member.remove", ""); e == nil || memberOf(e) != "olivia" || !strings.Contains(e["detail"].(string), "@eddie") {
		t.Errorf("member.remove audit: %v", e)
	}

	// Approval mode: editors' posts wait.
	code, _, body = plCall(t, in, "PATCH", "/api/v1/kontor/brands/"+brandID, ownerAPI, url.Values{"require_approval": {"true"}})
	if b := brJSON[map[string]any](t, body); code != 200 || b["require_approval"] != true {
		t.Fatalf("turn approval on: %d %s", code, body)
	}
	code, _, body = plCall(t, in, "POST", "/api/v1/kontor/brands/"+brandID+"/members", ownerAPI, url.Values{"username": {"eddie"}, "role": {"editor"}})
	if m := brJSON[map[string]any](t, body); code != 200 || m["role"] != "editor" || m["user_id"] != db.FormatID(w.editor.User.ID) {
		t.Fatalf("re-add editor: %d %s", code, body)
	}
	editorTok = w.brandToken(t, w.editor, db.BrandEditor)
	post := url.Values{"status": {"Big news coming soon"}, "visibility": {"public"}}
	code, held := w.postAs(t, editorTok, post)
	draftID, _ := held["kontor_draft_id"].(string)
	if code != 422 || draftID == "" || held["kontor_draft_number"] != 1.0 || held["error"] != "Saved as draft #1: an owner of @acme must approve it before it is published" {
		t.Fatalf("held post: %d %v", code, held)
	}
	// Retries (a client retrying the failed post) return the same draft.
	for range 2 {
		if code, again := w.postAs(t, editorTok, post); code != 422 || again["kontor_draft_id"] != draftID {
			t.Fatalf("retry: %d %v, want draft %s again", code, again, draftID)
		}
	}
	if list, _ := in.DB.BrandDrafts(brCtx, w.brand.ID, "", 0, db.Page{Limit: 10}); len(list) != 1 {
		t.Fatalf("%d drafts after retries, want 1", len(list))
	}
	if n := countActions(w.audit(t, ownerAPI), "draft.create"); n != 1 {
		t.Errorf("draft.create recorded %d times", n)
	}
	// A post that could never be published is refused, not held.
	if code, out := w.postAs(t, editorTok, url.Values{"status": {""}}); code != 422 || out["kontor_draft_id"] != nil {
		t.Errorf("blank draft: %d %v", code, out)
	}
	// Nothing was published meanwhile.
	if got := in.StatusByURI(in.Config.BaseURL() + "/users/acme/statuses/" + draftID); got != nil {
		t.Fatal("a held post was published")
	}
	// The owner's own posts publish at once.
	if code, out := w.postAs(t, ownerBrandTok, url.Values{"status": {"Owner says hi"}}); code != 200 || out["id"] == nil {
		t.Fatalf("owner posts under approval: %d %v", code, out)
	}

	// The editor sees the pending draft.
	code, _, body = plCall(t, in, "GET", "/api/v1/kontor/drafts", w.editor.Token, nil)
	mine := brJSON[[]map[string]any](t, body)
	if code != 200 || len(mine) != 1 || mine[0]["id"] != draftID || mine[0]["state"] != "pending" ||
		mine[0]["params"].(map[string]any)["text"] != "Big news coming soon" || mine[0]["brand_id"] != brandID {
		t.Fatalf("my drafts: %d %s", code, body)
	}

	// The owner approves: it is published as the brand and federates.
	code, _, body = plCall(t, in, "POST", "/api/v1/kontor/brands/"+brandID+"/drafts/"+draftID+"/approve", ownerAPI, nil)
	approved := brJSON[map[string]any](t, body)
	if code != 200 || approved["account"].(map[string]any)["username"] != "acme" || !strings.Contains(approved["content"].(string), "Big news coming soon") {
		t.Fatalf("approve: %d %s", code, body)
	}
	if got := in2.WaitStatus(approved["uri"].(string)); got.AccountID != remoteBrand.ID {
		t.Errorf("approved post arrived from %d, want the brand", got.AccountID)
	}
	if code, _, body := plCall(t, in, "POST", "/api/v1/kontor/brands/"+brandID+"/drafts/"+draftID+"/approve", ownerAPI, nil); code != 422 {
		t.Errorf("approving twice: %d %s, want 422", code, body)
	}
	e := findAudit(w.audit(t, ownerAPI), "status.create", approved["id"].(string))
	if e == nil || memberOf(e) != "olivia" || !strings.Contains(e["detail"].(string), "@eddie") || !strings.Contains(e["detail"].(string), "approved by @olivia") {
		t.Errorf("approval audit: %v", e)
	}
	code, _, body = plCall(t, in, "GET", "/api/v1/kontor/drafts?state=approved", w.editor.Token, nil)
	if mine := brJSON[[]map[string]any](t, body); code != 200 || len(mine) != 1 || mine[0]["status_id"] != approved["id"] ||
		mine[0]["decided_by"].(map[string]any)["username"] != "olivia" {
		t.Fatalf("approved draft: %d %s", code, body)
	}

	// A rejected draft returns to its author with the note.
	code, held = w.postAs(t, editorTok, url.Values{"status": {"Half-baked idea"}})
	second, _ := held["kontor_draft_id"].(string)
	if code != 422 || second == "" || second == draftID {
		t.Fatalf("second draft: %d %v", code, held)
	}
	code, _, body = plCall(t, in, "POST", "/api/v1/kontor/brands/"+brandID+"/drafts/"+second+"/reject", ownerAPI, url.Values{"note": {"Not on brand voice"}})
	if d := brJSON[map[string]any](t, body); code != 200 || d["state"] != "rejected" || d["note"] != "Not on brand voice" {
		t.Fatalf("reject: %d %s", code, body)
	}
	code, _, body = plCall(t, in, "GET", "/api/v1/kontor/drafts?state=rejected", w.editor.Token, nil)
	if mine := brJSON[[]map[string]any](t, body); code != 200 || len(mine) != 1 || mine[0]["id"] != second || mine[0]["note"] != "Not on brand voice" {
		t.Fatalf("rejected draft for its author: %d %s", code, body)
	}
	eb := brNewBrowser(t, in)
	resp, page = eb.signIn("/settings/brands", w.editor)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Not on brand voice") || !strings.Contains(string(page), "rejected") {
		t.Fatalf("my drafts page: %d\n%s", resp.StatusCode, page)
	}
	if e := findAudit(w.audit(t, ownerAPI), "draft.reject", ""); e == nil || memberOf(e) != "olivia" {
		t.Errorf("draft.reject audit: %v", e)
	}

	// Nothing of the team leaves the instance or reaches outsiders.
	in.DeliveriesDone()
	brNoTeamIn(t, w, apiPostURI, approved["uri"].(string), s2.URI)
}

func countActions(list []map[string]any, action string) int {
	n := 0
	for _, e := range list {
		if e["action"] == action {
			n++
		}
	}
	return n
}

// brNoTeamIn checks the brand's ActivityPub documents (actor, outbox,
// statuses, as served and as the other instance stored them) and its public
// API for the members' names and the audit trail.
func brNoTeamIn(t *testing.T, w *brWorld, uris ...string) {
	t.Helper()
	in := w.in
	ap := "Accept: application/activity+json"
	docs := map[string][]byte{}
	for _, path := range append([]string{w.brand.URI, w.brand.URI + "/outbox?page=true", w.brand.URI + "/followers"}, uris...) {
		resp, body := in.Get(path, ap)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		docs[path] = body
	}
	if !strings.Contains(string(docs[w.brand.URI]), `"type":"Organization"`) {
		t.Errorf("actor is not an Organization: %s", docs[w.brand.URI])
	}
	for _, path := range []string{
		"/api/v1/accounts/" + db.FormatID(w.brand.ID),
		"/api/v1/accounts/" + db.FormatID(w.brand.ID) + "/statuses",
		"/api/v1/accounts/lookup?acct=acme",
	} {
		_, body := in.Get(path)
		docs[path] = body
	}
	// What the other instance stored of the brand's posts.
	for _, uri := range uris {
		if s := w.in2.StatusByURI(uri); s != nil {
			docs["in2:"+uri] = []byte(s.Content)
		}
	}
	for where, body := range docs {
		for _, secret := range []string{"eddie", "olivia", "vivian", "audit", "draft", "approved by"} {
			if strings.Contains(strings.ToLower(string(body)), secret) {
				t.Errorf("%s mentions %q: %s", where, secret, body)
			}
		}
	}
}

// Who may do what with the management endpoints: strangers get 404,
// members whose role does not allow it 403, tokens acting as a brand and
// anonymous callers are refused, and refused requests change nothing.
func TestBrandManagementAccess(t *testing.T) {
	w := brStart(t, false)
	in := w.in
	base := "/api/v1/kontor/brands/" + db.FormatID(w.brand.ID)
	editorUID, ownerUID := db.FormatID(w.editor.User.ID), db.FormatID(w.owner.User.ID)
	// An editor's pending draft, for the draft endpoints.
	if err := in.DB.SetBrandApproval(brCtx, w.brand.ID, true, nil); err != nil {
		t.Fatal(err)
	}
	code, held := w.postAs(t, w.brandToken(t, w.editor, db.BrandEditor), url.Values{"status": {"pending post"}})
	draft, _ := held["kontor_draft_id"].(string)
	if code != 422 || draft == "" {
		t.Fatalf("draft: %d %v", code, held)
	}
	otherBrand, _, err := in.Engine().CreateLocalAccount(brCtx, activitypub.NewLocalAccount{Username: "globex", Brand: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.DB.SetBrandMember(brCtx, otherBrand.ID, w.stranger.User.ID, db.BrandOwner, nil); err != nil {
		t.Fatal(err)
	}

	type req struct {
		method, path string
		body         url.Values
	}
	mgmt := []req{
		{"GET", base, nil},
		{"PATCH", base, url.Values{"require_approval": {"false"}}},
		{"POST", base + "/members", url.Values{"username": {"sam"}, "role": {"owner"}}},
		{"PATCH", base + "/members/" + editorUID, url.Values{"role": {"owner"}}},
		{"DELETE", base + "/members/" + ownerUID, nil},
		{"GET", base + "/audit", nil},
		{"GET", base + "/drafts", nil},
		{"POST", base + "/drafts/" + draft + "/approve", nil},
		{"POST", base + "/drafts/" + draft + "/reject", url.Values{"note": {"no"}}},
	}
	// Strangers (even the owner of another brand): 404 everywhere.
	for _, c := range mgmt {
		if code, _, body := plCall(t, in, c.method, c.path, w.stranger.Token, c.body); code != 404 {
			t.Errorf("stranger %s %s: %d %s, want 404", c.method, c.path, code, body)
		}
	}
	// Anonymous: 401. A token acting as the brand: 403 (manage with your own).
	ownerBrandTok := w.brandToken(t, w.owner, db.BrandOwner)
	for _, c := range append(mgmt, req{"GET", "/api/v1/kontor/brands", nil}, req{"GET", "/api/v1/kontor/drafts", nil}) {
		if code, _, body := plCall(t, in, c.method, c.path, "", c.body); code != 401 {
			t.Errorf("anonymous %s %s: %d %s, want 401", c.method, c.path, code, body)
		}
		if code, _, body := plCall(t, in, c.method, c.path, ownerBrandTok, c.body); code != 403 {
			t.Errorf("brand token %s %s: %d %s, want 403", c.method, c.path, code, body)
		}
	}
	// Editors and viewers: 403 on the owners' endpoints.
	ownersOnly := []req{mgmt[1], mgmt[2], mgmt[3], mgmt[4], mgmt[5], mgmt[7], mgmt[8]}
	for _, u := range []*kontortest.User{w.editor, w.viewer} {
		for _, c := range ownersOnly {
			if code, _, body := plCall(t, in, c.method, c.path, u.Token, c.body); code != 403 {
				t.Errorf("%s %s %s: %d %s, want 403", u.Account.Username, c.method, c.path, code, body)
			}
		}
	}
	// Nothing changed.
	b, _ := in.DB.BrandByAccountID(brCtx, w.brand.ID)
	members, _ := in.DB.BrandMembers(brCtx, w.brand.ID)
	dr, _ := in.DB.BrandDrafts(brCtx, w.brand.ID, db.DraftPending, 0, db.Page{Limit: 10})
	if !b.RequireApproval || len(members) != 3 || len(dr) != 1 {
		t.Fatalf("refused requests changed something: approval %v, %d members, %d pending", b.RequireApproval, len(members), len(dr))
	}
	for _, m := range members {
		if m.UserID == w.editor.User.ID && m.Role != db.BrandEditor || m.UserID == w.owner.User.ID && m.Role != db.BrandOwner {
			t.Fatalf("role changed: %+v", m)
		}
	}
	// Members see the brand with its members; the editor sees their drafts,
	// the viewer none; an instance admin reads the audit trail.
	code, _, body := plCall(t, in, "GET", base, w.viewer.Token, nil)
	got := brJSON[map[string]any](t, body)
	if code != 200 || got["role"] != "viewer" || got["require_approval"] != true || len(got["members"].([]any)) != 3 ||
		got["account"].(map[string]any)["username"] != "acme" {
		t.Fatalf("viewer GET brand: %d %s", code, body)
	}
	for _, m := range got["members"].([]any) {
		mm := m.(map[string]any)
		if mm["user_id"] == nil || mm["role"] == nil || mm["account"] == nil || mm["created_at"] == nil {
			t.Errorf("member entity: %v", mm)
		}
	}
	code, _, body = plCall(t, in, "GET", base+"/drafts", w.editor.Token, nil)
	if list := brJSON[[]map[string]any](t, body); code != 200 || len(list) != 1 || list[0]["id"] != draft {
		t.Errorf("editor's drafts: %d %s", code, body)
	}
	code, _, body = plCall(t, in, "GET", base+"/drafts", w.viewer.Token, nil)
	if list := brJSON[[]map[string]any](t, body); code != 200 || len(list) != 0 {
		t.Errorf("viewer's drafts: %d %s", code, body)
	}
	code, _, body = plCall(t, in, "GET", base+"/drafts?state=bogus", w.owner.Token, nil)
	if code != 422 {
		t.Errorf("bad state: %d %s", code, body)
	}
	admin := anAdmin(t, in, "root")
	if code, _, body := plCall(t, in, "GET", base+"/audit", admin.Token, nil); code != 200 {
		t.Errorf("admin reads the audit: %d %s", code, body)
	}
	// Admins manage every brand (a brand whose owners left needs one).
	if code, _, body := plCall(t, in, "GET", base, admin.Token, nil); code != 200 || brJSON[map[string]any](t, body)["role"] != "" {
		t.Errorf("admin (not a member) GET brand: %d %s, want 200 without a role", code, body)
	}
	// My brands: each member sees theirs with their role.
	code, _, body = plCall(t, in, "GET", "/api/v1/kontor/brands", w.editor.Token, nil)
	if list := brJSON[[]map[string]any](t, body); code != 200 || len(list) != 1 || list[0]["id"] != db.FormatID(w.brand.ID) || list[0]["role"] != "editor" {
		t.Errorf("editor's brands: %d %s", code, body)
	}
	code, _, body = plCall(t, in, "GET", "/api/v1/kontor/brands", admin.Token, nil)
	if code != 200 || string(body) != "[]" {
		t.Errorf("admin's brands: %d %s", code, body)
	}

	// Bad input: 422 naming the problem; unknown ids 404.
	for _, c := range []struct {
		req
		want int
	}{
		{req{"POST", base + "/members", url.Values{"username": {"nobody"}, "role": {"editor"}}}, 422},
		{req{"POST", base + "/members", url.Values{"username": {"sam"}, "role": {"boss"}}}, 422},
		{req{"POST", base + "/members", url.Values{"username": {"eddie"}, "role": {"viewer"}}}, 422},
		{req{"POST", base + "/members", url.Values{"username": {"globex"}, "role": {"viewer"}}}, 422},
		{req{"PATCH", base + "/members/" + ownerUID, url.Values{"role": {"editor"}}}, 422}, // the last owner
		{req{"DELETE", base + "/members/" + ownerUID, nil}, 422},
		{req{"PATCH", base + "/members/999999", url.Values{"role": {"editor"}}}, 404},
		{req{"POST", base + "/drafts/999999/approve", nil}, 404},
		{req{"GET", "/api/v1/kontor/brands/" + db.FormatID(w.owner.Account.ID), nil}, 404}, // not a brand
		{req{"PATCH", base, url.Values{"require_approval": {"maybe"}}}, 422},
	} {
		if code, _, body := plCall(t, in, c.method, c.path, w.owner.Token, c.body); code != c.want {
			t.Errorf("%s %s %v: %d %s, want %d", c.method, c.path, c.body, code, body, c.want)
		}
	}
	// A member may leave; the owner changes roles.
	if code, _, body := plCall(t, in, "DELETE", base+"/members/"+db.FormatID(w.viewer.User.ID), w.viewer.Token, nil); code != 200 {
		t.Errorf("viewer leaves: %d %s", code, body)
	}
	code, _, body = plCall(t, in, "PATCH", base+"/members/"+editorUID, w.owner.Token, url.Values{"role": {"owner"}})
	if m := brJSON[map[string]any](t, body); code != 200 || m["role"] != "owner" {
		t.Errorf("promote editor: %d %s", code, body)
	}
	trail := w.audit(t, w.owner.Token)
	if e := findAudit(trail, "member.leave", ""); e == nil || memberOf(e) != "vivian" {
		t.Errorf("member.leave: %v", e)
	}
	if e := findAudit(trail, "member.role", ""); e == nil || memberOf(e) != "olivia" || e["detail"] != "@eddie from editor to owner" {
		t.Errorf("member.role: %v", e)
	}

	// The audit trail pages with Link headers, newest first.
	code, hdr, body := plCall(t, in, "GET", base+"/audit?limit=2", w.owner.Token, nil)
	first := brJSON[[]map[string]any](t, body)
	if code != 200 || len(first) != 2 || !strings.Contains(hdr.Get("Link"), `rel="next"`) || !strings.HasPrefix(hdr.Get("Link"), "<"+in.URL) {
		t.Fatalf("audit page: %d %q %s", code, hdr.Get("Link"), body)
	}
	code, _, body = plCall(t, in, "GET", base+"/audit?limit=2&max_id="+first[1]["id"].(string), w.owner.Token, nil)
	next := brJSON[[]map[string]any](t, body)
	if code != 200 || len(next) == 0 || next[0]["id"].(string) >= first[1]["id"].(string) && len(next[0]["id"].(string)) == len(first[1]["id"].(string)) {
		t.Errorf("next audit page: %d %s", code, body)
	}
	code, hdr, body = plCall(t, in, "GET", base+"/audit?since_id="+first[0]["id"].(string), w.owner.Token, nil)
	if code != 200 || string(body) != "[]" || hdr.Get("Link") != "" {
		t.Errorf("empty audit page: %d %q %s", code, hdr.Get("Link"), body)
	}
}

// The settings pages: members manage the brand with forms (CSRF-checked),
// owners approve and create invite links; strangers get 404 and visitors
// are sent to sign in.
func TestBrandSettingsPages(t *testing.T) {
	w := brStart(t, false)
	in := w.in
	resp, _ := in.Get("/settings/brands/acme")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/auth/sign_in") {
		t.Fatalf("visitor: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	sb := brNewBrowser(t, in)
	if resp, _ := sb.signIn("/settings/brands/acme", w.stranger); resp.StatusCode != 404 {
		t.Fatalf("stranger: %d", resp.StatusCode)
	}
	ob := brNewBrowser(t, in)
	resp, page := ob.signIn("/settings/brands/acme", w.owner)
	if resp.StatusCode != 200 {
		t.Fatalf("owner page: %d %s", resp.StatusCode, page)
	}
	// Turn approval on, add sam as editor, create an invite link.
	resp, page = ob.Submit(page, "/settings/brands/acme/approval", map[string]string{"require_approval": "on"})
	if resp.StatusCode != 200 || !strings.Contains(string(page), "now wait") {
		t.Fatalf("approval on: %d %s", resp.StatusCode, page)
	}
	resp, page = ob.Submit(page, "/settings/brands/acme/members", map[string]string{"username": "sam", "role": "editor"})
	if resp.StatusCode != 200 || !strings.Contains(string(page), "@sam is now editor") {
		t.Fatalf("add member: %d %s", resp.StatusCode, page)
	}
	if role, err := in.DB.BrandRole(brCtx, w.brand.ID, w.stranger.User.ID); err != nil || role != db.BrandEditor {
		t.Fatalf("sam's role: %q %v", role, err)
	}
	resp, page = ob.Submit(page, "/settings/brands/acme/invites", map[string]string{"max_uses": "3", "expires_in_days": "7"})
	if resp.StatusCode != 200 || !strings.Contains(string(page), in.URL+"/invite/") {
		t.Fatalf("invite: %d %s", resp.StatusCode, page)
	}
	// A form without its CSRF token is refused and changes nothing.
	resp, _ = ob.Post("/settings/brands/acme/approval", url.Values{})
	if b, _ := in.DB.BrandByAccountID(brCtx, w.brand.ID); resp.StatusCode != 403 || !b.RequireApproval {
		t.Fatalf("no CSRF: %d, approval %v", resp.StatusCode, b.RequireApproval)
	}

	// sam (editor) posts; the owner approves on the page.
	code, held := w.postAs(t, w.brandToken(t, w.stranger, db.BrandEditor), url.Values{"status": {"From the page"}})
	draft, _ := held["kontor_draft_id"].(string)
	if code != 422 || draft == "" {
		t.Fatalf("held: %d %v", code, held)
	}
	_, page = ob.Get("/settings/brands/acme")
	if !strings.Contains(string(page), "From the page") {
		t.Fatalf("pending draft not on the page:\n%s", page)
	}
	resp, page = ob.Submit(page, "/settings/brands/acme/drafts/"+draft+"/approve", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "is published") {
		t.Fatalf("approve on the page: %d %s", resp.StatusCode, page)
	}
	d, err := in.DB.BrandDraftByID(brCtx, w.brand.ID, mustID(t, draft))
	if err != nil || d.State != db.DraftApproved || d.StatusID == nil {
		t.Fatalf("draft after approval: %+v %v", d, err)
	}

	// The editor's page: no owner forms, no audit; an owner-only form is 403.
	eb := brNewBrowser(t, in)
	resp, page = eb.signIn("/settings/brands/acme", w.editor)
	if resp.StatusCode != 200 || strings.Contains(string(page), `id="audit"`) || strings.Contains(string(page), "/invites") {
		t.Fatalf("editor page: %d %s", resp.StatusCode, page)
	}
	v := kontortest.Form(t, page, "/settings/brands/acme/members/"+db.FormatID(w.editor.User.ID)+"/remove")
	resp, page = eb.Post("/settings/brands/acme/approval", url.Values{"authenticity_token": {v.Get("authenticity_token")}})
	if b, _ := in.DB.BrandByAccountID(brCtx, w.brand.ID); resp.StatusCode != 403 || !b.RequireApproval {
		t.Fatalf("editor turns approval off: %d %v %s", resp.StatusCode, b.RequireApproval, page)
	}
	// The editor leaves with the Leave button and lands on their list.
	resp, page = eb.Post("/settings/brands/acme/members/"+db.FormatID(w.editor.User.ID)+"/remove", v)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/settings/brands" || strings.Contains(string(page), "/settings/brands/acme") {
		t.Fatalf("leave: %d %s %s", resp.StatusCode, resp.Request.URL, page)
	}
	// The owner's analytics access extends to brand members.
	vb := brNewBrowser(t, in)
	if resp, _ := vb.signIn("/@acme/analytics", w.viewer); resp.StatusCode != 200 {
		t.Errorf("viewer sees the brand's analytics page: %d", resp.StatusCode)
	}
	if resp, _ := sb.Get("/@acme/analytics"); resp.StatusCode != 200 { // sam is now an editor
		t.Errorf("editor sees the brand's analytics page: %d", resp.StatusCode)
	}
	if resp, _ := eb.Get("/@acme/analytics"); resp.StatusCode != 403 { // eddie left
		t.Errorf("former member sees the brand's analytics page: %d", resp.StatusCode)
	}
}

// Every engine write path records the member acting as a brand, in the
// change's own transaction: edits, deletions, boosts, favourites, follows,
// blocks, follow requests, scheduled statuses (the member is kept until the
// job publishes it); the same calls by a person record nothing.
func TestBrandAuditEveryWritePath(t *testing.T) {
	w := brStart(t, false)
	in, e := w.in, w.in.Engine()
	ctx := activitypub.WithActingMember(brCtx, w.editor.User.ID)
	other := in.Post(w.stranger, activitypub.PostParams{Text: "a post to like", Visibility: db.Public})

	s, err := e.PublishStatus(ctx, w.brand, activitypub.PostParams{Text: "first", Visibility: db.Public})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		action string
		status int64
		run    func() error
	}{
		{"status.edit", s.ID, func() error {
			_, err := e.EditStatus(ctx, w.brand, s.ID, activitypub.PostParams{Text: "first, edited"})
			return err
		}},
		{"status.reblog", other.ID, func() error { _, err := e.Reblog(ctx, w.brand, other.ID, db.Public); return err }},
		{"status.unreblog", other.ID, func() error { _, err := e.Unreblog(ctx, w.brand, other.ID); return err }},
		{"favourite", other.ID, func() error { _, err := e.Favourite(ctx, w.brand, other.ID); return err }},
		{"unfavourite", other.ID, func() error { _, err := e.Unfavourite(ctx, w.brand, other.ID); return err }},
		{"follow", 0, func() error {
			_, err := e.Follow(ctx, w.brand, w.stranger.Account, activitypub.FollowOptions{ShowReblogs: true})
			return err
		}},
		{"unfollow", 0, func() error { return e.Unfollow(ctx, w.brand, w.stranger.Account) }},
		{"block", 0, func() error { return e.Block(ctx, w.brand, w.stranger.Account) }},
		{"unblock", 0, func() error { return e.Unblock(ctx, w.brand, w.stranger.Account) }},
		{"profile.update", 0, func() error { return e.PublishProfile(ctx, w.brand) }},
		{"status.delete", s.ID, func() error { _, err := e.DeleteStatus(ctx, w.brand, s.ID); return err }},
	}
	for _, st := range steps {
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.action, err)
		}
		list, err := in.DB.BrandAuditLog(brCtx, w.brand.ID, db.Page{Limit: 1})
		if err != nil || len(list) != 1 {
			t.Fatalf("%s: %v %v", st.action, list, err)
		}
		got := list[0]
		if got.Action != st.action || got.UserID == nil || *got.UserID != w.editor.User.ID ||
			(st.status != 0 && (got.StatusID == nil || *got.StatusID != st.status)) {
			t.Errorf("after %s the newest record is %+v", st.action, got)
		}
	}

	// A follower's request answered as the brand (locked for the occasion).
	locked, _ := in.DB.AccountByID(brCtx, w.brand.ID)
	locked.Locked = true
	if err := in.DB.UpdateCredentials(brCtx, db.CredentialsUpdate{Account: locked}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Follow(brCtx, w.viewer.Account, locked, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := e.AuthorizeFollowRequest(ctx, locked, w.viewer.Account); err != nil {
		t.Fatal(err)
	}
	if l, _ := in.DB.BrandAuditLog(brCtx, w.brand.ID, db.Page{Limit: 1}); l[0].Action != "follow_request.authorize" || *l[0].UserID != w.editor.User.ID {
		t.Errorf("authorize: %+v", l[0])
	}

	// A scheduled status keeps its member until the job publishes it.
	at := time.Now().Add(10 * time.Minute)
	ss, err := e.ScheduleStatus(ctx, w.brand, at, activitypub.PostParams{Text: "later", Visibility: db.Public}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := in.DB.RescheduleStatus(brCtx, w.brand.ID, ss.ID, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.PublishDueStatuses(brCtx); err != nil { // the background job may have done it already
		t.Fatal(err)
	}
	kontortest.Eventually(t, kontortest.Wait, "the scheduled status to be published", func() bool {
		l, _ := in.DB.BrandAuditLog(brCtx, w.brand.ID, db.Page{Limit: 1})
		return len(l) == 1 && l[0].Action == "status.create"
	})
	l, _ := in.DB.BrandAuditLog(brCtx, w.brand.ID, db.Page{Limit: 2})
	if *l[0].UserID != w.editor.User.ID || !strings.Contains(l[0].Detail, "scheduled") || l[1].Action != "status.schedule" {
		t.Errorf("scheduled: %+v %+v", l[0], l[1])
	}

	// Without a member in the context the record names nobody; a person's
	// actions record nothing.
	before, _ := in.DB.BrandAuditLog(brCtx, w.brand.ID, db.Page{Limit: 200})
	if _, err := e.PublishStatus(brCtx, w.brand, activitypub.PostParams{Text: "from a job", Visibility: db.Public}); err != nil {
		t.Fatal(err)
	}
	if l, _ := in.DB.BrandAuditLog(brCtx, w.brand.ID, db.Page{Limit: 1}); l[0].Action != "status.create" || l[0].UserID != nil {
		t.Errorf("no member: %+v", l[0])
	}
	if _, err := e.PublishStatus(ctx, w.stranger.Account, activitypub.PostParams{Text: "a person", Visibility: db.Public}); err != nil {
		t.Fatal(err)
	}
	if after, _ := in.DB.BrandAuditLog(brCtx, w.brand.ID, db.Page{Limit: 200}); len(after) != len(before)+1 {
		t.Errorf("a person's post was recorded: %d → %d", len(before), len(after))
	}
}

// A draft's attachments survive the orphan sweep while it waits (approval
// can take days) and go with its status when approved; a rejected draft's
// are swept.
func TestBrandDraftKeepsMedia(t *testing.T) {
	w := brStart(t, false)
	in := w.in
	if err := in.DB.SetBrandApproval(brCtx, w.brand.ID, true, nil); err != nil {
		t.Fatal(err)
	}
	media := plMedia(t, in, w.brandUser, 3)
	editorTok := w.brandToken(t, w.editor, db.BrandEditor)
	code, held := w.postAs(t, editorTok, url.Values{"status": {"with pictures"}, "media_ids[]": {db.FormatID(media[0]), db.FormatID(media[1])}})
	kept, _ := held["kontor_draft_id"].(string)
	code2, held2 := w.postAs(t, editorTok, url.Values{"status": {"another"}, "media_ids[]": {db.FormatID(media[2])}})
	dropped, _ := held2["kontor_draft_id"].(string)
	if code != 422 || code2 != 422 || kept == "" || dropped == "" {
		t.Fatalf("held: %d %v / %d %v", code, held, code2, held2)
	}
	swept, err := in.DB.DeleteOrphanedMedia(brCtx, time.Now().Add(time.Hour), 100)
	if err != nil || len(swept) != 0 {
		t.Fatalf("the sweep took a waiting draft's attachments: %v %v", swept, err)
	}
	base := "/api/v1/kontor/brands/" + db.FormatID(w.brand.ID) + "/drafts/"
	code, _, body := plCall(t, in, "POST", base+kept+"/approve", w.owner.Token, nil)
	if st := brJSON[map[string]any](t, body); code != 200 || len(st["media_attachments"].([]any)) != 2 {
		t.Fatalf("approve with media: %d %s", code, body)
	}
	if code, _, body := plCall(t, in, "POST", base+dropped+"/reject", w.owner.Token, url.Values{"note": {"no"}}); code != 200 {
		t.Fatalf("reject: %d %s", code, body)
	}
	swept, err = in.DB.DeleteOrphanedMedia(brCtx, time.Now().Add(time.Hour), 100)
	if err != nil || len(swept) != 1 || swept[0].ID != media[2] {
		t.Fatalf("after the decisions the sweep took %v (%v), want only the rejected draft's attachment", swept, err)
	}
}
