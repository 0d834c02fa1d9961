package activitypub

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"

	"github.com/kontor-social/kontor/activitypub/resolve"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/media/mediacache"
)

// Custom emoji: a local text using ":name:" of an enabled local emoji
// carries it (status_emojis, account_emojis) and federates it as an Emoji
// tag; remote ones come from the tags of posts and actors (resolve.Emojis)
// and their images are copied by mediacache.Emojis.

// shortcodeUse finds ":name:" in text; usedShortcodes checks what surrounds it.
var shortcodeUse = regexp.MustCompile(`:([a-zA-Z0-9_]{2,64}):`)

// usedShortcodes returns the shortcodes texts use, each once, as Mastodon
// finds them: not inside a word or next to another colon.
func usedShortcodes(texts ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, text := range texts {
		for _, m := range shortcodeUse.FindAllStringSubmatchIndex(text, -1) {
			if m[0] > 0 && emojiNeighbour(text[m[0]-1]) || m[1] < len(text) && emojiNeighbour(text[m[1]]) {
				continue
			}
			if code := text[m[2]:m[3]]; !seen[code] {
				seen[code] = true
				out = append(out, code)
			}
		}
	}
	return out
}

func emojiNeighbour(c byte) bool {
	return c == ':' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// localEmojisIn returns the enabled local emoji that texts use.
func (e *Engine) localEmojisIn(ctx context.Context, texts ...string) ([]*db.CustomEmoji, error) {
	return e.db.LocalEmojisByShortcodes(ctx, usedShortcodes(texts...))
}

// postEmojis returns the local emoji a local post's text, content warning
// and poll options use.
func (e *Engine) postEmojis(ctx context.Context, p *PostParams) ([]*db.CustomEmoji, error) {
	texts := []string{p.Text, p.SpoilerText}
	if p.Poll != nil {
		texts = append(texts, p.Poll.Options...)
	}
	return e.localEmojisIn(ctx, texts...)
}

// linkStatusEmojis stores the emoji of a status in tx: remote ones are
// created or refreshed first.
func linkStatusEmojis(ctx context.Context, tx *db.Tx, statusID int64, list []*db.CustomEmoji) error {
	var remote []*db.CustomEmoji
	for _, em := range list {
		if !em.Local() {
			remote = append(remote, em)
		}
	}
	if err := tx.UpsertRemoteEmojis(ctx, remote); err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, em := range list {
		ids[i] = em.ID
	}
	return tx.SetStatusEmojis(ctx, statusID, ids)
}

// remoteStatusEmojis are the emoji of a remote post, of its author's domain.
func remoteStatusEmojis(obj *vocab.Object, author *db.Account) []*db.CustomEmoji {
	return resolve.Emojis(obj, author.Domain)
}

// linkProfileEmojis records the local emoji a local profile uses (display
// name, bio, fields).
func (e *Engine) linkProfileEmojis(ctx context.Context, a *db.Account) error {
	texts := []string{a.DisplayName, a.NoteSource, a.Note}
	for _, f := range a.Fields {
		texts = append(texts, f.Name, f.Value)
	}
	list, err := e.localEmojisIn(ctx, texts...)
	if err != nil {
		return err
	}
	ids := make([]int64, len(list))
	for i, em := range list {
		ids[i] = em.ID
	}
	return e.db.InTx(ctx, func(tx *db.Tx) error { return tx.SetAccountEmojis(ctx, a.ID, ids) })
}

// EmojiURI is the id of a local emoji, which answers its Emoji object.
func (e *Engine) EmojiURI(em *db.CustomEmoji) string {
	if !em.Local() && em.URI != "" {
		return em.URI
	}
	return e.urls.Base() + "/emojis/" + db.FormatID(em.ID)
}

// EmojiImageURL is the URL of an emoji's stored image and of its still
// ("" when not copied yet).
func (e *Engine) EmojiImageURL(em *db.CustomEmoji) (url, static string) {
	if em.FileKey == "" {
		return "", ""
	}
	static = em.StaticKey
	if static == "" {
		static = em.FileKey
	}
	return e.opts.MediaURL(em.FileKey), e.opts.MediaURL(static)
}

// EmojiObject renders a local emoji as its Emoji object (the tag shape, with
// the JSON-LD context when it is a document of its own).
func (e *Engine) EmojiObject(em *db.CustomEmoji, document bool) *vocab.Object {
	url, _ := e.EmojiImageURL(em)
	o := &vocab.Object{ID: e.EmojiURI(em), Type: "Emoji", Name: ":" + em.Shortcode + ":", Updated: em.UpdatedAt.UTC(),
		Icon: vocab.Embed(&vocab.Object{Type: "Image", MediaType: em.ContentType, URL: vocab.NewRef(url)})}
	if document {
		o.Context = json.RawMessage(vocab.DefaultContext)
	}
	return o
}

// addEmojiTags adds an Emoji tag for each emoji (with an image) to doc.
func (e *Engine) addEmojiTags(doc *vocab.Object, list []*db.CustomEmoji) {
	for _, em := range list {
		if em.FileKey != "" && !em.Disabled {
			doc.Tag = append(doc.Tag, vocab.RefItem{Object: e.EmojiObject(em, false)})
		}
	}
}

// LocalEmoji is a local emoji to add.
type LocalEmoji struct {
	Shortcode string
	Category  string
	Image     io.Reader
}

// AddLocalEmoji checks and stores a new local emoji (the CLI and the admin
// page): a shortcode of [a-zA-Z0-9_]{2,} not taken yet, a PNG, GIF or WebP
// image of at most 256 KB. Bad input is an *InputError.
func (e *Engine) AddLocalEmoji(ctx context.Context, files media.Store, in LocalEmoji) (*db.CustomEmoji, error) {
	in.Shortcode = strings.Trim(strings.TrimSpace(in.Shortcode), ":")
	if !resolve.ShortcodeRE.MatchString(in.Shortcode) {
		return nil, inputErr("shortcode", "must be 2 to 64 letters, digits or underscores")
	}
	in.Category = strings.TrimSpace(in.Category)
	if len(in.Category) > 64 {
		return nil, inputErr("category", "must be at most 64 characters")
	}
	data, err := io.ReadAll(io.LimitReader(in.Image, mediacache.MaxEmojiBytes+1))
	if err != nil {
		return nil, err
	}
	em := &db.CustomEmoji{ID: e.db.NewID(), Shortcode: in.Shortcode, Category: in.Category, VisibleInPicker: true}
	img, err := mediacache.StoreEmojiImage(ctx, files, em.ID, data)
	if err != nil {
		switch {
		case errors.Is(err, mediacache.ErrEmojiType):
			return nil, inputErr("image", "must be a PNG, GIF or WebP image")
		case errors.Is(err, media.ErrTooLarge):
			return nil, inputErr("image", "must be at most %d KB", mediacache.MaxEmojiBytes/1024)
		case media.IsInvalid(err):
			return nil, inputErr("image", "could not be read (%s)", strings.TrimPrefix(err.Error(), "media: "))
		}
		return nil, err
	}
	em.FileKey, em.StaticKey, em.ContentType = img.FileKey, img.StaticKey, img.ContentType
	if err := e.db.InsertLocalEmoji(ctx, em); err != nil {
		_ = mediacache.DeleteEmojiImage(ctx, files, img.FileKey, img.StaticKey)
		if errors.Is(err, db.ErrConflict) {
			return nil, inputErr("shortcode", "%q is taken", in.Shortcode)
		}
		return nil, err
	}
	return em, nil
}

// RemoveLocalEmoji deletes a local emoji and its image: posts and profiles
// that used it show its :shortcode: as text again. ErrNotFound when there
// is none of that name.
func (e *Engine) RemoveLocalEmoji(ctx context.Context, files media.Store, shortcode string) error {
	em, err := e.db.DeleteLocalEmoji(ctx, strings.Trim(shortcode, ":"))
	if errors.Is(err, db.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if err := mediacache.DeleteEmojiImage(ctx, files, em.FileKey, em.StaticKey); err != nil {
		e.log.Warn("emoji: delete image", "emoji", em.Shortcode, "err", err)
	}
	return nil
}
