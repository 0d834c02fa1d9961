package api_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

// approvalWorld is brStart with approval required, the editor's and the
// owner's tokens acting as the brand, and a post the owner wrote as it.
type approvalWorld struct {
	*brWorld
	editorTok, ownerTok string
	ownerPost           map[string]any
}

func approvalStart(t *testing.T) *approvalWorld {
	t.Helper()
	w := &approvalWorld{brWorld: brStart(t, false)}
	w.editorTok, w.ownerTok = w.brandToken(t, w.editor, db.BrandEditor), w.brandToken(t, w.owner, db.BrandOwner)
	var code int
	if code, w.ownerPost = w.postAs(t, w.ownerTok, url.Values{"status": {"Our opening hours: 9 to 5"}}); code != 200 {
		t.Fatalf("owner posts: %d %v", code, w.ownerPost)
	}
	if err := w.in.DB.SetBrandApproval(brCtx, w.brand.ID, true, nil); err != nil {
		t.Fatal(err)
	}
	return w
}

// call sends an API request and decodes the JSON object it answers.
func (w *approvalWorld) call(t *testing.T, method, path, token string, v url.Values) (int, map[string]any) {
	t.Helper()
	var body any
	if v != nil {
		body = v
	}
	code, _, out := plCall(t, w.in, method, path, token, body)
	return code, brJSON[map[string]any](t, out)
}

// held checks a 422 naming a new draft and returns its id.
func held(t *testing.T, what string, code int, out map[string]any) string {
	t.Helper()
	id, _ := out["kontor_draft_id"].(string)
	if code != 422 || id == "" || !strings.HasPrefix(out["error"].(string), "Saved as draft #") {
		t.Fatalf("%s by the editor: %d %v, want 422 with kontor_draft_id", what, code, out)
	}
	return id
}

// approve approves a draft through the API as the owner.
func (w *approvalWorld) approve(t *testing.T, draft string) map[string]any {
	t.Helper()
	code, out := w.call(t, "POST", "/api/v1/kontor/brands/"+db.FormatID(w.brand.ID)+"/drafts/"+draft+"/approve", w.owner.Token, nil)
	if code != 200 {
		t.Fatalf("approve %s: %d %v", draft, code, out)
	}
	return out
}

// statusText is the content of a status as the public sees it ("" when gone).
func (w *approvalWorld) statusText(t *testing.T, id string) string {
	t.Helper()
	code, out := w.call(t, "GET", "/api/v1/statuses/"+id, "", nil)
	if code == 404 {
		return ""
	}
	if code != 200 {
		t.Fatalf("status %s: %d %v", id, code, out)
	}
	return out["content"].(string)
}

// brandStatuses counts the brand's public statuses (boosts included).
func (w *approvalWorld) brandStatuses(t *testing.T) int {
	t.Helper()
	code, _, body := plCall(t, w.in, "GET", "/api/v1/accounts/"+db.FormatID(w.brand.ID)+"/statuses?limit=40", "", nil)
	if code != 200 {
		t.Fatalf("brand statuses: %d %s", code, body)
	}
	return len(brJSON[[]any](t, body))
}

// Every change an editor makes as a brand that requires approval waits
// for an owner; nothing public changes until then; approval applies it.
func TestBrandApprovalEveryVerb(t *testing.T) {
	w := approvalStart(t)
	ownerPostID := w.ownerPost["id"].(string)
	other := w.in.Post(w.stranger, activitypub.PostParams{Text: "Which colour?", Visibility: db.Public})
	otherID := db.FormatID(other.ID)
	before := w.brandStatuses(t)

	cases := []struct {
		name   string
		method string
		path   string
		params url.Values
		// applied checks the public effect after approval (and, with
		// false, that nothing happened before it).
		applied func(t *testing.T, approved map[string]any) bool
	}{
		{"post", "POST", "/api/v1/statuses", url.Values{"status": {"Spring sale starts Monday"}}, func(t *testing.T, _ map[string]any) bool {
			return w.brandStatuses(t) > before
		}},
		{"reply", "POST", "/api/v1/statuses", url.Values{"status": {"@sam thanks for asking"}, "in_reply_to_id": {otherID}}, func(t *testing.T, a map[string]any) bool {
			return a != nil && a["in_reply_to_id"] == otherID
		}},
		{"poll", "POST", "/api/v1/statuses", url.Values{"status": {"Which flavour next?"}, "poll[options][]": {"mint", "lime"}, "poll[expires_in]": {"3600"}}, func(t *testing.T, a map[string]any) bool {
			return a != nil && a["poll"] != nil
		}},
		{"edit", "PUT", "/api/v1/statuses/" + ownerPostID, url.Values{"status": {"Our opening hours: 8 to 6"}}, func(t *testing.T, _ map[string]any) bool {
			return strings.Contains(w.statusText(t, ownerPostID), "8 to 6")
		}},
		{"boost", "POST", "/api/v1/statuses/" + otherID + "/reblog", nil, func(t *testing.T, _ map[string]any) bool {
			code, out := w.call(t, "GET", "/api/v1/statuses/"+otherID, w.ownerTok, nil)
			return code == 200 && out["reblogged"] == true
		}},
		{"delete of the owner's post", "DELETE", "/api/v1/statuses/" + ownerPostID, nil, func(t *testing.T, _ map[string]any) bool {
			return w.statusText(t, ownerPostID) == ""
		}},
	}
	for _, c := range cases {
		code, out := w.call(t, c.method, c.path, w.editorTok, c.params)
		draft := held(t, c.name, code, out)
		if c.applied(t, nil) {
			t.Fatalf("%s: applied before approval", c.name)
		}
		if c.name == "edit" && !strings.Contains(w.statusText(t, ownerPostID), "9 to 5") {
			t.Fatalf("the published version changed during a pending edit: %q", w.statusText(t, ownerPostID))
		}
		d, err := w.in.DB.BrandDraftByID(brCtx, w.brand.ID, mustID(t, draft))
		if err != nil || d.State != db.DraftPending || d.AuthorUserID != w.editor.User.ID {
			t.Fatalf("%s: draft %+v %v", c.name, d, err)
		}
		approved := w.approve(t, draft)
		if _, ok := approved["content"]; !ok {
			approved = nil
		}
		if !c.applied(t, approved) {
			t.Errorf("%s: not applied after approval (%v)", c.name, approved)
		}
		if d, _ := w.in.DB.BrandDraftByID(brCtx, w.brand.ID, mustID(t, draft)); d.State != db.DraftApproved {
			t.Errorf("%s: draft %s after approval", c.name, d.State)
		}
	}
	trail := w.audit(t, w.owner.Token)
	for _, action := range []string{"status.edit", "status.reblog", "status.delete"} {
		if e := findAudit(trail, action, ""); e == nil || memberOf(e) != "olivia" || !strings.Contains(e["detail"].(string), "written by @eddie") {
			t.Errorf("%s audit: %v", action, e)
		}
	}
}

// A scheduled post waits too; approval schedules it.
func TestBrandApprovalScheduled(t *testing.T) {
	w := approvalStart(t)
	at := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	code, out := w.call(t, "POST", "/api/v1/statuses", w.editorTok, url.Values{"status": {"Later today"}, "scheduled_at": {at}})
	draft := held(t, "scheduled post", code, out)
	list := func() int {
		code, _, body := plCall(t, w.in, "GET", "/api/v1/scheduled_statuses", w.ownerTok, nil)
		if code != 200 {
			t.Fatalf("scheduled: %d %s", code, body)
		}
		return len(brJSON[[]any](t, body))
	}
	if n := list(); n != 0 {
		t.Fatalf("%d scheduled before approval", n)
	}
	d := w.approve(t, draft)
	if d["state"] != "approved" || d["scheduled_at"] == nil || d["verb"] != "post" {
		t.Errorf("approved scheduled draft: %v", d)
	}
	if n := list(); n != 1 {
		t.Fatalf("%d scheduled after approval, want 1", n)
	}

	// Scheduled by an editor before approval was required: when it comes
	// due it waits as a draft instead of going out.
	uid := w.editor.User.ID
	ss := &db.ScheduledStatus{AccountID: w.brand.ID, ScheduledAt: time.Now().Add(-time.Second),
		Params: db.ScheduledParams{Text: "Queued", Visibility: db.Public, ActingUserID: &uid}}
	if err := w.in.DB.InsertScheduledStatus(brCtx, ss); err != nil {
		t.Fatal(err)
	}
	if _, err := w.in.Engine().PublishDueStatuses(brCtx); err != nil {
		t.Fatal(err)
	}
	drafts, err := w.in.DB.BrandDrafts(brCtx, w.brand.ID, db.DraftPending, 0, db.Page{Limit: 10})
	if err != nil || len(drafts) != 1 || !strings.Contains(drafts[0].Params, "Queued") || drafts[0].AuthorUserID != uid {
		t.Fatalf("due post of an editor: drafts %v %v", drafts, err)
	}
}

// Owners act directly; an editor deletes their own post directly; an
// editor's draft can be changed and resubmitted after a rejection.
func TestBrandApprovalOwnersAndRevisions(t *testing.T) {
	w := approvalStart(t)
	ownerPostID := w.ownerPost["id"].(string)
	other := w.in.Post(w.stranger, activitypub.PostParams{Text: "Hello", Visibility: db.Public})
	for _, c := range []struct{ method, path string }{
		{"PUT", "/api/v1/statuses/" + ownerPostID},
		{"POST", "/api/v1/statuses/" + db.FormatID(other.ID) + "/reblog"},
		{"DELETE", "/api/v1/statuses/" + ownerPostID},
	} {
		if code, out := w.call(t, c.method, c.path, w.ownerTok, url.Values{"status": {"Owner's edit"}}); code != 200 {
			t.Errorf("owner %s %s: %d %v", c.method, c.path, code, out)
		}
	}
	// An editor's own post (from before approval was required) is theirs to delete.
	own, err := w.in.Engine().PublishStatus(activitypub.WithActingMember(brCtx, w.owner.User.ID), w.brand, activitypub.PostParams{Text: "x", Visibility: db.Public})
	if err != nil {
		t.Fatal(err)
	}
	if code, out := w.call(t, "DELETE", "/api/v1/statuses/"+db.FormatID(own.ID), w.editorTok, nil); code != 422 {
		t.Errorf("editor deletes the owner's post: %d %v, want 422", code, out)
	}
	if err := w.in.DB.SetBrandApproval(brCtx, w.brand.ID, false, nil); err != nil {
		t.Fatal(err)
	}
	code, mine := w.postAs(t, w.editorTok, url.Values{"status": {"mine"}})
	if code != 200 {
		t.Fatalf("editor posts without approval: %d %v", code, mine)
	}
	if err := w.in.DB.SetBrandApproval(brCtx, w.brand.ID, true, nil); err != nil {
		t.Fatal(err)
	}
	if code, out := w.call(t, "DELETE", "/api/v1/statuses/"+mine["id"].(string), w.editorTok, nil); code != 200 {
		t.Errorf("editor deletes their own post: %d %v", code, out)
	}

	// Rejected, revised, resubmitted, approved.
	code, out := w.call(t, "POST", "/api/v1/statuses", w.editorTok, url.Values{"status": {"Draft one"}})
	draft := held(t, "post", code, out)
	brandID := db.FormatID(w.brand.ID)
	if code, out := w.call(t, "POST", "/api/v1/kontor/brands/"+brandID+"/drafts/"+draft+"/reject", w.owner.Token, url.Values{"note": {"shorter"}}); code != 200 {
		t.Fatalf("reject: %d %v", code, out)
	}
	if code, out := w.call(t, "PUT", "/api/v1/kontor/drafts/"+draft, w.stranger.Token, url.Values{"status": {"hijack"}}); code != 404 {
		t.Errorf("someone else revises: %d %v, want 404", code, out)
	}
	if code, out := w.call(t, "PUT", "/api/v1/kontor/drafts/"+draft, w.editor.Token, url.Values{"status": {""}}); code != 422 {
		t.Errorf("blank revision: %d %v, want 422", code, out)
	}
	code, rev := w.call(t, "PUT", "/api/v1/kontor/drafts/"+draft, w.editor.Token, url.Values{"status": {"Draft two"}})
	if code != 200 || rev["state"] != "pending" || rev["note"] != "" || rev["params"].(map[string]any)["text"] != "Draft two" || rev["number"] != out["kontor_draft_number"] {
		t.Fatalf("revise: %d %v", code, rev)
	}
	if st := w.approve(t, draft); !strings.Contains(st["content"].(string), "Draft two") {
		t.Errorf("approved revision: %v", st)
	}
	if code, out := w.call(t, "PUT", "/api/v1/kontor/drafts/"+draft, w.editor.Token, url.Values{"status": {"Draft three"}}); code != 422 {
		t.Errorf("revise an approved draft: %d %v, want 422", code, out)
	}
}

// waitNotice polls u's notifications (as a Mastodon app reads them) for a
// mention from the brand whose text has every one of want, for 5 s.
func (w *approvalWorld) waitNotice(t *testing.T, token string, want ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _, body := plCall(t, w.in, "GET", "/api/v1/notifications?types[]=mention", token, nil)
		if code != 200 {
			t.Fatalf("notifications: %d %s", code, body)
		}
		for _, n := range brJSON[[]map[string]any](t, body) {
			st, _ := n["status"].(map[string]any)
			if st == nil || n["account"].(map[string]any)["username"] != "acme" {
				continue
			}
			text := st["content"].(string)
			found := true
			for _, s := range want {
				found = found && strings.Contains(text, s)
			}
			if found {
				return st
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notice with %q within 5 s: %s", want, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Owners hear of a waiting draft in their own notifications, with its
// number and the link to its page; the author hears of the decision.
func TestBrandApprovalNotices(t *testing.T) {
	w := approvalStart(t)
	code, out := w.call(t, "POST", "/api/v1/statuses", w.editorTok, url.Values{"status": {"Launch day!"}})
	held(t, "post", code, out)
	n := int64(out["kontor_draft_number"].(float64))
	link := w.in.Config.BaseURL() + "/settings/brands/acme/drafts/" + strconv.FormatInt(n, 10)
	st := w.waitNotice(t, w.owner.Token, "Draft #"+strconv.FormatInt(n, 10), "by eddie", link)
	if st["visibility"] != "direct" {
		t.Errorf("notice visibility %v, want direct", st["visibility"])
	}
	// Nobody else hears of it: not the viewer, not the author, not the public.
	for _, u := range []string{w.viewer.Token, w.editor.Token} {
		code, _, body := plCall(t, w.in, "GET", "/api/v1/notifications", u, nil)
		if code != 200 || strings.Contains(string(body), "Draft #") {
			t.Errorf("a member who does not decide was told: %s", body)
		}
	}
	if n := w.brandStatuses(t); n != 1 {
		t.Errorf("the brand shows %d public statuses, want only the owner's post", n)
	}

	// The link opens the brand's page at the draft's row, which links the
	// draft's own page; the owner rejects it there.
	ob := brNewBrowser(t, w.in)
	resp, page := ob.signIn("/settings/brands/acme", w.owner)
	draftPage := "/settings/brands/acme/drafts/" + strconv.FormatInt(n, 10)
	if resp.StatusCode != 200 || !strings.Contains(string(page), `id="draft-`+strconv.FormatInt(n, 10)+`"`) || !strings.Contains(string(page), `href="`+draftPage+`"`) {
		t.Fatalf("brand page: %d\n%s", resp.StatusCode, page)
	}
	resp, page = ob.Get(draftPage)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Draft #"+strconv.FormatInt(n, 10)) || !strings.Contains(string(page), "Launch day!") {
		t.Fatalf("draft page: %d\n%s", resp.StatusCode, page)
	}
	_, page = ob.Submit(page, "/settings/brands/acme/drafts/"+out["kontor_draft_id"].(string)+"/reject", map[string]string{"note": "Wait for the press release"})
	if !strings.Contains(string(page), "went back to its author") {
		t.Fatalf("reject on the draft page:\n%s", page)
	}
	w.waitNotice(t, w.editor.Token, "Draft #"+strconv.FormatInt(n, 10), "rejected by olivia", "Wait for the press release")
	// A stranger cannot open the page.
	sb := brNewBrowser(t, w.in)
	sb.signIn("/settings/brands", w.stranger)
	if resp, _ := sb.Get(draftPage); resp.StatusCode != 404 {
		t.Errorf("stranger opens the draft page: %d", resp.StatusCode)
	}

	// Resubmitted, the owners are told again; approved, the author is told.
	if code, out := w.call(t, "PUT", "/api/v1/kontor/drafts/"+out["kontor_draft_id"].(string), w.editor.Token, url.Values{}); code != 200 || out["state"] != "pending" {
		t.Fatalf("resubmit: %d %v", code, out)
	}
	w.approve(t, out["kontor_draft_id"].(string))
	w.waitNotice(t, w.editor.Token, "Draft #"+strconv.FormatInt(n, 10), "approved by olivia")
}
