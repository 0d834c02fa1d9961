package activitypub

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"

	"github.com/kontor-social/kontor/db"
)

// Profile link verification, as Mastodon does it: a profile field whose
// value is the address of a web page (the company website, a blog) is
// marked verified when that page links back to the profile with rel="me"
// (<a rel="me" href="https://host/@jane"> or <link rel="me" href=…>).

// Limits of a rel="me" check.
const (
	profileLinkTimeout  = 5 * time.Second
	profileLinkMaxBytes = 1 << 20
)

// VerifyProfileLinksLater checks the links of a local account's profile
// fields in the background (after the owner changed them); a few checks
// run at once across accounts (Engine.linkJobs).
func (e *Engine) VerifyProfileLinksLater(accountID int64) {
	go func() {
		e.linkJobs <- struct{}{}
		defer func() { <-e.linkJobs }()
		ctx, cancel := context.WithTimeout(context.Background(), 4*profileLinkTimeout)
		defer cancel()
		if err := e.VerifyProfileLinks(ctx, accountID); err != nil {
			e.log.Warn("verify profile links", "account", accountID, "err", err)
		}
	}()
}

// VerifyProfileLinks checks every field of a local account whose value is
// a link and stores verified_at (the time of a successful check) or clears
// it. Pages that cannot be fetched count as not linking back.
func (e *Engine) VerifyProfileLinks(ctx context.Context, accountID int64) error {
	a, err := e.db.AccountByID(ctx, accountID)
	if err != nil {
		return err
	}
	if !a.Local() {
		return nil
	}
	targets := map[string]bool{}
	for _, t := range []string{a.URL, a.URI, e.urls.Profile(a.Username)} {
		if u, err := url.Parse(t); err == nil && t != "" {
			targets[normalizeLink(u)] = true
		}
	}
	results := map[string]*time.Time{} // field link → verified_at
	for _, f := range a.Fields {
		link := fieldLink(f)
		if link == "" {
			continue
		}
		if _, done := results[link]; done {
			continue
		}
		results[link] = nil
		ok, err := e.linksBack(ctx, link, targets)
		if err != nil {
			e.log.Debug("verify profile link", "account", accountID, "link", link, "err", err)
		}
		if ok {
			t := time.Now().UTC().Truncate(time.Second)
			results[link] = &t
		}
	}
	if len(results) == 0 {
		return nil
	}
	return e.db.UpdateAccountFields(ctx, accountID, func(fields []db.Field) []db.Field {
		out := make([]db.Field, len(fields))
		for i, f := range fields {
			out[i] = f
			if v, checked := results[fieldLink(f)]; checked {
				if v != nil && f.VerifiedAt != nil {
					v = f.VerifiedAt // verified before: keep the first time
				}
				out[i].VerifiedAt = v
			}
		}
		return out
	})
}

// fieldLink is the web page a field's value is, or "": the field's text
// must be nothing but an http(s) URL.
func fieldLink(f db.Field) string {
	v := strings.TrimSpace(f.Source)
	if v == "" {
		v = strings.TrimSpace(html.UnescapeString(stripTags(f.Value)))
	}
	if strings.ContainsAny(v, " \t\r\n") {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return u.String()
}

// stripTags is the text of an HTML fragment.
func stripTags(s string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		}
	}
}

// linksBack fetches a page through the SSRF-guarded client and reports
// whether it has an <a> or <link> with rel="me" pointing at one of targets.
func (e *Engine) linksBack(ctx context.Context, page string, targets map[string]bool) (bool, error) {
	body, final, err := e.client.GetHTML(ctx, page, profileLinkMaxBytes, profileLinkTimeout)
	if err != nil {
		return false, err
	}
	base, err := url.Parse(final)
	if err != nil {
		return false, err
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return false, nil
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if !hasAttr || (string(name) != "a" && string(name) != "link") {
				continue
			}
			var rel, href string
			for {
				k, v, more := z.TagAttr()
				switch string(k) {
				case "rel":
					rel = string(v)
				case "href":
					href = string(v)
				}
				if !more {
					break
				}
			}
			if !hasRelMe(rel) || href == "" {
				continue
			}
			if u, err := base.Parse(strings.TrimSpace(href)); err == nil && targets[normalizeLink(u)] {
				return true, nil
			}
		}
	}
}

// hasRelMe reports whether a rel attribute has the token "me".
func hasRelMe(rel string) bool {
	for _, t := range strings.Fields(rel) {
		if strings.EqualFold(t, "me") {
			return true
		}
	}
	return false
}

// normalizeLink compares links as Kontor writes its own: lower-case scheme
// and host, no fragment, no trailing slash.
func normalizeLink(u *url.URL) string {
	c := *u
	c.Scheme, c.Host = strings.ToLower(c.Scheme), strings.ToLower(c.Host)
	c.Fragment, c.RawFragment = "", ""
	return strings.TrimSuffix(c.String(), "/")
}
