package api_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

type featuredTagJSON struct {
	ID            string  `json:"id"`
	Name          string  `json:"name"`
	URL           string  `json:"url"`
	StatusesCount string  `json:"statuses_count"`
	LastStatusAt  *string `json:"last_status_at"`
}

// Alice features hashtags; her followers' servers get Add and Remove of the
// Hashtag to her featuredTags collection, which lists them.
func TestFeaturedTags(t *testing.T) {
	w := newMiscWorld(t)
	alice := w.in.CreateUser("alice")
	peer := kontortest.NewFakeServer(t)
	bob := peer.Actor("bob")
	bob.FollowLocal(w.in, alice)
	w.post(alice, "shipping #Kontor today", db.Public)
	w.post(alice, "more #kontor", db.Unlisted)
	w.post(alice, "secret #kontor", db.Private) // not counted
	w.post(alice, "and #golang", db.Public)

	var sugg []struct {
		Name string `json:"name"`
	}
	w.call("GET", "/api/v1/featured_tags/suggestions", alice.Token, nil, 200, &sugg)
	if len(sugg) != 2 || sugg[0].Name != "golang" {
		t.Errorf("suggestions %+v, want golang then kontor", sugg)
	}

	var ft featuredTagJSON
	w.call("POST", "/api/v1/featured_tags", alice.Token, map[string]any{"name": "#kontor"}, 200, &ft)
	if ft.StatusesCount != "2" || ft.LastStatusAt == nil || len(*ft.LastStatusAt) != len("2006-01-02") || ft.URL != w.in.URL+"/tags/kontor" {
		t.Errorf("featured tag %+v", ft)
	}
	var again featuredTagJSON
	w.call("POST", "/api/v1/featured_tags", alice.Token, map[string]any{"name": "Kontor"}, 200, &again)
	if again.ID != ft.ID {
		t.Errorf("featuring it twice made %s and %s", ft.ID, again.ID)
	}
	w.call("POST", "/api/v1/featured_tags", alice.Token, map[string]any{"name": "not a tag!"}, 422, nil)

	var public []featuredTagJSON
	w.call("GET", "/api/v1/accounts/"+db.FormatID(alice.Account.ID)+"/featured_tags", "", nil, 200, &public)
	if len(public) != 1 || public[0].ID != ft.ID {
		t.Errorf("public featured tags %+v", public)
	}
	w.in.DeliveriesDone()
	if !receivedFeatured(peer, "Add", "#kontor") {
		t.Errorf("bob's server got no Add of #kontor: %v", peer.Received())
	}
	status, doc := bob.SignedGet(w.in.URL + "/users/alice/collections/tags")
	var coll struct {
		TotalItems   int `json:"totalItems"`
		OrderedItems []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"orderedItems"`
	}
	json.Unmarshal(doc, &coll)
	if status != 200 || coll.TotalItems != 1 || coll.OrderedItems[0].Type != "Hashtag" || coll.OrderedItems[0].Name != "#kontor" {
		t.Errorf("featuredTags collection %d %s", status, doc)
	}

	w.call("DELETE", "/api/v1/featured_tags/"+ft.ID, alice.Token, nil, 200, nil)
	w.call("DELETE", "/api/v1/featured_tags/"+ft.ID, alice.Token, nil, 404, nil)
	w.in.DeliveriesDone()
	if !receivedFeatured(peer, "Remove", "#kontor") {
		t.Errorf("bob's server got no Remove of #kontor")
	}
	for i := range 10 {
		w.call("POST", "/api/v1/featured_tags", alice.Token, map[string]any{"name": fmt.Sprintf("tag%d", i)}, 200, nil)
	}
	w.call("POST", "/api/v1/featured_tags", alice.Token, map[string]any{"name": "eleventh"}, 422, nil)
}

func receivedFeatured(peer *kontortest.FakeServer, typ, name string) bool {
	for _, r := range peer.Received() {
		var act struct {
			Type   string `json:"type"`
			Object struct {
				Type string `json:"type"`
				Name string `json:"name"`
			} `json:"object"`
			Target string `json:"target"`
		}
		if json.Unmarshal(r.Body, &act) == nil && act.Type == typ && act.Object.Type == "Hashtag" && act.Object.Name == name {
			return true
		}
	}
	return false
}
