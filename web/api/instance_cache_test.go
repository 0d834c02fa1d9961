package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// instanceSeen is what the cache tests read of the instance entities.
type instanceSeen struct {
	Description string `json:"description"`
	Stats       struct {
		UserCount   int64 `json:"user_count"`
		StatusCount int64 `json:"status_count"`
		DomainCount int64 `json:"domain_count"`
	} `json:"stats"`
	Contact *struct {
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
	} `json:"contact_account"`
	Rules []struct {
		Text string `json:"text"`
	} `json:"rules"`
	// v2
	Contact2 struct {
		Account *struct {
			Username    string `json:"username"`
			DisplayName string `json:"display_name"`
		} `json:"account"`
	} `json:"contact"`
}

// expectOnNodes asks every node until check accepts its answer: at once on
// the first node (which made the change), within a few seconds on a second
// process (the notification travels after the commit).
func expectOnNodes(t *testing.T, nodes []*kontortest.Instance, what, path, token string, check func(status int, body []byte) bool) {
	t.Helper()
	for i, n := range nodes {
		deadline := time.Now().Add(3 * time.Second)
		for {
			resp, body := n.Get(path, "Authorization: Bearer "+token)
			if check(resp.StatusCode, body) {
				break
			}
			if i == 0 || time.Now().After(deadline) {
				t.Fatalf("%s: node %d answered %d %s", what, i, resp.StatusCode, body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func instanceAnswer(check func(in instanceSeen) bool) func(int, []byte) bool {
	return func(status int, body []byte) bool {
		var in instanceSeen
		return status == http.StatusOK && json.Unmarshal(body, &in) == nil && check(in)
	}
}

// The instance entities are rendered once and kept: a changed description,
// new rules, a new contact and a sign-up must show on the next request, on
// this node and on a second process of the same PostgreSQL database.
func TestInstanceRenderingFollowsChanges(t *testing.T) {
	ctx := context.Background()
	nodeA := kontortest.Start(t, kontortest.Options{})
	nodes := []*kontortest.Instance{nodeA}
	if kontortest.Dialect() == db.Postgres {
		nodes = append(nodes, kontortest.Start(t, kontortest.Options{NodeOf: nodeA}))
	}
	alice := nodeA.CreateUser("alice")

	// Fill every node's caches: no administrator yet, so no contact.
	for _, path := range []string{"/api/v1/instance", "/api/v2/instance"} {
		expectOnNodes(t, nodes, "before", path, alice.Token, instanceAnswer(func(in instanceSeen) bool {
			return in.Contact == nil && in.Contact2.Account == nil
		}))
	}
	expectOnNodes(t, nodes, "before", "/api/v1/instance", alice.Token, instanceAnswer(func(in instanceSeen) bool {
		return in.Stats.UserCount == 1
	}))

	// An administrator appears: the contact.
	if _, _, err := nodeA.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: "boss", Email: "boss@example.com",
		Password: "password-boss", Role: db.RoleAdmin, Confirmed: true, Approved: true}); err != nil {
		t.Fatal(err)
	}
	expectOnNodes(t, nodes, "new contact, v1", "/api/v1/instance", alice.Token, instanceAnswer(func(in instanceSeen) bool {
		return in.Contact != nil && in.Contact.Username == "boss" && in.Stats.UserCount == 2
	}))
	expectOnNodes(t, nodes, "new contact, v2", "/api/v2/instance", alice.Token, instanceAnswer(func(in instanceSeen) bool {
		return in.Contact2.Account != nil && in.Contact2.Account.Username == "boss"
	}))

	// The contact's new display name (its row is read apart from which
	// account is the contact).
	boss, err := nodeA.DB.LocalAccount(ctx, "boss")
	if err != nil {
		t.Fatal(err)
	}
	boss.DisplayName = "The Boss"
	if err := nodeA.DB.UpdateAccountProfile(ctx, boss); err != nil {
		t.Fatal(err)
	}
	expectOnNodes(t, nodes, "the contact's display name, v1", "/api/v1/instance", alice.Token, instanceAnswer(func(in instanceSeen) bool {
		return in.Contact != nil && in.Contact.DisplayName == "The Boss"
	}))
	expectOnNodes(t, nodes, "the contact's display name, v2", "/api/v2/instance", alice.Token, instanceAnswer(func(in instanceSeen) bool {
		return in.Contact2.Account != nil && in.Contact2.Account.DisplayName == "The Boss"
	}))

	// An edit of the description and the rules.
	err = nodeA.DB.SaveInstanceTexts(ctx, db.SiteText{Description: "Edited.", Registrations: "open"},
		[]db.SiteRule{{Text: "Be kind"}}, &db.AdminAction{Action: "update", TargetType: "Instance"})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/instance", "/api/v2/instance"} {
		expectOnNodes(t, nodes, "edited texts", path, alice.Token, instanceAnswer(func(in instanceSeen) bool {
			return in.Description == "Edited." && len(in.Rules) == 1 && in.Rules[0].Text == "Be kind"
		}))
	}

	// A sign-up is counted at once.
	nodeA.CreateUser("carol")
	expectOnNodes(t, nodes, "a sign-up", "/api/v1/instance", alice.Token, instanceAnswer(func(in instanceSeen) bool {
		return in.Stats.UserCount == 3
	}))
}

// The figures that move with accounts alone (posts, known domains,
// suspensions) are kept for up to the read caches' TTL (5 s): every post and
// every remote account writes accounts, and the counts scan them. A new
// domain shows once that has passed. The clock is the store's, moved by the
// test.
func TestInstanceDomainCountWithinTTL(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	var offset atomic.Int64
	in.DB.SetReadCacheClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
	alice := in.CreateUser("alice")
	domains := func(want int64) func(int, []byte) bool {
		return instanceAnswer(func(s instanceSeen) bool { return s.Stats.DomainCount == want })
	}
	expectOnNodes(t, []*kontortest.Instance{in}, "before", "/api/v1/instance", alice.Token, domains(0))
	remote := &db.Account{Username: "zed", Domain: "remote.example", URI: "https://remote.example/users/zed"}
	if err := in.DB.UpsertRemoteAccount(context.Background(), remote); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(6 * time.Second))
	expectOnNodes(t, []*kontortest.Instance{in}, "a new domain, 6 s later", "/api/v1/instance", alice.Token, domains(1))
}
