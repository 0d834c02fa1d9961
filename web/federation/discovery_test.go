package federation_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/kontortest"
)

func TestWebFinger(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	in.CreateUser("alice")
	actor := in.URL + "/users/alice"

	cases := []struct {
		name     string
		resource string
		status   int
	}{
		{"acct on host", "acct:alice@" + in.Host, 200},
		{"acct upper case", "acct:ALICE@" + strings.ToUpper(in.Host), 200},
		{"without acct scheme", "alice@" + in.Host, 200},
		{"actor URL", actor, 200},
		{"profile URL", in.URL + "/@alice", 200},
		{"unknown user", "acct:bob@" + in.Host, 404},
		{"other domain", "acct:alice@elsewhere.example", 404},
		{"other host URL", "https://elsewhere.example/users/alice", 404},
		{"no domain", "acct:alice", 400},
		{"empty user", "acct:@" + in.Host, 400},
		{"garbage", "alice", 400},
		{"mailto", "mailto:alice@" + in.Host, 400},
		{"empty", "", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := in.Get("/.well-known/webfinger?resource=" + url.QueryEscape(c.resource))
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			if c.status != 200 {
				var e map[string]string
				if json.Unmarshal(body, &e) != nil || e["error"] == "" {
					t.Errorf("error body is not {\"error\": …}: %s", body)
				}
				return
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/jrd+json") {
				t.Errorf("content type %q", ct)
			}
			var doc struct {
				Subject string   `json:"subject"`
				Aliases []string `json:"aliases"`
				Links   []struct {
					Rel, Type, Href string
				} `json:"links"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Subject != "acct:alice@"+in.Host {
				t.Errorf("subject %q", doc.Subject)
			}
			var self, profile string
			for _, l := range doc.Links {
				switch {
				case l.Rel == "self" && l.Type == "application/activity+json":
					self = l.Href
				case l.Rel == "http://webfinger.net/rel/profile-page":
					profile = l.Href
				}
			}
			if self != actor || profile != in.URL+"/@alice" {
				t.Errorf("self %q profile %q", self, profile)
			}
			if len(doc.Aliases) == 0 || doc.Aliases[0] != actor {
				t.Errorf("aliases %q", doc.Aliases)
			}
		})
	}
}

func TestWebFingerOnAccountDomain(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.AccountDomain = "acme.example" }})
	in.CreateUser("jane")
	for _, res := range []string{"acct:jane@acme.example", "acct:jane@" + in.Host} {
		resp, body := in.Get("/.well-known/webfinger?resource=" + url.QueryEscape(res))
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d %s", res, resp.StatusCode, body)
		}
		if !strings.Contains(string(body), `"subject":"acct:jane@acme.example"`) {
			t.Errorf("%s: subject must name the account domain: %s", res, body)
		}
		if !strings.Contains(string(body), in.URL+"/users/jane") {
			t.Errorf("%s: actor must live on the host: %s", res, body)
		}
	}
}

func TestActorDocument(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")

	for _, accept := range []string{
		"application/activity+json",
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`,
		"application/json",
	} {
		resp, body := in.Get("/users/alice", "Accept: "+accept)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/activity+json") {
			t.Fatalf("Accept %s: status %d type %q", accept, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"id": in.URL + "/users/alice", "type": "Person", "preferredUsername": "alice",
			"inbox": in.URL + "/users/alice/inbox", "outbox": in.URL + "/users/alice/outbox",
			"followers": in.URL + "/users/alice/followers", "following": in.URL + "/users/alice/following",
			"featured": in.URL + "/users/alice/collections/featured", "url": in.URL + "/@alice",
		}
		for k, v := range want {
			if doc[k] != v {
				t.Errorf("%s = %v, want %q", k, doc[k], v)
			}
		}
		for _, k := range []string{"name", "summary", "manuallyApprovesFollowers", "discoverable", "indexable", "published", "@context"} {
			if _, ok := doc[k]; !ok {
				t.Errorf("actor lacks %q", k)
			}
		}
		if ep, _ := doc["endpoints"].(map[string]any); ep["sharedInbox"] != in.URL+"/inbox" {
			t.Errorf("endpoints.sharedInbox = %v", doc["endpoints"])
		}
		ctx, _ := doc["@context"].([]any)
		if len(ctx) < 3 || ctx[0] != "https://www.w3.org/ns/activitystreams" || ctx[1] != "https://w3id.org/security/v1" {
			t.Errorf("@context %v", doc["@context"])
		}
		key, _ := doc["publicKey"].(map[string]any)
		if key["id"] != in.URL+"/users/alice#main-key" || key["owner"] != in.URL+"/users/alice" {
			t.Fatalf("publicKey %v", key)
		}
		pub, err := activitypub.ParsePublicKey(key["publicKeyPem"].(string))
		if err != nil {
			t.Fatal(err)
		}
		rsaPub, ok := pub.(*rsa.PublicKey)
		if !ok || rsaPub.N.BitLen() != 2048 {
			t.Fatalf("public key is not RSA-2048: %T", pub)
		}
		stored, err := in.DB.LocalAccount(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		priv, err := activitypub.ParsePrivateKey(stored.PrivateKeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		if !priv.PublicKey.Equal(rsaPub) {
			t.Fatal("published key does not match the stored private key")
		}
	}
	_ = alice
}

func TestActorContentNegotiation(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	in.CreateUser("alice")
	resp, body := in.Get("/users/alice", "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("browser: status %d type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(string(body), "@alice@"+in.Host) {
		t.Errorf("profile page lacks the handle: %s", body)
	}
	if !strings.Contains(resp.Header.Get("Vary"), "Accept") {
		t.Errorf("Vary = %q", resp.Header.Get("Vary"))
	}
	resp, _ = in.Get("/@alice", "Accept: application/activity+json")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != in.URL+"/users/alice" {
		t.Errorf("/@alice for AP clients: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestActorErrors(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	u := in.CreateUser("gone")
	if err := in.DB.SuspendAccount(context.Background(), u.Account.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/users/nobody", 404},
		{"/users/bad..name", 404},
		{"/users/gone", 410},
		{"/.well-known/webfinger?resource=acct:gone@" + in.Host, 410},
		{"/@gone", 410},
		{"/@nobody", 404},
	} {
		resp, body := in.Get(c.path, "Accept: application/activity+json")
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.path, resp.StatusCode, c.status, body)
		}
	}
}

func TestInstanceActor(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	resp, body := in.Get("/actor", "Accept: application/activity+json")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var doc struct {
		ID        string `json:"id"`
		Type      string `json:"type"`
		PublicKey struct {
			ID, Owner, PublicKeyPem string
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ID != in.URL+"/actor" || doc.Type != "Application" || doc.PublicKey.ID != in.URL+"/actor#main-key" || doc.PublicKey.PublicKeyPem == "" {
		t.Errorf("instance actor: %s", body)
	}
}

func TestHostMetaAndNodeInfo(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	in.CreateUser("alice")
	bob := in.CreateUser("bob")
	if err := in.DB.SuspendAccount(context.Background(), bob.Account.ID); err != nil {
		t.Fatal(err)
	}

	resp, body := in.Get("/.well-known/host-meta")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `template="`+in.URL+`/.well-known/webfinger?resource={uri}"`) {
		t.Errorf("host-meta: %d %s", resp.StatusCode, body)
	}

	resp, body = in.Get("/.well-known/nodeinfo")
	var index struct {
		Links []struct{ Rel, Href string } `json:"links"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &index) != nil || len(index.Links) != 2 {
		t.Fatalf("nodeinfo index: %d %s", resp.StatusCode, body)
	}
	for _, l := range index.Links {
		version := l.Href[strings.LastIndex(l.Href, "/")+1:]
		if l.Rel != "http://nodeinfo.diaspora.software/ns/schema/"+version {
			t.Errorf("rel %q for %q", l.Rel, l.Href)
		}
		resp, body := in.Get(l.Href)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", l.Href, resp.StatusCode)
		}
		var ni struct {
			Version  string `json:"version"`
			Software struct {
				Name, Version string
			} `json:"software"`
			Protocols         []string `json:"protocols"`
			OpenRegistrations bool     `json:"openRegistrations"`
			Usage             struct {
				Users struct {
					Total int `json:"total"`
				} `json:"users"`
				LocalPosts int `json:"localPosts"`
			} `json:"usage"`
		}
		if err := json.Unmarshal(body, &ni); err != nil {
			t.Fatal(err)
		}
		if ni.Version != version || ni.Software.Name != "kontor" || ni.Software.Version == "" ||
			len(ni.Protocols) != 1 || ni.Protocols[0] != "activitypub" {
			t.Errorf("nodeinfo %s: %s", version, body)
		}
		// Two users, one suspended: only the active one counts; the instance actor never does.
		if ni.Usage.Users.Total != 1 {
			t.Errorf("usage.users.total = %d, want 1", ni.Usage.Users.Total)
		}
		if !ni.OpenRegistrations { // kontortest runs with registrations = open
			t.Error("openRegistrations should be true")
		}
	}
	if resp, _ := in.Get("/nodeinfo/3.0"); resp.StatusCode != 404 {
		t.Errorf("unknown nodeinfo version: %d", resp.StatusCode)
	}
}

func TestHealthz(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	resp, body := in.Get("/healthz")
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "OK" {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	in.DB.Close() // the database goes away
	resp, _ = in.Get("/healthz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("healthz with a closed database: %d, want 503", resp.StatusCode)
	}
}
