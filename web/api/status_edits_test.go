package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/db"
)

// Edits through go-mastodon and raw PUT: text, attachments and their
// descriptions; history and source follow.
func TestEditStatus(t *testing.T) {
	in := stStart(t)
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	ac := stClient(in, alice.Token)
	s, err := ac.PostStatus(stCtx, &mastodon.Toot{Status: "first version"})
	if err != nil {
		t.Fatal(err)
	}
	hist, err := ac.GetStatusHistory(stCtx, s.ID)
	if err != nil || len(hist) != 1 || !strings.Contains(hist[0].Content, "first version") {
		t.Fatalf("history of an unedited status: %v %+v", err, hist)
	}
	edited, err := ac.UpdateStatus(stCtx, &mastodon.Toot{Status: "second version"}, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(edited.Content, "second version") || edited.EditedAt.IsZero() || edited.ID != s.ID {
		t.Errorf("edited: %+v", edited)
	}
	hist, err = ac.GetStatusHistory(stCtx, s.ID)
	if err != nil || len(hist) != 2 || !strings.Contains(hist[0].Content, "first") || !strings.Contains(hist[1].Content, "second") {
		t.Fatalf("history: %v %+v", err, hist)
	}
	src, err := ac.GetStatusSource(stCtx, s.ID)
	if err != nil || src.Text != "second version" || src.ID != s.ID {
		t.Errorf("source: %v %+v", err, src)
	}
	if resp, _ := stCall(t, in, http.MethodPut, "/api/v1/statuses/"+string(s.ID), bob.Token, map[string]any{"status": "mine now"}); resp.StatusCode != 404 {
		t.Errorf("bob edits alice's status: %d", resp.StatusCode)
	}

	// Attachments and their descriptions (media_attributes).
	m1, m2 := stMedia(t, in, alice), stMedia(t, in, alice)
	body := map[string]any{"status": "with media", "media_ids": []string{db.FormatID(m1.ID), db.FormatID(m2.ID)},
		"media_attributes": []map[string]any{{"id": db.FormatID(m2.ID), "description": "a cat", "focus": "0.5,-0.25"}}}
	st := stOK[stStatus](t, in, http.MethodPut, "/api/v1/statuses/"+string(s.ID), alice.Token, body)
	if len(st.MediaAttachments) != 2 || st.MediaAttachments[1].Description == nil || *st.MediaAttachments[1].Description != "a cat" ||
		st.MediaAttachments[1].Meta.Focus == nil || st.MediaAttachments[1].Meta.Focus.X != 0.5 {
		t.Errorf("media attributes: %+v", st.MediaAttachments)
	}
	// A refused edit changes nothing, descriptions included.
	bad := map[string]any{"status": strings.Repeat("x", 600), "media_attributes": []map[string]any{{"id": db.FormatID(m2.ID), "description": "a dog"}}}
	if resp, data := stCall(t, in, http.MethodPut, "/api/v1/statuses/"+string(s.ID), alice.Token, bad); resp.StatusCode != 422 || !strings.Contains(string(data), "status") {
		t.Errorf("too long edit: %d %s", resp.StatusCode, data)
	}
	if got, _ := in.DB.MediaByID(stCtx, m2.ID); got.Description != "a cat" {
		t.Errorf("refused edit changed the description to %q", got.Description)
	}
	wrong := map[string]any{"media_attributes": []map[string]any{{"id": db.FormatID(stMedia(t, in, alice).ID), "description": "x"}}}
	if resp, _ := stCall(t, in, http.MethodPut, "/api/v1/statuses/"+string(s.ID), alice.Token, wrong); resp.StatusCode != 422 {
		t.Errorf("attributes of a foreign attachment: %d", resp.StatusCode)
	}
	// Only the description: the text stays.
	st = stOK[stStatus](t, in, http.MethodPut, "/api/v1/statuses/"+string(s.ID), alice.Token,
		map[string]any{"media_attributes": []map[string]any{{"id": db.FormatID(m1.ID), "description": "a hat"}}})
	if !strings.Contains(st.Content, "with media") || *st.MediaAttachments[0].Description != "a hat" {
		t.Errorf("description-only edit: %+v", st)
	}
	// Removing every attachment with an empty JSON array.
	st = stOK[stStatus](t, in, http.MethodPut, "/api/v1/statuses/"+string(s.ID), alice.Token, `{"status":"bare","media_ids":[]}`)
	if len(st.MediaAttachments) != 0 {
		t.Errorf("media_ids [] kept %d attachments", len(st.MediaAttachments))
	}
	hist, _ = ac.GetStatusHistory(stCtx, s.ID)
	if len(hist) != 5 || len(hist[2].MediaAttachments) != 2 {
		t.Errorf("history after media edits: %d versions", len(hist))
	}

	// A poll sent back unchanged is no change; a different one is refused.
	p := stPost(t, in, alice, map[string]any{"status": "poll", "poll": map[string]any{"options": []string{"a", "b"}, "expires_in": 600}})
	same := url.Values{"status": {"poll, edited"}, "poll[options][]": {"a", "b"}, "poll[expires_in]": {"600"}}
	if resp, data := stCall(t, in, http.MethodPut, "/api/v1/statuses/"+p.ID, alice.Token, same); resp.StatusCode != 200 {
		t.Errorf("unchanged poll: %d %s", resp.StatusCode, data)
	}
	other := url.Values{"status": {"poll"}, "poll[options][]": {"a", "c"}, "poll[expires_in]": {"600"}}
	if resp, _ := stCall(t, in, http.MethodPut, "/api/v1/statuses/"+p.ID, alice.Token, other); resp.StatusCode != 422 {
		t.Errorf("changed poll: %d", resp.StatusCode)
	}
}

// Hashtags and mentions of a page are kept between requests (keyed by the
// status's updated_at): an edit that changes them shows on the next read,
// on the status and on the home timeline.
func TestEditedTagsAndMentionsShowAtOnce(t *testing.T) {
	in := stStart(t)
	alice := in.CreateUser("alice")
	in.CreateUser("bob")
	in.CreateUser("carol")
	type parts struct {
		ID   string `json:"id"`
		Tags []struct {
			Name string `json:"name"`
		} `json:"tags"`
		Mentions []struct {
			Acct string `json:"acct"`
		} `json:"mentions"`
	}
	describe := func(p parts) string {
		var out []string
		for _, tg := range p.Tags {
			out = append(out, "#"+tg.Name)
		}
		for _, m := range p.Mentions {
			out = append(out, "@"+m.Acct)
		}
		return strings.Join(out, " ")
	}
	check := func(id, want string) {
		t.Helper()
		for range 2 { // the second read is served from the kept parts
			if got := describe(stOK[parts](t, in, http.MethodGet, "/api/v1/statuses/"+id, alice.Token, nil)); got != want {
				t.Errorf("status: %q, want %q", got, want)
			}
			home := stOK[[]parts](t, in, http.MethodGet, "/api/v1/timelines/home", alice.Token, nil)
			if len(home) == 0 || home[0].ID != id || describe(home[0]) != want {
				t.Errorf("home: %+v, want %q first", home, want)
			}
		}
	}
	s := stPost(t, in, alice, map[string]any{"status": "#alpha #omega hello @bob"})
	check(s.ID, "#alpha #omega @bob")
	stOK[parts](t, in, http.MethodPut, "/api/v1/statuses/"+s.ID, alice.Token, map[string]any{"status": "#beta hello @carol @bob"})
	check(s.ID, "#beta @bob @carol")
}
