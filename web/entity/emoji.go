package entity

import (
	"context"
	"strings"

	"github.com/kontor-social/kontor/db"
)

// CustomEmoji renders a custom emoji (an image in our store: remote ones
// are shown only once copied, never hotlinked).
func (p *Presenter) CustomEmoji(e *db.CustomEmoji) Emoji {
	static := e.StaticKey
	if static == "" {
		static = e.FileKey
	}
	out := Emoji{Shortcode: e.Shortcode, URL: p.fileURL(e.FileKey), StaticURL: p.fileURL(static),
		VisibleInPicker: e.Local() && e.VisibleInPicker}
	if e.Category != "" {
		out.Category = e.Category
	}
	return out
}

// fileURL is where a file of the media store is served.
func (p *Presenter) fileURL(key string) string {
	return p.mediaURL(&db.MediaAttachment{FileKey: key})
}

func (p *Presenter) emojiList(list []*db.CustomEmoji) []Emoji {
	out := make([]Emoji, 0, len(list))
	for _, e := range list {
		out = append(out, p.CustomEmoji(e))
	}
	return out
}

// addStatusEmojis fills in the emoji of rendered statuses, the statuses
// they boost, their polls and their authors: one query, whatever the
// length of the page.
func (p *Presenter) addStatusEmojis(ctx context.Context, list []Status) {
	var ids []int64
	var accounts []*Account
	for i := range list {
		for s := &list[i]; s != nil; s = s.Reblog {
			if id, ok := db.ParseID(s.ID); ok && statusUsesShortcode(s) {
				ids = append(ids, id)
			}
			accounts = append(accounts, &s.Account)
		}
	}
	accountIDs, all := accountRefs(accounts)
	byStatus, byAccount, err := p.db.EmojisForPage(ctx, ids, accountIDs)
	if err != nil {
		p.log.Warn("load emojis", "err", err)
		return
	}
	p.fillAccountEmojis(all, byAccount)
	for i := range list {
		for s := &list[i]; s != nil; s = s.Reblog {
			id, _ := db.ParseID(s.ID)
			found := byStatus[id]
			if len(found) == 0 {
				continue
			}
			s.Emojis = p.emojiList(found)
			if s.Poll != nil {
				s.Poll.Emojis = p.pollEmojis(s.Poll, found)
			}
		}
	}
}

// pollEmojis are those of a status's emoji its poll's options use.
func (p *Presenter) pollEmojis(pl *Poll, found []*db.CustomEmoji) []Emoji {
	out := []Emoji{}
	for _, e := range found {
		for _, o := range pl.Options {
			if strings.Contains(o.Title, ":"+e.Shortcode+":") {
				out = append(out, p.CustomEmoji(e))
				break
			}
		}
	}
	return out
}

// addEditEmojis fills in the emoji of each version of a status: those of
// the status's emoji that the version's text uses (one query).
func (p *Presenter) addEditEmojis(ctx context.Context, statusID int64, list []StatusEdit) {
	found, err := p.db.EmojisForStatuses(ctx, []int64{statusID})
	if err != nil {
		p.log.Warn("load status emojis", "err", err)
		return
	}
	for i := range list {
		for _, e := range found[statusID] {
			code := ":" + e.Shortcode + ":"
			if strings.Contains(list[i].Content, code) || strings.Contains(list[i].SpoilerText, code) {
				list[i].Emojis = append(list[i].Emojis, p.CustomEmoji(e))
			}
		}
	}
}

// addAccountEmojis fills in the emoji of rendered accounts (and of the
// accounts they moved to) in one query.
func (p *Presenter) addAccountEmojis(ctx context.Context, list []*Account) {
	ids, all := accountRefs(list)
	byAccount, err := p.db.EmojisForAccounts(ctx, ids)
	if err != nil {
		p.log.Warn("load account emojis", "err", err)
		return
	}
	p.fillAccountEmojis(all, byAccount)
}

// accountRefs are the ids of rendered accounts and of those they moved
// to, with the entities to fill in.
func accountRefs(list []*Account) (ids []int64, all []*Account) {
	for _, a := range list {
		for ; a != nil; a = a.Moved {
			if id, ok := db.ParseID(a.ID); ok && accountUsesShortcode(a) {
				ids = append(ids, id)
				all = append(all, a)
			}
		}
	}
	return ids, all
}

func (p *Presenter) fillAccountEmojis(all []*Account, byAccount map[int64][]*db.CustomEmoji) {
	for _, a := range all {
		if found := byAccount[mustID(a.ID)]; len(found) > 0 && !a.Suspended {
			a.Emojis = p.emojiList(found)
		}
	}
}

func mustID(s string) int64 {
	id, _ := db.ParseID(s)
	return id
}

// An entity shows only the emoji its text uses (as Mastodon's do), so a
// page whose texts hold no ":shortcode:" needs no query for them: most
// pages, on the read path every app calls.

func statusUsesShortcode(s *Status) bool {
	if hasShortcode(s.Content) || hasShortcode(s.SpoilerText) {
		return true
	}
	if s.Poll != nil {
		for _, o := range s.Poll.Options {
			if hasShortcode(o.Title) {
				return true
			}
		}
	}
	return false
}

func accountUsesShortcode(a *Account) bool {
	if hasShortcode(a.DisplayName) || hasShortcode(a.Note) {
		return true
	}
	for _, f := range a.Fields {
		if hasShortcode(f.Name) || hasShortcode(f.Value) {
			return true
		}
	}
	return false
}

// hasShortcode reports whether text holds ":name:" with a name of at least
// two letters, digits or underscores (the shortcode rule).
func hasShortcode(text string) bool {
	for i := strings.IndexByte(text, ':'); i >= 0 && i < len(text)-1; {
		n := 0
		j := i + 1
		for ; j < len(text) && isShortcodeByte(text[j]); j++ {
			n++
		}
		if j < len(text) && text[j] == ':' && n >= 2 {
			return true
		}
		if j >= len(text) {
			return false
		}
		k := strings.IndexByte(text[j:], ':')
		if k < 0 {
			return false
		}
		i = j + k
	}
	return false
}

func isShortcodeByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
