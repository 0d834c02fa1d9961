package api_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/db"
)

type miscFilterJSON struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Context      []string `json:"context"`
	ExpiresAt    *string  `json:"expires_at"`
	FilterAction string   `json:"filter_action"`
	Keywords     []struct {
		ID        string `json:"id"`
		Keyword   string `json:"keyword"`
		WholeWord bool   `json:"whole_word"`
	} `json:"keywords"`
	Statuses []struct {
		ID       string `json:"id"`
		StatusID string `json:"status_id"`
	} `json:"statuses"`
}

func TestFiltersV2(t *testing.T) {
	w := newMiscWorld(t)
	alice, bob := w.in.CreateUser("alice"), w.in.CreateUser("bob")

	var list []miscFilterJSON
	w.call("GET", "/api/v2/filters", alice.Token, nil, 200, &list)
	if list == nil || len(list) != 0 {
		t.Fatalf("no filters yet: %v", list)
	}
	var f miscFilterJSON
	w.call("POST", "/api/v2/filters", alice.Token, map[string]any{
		"title": "Spoilers", "context": []string{"home", "public"}, "filter_action": "warn", "expires_in": 3600,
		"keywords_attributes": []map[string]any{{"keyword": "finale", "whole_word": false}, {"keyword": "ending"}},
	}, 200, &f)
	if f.ID == "" || f.Title != "Spoilers" || !slices.Equal(f.Context, []string{"home", "public"}) || f.FilterAction != "warn" || len(f.Statuses) != 0 {
		t.Fatalf("created: %+v", f)
	}
	if len(f.Keywords) != 2 || f.Keywords[0].Keyword != "finale" || f.Keywords[0].WholeWord || !f.Keywords[1].WholeWord {
		t.Errorf("keywords: %+v", f.Keywords)
	}
	if f.ExpiresAt == nil {
		t.Fatal("expires_at missing")
	}
	if exp, err := time.Parse("2006-01-02T15:04:05.000Z", *f.ExpiresAt); err != nil || time.Until(exp) < 59*time.Minute || time.Until(exp) > 61*time.Minute {
		t.Errorf("expires_at %q %v", *f.ExpiresAt, err)
	}

	// Form body, as Tusky sends it.
	var g miscFilterJSON
	w.call("POST", "/api/v2/filters", alice.Token, url.Values{"title": {"Politics"}, "context[]": {"notifications"},
		"filter_action": {"hide"}, "keywords_attributes[0][keyword]": {"election"}, "keywords_attributes[0][whole_word]": {"true"}}, 200, &g)
	if g.FilterAction != "hide" || g.ExpiresAt != nil || len(g.Keywords) != 1 || g.Keywords[0].Keyword != "election" {
		t.Errorf("form create: %+v", g)
	}

	// Update: change one keyword, drop the other, add one, clear the expiry.
	var u miscFilterJSON
	w.call("PUT", "/api/v2/filters/"+f.ID, alice.Token, map[string]any{
		"title": "Spoilers!", "expires_in": "", "filter_action": "blur",
		"keywords_attributes": []map[string]any{
			{"id": f.Keywords[0].ID, "keyword": "season finale", "whole_word": true},
			{"id": f.Keywords[1].ID, "_destroy": true},
			{"keyword": "plot twist"},
		},
	}, 200, &u)
	var kws []string
	for _, k := range u.Keywords {
		kws = append(kws, k.Keyword)
	}
	if u.Title != "Spoilers!" || u.ExpiresAt != nil || u.FilterAction != "blur" || !slices.Equal(kws, []string{"season finale", "plot twist"}) ||
		!slices.Equal(u.Context, []string{"home", "public"}) {
		t.Errorf("updated: %+v", u)
	}

	t.Run("keywords", func(t *testing.T) {
		var k struct {
			ID, Keyword string
			WholeWord   bool `json:"whole_word"`
		}
		w.call("POST", "/api/v2/filters/"+f.ID+"/keywords", alice.Token, map[string]any{"keyword": "cliffhanger", "whole_word": false}, 200, &k)
		if k.ID == "" || k.Keyword != "cliffhanger" || k.WholeWord {
			t.Errorf("added: %+v", k)
		}
		w.call("PUT", "/api/v2/filters/keywords/"+k.ID, alice.Token, url.Values{"whole_word": {"true"}}, 200, &k)
		if k.Keyword != "cliffhanger" || !k.WholeWord {
			t.Errorf("updated: %+v", k)
		}
		w.call("GET", "/api/v2/filters/keywords/"+k.ID, alice.Token, nil, 200, &k)
		var all []struct{ ID string }
		w.call("GET", "/api/v2/filters/"+f.ID+"/keywords", alice.Token, nil, 200, &all)
		if len(all) != 3 {
			t.Errorf("keywords: %v", all)
		}
		w.call("DELETE", "/api/v2/filters/keywords/"+k.ID, alice.Token, nil, 200, nil)
		if resp, _ := w.do("GET", "/api/v2/filters/keywords/"+k.ID, alice.Token, nil); resp.StatusCode != 404 {
			t.Errorf("deleted keyword: %d", resp.StatusCode)
		}
	})

	t.Run("statuses", func(t *testing.T) {
		mine := w.post(bob, "a post to filter", db.Public)
		secret := w.post(bob, "for followers only", db.Private)
		var fs struct {
			ID       string `json:"id"`
			StatusID string `json:"status_id"`
		}
		w.call("POST", "/api/v2/filters/"+f.ID+"/statuses", alice.Token, map[string]any{"status_id": db.FormatID(mine.ID)}, 200, &fs)
		if fs.ID == "" || fs.StatusID != db.FormatID(mine.ID) {
			t.Errorf("added: %+v", fs)
		}
		w.call("GET", "/api/v2/filters/statuses/"+fs.ID, alice.Token, nil, 200, &fs)
		var all []struct{ ID string }
		w.call("GET", "/api/v2/filters/"+f.ID+"/statuses", alice.Token, nil, 200, &all)
		if len(all) != 1 {
			t.Errorf("statuses: %v", all)
		}
		// A status alice may not see, or one already there: 422.
		for _, id := range []int64{secret.ID, mine.ID, 12345} {
			resp, data := w.do("POST", "/api/v2/filters/"+f.ID+"/statuses", alice.Token, map[string]any{"status_id": db.FormatID(id)})
			if resp.StatusCode != 422 {
				t.Errorf("status %d: %d %s", id, resp.StatusCode, data)
			}
		}
		var one miscFilterJSON
		w.call("GET", "/api/v2/filters/"+f.ID, alice.Token, nil, 200, &one)
		if len(one.Statuses) != 1 || one.Statuses[0].StatusID != db.FormatID(mine.ID) {
			t.Errorf("filter statuses: %+v", one.Statuses)
		}
		w.call("DELETE", "/api/v2/filters/statuses/"+fs.ID, alice.Token, nil, 200, nil)
		w.call("GET", "/api/v2/filters/"+f.ID+"/statuses", alice.Token, nil, 200, &all)
		if len(all) != 0 {
			t.Errorf("after delete: %v", all)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		kw := u.Keywords[0].ID
		other := w.token(alice, "read:accounts")
		readOnly := w.token(alice, "read:filters")
		cases := []struct {
			method, path string
			body         any
			token        string
			want         int
		}{
			{"POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"bogus"}}, alice.Token, 422},
			{"POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home", "bogus"}}, alice.Token, 422},
			{"POST", "/api/v2/filters", map[string]any{"title": "x"}, alice.Token, 422},
			{"POST", "/api/v2/filters", map[string]any{"title": "", "context": []string{"home"}}, alice.Token, 422},
			{"POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home"}, "filter_action": "delete"}, alice.Token, 422},
			{"POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home"}, "expires_in": -5}, alice.Token, 422},
			{"POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home"}, "expires_in": "soon"}, alice.Token, 422},
			{"POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home"}, "keywords_attributes": []map[string]any{{"keyword": " "}}}, alice.Token, 422},
			{"POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home"}, "keywords_attributes": []map[string]any{{"id": kw, "keyword": "steal"}}}, alice.Token, 404},
			{"POST", "/api/v2/filters", "[1]", alice.Token, 400},
			{"PUT", "/api/v2/filters/" + f.ID, map[string]any{"context": []string{"bogus"}}, alice.Token, 422},
			{"PUT", "/api/v2/filters/" + f.ID, map[string]any{"keywords_attributes": []map[string]any{{"id": "999", "keyword": "x"}}}, alice.Token, 404},
			{"PUT", "/api/v2/filters/" + f.ID, map[string]any{"keywords_attributes": []map[string]any{{"id": g.Keywords[0].ID, "keyword": "x"}}}, alice.Token, 404},
			{"POST", "/api/v2/filters/" + f.ID + "/keywords", map[string]any{"keyword": ""}, alice.Token, 422},
			{"POST", "/api/v2/filters/" + f.ID + "/statuses", map[string]any{}, alice.Token, 422},
			{"GET", "/api/v2/filters/999", nil, alice.Token, 404},
			{"GET", "/api/v2/filters/keywords/999", nil, alice.Token, 404},
			{"GET", "/api/v2/filters/statuses/999", nil, alice.Token, 404},
			{"GET", "/api/v2/filters/" + f.ID, nil, bob.Token, 404},
			{"PUT", "/api/v2/filters/" + f.ID, map[string]any{"title": "bob's"}, bob.Token, 404},
			{"DELETE", "/api/v2/filters/" + f.ID, nil, bob.Token, 404},
			{"GET", "/api/v2/filters/keywords/" + kw, nil, bob.Token, 404},
			{"PUT", "/api/v2/filters/keywords/" + kw, map[string]any{"keyword": "bob's"}, bob.Token, 404},
			{"DELETE", "/api/v2/filters/keywords/" + kw, nil, bob.Token, 404},
			{"POST", "/api/v2/filters/" + f.ID + "/keywords", map[string]any{"keyword": "bob's"}, bob.Token, 404},
			{"GET", "/api/v1/filters/" + kw, nil, bob.Token, 404},
			{"GET", "/api/v2/filters", nil, "", 401},
			{"GET", "/api/v2/filters", nil, other, 403},
			{"GET", "/api/v1/filters", nil, other, 403},
			{"GET", "/api/v2/filters", nil, readOnly, 200},
			{"POST", "/api/v2/filters", map[string]any{"title": "x", "context": []string{"home"}}, readOnly, 403},
			{"DELETE", "/api/v2/filters/" + f.ID, nil, readOnly, 403},
		}
		for _, tc := range cases {
			resp, data := w.do(tc.method, tc.path, tc.token, tc.body)
			if resp.StatusCode != tc.want {
				t.Errorf("%s %s %v: %d, want %d: %s", tc.method, tc.path, tc.body, resp.StatusCode, tc.want, data)
			}
			if resp.StatusCode >= 400 {
				miscErrorOf(t, data)
			}
		}
		w.call("GET", "/api/v2/filters", alice.Token, nil, 200, &list)
		if len(list) != 2 || list[0].Title != "Spoilers!" || len(list[0].Keywords) != 2 || list[1].Keywords[0].Keyword != "election" {
			t.Errorf("refused requests changed filters: %+v", list)
		}
		w.call("GET", "/api/v2/filters", bob.Token, nil, 200, &list)
		if len(list) != 0 {
			t.Errorf("bob sees filters: %v", list)
		}
	})

	var empty map[string]any
	w.call("DELETE", "/api/v2/filters/"+g.ID, alice.Token, nil, 200, &empty)
	if len(empty) != 0 {
		t.Errorf("delete answered %v", empty)
	}
	w.call("GET", "/api/v2/filters", alice.Token, nil, 200, &list)
	if len(list) != 1 {
		t.Errorf("after delete: %v", list)
	}
}

// v1 filters are the v2 filters' keywords.
func TestFiltersV1(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice := w.in.CreateUser("alice")
	var f miscFilterJSON
	w.call("POST", "/api/v2/filters", alice.Token, map[string]any{"title": "Two words", "context": []string{"home", "thread"},
		"filter_action": "hide", "keywords_attributes": []map[string]any{{"keyword": "one"}, {"keyword": "two", "whole_word": false}}}, 200, &f)
	c := w.client(alice)
	list, err := c.GetFilters(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("v1 list: %v %v", list, err)
	}
	if list[0].Phrase != "one" || !list[0].WholeWord || !list[0].Irreversible || !slices.Equal(list[0].Context, []string{"home", "thread"}) ||
		string(list[0].ID) != f.Keywords[0].ID || list[1].WholeWord {
		t.Errorf("v1 filters: %+v %+v", list[0], list[1])
	}
	var raw []map[string]any
	w.call("GET", "/api/v1/filters", alice.Token, nil, 200, &raw)
	for _, k := range []string{"id", "phrase", "context", "whole_word", "expires_at", "irreversible"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("v1 filter lacks %s", k)
		}
	}
	one, err := c.GetFilter(ctx, list[1].ID)
	if err != nil || one.Phrase != "two" {
		t.Errorf("v1 get: %+v %v", one, err)
	}

	// The deprecated v1 writes still work.
	created, err := c.CreateFilter(ctx, &mastodon.Filter{Phrase: "brunch", Context: []string{"public"}, WholeWord: true})
	if err != nil || created.Phrase != "brunch" || created.Irreversible {
		t.Fatalf("v1 create: %+v %v", created, err)
	}
	updated, err := c.UpdateFilter(ctx, created.ID, &mastodon.Filter{Phrase: "brunches", Context: []string{"public", "home"}, Irreversible: true})
	if err != nil || updated.Phrase != "brunches" || !updated.Irreversible || updated.WholeWord || len(updated.Context) != 2 {
		t.Errorf("v1 update: %+v %v", updated, err)
	}
	var v2 []miscFilterJSON
	w.call("GET", "/api/v2/filters", alice.Token, nil, 200, &v2)
	if len(v2) != 2 || v2[1].Title != "brunch" || v2[1].FilterAction != "hide" || v2[1].Keywords[0].Keyword != "brunches" {
		t.Errorf("v2 view of v1 filter: %+v", v2)
	}
	if _, err := c.CreateFilter(ctx, &mastodon.Filter{Phrase: "x", Context: []string{"bogus"}}); err == nil {
		t.Error("bogus context accepted")
	}
	if err := c.DeleteFilter(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteFilter(ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	w.call("GET", "/api/v2/filters", alice.Token, nil, 200, &v2)
	if len(v2) != 1 || len(v2[0].Keywords) != 1 || v2[0].Keywords[0].Keyword != "two" {
		t.Errorf("after v1 deletes: %+v", v2)
	}
}

// Filters act on timelines in the "home" context (home and lists): warn
// marks a status, hide removes it; other contexts and the user's own
// statuses are left alone.
func TestFiltersApplied(t *testing.T) {
	w := newMiscWorld(t)
	ctx := context.Background()
	alice, bob := w.in.CreateUser("alice"), w.in.CreateUser("bob")
	w.follow(alice, bob)
	c := w.client(alice)
	l, err := c.CreateList(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddToList(ctx, l.ID, mastodon.ID(db.FormatID(bob.Account.ID))); err != nil {
		t.Fatal(err)
	}
	w.post(bob, "Tonight's FINALE was wild", db.Public)
	w.post(bob, "Who wins the election?", db.Public)
	w.post(bob, "Finalement, non", db.Public)
	watched := w.post(bob, "a post alice filters by itself", db.Public)
	w.call("POST", "/api/v2/filters", alice.Token, map[string]any{"title": "tv", "context": []string{"home"}, "filter_action": "warn",
		"keywords_attributes": []map[string]any{{"keyword": "finale", "whole_word": true}}}, 200, nil)
	w.call("POST", "/api/v2/filters", alice.Token, map[string]any{"title": "news", "context": []string{"home"}, "filter_action": "hide",
		"keywords_attributes": []map[string]any{{"keyword": "election"}}}, 200, nil)
	var byStatus miscFilterJSON
	w.call("POST", "/api/v2/filters", alice.Token, map[string]any{"title": "that one", "context": []string{"home"}}, 200, &byStatus)
	w.call("POST", "/api/v2/filters/"+byStatus.ID+"/statuses", alice.Token, map[string]any{"status_id": db.FormatID(watched.ID)}, 200, nil)
	w.call("POST", "/api/v2/filters", alice.Token, map[string]any{"title": "elsewhere", "context": []string{"public"}, "filter_action": "hide",
		"keywords_attributes": []map[string]any{{"keyword": "wild"}}}, 200, nil)

	var got []struct {
		Content  string `json:"content"`
		Filtered []struct {
			Filter struct {
				Title        string `json:"title"`
				FilterAction string `json:"filter_action"`
			} `json:"filter"`
			KeywordMatches []string `json:"keyword_matches"`
			StatusMatches  []string `json:"status_matches"`
		} `json:"filtered"`
	}
	w.call("GET", "/api/v1/timelines/list/"+string(l.ID), alice.Token, nil, 200, &got)
	if len(got) != 3 {
		t.Fatalf("%d statuses, want 3 (the election one hidden): %+v", len(got), got)
	}
	if f := got[0].Filtered; len(f) != 1 || f[0].Filter.Title != "that one" || len(f[0].StatusMatches) != 1 || f[0].StatusMatches[0] != db.FormatID(watched.ID) {
		t.Errorf("status filter: %+v", got[0])
	}
	if !strings.HasPrefix(got[1].Content, "<p>Finalement") || len(got[1].Filtered) != 0 {
		t.Errorf("whole word matched inside a word: %+v", got[1])
	}
	if f := got[2].Filtered; len(f) != 1 || f[0].Filter.Title != "tv" || f[0].Filter.FilterAction != "warn" || !slices.Equal(f[0].KeywordMatches, []string{"finale"}) {
		t.Errorf("warn filter: %+v", got[2])
	}
	// A page of one status (read with a prepared query of its own).
	w.call("GET", "/api/v1/timelines/list/"+string(l.ID)+"?limit=1", alice.Token, nil, 200, &got)
	if len(got) != 1 || len(got[0].Filtered) != 1 || got[0].Filtered[0].Filter.Title != "that one" {
		t.Errorf("a page of one filtered status: %+v", got)
	}
	// The user's own statuses are never filtered.
	w.call("POST", "/api/v1/lists/"+string(l.ID)+"/accounts", alice.Token, map[string]any{"account_ids": []string{db.FormatID(alice.Account.ID)}}, 200, nil)
	w.post(alice, "my election thoughts", db.Public)
	w.call("GET", "/api/v1/timelines/list/"+string(l.ID), alice.Token, nil, 200, &got)
	if len(got) != 4 || !strings.Contains(got[0].Content, "my election thoughts") {
		t.Errorf("own status filtered: %+v", got)
	}
}
