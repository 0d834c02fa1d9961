package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Two instances: bob on B replies to alice on A, and the reply shows in the
// context of alice's post on A; carol on B posts, bob boosts it, and the
// boost of the remote status shows on the home timeline of alice, who
// follows bob from A.
func TestCrossInstanceContextAndBoost(t *testing.T) {
	opts := kontortest.Options{Configure: func(c *config.Config) { c.APIRateLimit, c.APIRateLimitIP = 0, 0 }}
	a, b := kontortest.Start(t, opts), kontortest.Start(t, opts)
	alice := a.CreateUser("alice")
	bob, carol := b.CreateUser("bob"), b.CreateUser("carol")
	b.Follow(bob, a, alice)

	question := stPost(t, a, alice, map[string]any{"status": "what is for lunch?"})
	onB := b.WaitStatus(question.URI)
	reply := stPost(t, b, bob, map[string]any{"status": "@" + alice.Handle + " soup", "in_reply_to_id": db.FormatID(onB.ID)})
	replyOnA := a.WaitStatus(reply.URI)
	for _, token := range []string{"", alice.Token} {
		c := stOK[struct{ Ancestors, Descendants []stStatus }](t, a, http.MethodGet, "/api/v1/statuses/"+question.ID+"/context", token, nil)
		if len(c.Descendants) != 1 || c.Descendants[0].ID != db.FormatID(replyOnA.ID) || c.Descendants[0].Account.Acct != "bob@"+b.Config.AccountDomain {
			t.Errorf("context on A (token %v): %+v", token != "", c.Descendants)
		}
	}
	c := stOK[struct{ Ancestors, Descendants []stStatus }](t, a, http.MethodGet, "/api/v1/statuses/"+db.FormatID(replyOnA.ID)+"/context", "", nil)
	if len(c.Ancestors) != 1 || c.Ancestors[0].ID != question.ID {
		t.Errorf("ancestors of the remote reply on A: %+v", c.Ancestors)
	}

	a.Follow(alice, b, bob)
	lunch := stPost(t, b, carol, map[string]any{"status": "lunch is served"})
	stOK[stStatus](t, b, http.MethodPost, "/api/v1/statuses/"+lunch.ID+"/reblog", bob.Token, nil)
	var boost *stStatus
	kontortest.Eventually(t, kontortest.Wait, "the boost on alice's home", func() bool {
		for _, s := range stOK[[]stStatus](t, a, http.MethodGet, "/api/v1/timelines/home", alice.Token, nil) {
			if s.Reblog != nil && s.Reblog.URI == lunch.URI {
				boost = &s
				return true
			}
		}
		return false
	})
	if boost.Account.Acct != "bob@"+b.Config.AccountDomain || boost.Reblog.Account.Acct != "carol@"+b.Config.AccountDomain ||
		!strings.Contains(boost.Reblog.Content, "lunch is served") {
		t.Errorf("boost on A: %+v", boost)
	}
	// A mention of someone A has never seen is resolved through WebFinger,
	// and the status reaches them.
	dave := b.CreateUser("dave")
	hi := stPost(t, a, alice, map[string]any{"status": "hello @" + dave.Handle, "visibility": "direct"})
	var m struct {
		Mentions []struct{ Acct string } `json:"mentions"`
	}
	stDecode(t, stCallGet(t, a, "/api/v1/statuses/"+hi.ID, alice.Token), &m)
	if len(m.Mentions) != 1 || m.Mentions[0].Acct != dave.Handle {
		t.Errorf("mentions: %+v", m.Mentions)
	}
	b.WaitStatus(hi.URI)
	direct := stOK[[]stStatus](t, b, http.MethodGet, "/api/v1/timelines/direct", dave.Token, nil)
	if len(direct) != 1 || direct[0].URI != hi.URI {
		t.Errorf("dave's direct timeline on B: %+v", direct)
	}

	// Alice favourites the remote status from A; B counts it.
	stOK[stStatus](t, a, http.MethodPost, "/api/v1/statuses/"+boost.Reblog.ID+"/favourite", alice.Token, nil)
	kontortest.Eventually(t, kontortest.Wait, "the favourite on B", func() bool {
		s, err := b.DB.StatusByURI(stCtx, lunch.URI)
		return err == nil && s.FavouritesCount == 1
	})
}
