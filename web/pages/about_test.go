package pages_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// /about shows the configured description, rules, contact, privacy policy
// and terms (the policies as Markdown, where HTML is text), and the
// instance API answers the same texts.
func TestAboutPageAndInstanceTexts(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) {
		c.InstanceTitle = "Acme Social"
		c.InstanceDescription = "Where Acme talks.\n\nSecond <paragraph>."
		c.ContactEmail = "social@acme.example"
		c.Rules = []string{"Be kind", "No <spam> & no ads"}
		c.PrivacyPolicy = "We keep little.\nVery little."
		c.TermsOfService = "Use it <well>."
	}})
	if _, _, err := in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: "boss", Email: "boss@acme.example",
		Password: "password-boss", Role: db.RoleAdmin, Confirmed: true, Approved: true}); err != nil {
		t.Fatal(err)
	}
	resp, body := in.Get("/about", htmlAccept)
	page := string(body)
	if resp.StatusCode != 200 {
		t.Fatalf("/about: %d %s", resp.StatusCode, page)
	}
	for _, want := range []string{
		"<h1>About Acme Social</h1>",
		"<p>Where Acme talks.</p><p>Second &lt;paragraph&gt;.</p>",
		`<a href="mailto:social@acme.example">social@acme.example</a>`,
		`<a href="` + in.URL + `/@boss">@boss@`,
		`<ol class="rules"><li id="rule-1">Be kind</li><li id="rule-2">No &lt;spam&gt; &amp; no ads</li></ol>`,
		"<section id=\"privacy-policy\"><h2>Privacy policy</h2><p>We keep little.<br>\nVery little.</p></section>",
		`<section id="terms-of-service"><h2>Terms of service</h2><p>Use it &lt;well&gt;.</p></section>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/about lacks %s", want)
		}
	}

	var rules []map[string]string
	if resp, body := in.Get("/api/v1/instance/rules"); resp.StatusCode != 200 || json.Unmarshal(body, &rules) != nil ||
		len(rules) != 2 || rules[0]["id"] != "1" || rules[1]["text"] != "No <spam> & no ads" || rules[1]["id"] != "2" {
		t.Errorf("rules: %d %s", resp.StatusCode, body)
	}
	for path, want := range map[string]string{
		"/api/v1/instance/privacy_policy":   "<p>We keep little.<br>\nVery little.</p>",
		"/api/v1/instance/terms_of_service": "<p>Use it &lt;well&gt;.</p>",
	} {
		var v map[string]any
		resp, body := in.Get(path)
		if resp.StatusCode != 200 || json.Unmarshal(body, &v) != nil || v["content"] != want || v["updated_at"] == nil {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	var v2 struct {
		Rules         []map[string]string
		Configuration struct{ URLs map[string]any }
	}
	if _, body := in.Get("/api/v2/instance"); json.Unmarshal(body, &v2) != nil || len(v2.Rules) != 2 ||
		v2.Configuration.URLs["terms_of_service"] != in.URL+"/about#terms-of-service" {
		t.Errorf("v2 instance: %s", body)
	}
	var v1 struct{ Rules []map[string]string }
	if _, body := in.Get("/api/v1/instance"); json.Unmarshal(body, &v1) != nil || len(v1.Rules) != 2 || v1.Rules[0]["text"] != "Be kind" {
		t.Errorf("v1 instance: %s", body)
	}
}

// Without configured texts /about still answers, with the default policy
// and no terms.
func TestAboutPageDefaults(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	resp, body := in.Get("/about", htmlAccept)
	page := string(body)
	if resp.StatusCode != 200 || !strings.Contains(page, "has not published rules") || !strings.Contains(page, "stores what you post") ||
		strings.Contains(page, "terms-of-service") {
		t.Errorf("/about: %d %s", resp.StatusCode, page)
	}
	if resp, _ := in.Get("/api/v1/instance/terms_of_service"); resp.StatusCode != 404 {
		t.Errorf("terms without any: %d", resp.StatusCode)
	}
}
