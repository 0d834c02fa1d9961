package vocab

import "encoding/json"

// ActivityStreamsContext is the plain AS2 @context, enough for activities that use only core
// terms (Follow, Like, Announce, Undo, Accept, Reject, Delete, Block, Move, Add, Remove).
const ActivityStreamsContext = `"https://www.w3.org/ns/activitystreams"`

// DefaultContext is the @context for actors, notes, questions and activities embedding them:
// AS2, the security vocabulary (publicKey) and the extension terms Mastodon defines in
// app/helpers/context_helper.rb for the properties Marshal writes.
const DefaultContext = `["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1",{` +
	`"manuallyApprovesFollowers":"as:manuallyApprovesFollowers",` +
	`"toot":"http://joinmastodon.org/ns#",` +
	`"featured":{"@id":"toot:featured","@type":"@id"},` +
	`"featuredTags":{"@id":"toot:featuredTags","@type":"@id"},` +
	`"alsoKnownAs":{"@id":"as:alsoKnownAs","@type":"@id"},` +
	`"movedTo":{"@id":"as:movedTo","@type":"@id"},` +
	`"schema":"http://schema.org#",` +
	`"PropertyValue":"schema:PropertyValue",` +
	`"value":"schema:value",` +
	`"discoverable":"toot:discoverable",` +
	`"indexable":"toot:indexable",` +
	`"memorial":"toot:memorial",` +
	`"suspended":"toot:suspended",` +
	`"Hashtag":"as:Hashtag",` +
	`"sensitive":"as:sensitive",` +
	`"votersCount":"toot:votersCount",` +
	`"blurhash":"toot:blurhash",` +
	`"focalPoint":{"@container":"@list","@id":"toot:focalPoint"},` +
	`"Emoji":"toot:Emoji",` +
	`"ostatus":"http://ostatus.org#",` +
	`"conversation":"ostatus:conversation",` +
	`"quote":{"@id":"https://w3id.org/fep/044f#quote","@type":"@id"},` +
	`"quoteUri":"http://fedibird.com/ns#quoteUri",` +
	`"_misskey_quote":"https://misskey-hub.net/ns#_misskey_quote"}]`

func asContext() json.RawMessage      { return json.RawMessage(ActivityStreamsContext) }
func defaultContext() json.RawMessage { return json.RawMessage(DefaultContext) }

// NewActor returns an actor of type typ (Person, Service, Application, Group) with the default
// context. Fill in inbox, outbox, followers, following, endpoints and publicKey.
func NewActor(typ, id string) *Object {
	return &Object{Context: defaultContext(), ID: id, Type: typ}
}

// NewNote returns a Note with the default context.
func NewNote(id string) *Object {
	return &Object{Context: defaultContext(), ID: id, Type: "Note"}
}

// NewQuestion returns a poll with the default context; put PollOption values in OneOf (single
// choice) or AnyOf (multiple choice).
func NewQuestion(id string) *Object {
	return &Object{Context: defaultContext(), ID: id, Type: "Question"}
}

// PollOption returns one option of a Question: a Note with a name and the vote count in
// replies.totalItems, as Mastodon writes it.
func PollOption(name string, votes int) *Object {
	return &Object{Type: "Note", Name: name, Replies: Embed(&Object{Type: "Collection", TotalItems: Int(votes)})}
}

// NewTombstone returns a Tombstone, served in place of a deleted object.
func NewTombstone(id string) *Object {
	return &Object{Context: asContext(), ID: id, Type: "Tombstone"}
}

// NewOrderedCollection returns an OrderedCollection with totalItems; set First to its first page.
func NewOrderedCollection(id string, totalItems int) *Object {
	return &Object{Context: asContext(), ID: id, Type: "OrderedCollection", TotalItems: Int(totalItems)}
}

// NewOrderedCollectionPage returns one page of the collection partOf; set Next and Prev.
func NewOrderedCollectionPage(id, partOf string, items Ref) *Object {
	return &Object{Context: asContext(), ID: id, Type: "OrderedCollectionPage", PartOf: partOf, OrderedItems: items}
}

// NewActivity returns an activity of any type with the plain AS2 context.
func NewActivity(typ, id, actor string, object Ref) *Object {
	return &Object{Context: asContext(), ID: id, Type: typ, Actor: NewRef(actor), Object: object}
}

// nested returns a shallow copy of o without its @context, for nesting inside an activity.
func nested(o *Object) *Object {
	c := *o
	c.Context = nil
	return &c
}

// NewCreate wraps obj in a Create by actor, copying its addressing and published time as
// Mastodon does. obj is copied, not modified.
func NewCreate(id, actor string, obj *Object) *Object {
	a := NewActivity("Create", id, actor, Embed(nested(obj)))
	a.Context = defaultContext()
	a.To, a.Cc = cloneIRIs(obj.To), cloneIRIs(obj.Cc)
	a.Published = obj.Published
	return a
}

// NewUpdate wraps an edited object or an actor's new profile in an Update by actor, copying
// its addressing; set obj.Updated for edits.
func NewUpdate(id, actor string, obj *Object) *Object {
	a := NewActivity("Update", id, actor, Embed(nested(obj)))
	a.Context = defaultContext()
	a.To, a.Cc = cloneIRIs(obj.To), cloneIRIs(obj.Cc)
	a.Published = obj.Updated
	return a
}

// NewDelete returns a Delete of objectID by actor. A deleted post travels as a Tombstone, as
// Mastodon sends it; when objectID is the actor itself (account deletion) it is a bare IRI.
// Set the addressing.
func NewDelete(id, actor, objectID string) *Object {
	obj := Embed(&Object{ID: objectID, Type: "Tombstone"})
	if objectID == actor {
		obj = NewRef(objectID)
	}
	return NewActivity("Delete", id, actor, obj)
}

// NewFollow returns a Follow of object (an actor IRI) by actor, addressed to object.
func NewFollow(id, actor, object string) *Object {
	a := NewActivity("Follow", id, actor, NewRef(object))
	a.To = IRIs{object}
	return a
}

// NewAccept accepts follow (usually a Follow received earlier) on behalf of actor, embedding
// it and addressing its sender.
func NewAccept(id, actor string, follow *Object) *Object {
	return answer("Accept", id, actor, follow)
}

// NewReject rejects follow on behalf of actor, like NewAccept.
func NewReject(id, actor string, follow *Object) *Object {
	return answer("Reject", id, actor, follow)
}

func answer(typ, id, actor string, follow *Object) *Object {
	a := NewActivity(typ, id, actor, Embed(nested(follow)))
	if s := follow.Actor.ID(); s != "" {
		a.To = IRIs{s}
	}
	return a
}

// NewUndo undoes inner (a Follow, Like, Announce or Block by actor), embedding it and copying
// its addressing.
func NewUndo(id, actor string, inner *Object) *Object {
	a := NewActivity("Undo", id, actor, Embed(nested(inner)))
	a.To, a.Cc = cloneIRIs(inner.To), cloneIRIs(inner.Cc)
	return a
}

// NewLike returns a Like of object by actor; address it to the object's author.
func NewLike(id, actor, object string) *Object {
	return NewActivity("Like", id, actor, NewRef(object))
}

// NewAnnounce returns a boost of object by actor; set To, Cc and Published.
func NewAnnounce(id, actor, object string) *Object {
	return NewActivity("Announce", id, actor, NewRef(object))
}

// NewBlock returns a Block of object (an actor) by actor, addressed to object.
func NewBlock(id, actor, object string) *Object {
	a := NewActivity("Block", id, actor, NewRef(object))
	a.To = IRIs{object}
	return a
}

// NewMove announces that actor moved to target; target's alsoKnownAs must list actor.
// Address it to actor's followers.
func NewMove(id, actor, target string) *Object {
	a := NewActivity("Move", id, actor, NewRef(actor))
	a.Target = NewRef(target)
	return a
}

// NewAdd adds object to the collection target (e.g. pinning a post to featured).
func NewAdd(id, actor, object, target string) *Object {
	a := NewActivity("Add", id, actor, NewRef(object))
	a.Target = NewRef(target)
	return a
}

// NewRemove removes object from the collection target.
func NewRemove(id, actor, object, target string) *Object {
	a := NewActivity("Remove", id, actor, NewRef(object))
	a.Target = NewRef(target)
	return a
}

func cloneIRIs(s IRIs) IRIs {
	if len(s) == 0 {
		return nil
	}
	return append(IRIs(nil), s...)
}
