package activitypub

import (
	"context"

	"github.com/kontor-social/kontor/db"
)

// RenderActor renders a local account as an ActivityPub actor document.
// TODO(vocab): switch to vocab types once that package lands.
func (e *Engine) RenderActor(ctx context.Context, a *db.Account) (any, error) {
	u := e.urls
	doc := map[string]any{
		"@context":                  actorContext,
		"id":                        a.URI,
		"type":                      a.ActorType,
		"preferredUsername":         a.Username,
		"name":                      a.DisplayName,
		"summary":                   a.Note,
		"url":                       a.URL,
		"inbox":                     a.InboxURI,
		"outbox":                    a.OutboxURI,
		"manuallyApprovesFollowers": a.Locked,
		"discoverable":              a.Discoverable,
		"indexable":                 a.Indexable,
		"memorial":                  a.Memorial,
		"published":                 a.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
		"endpoints":                 map[string]string{"sharedInbox": u.SharedInbox()},
		"publicKey":                 map[string]string{"id": a.PublicKeyID, "owner": a.URI, "publicKeyPem": a.PublicKeyPEM},
	}
	if a.Username != InstanceActorUsername {
		doc["followers"] = a.FollowersURI
		doc["following"] = a.FollowingURI
		doc["featured"] = a.FeaturedURI
		doc["featuredTags"] = u.FeaturedTags(a.Username)
	}
	if len(a.AlsoKnownAs) > 0 {
		doc["alsoKnownAs"] = a.AlsoKnownAs
	}
	var att []map[string]string
	for _, f := range a.Fields {
		att = append(att, map[string]string{"type": "PropertyValue", "name": f.Name, "value": f.Value})
	}
	if att != nil {
		doc["attachment"] = att
	}
	return doc, nil
}

var actorContext = []any{
	"https://www.w3.org/ns/activitystreams",
	"https://w3id.org/security/v1",
	map[string]any{
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"toot":                      "http://joinmastodon.org/ns#",
		"featured":                  map[string]string{"@id": "toot:featured", "@type": "@id"},
		"featuredTags":              map[string]string{"@id": "toot:featuredTags", "@type": "@id"},
		"alsoKnownAs":               map[string]string{"@id": "as:alsoKnownAs", "@type": "@id"},
		"movedTo":                   map[string]string{"@id": "as:movedTo", "@type": "@id"},
		"schema":                    "http://schema.org#",
		"PropertyValue":             "schema:PropertyValue",
		"value":                     "schema:value",
		"discoverable":              "toot:discoverable",
		"indexable":                 "toot:indexable",
		"memorial":                  "toot:memorial",
		"suspended":                 "toot:suspended",
	},
}
