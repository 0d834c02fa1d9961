package activitypub_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/kontortest"
)

// A Follow from an actor never seen reads the actor's row once by key id
// (its key, not stored yet) and once by URI (its handle's domain) before
// storing it; the apply takes the account the signature check stored and
// reads neither it nor the recipient again. The recipient (the inbox's
// owner and the Follow's target) and the instance actor that signs the key
// fetch come from memory: storing the new actor does not retire them.
func TestInboxFollowOfNewActorReadsRowsOnce(t *testing.T) {
	var queries func() []string
	in := kontortest.Start(t, kontortest.Options{Engine: func(o *activitypub.Options) {
		queries = o.DB.RecordQueries() // before the engine runs
	}})
	alice := in.CreateUser("alice")
	remote := kontortest.NewFakeServer(t)
	var names []string
	follow := func(name string) *kontortest.FakeActor {
		names = append(names, name)
		fan := remote.Actor(name)
		if status, body := fan.SignedPost(in.URL+"/users/alice/inbox", fan.Activity("Follow", "follows/1", alice.Account.URI, nil)); status != 202 {
			t.Fatalf("follow of %s: %d %s", name, status, body)
		}
		// Polled without reading accounts, which the test counts: applied
		// (its inbox row gone) and answered (the Accept delivered).
		kontortest.Eventually(t, 10*time.Second, name+"'s follow applied and accepted", func() bool {
			n, err := in.DB.InboxBacklog(ctx)
			accepted := 0
			for _, r := range remote.Received() {
				if strings.Contains(string(r.Body), `"Accept"`) {
					accepted++
				}
			}
			return err == nil && n == 0 && accepted == len(names)
		})
		return fan
	}
	follow("first") // the instance's own lookups that are kept (signing keys)
	queries()
	fan := follow("fan")
	recorded := queries()
	fanAcct, err := in.DB.AccountByURI(ctx, fan.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.DB.FollowBetween(ctx, fanAcct.ID, alice.Account.ID); err != nil {
		t.Fatalf("no follow: %v", err)
	}
	got := map[string]int{}
	for _, q := range recorded {
		if !strings.Contains(q, `FROM "accounts" AS "a" WHERE`) {
			continue
		}
		for _, k := range []struct{ name, cond string }{
			{"fan by key id", fmt.Sprintf("public_key_id = '%s'", fan.KeyID)},
			{"fan by URI", fmt.Sprintf("uri = '%s'", fan.ID)},
			{"fan by id", fmt.Sprintf("id = %d)", fanAcct.ID)},
			{"alice by id", fmt.Sprintf("id = %d)", alice.Account.ID)},
			{"alice by username", "lower(username) = lower('alice')"},
			{"instance actor by username", fmt.Sprintf("lower(username) = lower('%s')", activitypub.InstanceActorUsername)},
		} {
			if strings.Contains(q, k.cond) {
				got[k.name]++
			}
		}
	}
	want := map[string]int{"fan by key id": 1, "fan by URI": 1}
	for _, k := range []string{"fan by key id", "fan by URI", "fan by id", "alice by id", "alice by username", "instance actor by username"} {
		if got[k] != want[k] {
			t.Errorf("%s: %d reads, want %d", k, got[k], want[k])
		}
	}
}
