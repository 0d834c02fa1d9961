package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// pushEntity is the WebPushSubscription entity as clients read it.
type pushEntity struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	ServerKey string          `json:"server_key"`
	Policy    string          `json:"policy"`
}

// subscribeForm is a form-encoded POST of a subscription to svc.
func subscribeForm(svc *kontortest.PushService, extra ...string) url.Values {
	v := url.Values{"subscription[endpoint]": {svc.Endpoint()}, "subscription[keys][p256dh]": {svc.P256dh()},
		"subscription[keys][auth]": {svc.Auth()}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func TestPushSubscriptionAPI(t *testing.T) {
	w := newMiscWorld(t)
	alice := w.in.CreateUser("alice")
	svc := kontortest.NewPushService(t)
	const path = "/api/v1/push/subscription"

	if resp, data := w.do("GET", path, alice.Token, nil); resp.StatusCode != 404 || string(data) != `{"error":"Record not found"}` {
		t.Errorf("before subscribing: %d %s", resp.StatusCode, data)
	}
	if resp, _ := w.do("POST", path, w.token(alice, "read", "write"), subscribeForm(svc)); resp.StatusCode != 403 {
		t.Errorf("without the push scope: %d", resp.StatusCode)
	}

	t.Run("validation", func(t *testing.T) {
		for _, c := range []struct {
			name, key, value, field string
		}{
			{"no endpoint", "subscription[endpoint]", "", "endpoint"},
			{"not a URL", "subscription[endpoint]", "push service", "endpoint"},
			{"other scheme", "subscription[endpoint]", "ftp://push.example/x", "endpoint"},
			{"key not base64", "subscription[keys][p256dh]", "not a key!", "key_p256dh"},
			{"key too short", "subscription[keys][p256dh]", "BCVxsr7N_eNgVRqvHtD0zTZsEc6", "key_p256dh"},
			{"key off the curve", "subscription[keys][p256dh]", "BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "key_p256dh"},
			{"auth missing", "subscription[keys][auth]", "", "key_auth"},
			{"auth too long", "subscription[keys][auth]", "BTBZMqHH6r4Tts7J_aSIggBTBZ", "key_auth"},
			{"unknown policy", "data[policy]", "friends", "policy"},
			{"alert not a boolean", "data[alerts][mention]", "maybe", "mention"},
		} {
			t.Run(c.name, func(t *testing.T) {
				resp, data := w.do("POST", path, alice.Token, subscribeForm(svc, c.key, c.value))
				if resp.StatusCode != 422 || !strings.Contains(string(data), c.field) {
					t.Errorf("%d %s", resp.StatusCode, data)
				}
			})
		}
		if resp, _ := w.do("GET", path, alice.Token, nil); resp.StatusCode != 404 {
			t.Errorf("a refused subscription was stored: %d", resp.StatusCode)
		}
	})

	var key struct {
		Configuration struct {
			Vapid struct {
				PublicKey string `json:"public_key"`
			} `json:"vapid"`
		} `json:"configuration"`
	}
	w.call("GET", "/api/v2/instance", "", nil, 200, &key)
	serverKey := key.Configuration.Vapid.PublicKey
	if len(serverKey) != 87 {
		t.Fatalf("instance vapid public_key %q", serverKey)
	}

	// Form, JSON and query encodings all subscribe; each POST replaces the last.
	var got pushEntity
	w.call("POST", path, alice.Token, subscribeForm(svc, "data[alerts][mention]", "true", "data[alerts][admin.sign_up]", "1", "data[policy]", "followed"), 200, &got)
	if got.Endpoint != svc.Endpoint() || !got.Alerts["mention"] || !got.Alerts["admin.sign_up"] || got.Alerts["follow"] ||
		len(got.Alerts) != len(db.PushAlertTypes) || got.Policy != "followed" || got.ServerKey != serverKey || !got.Standard || got.ID == "" {
		t.Errorf("form subscribe: %+v", got)
	}
	first := got.ID
	body := map[string]any{
		"subscription": map[string]any{"endpoint": svc.Endpoint() + "/2", "keys": map[string]string{"p256dh": svc.P256dh(), "auth": svc.Auth()}, "standard": true},
		"data":         map[string]any{"alerts": map[string]bool{"favourite": true, "reblog": true}},
	}
	w.call("POST", path, alice.Token, body, 200, &got)
	if got.ID == first || got.Endpoint != svc.Endpoint()+"/2" || !got.Alerts["favourite"] || got.Alerts["mention"] || got.Policy != "all" {
		t.Errorf("JSON subscribe: %+v", got)
	}
	w.call("POST", path+"?"+subscribeForm(svc, "data[alerts][poll]", "true").Encode(), alice.Token, nil, 200, &got)
	if got.Endpoint != svc.Endpoint() || !got.Alerts["poll"] || got.Alerts["favourite"] {
		t.Errorf("query subscribe: %+v", got)
	}
	w.call("GET", path, alice.Token, nil, 200, &got)
	if got.Endpoint != svc.Endpoint() || !got.Alerts["poll"] {
		t.Errorf("GET: %+v", got)
	}
	// Another token of the same user has its own (no) subscription.
	other := w.token(alice, "push")
	if resp, _ := w.do("GET", path, other, nil); resp.StatusCode != 404 {
		t.Errorf("other token sees a subscription: %d", resp.StatusCode)
	}

	// PUT replaces alerts and policy, keeps the endpoint.
	w.call("PUT", path, alice.Token, map[string]any{"data": map[string]any{"alerts": map[string]bool{"follow": true}, "policy": "none"}}, 200, &got)
	if got.Endpoint != svc.Endpoint() || !got.Alerts["follow"] || got.Alerts["poll"] || got.Policy != "none" {
		t.Errorf("PUT: %+v", got)
	}
	if resp, data := w.do("PUT", path, alice.Token, url.Values{"data[policy]": {"sometimes"}}); resp.StatusCode != 422 {
		t.Errorf("PUT bad policy: %d %s", resp.StatusCode, data)
	}
	if resp, _ := w.do("PUT", path, other, url.Values{"data[policy]": {"all"}}); resp.StatusCode != 404 {
		t.Errorf("PUT without a subscription: %d", resp.StatusCode)
	}

	if resp, data := w.do("DELETE", path, alice.Token, nil); resp.StatusCode != 200 || string(data) != "{}" {
		t.Errorf("DELETE: %d %s", resp.StatusCode, data)
	}
	if resp, _ := w.do("GET", path, alice.Token, nil); resp.StatusCode != 404 {
		t.Errorf("after DELETE: %d", resp.StatusCode)
	}

	// The app entity carries the same key (vapid_key).
	ctx := context.Background()
	app, err := w.in.DB.CreateApp(ctx, db.NewApp{Name: "Pusher", RedirectURIs: "urn:ietf:wg:oauth:2.0:oob", Scopes: "read push"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := w.in.DB.CreateToken(ctx, db.NewToken{AppID: &app.ID, UserID: &alice.User.ID, AccountID: &alice.Account.ID, Scopes: []string{"read", "push"}})
	if err != nil {
		t.Fatal(err)
	}
	var appEntity struct {
		VapidKey string `json:"vapid_key"`
	}
	w.call("GET", "/api/v1/apps/verify_credentials", tok.AccessToken, nil, 200, &appEntity)
	if appEntity.VapidKey != serverKey {
		t.Errorf("app vapid_key %q, want %q", appEntity.VapidKey, serverKey)
	}

	// The app revokes its token (its log-out): the subscription goes with it.
	w.call("POST", path, tok.AccessToken, subscribeForm(svc), 200, nil)
	w.call("POST", "/oauth/revoke", "", url.Values{"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}, "token": {tok.AccessToken}}, 200, nil)
	if _, err := w.in.DB.PushSubscriptionOfToken(ctx, tok.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("subscription of a revoked token: %v", err)
	}
}

// pushWorld is an instance whose push retries come fast, with alice
// subscribed (all alerts) to a fake push service.
func newPushWorld(t *testing.T) (*miscWorld, *kontortest.User, *kontortest.User, *kontortest.PushService) {
	return newPushWorldBackoff(t, 100*time.Millisecond)
}

func newPushWorldBackoff(t *testing.T, backoff time.Duration) (*miscWorld, *kontortest.User, *kontortest.User, *kontortest.PushService) {
	t.Helper()
	in := kontortest.Start(t, kontortest.Options{Engine: func(o *activitypub.Options) {
		o.Push.Backoff = func(int) time.Duration { return backoff }
		o.Push.Poll = 200 * time.Millisecond
	}})
	w := &miscWorld{t: t, in: in}
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	svc := kontortest.NewPushService(t)
	v := subscribeForm(svc)
	for _, a := range db.PushAlertTypes {
		v.Set("data[alerts]["+a+"]", "true")
	}
	w.call("POST", "/api/v1/push/subscription", alice.Token, v, 200, nil)
	return w, alice, bob, svc
}

// waitPushes waits until svc has received n pushes.
func waitPushes(t *testing.T, svc *kontortest.PushService, n int) []kontortest.Push {
	t.Helper()
	kontortest.Eventually(t, 10*time.Second, "pushes", func() bool { return len(svc.Pushes()) >= n })
	return svc.Pushes()
}

func TestPushMentionDelivered(t *testing.T) {
	w, alice, bob, svc := newPushWorld(t)
	var key struct {
		Configuration struct {
			Vapid struct {
				PublicKey string `json:"public_key"`
			} `json:"vapid"`
		} `json:"configuration"`
	}
	w.call("GET", "/api/v2/instance", "", nil, 200, &key)

	start := time.Now()
	w.call("POST", "/api/v1/statuses", bob.Token, map[string]any{"status": "@alice lunch &amp; tea at noon? " + strings.Repeat("yes ", 50)}, 200, nil)
	pushes := waitPushes(t, svc, 1)
	t.Logf("mention pushed %s after the POST", time.Since(start))
	p := pushes[0]
	if p.Err != nil {
		t.Fatalf("push refused by the fake service: %v", p.Err)
	}
	var notes []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	w.call("GET", "/api/v1/notifications", alice.Token, nil, 200, &notes)
	if len(notes) != 1 || notes[0].Type != "mention" {
		t.Fatalf("notifications %+v", notes)
	}
	var payload map[string]any
	if err := json.Unmarshal(p.Payload, &payload); err != nil {
		t.Fatalf("payload %s: %v", p.Payload, err)
	}
	body, _ := payload["body"].(string)
	for k, want := range map[string]any{
		"access_token": alice.Token, "preferred_locale": "en", "notification_id": notes[0].ID,
		"notification_type": "mention", "title": "bob mentioned you", "icon": w.in.URL + "/static/avatar.png",
	} {
		if payload[k] != want {
			t.Errorf("%s = %#v, want %#v", k, payload[k], want)
		}
	}
	if !strings.HasPrefix(body, "@alice lunch &amp; tea at noon? yes") || strings.Contains(body, "<") || len([]rune(body)) != 140 || !strings.HasSuffix(body, "…") {
		t.Errorf("body %q", body)
	}
	origin := svc.Endpoint()[:strings.Index(svc.Endpoint(), "/push/")]
	if p.Audience != origin || p.ServerKey != key.Configuration.Vapid.PublicKey || p.Subject != "mailto:push@"+w.in.Host {
		t.Errorf("vapid aud %q sub %q k %q", p.Audience, p.Subject, p.ServerKey)
	}
	if left := time.Until(time.Unix(p.Expires, 0)); left <= 0 || left > 24*time.Hour {
		t.Errorf("vapid exp in %s", left)
	}
	if p.Header.Get("TTL") != "172800" || p.Header.Get("Urgency") != "normal" {
		t.Errorf("TTL %q, Urgency %q", p.Header.Get("TTL"), p.Header.Get("Urgency"))
	}
	kontortest.Eventually(t, 5*time.Second, "an empty queue", func() bool {
		n, err := w.in.DB.PendingPushes(context.Background())
		return err == nil && n == 0
	})
}

// What the push service answers decides what becomes of the subscription
// and the push: 410 and 404 end the subscription, 500 and 429 are retried.
func TestPushServiceAnswers(t *testing.T) {
	for _, c := range []struct {
		name      string
		answers   []int
		pushes    int // requests the service sees
		subscribe bool
	}{
		{name: "gone", answers: []int{410}, pushes: 1, subscribe: false},
		{name: "not found", answers: []int{404}, pushes: 1, subscribe: false},
		{name: "server error then created", answers: []int{500, 201}, pushes: 2, subscribe: true},
		{name: "too many requests twice", answers: []int{429, 503, 201}, pushes: 3, subscribe: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, alice, bob, svc := newPushWorld(t)
			svc.Answer(c.answers...)
			w.call("POST", "/api/v1/statuses", bob.Token, map[string]any{"status": "@alice ping"}, 200, nil)
			pushes := waitPushes(t, svc, c.pushes)
			kontortest.Eventually(t, 5*time.Second, "an empty queue", func() bool {
				n, err := w.in.DB.PendingPushes(context.Background())
				return err == nil && n == 0
			})
			time.Sleep(300 * time.Millisecond) // a wrong retry would come within the backoff
			if got := len(svc.Pushes()); got != c.pushes {
				t.Errorf("%d pushes, want %d", got, c.pushes)
			}
			for i, p := range pushes {
				if p.Err != nil || !strings.Contains(string(p.Payload), `"notification_type":"mention"`) {
					t.Errorf("push %d: %v %s", i, p.Err, p.Payload)
				}
			}
			resp, _ := w.do("GET", "/api/v1/push/subscription", alice.Token, nil)
			if subscribed := resp.StatusCode == 200; subscribed != c.subscribe {
				t.Errorf("subscribed afterwards: %v (status %d), want %v", subscribed, resp.StatusCode, c.subscribe)
			}
		})
	}
}

// A push in flight when the instance stops is handed back and sent by the
// next start on the same database.
func TestPushSurvivesRestart(t *testing.T) {
	w, alice, bob, svc := newPushWorld(t)
	release := svc.Hold()
	t.Cleanup(release)
	w.call("POST", "/api/v1/statuses", bob.Token, map[string]any{"status": "@alice before the restart"}, 200, nil)
	var notes []struct {
		ID string `json:"id"`
	}
	w.call("GET", "/api/v1/notifications", alice.Token, nil, 200, &notes)
	if len(notes) != 1 {
		t.Fatalf("notifications %+v", notes)
	}
	time.Sleep(300 * time.Millisecond) // the push is claimed and waits on the service
	w.in.Stop()
	if got := svc.Pushes(); len(got) != 0 {
		t.Fatalf("pushed before the restart: %+v", got)
	}
	release()
	again := kontortest.Restart(t, w.in.Host, kontortest.Options{DatabaseURL: w.in.Config.Database, Engine: func(o *activitypub.Options) {
		o.Push.Poll = 200 * time.Millisecond
	}})
	pushes := waitPushes(t, svc, 1)
	if !strings.Contains(string(pushes[0].Payload), `"notification_id":"`+notes[0].ID+`"`) {
		t.Errorf("payload %s", pushes[0].Payload)
	}
	kontortest.Eventually(t, 5*time.Second, "an empty queue", func() bool {
		n, err := again.DB.PendingPushes(context.Background())
		return err == nil && n == 0
	})
}

// A push waiting for its retry is dropped when the notification stops
// being shown (here: its sender was suspended meanwhile).
func TestPushDroppedWhenNotificationHidden(t *testing.T) {
	w, _, bob, svc := newPushWorldBackoff(t, time.Second)
	svc.Answer(500)
	w.call("POST", "/api/v1/statuses", bob.Token, map[string]any{"status": "@alice soon suspended"}, 200, nil)
	waitPushes(t, svc, 1)
	if err := w.in.DB.SuspendAccount(context.Background(), bob.Account.ID); err != nil {
		t.Fatal(err)
	}
	kontortest.Eventually(t, 5*time.Second, "an empty queue", func() bool {
		n, err := w.in.DB.PendingPushes(context.Background())
		return err == nil && n == 0
	})
	if got := len(svc.Pushes()); got != 1 {
		t.Errorf("%d pushes, want only the first (refused) one", got)
	}
}

// Two processes on one PostgreSQL database share the push queue: each
// push is sent once, whichever process stored the notification.
func TestPushQueueSharedByNodes(t *testing.T) {
	if kontortest.Dialect() != db.Postgres {
		t.Skip("several processes share a database on PostgreSQL")
	}
	w, _, bob, svc := newPushWorld(t)
	nodeB := kontortest.Start(t, kontortest.Options{NodeOf: w.in, Engine: func(o *activitypub.Options) {
		o.Push.Poll = 200 * time.Millisecond
	}})
	const posts = 12
	for i := range posts {
		node := w.in
		if i%2 == 1 {
			node = nodeB
		}
		data, _ := json.Marshal(map[string]any{"status": "@alice number " + string(rune('a'+i))})
		if resp, body := node.Do("POST", "/api/v1/statuses", data, "Content-Type: application/json", "Authorization: Bearer "+bob.Token); resp.StatusCode != 200 {
			t.Fatalf("post %d: %d %s", i, resp.StatusCode, body)
		}
	}
	waitPushes(t, svc, posts)
	kontortest.Eventually(t, 5*time.Second, "an empty queue", func() bool {
		n, err := w.in.DB.PendingPushes(context.Background())
		return err == nil && n == 0
	})
	time.Sleep(300 * time.Millisecond)
	seen := map[string]bool{}
	for _, p := range svc.Pushes() {
		var payload struct {
			ID string `json:"notification_id"`
		}
		if err := json.Unmarshal(p.Payload, &payload); err != nil || seen[payload.ID] {
			t.Errorf("push %s: duplicate or unreadable (%v)", p.Payload, err)
		}
		seen[payload.ID] = true
	}
	if len(seen) != posts {
		t.Errorf("%d distinct notifications pushed, want %d", len(seen), posts)
	}
}

// Endpoints are called like federation peers: on an instance that allows
// no private networks, a loopback push service is never reached and the
// push is dropped rather than retried.
func TestPushRefusesPrivateAddresses(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.AllowedPrivateNetworks = nil }})
	w := &miscWorld{t: t, in: in}
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	svc := kontortest.NewPushService(t)
	w.call("POST", "/api/v1/push/subscription", alice.Token, subscribeForm(svc, "data[alerts][mention]", "true"), 200, nil)
	w.call("POST", "/api/v1/statuses", bob.Token, map[string]any{"status": "@alice are you there?"}, 200, nil)
	var notes []map[string]any
	w.call("GET", "/api/v1/notifications", alice.Token, nil, 200, &notes)
	if len(notes) != 1 { // stored, so its push was queued with it
		t.Fatalf("notifications %v", notes)
	}
	kontortest.Eventually(t, 10*time.Second, "the push dropped", func() bool {
		n, err := in.DB.PendingPushes(context.Background())
		return err == nil && n == 0
	})
	if got := svc.Pushes(); len(got) != 0 {
		t.Errorf("a private address was called: %+v", got)
	}
}

// A push the service keeps refusing with 5xx is given up once its
// notification is older than GiveUpAfter (a day by default); the
// subscription stays.
func TestPushGivenUp(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Engine: func(o *activitypub.Options) {
		o.Push.Backoff = func(int) time.Duration { return 100 * time.Millisecond }
		o.Push.GiveUpAfter = 700 * time.Millisecond
	}})
	w := &miscWorld{t: t, in: in}
	alice, bob := in.CreateUser("alice"), in.CreateUser("bob")
	svc := kontortest.NewPushService(t)
	svc.Answer(500, 502, 503, 500, 502, 503, 500, 502, 503, 500, 502, 503, 500, 502, 503, 500, 502, 503, 500, 502)
	w.call("POST", "/api/v1/push/subscription", alice.Token, subscribeForm(svc, "data[alerts][mention]", "true"), 200, nil)
	w.call("POST", "/api/v1/statuses", bob.Token, map[string]any{"status": "@alice nobody home"}, 200, nil)
	waitPushes(t, svc, 2)
	kontortest.Eventually(t, 10*time.Second, "the push given up", func() bool {
		n, err := in.DB.PendingPushes(context.Background())
		return err == nil && n == 0
	})
	tried := len(svc.Pushes())
	time.Sleep(400 * time.Millisecond)
	if got := len(svc.Pushes()); got != tried || got >= 20 {
		t.Errorf("%d tries, then %d: not given up in time", tried, got)
	}
	if resp, _ := w.do("GET", "/api/v1/push/subscription", alice.Token, nil); resp.StatusCode != 200 {
		t.Errorf("subscription after giving up: %d", resp.StatusCode)
	}
}
