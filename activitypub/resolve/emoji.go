package resolve

import (
	"regexp"
	"strings"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// maxEmojis bounds the Emoji tags kept of one object.
const maxEmojis = 50

// ShortcodeRE is what an emoji's shortcode may be (Mastodon's rule, with an
// upper bound of our own).
var ShortcodeRE = regexp.MustCompile(`^[a-zA-Z0-9_]{2,64}$`)

// Emojis converts the Emoji tags of a remote object (a post or an actor) to
// emoji of domain, the domain of the account that uses them: a peer names
// only its own emoji. Tags with a bad shortcode or image URL are skipped.
func Emojis(obj *vocab.Object, domain string) []*db.CustomEmoji {
	var out []*db.CustomEmoji
	seen := map[string]bool{}
	for _, t := range obj.Emojis() {
		code := strings.Trim(t.Name, ":")
		if !ShortcodeRE.MatchString(code) || seen[code] || !vocab.ValidID(t.URL) {
			continue
		}
		seen[code] = true
		e := &db.CustomEmoji{Shortcode: strings.Clone(code), Domain: strings.ToLower(domain), ImageRemoteURL: strings.Clone(t.URL),
			UpdatedAt: t.Updated}
		if vocab.ValidID(t.ID) {
			e.URI = strings.Clone(t.ID)
		}
		if out = append(out, e); len(out) == maxEmojis {
			break
		}
	}
	return out
}
