package activitypub

import (
	"context"
	"strings"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/db"
)

// FormatProfileNote renders the plain-text bio of a local account as HTML,
// the way Mastodon does: paragraphs, links, hashtags, and mentions of
// accounts this instance already knows (local ones, and remote ones it has
// stored). Unlike a post, saving a profile never waits on WebFinger: an
// unknown @user@domain stays text.
func (e *Engine) FormatProfileNote(ctx context.Context, text string) string {
	resolve := func(username, domain string) (content.Mention, bool) {
		var a *db.Account
		var err error
		if domain == "" || strings.EqualFold(domain, e.urls.AccountDomain()) || strings.EqualFold(domain, e.urls.Host()) {
			a, err = e.db.LocalAccount(ctx, username)
		} else {
			a, err = e.db.AccountByUsername(ctx, username, domain)
		}
		if err != nil || a.Suspended() || a.Username == InstanceActorUsername {
			return content.Mention{}, false
		}
		return content.Mention{Username: a.Username, Domain: a.Domain, Href: a.URI, URL: a.URL}, true
	}
	return e.formatter.FormatProfileNote(text, resolve).HTML
}
