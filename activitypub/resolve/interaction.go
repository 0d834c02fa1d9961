package resolve

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

// SubscribeRel is the WebFinger link whose template is a server's
// "interact with this remote object" page (OStatus's remote follow).
const SubscribeRel = "http://ostatus.org/schema/1.0/subscribe"

// InteractionURL is the page on the server of @username@domain where that
// person follows or answers the object uri: the template of the account's
// WebFinger subscribe link with {uri} filled in, or — when WebFinger fails
// or names none — the server's /authorize_interaction?uri= (Mastodon's
// route). Only http(s) templates are used, so a hostile server cannot send
// a visitor to a javascript: URL. An invalid handle is an error.
func (r *Resolver) InteractionURL(ctx context.Context, username, domain, uri string) (string, error) {
	username, domain, err := cleanHandle(username, domain)
	if err != nil {
		return "", err
	}
	tmpl := r.subscribeTemplate(ctx, "acct:"+username+"@"+domain, domain)
	if tmpl == "" {
		tmpl = r.client.Scheme() + "://" + domain + "/authorize_interaction?uri={uri}"
	}
	return strings.ReplaceAll(tmpl, "{uri}", url.QueryEscape(uri)), nil
}

// subscribeTemplate reads the subscribe template of resource's WebFinger
// document; "" when there is none or it cannot be read.
func (r *Resolver) subscribeTemplate(ctx context.Context, resource, domain string) string {
	u := r.client.Scheme() + "://" + domain + "/.well-known/webfinger?resource=" + url.QueryEscape(resource)
	body, err := r.client.GetJSON(ctx, u, "application/jrd+json, application/json")
	if err != nil {
		r.log.Debug("resolve: WebFinger for the interaction template", "resource", resource, "err", err)
		return ""
	}
	var doc struct {
		Links []struct {
			Rel      string `json:"rel"`
			Template string `json:"template"`
		} `json:"links"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return ""
	}
	for _, l := range doc.Links {
		if l.Rel != SubscribeRel || !strings.Contains(l.Template, "{uri}") {
			continue
		}
		if t, err := url.Parse(strings.ReplaceAll(l.Template, "{uri}", "x")); err == nil && t.Host != "" &&
			(t.Scheme == "https" || t.Scheme == "http" && r.client.Scheme() == "http") {
			return l.Template
		}
	}
	return ""
}
