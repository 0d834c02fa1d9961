package activitypub

import (
	"context"
	"strings"

	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
)

// Featured tags: a local account's featured hashtags travel as Add and
// Remove of a Hashtag to its featuredTags collection, as Mastodon sends
// them. A remote account's featured tags are not kept here (applyAdd and
// applyRemove ignore that collection).

// MaxFeaturedTags is how many hashtags an account may feature (Mastodon: 10).
const MaxFeaturedTags = 10

// FeatureTag features a hashtag on a local account's profile (the local
// entry of Add). Featuring a featured tag changes nothing.
func (e *Engine) FeatureTag(ctx context.Context, actor *db.Account, name string) (*db.FeaturedTag, error) {
	name = strings.TrimPrefix(strings.TrimSpace(name), "#")
	if db.NormalizeTagName(name) == "" {
		return nil, &InputError{Field: "name", Msg: "is not a hashtag"}
	}
	var ft *db.FeaturedTag
	err := e.db.InTx(ctx, func(tx *db.Tx) error {
		var created bool
		var err error
		if ft, created, err = tx.FeatureTag(ctx, actor.ID, name, MaxFeaturedTags); err != nil || !created {
			return err
		}
		return e.recordFeaturedTag(ctx, tx, actor, "Add", ft)
	})
	return ft, err
}

// UnfeatureTag takes a featured tag off a local account's profile (the
// local entry of Remove).
func (e *Engine) UnfeatureTag(ctx context.Context, actor *db.Account, id int64) error {
	return e.db.InTx(ctx, func(tx *db.Tx) error {
		ft, err := tx.UnfeatureTag(ctx, actor.ID, id)
		if err != nil {
			return err
		}
		return e.recordFeaturedTag(ctx, tx, actor, "Remove", ft)
	})
}

// recordFeaturedTag sends the Add or Remove to the account's followers.
func (e *Engine) recordFeaturedTag(ctx context.Context, tx *db.Tx, actor *db.Account, typ string, ft *db.FeaturedTag) error {
	actID := e.db.NewID()
	act := vocab.NewActivity(typ, e.activityURI(actor, actID), actor.URI, vocab.Embed(e.hashtagObject(ft.Name)))
	act.Target = vocab.NewRef(e.urls.FeaturedTags(actor.Username))
	act.To, act.Cc = addressing(actor, db.Public, nil)
	inboxes, err := e.db.RemoteFollowerInboxes(ctx, actor.ID)
	if err != nil {
		return err
	}
	return e.record(ctx, tx, actor, actID, act, nil, inboxes)
}

// hashtagObject is a Hashtag as it appears in tags and collections.
func (e *Engine) hashtagObject(name string) *vocab.Object {
	return &vocab.Object{Type: "Hashtag", Href: e.urls.Tag(name), Name: "#" + name}
}

// FeaturedTagsCollection renders a local account's featured hashtags.
func (e *Engine) FeaturedTagsCollection(ctx context.Context, a *db.Account, _ db.Viewer) (*vocab.Object, error) {
	list, err := e.db.FeaturedTags(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	items := make([]*vocab.Object, len(list))
	for i, ft := range list {
		items[i] = e.hashtagObject(ft.Name)
	}
	c := vocab.NewOrderedCollection(e.urls.FeaturedTags(a.Username), len(items))
	c.OrderedItems = vocab.Embed(items...)
	return c, nil
}
