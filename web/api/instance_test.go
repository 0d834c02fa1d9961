package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/media"
)

func miscHasKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %s", what, k)
		}
	}
}

func miscSub(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("%s is not an object: %v", key, m[key])
	}
	return v
}

func TestInstance(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		c.MaxStatusCharacters = 1000
		c.InstanceTitle = "Acme Social"
		c.InstanceDescription = "A place for <Acme> people.\n\nBe nice."
		c.ContactEmail = "admin@acme.example"
		c.Registrations = config.RegistrationsApproval
		c.MediaMaxImageBytes = 8 << 20 // reported as configured, not as the defaults
		c.MediaMaxImagePixels = 4096 * 4096
	}})
	w := &miscWorld{t: t, in: in}
	ctx := context.Background()
	admin, _, err := in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: "boss", Email: "boss@acme.example",
		Password: "password-boss", Role: db.RoleAdmin, Confirmed: true, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	alice := in.CreateUser("alice")
	w.post(alice, "one", db.Public)
	w.post(alice, "two", db.Private)
	remote := &db.Account{Username: "zed", Domain: "remote.example", URI: "https://remote.example/users/zed"}
	if err := in.DB.UpsertRemoteAccount(ctx, remote); err != nil {
		t.Fatal(err)
	}
	blocked := &db.Account{Username: "evil", Domain: "evil.example", URI: "https://evil.example/users/evil"}
	if err := in.DB.UpsertRemoteAccount(ctx, blocked); err != nil {
		t.Fatal(err)
	}
	if err := in.DB.AddDomainBlock(ctx, "evil.example", "test"); err != nil {
		t.Fatal(err)
	}

	// go-mastodon (v1).
	inst, err := w.client(alice).GetInstance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if inst.URI != in.Config.AccountDomain || inst.Title != "Acme Social" || inst.EMail != "admin@acme.example" ||
		!strings.HasPrefix(inst.Version, "4.3.0 (compatible; Kontor ") || inst.URLs["streaming_api"] != "ws://"+in.Host {
		t.Errorf("v1: %+v", inst)
	}
	if inst.Stats == nil || inst.Stats.UserCount != 2 || inst.Stats.StatusCount != 2 || inst.Stats.DomainCount != 2 {
		t.Errorf("stats: %+v", inst.Stats)
	}
	if inst.ContactAccount == nil || inst.ContactAccount.Username != "boss" || string(inst.ContactAccount.ID) != db.FormatID(admin.ID) {
		t.Errorf("contact account: %+v", inst.ContactAccount)
	}
	if cfg := inst.Configuration; cfg == nil || cfg.Statuses == nil || (*cfg.Statuses)["max_characters"] != float64(1000) {
		t.Errorf("v1 configuration: %+v", inst.Configuration)
	}

	var v1 map[string]any
	w.call("GET", "/api/v1/instance", "", nil, 200, &v1)
	miscHasKeys(t, "v1", v1, "uri", "title", "short_description", "description", "email", "version", "urls", "stats", "thumbnail",
		"languages", "registrations", "approval_required", "invites_enabled", "configuration", "contact_account", "rules")
	if v1["registrations"] != true || v1["approval_required"] != true || v1["invites_enabled"] != false {
		t.Errorf("v1 registrations: %v %v %v", v1["registrations"], v1["approval_required"], v1["invites_enabled"])
	}
	miscHasKeys(t, "v1 configuration", miscSub(t, v1, "configuration"), "accounts", "statuses", "media_attachments", "polls")

	var v2 map[string]any
	w.call("GET", "/api/v2/instance", "", nil, 200, &v2)
	miscHasKeys(t, "v2", v2, "domain", "title", "version", "source_url", "description", "usage", "thumbnail", "icon", "languages",
		"configuration", "registrations", "api_versions", "contact", "rules")
	if v2["domain"] != in.Config.AccountDomain || v2["version"] != inst.Version {
		t.Errorf("v2 domain/version: %v %v", v2["domain"], v2["version"])
	}
	if miscSub(t, v2, "api_versions")["mastodon"] != float64(2) {
		t.Errorf("api_versions: %v", v2["api_versions"])
	}
	miscHasKeys(t, "usage", miscSub(t, miscSub(t, v2, "usage"), "users"), "active_month")
	thumb := miscSub(t, v2, "thumbnail")
	miscHasKeys(t, "thumbnail", thumb, "url", "blurhash", "versions")
	if u, _ := thumb["url"].(string); !strings.HasPrefix(u, in.URL+"/") {
		t.Errorf("thumbnail url %v", thumb["url"])
	}
	cfg := miscSub(t, v2, "configuration")
	miscHasKeys(t, "configuration", cfg, "urls", "vapid", "accounts", "statuses", "media_attachments", "polls", "translation")
	urls := miscSub(t, cfg, "urls")
	miscHasKeys(t, "urls", urls, "streaming", "status", "about", "privacy_policy", "terms_of_service")
	if urls["streaming"] != "ws://"+in.Host {
		t.Errorf("streaming %v", urls["streaming"])
	}
	miscHasKeys(t, "vapid", miscSub(t, cfg, "vapid"), "public_key")
	miscHasKeys(t, "accounts", miscSub(t, cfg, "accounts"), "max_featured_tags", "max_pinned_statuses", "max_profile_fields")
	st := miscSub(t, cfg, "statuses")
	if st["max_characters"] != float64(1000) || st["max_media_attachments"] != float64(activitypub.MaxMediaAttachments) ||
		st["characters_reserved_per_url"] != float64(activitypub.CharactersReservedURL) {
		t.Errorf("statuses: %v", st)
	}
	ma := miscSub(t, cfg, "media_attachments")
	miscHasKeys(t, "media_attachments", ma, "supported_mime_types", "description_limit", "image_size_limit", "image_matrix_limit",
		"video_size_limit", "video_frame_rate_limit", "video_matrix_limit")
	limits := media.Limits{MaxImageBytes: 8 << 20, MaxVideoBytes: in.Config.MediaMaxVideoBytes, MaxImagePixels: 4096 * 4096}
	if ma["image_size_limit"] != float64(limits.MaxImageBytes) || ma["video_size_limit"] != float64(limits.MaxVideoBytes) ||
		ma["image_matrix_limit"] != float64(limits.MaxImagePixels) {
		t.Errorf("media limits: %v", ma)
	}
	if types, _ := ma["supported_mime_types"].([]any); len(types) == 0 || types[0] != "image/jpeg" {
		t.Errorf("mime types: %v", ma["supported_mime_types"])
	}
	polls := miscSub(t, cfg, "polls")
	if polls["max_options"] != float64(activitypub.MaxPollOptions) || polls["max_characters_per_option"] != float64(activitypub.MaxPollOptionChars) ||
		polls["min_expiration"] != activitypub.MinPollExpiration.Seconds() || polls["max_expiration"] != activitypub.MaxPollExpiration.Seconds() {
		t.Errorf("polls: %v", polls)
	}
	if miscSub(t, cfg, "translation")["enabled"] != false {
		t.Errorf("translation: %v", cfg["translation"])
	}
	reg := miscSub(t, v2, "registrations")
	miscHasKeys(t, "registrations", reg, "enabled", "approval_required", "message", "url")
	if reg["enabled"] != true || reg["approval_required"] != true {
		t.Errorf("registrations: %v", reg)
	}
	contact := miscSub(t, v2, "contact")
	if contact["email"] != "admin@acme.example" || miscSub(t, contact, "account")["username"] != "boss" {
		t.Errorf("contact: %v", contact)
	}

	// The parts.
	peers, err := w.client(alice).GetInstancePeers(ctx)
	if err != nil || len(peers) != 1 || peers[0] != "remote.example" {
		t.Errorf("peers: %v %v", peers, err)
	}
	activity, err := w.client(alice).GetInstanceActivity(ctx)
	if err != nil || len(activity) != 12 {
		t.Fatalf("activity: %v %v", activity, err)
	}
	if activity[0].Statuses != 2 || activity[0].Registrations < 2 || activity[1].Statuses != 0 {
		t.Errorf("this week: %+v, last week %+v", activity[0], activity[1])
	}
	if wk := time.Time(activity[0].Week).UTC(); wk.Weekday() != time.Monday || time.Since(wk) > 7*24*time.Hour || time.Since(wk) < 0 {
		t.Errorf("week starts %v", wk)
	}
	var ext map[string]any
	w.call("GET", "/api/v1/instance/extended_description", "", nil, 200, &ext)
	if ext["content"] != "<p>A place for &lt;Acme&gt; people.</p><p>Be nice.</p>" || ext["updated_at"] == nil {
		t.Errorf("extended description: %v", ext)
	}
	w.call("GET", "/api/v1/instance/privacy_policy", "", nil, 200, &ext)
	if c, _ := ext["content"].(string); !strings.Contains(c, "admin@acme.example") {
		t.Errorf("privacy policy: %v", ext)
	}
	for path, want := range map[string]string{
		"/api/v1/instance/rules":                 "[]",
		"/api/v1/instance/translation_languages": "{}",
		"/api/v1/instance/domain_blocks":         "[]",
	} {
		resp, data := w.do("GET", path, "", nil)
		if resp.StatusCode != 200 || string(data) != want {
			t.Errorf("%s: %d %s", path, resp.StatusCode, data)
		}
	}
	if resp, data := w.do("GET", "/api/v1/instance/terms_of_service", "", nil); resp.StatusCode != 404 {
		t.Errorf("terms: %d %s", resp.StatusCode, data)
	}
}

// Defaults: closed registrations, the default length limit, https gives wss.
func TestInstanceDefaults(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		c.Registrations = config.RegistrationsClosed
		c.Protocol = "https" // as served behind a TLS proxy
	}})
	w := &miscWorld{t: t, in: in}
	var v2 map[string]any
	w.call("GET", "/api/v2/instance", "", nil, 200, &v2)
	if miscSub(t, miscSub(t, v2, "configuration"), "statuses")["max_characters"] != float64(500) {
		t.Errorf("default max_characters: %v", v2["configuration"])
	}
	if s := miscSub(t, miscSub(t, v2, "configuration"), "urls")["streaming"]; s != "wss://"+in.Host {
		t.Errorf("streaming %v", s)
	}
	if miscSub(t, v2, "registrations")["enabled"] != false || miscSub(t, v2, "contact")["account"] != nil {
		t.Errorf("registrations %v contact %v", v2["registrations"], v2["contact"])
	}
	var peers []string
	w.call("GET", "/api/v1/instance/peers", "", nil, 200, &peers)
	if peers == nil || len(peers) != 0 {
		t.Errorf("peers: %v", peers)
	}
}
