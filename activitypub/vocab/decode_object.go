package vocab

import (
	"encoding/json"
	"fmt"
)

// object decodes an AS2 object into o; d is at its '{'.
func (d *decoder) object(o *Object) {
	if !d.enter('{') {
		return
	}
	if d.depth >= MaxDepth {
		// Leave a level for this object's publicKey, endpoints and language maps, so that
		// whatever Parse accepts, Marshal's output parses again.
		d.fail(ErrTooDeep, fmt.Sprintf("objects nested more than %d levels", MaxDepth-1))
		return
	}
	// Properties read under several names, resolved after the loop so that order does not matter.
	var quote, quoteURL, quoteURI, misskeyQuote, mimeType, sharedInbox string
	for n := 0; ; {
		key, ok := d.objectNext(&n)
		if !ok {
			break
		}
		d.path[d.npath] = key
		d.npath++
		switch key {
		case "@context":
			d.readContext(o)
		case "id":
			d.readID(o)
		case "type":
			d.readTypes(o)
		case "actor":
			d.readRef(&o.Actor)
		case "object":
			d.readRef(&o.Object)
		case "target":
			d.readRef(&o.Target)
		case "origin":
			d.readRef(&o.Origin)
		case "to":
			d.readIRIs(&o.To)
		case "cc":
			d.readIRIs(&o.Cc)
		case "bto":
			d.readIRIs(&o.Bto)
		case "bcc":
			d.readIRIs(&o.Bcc)
		case "audience":
			d.readRef(&o.Audience)
		case "attributedTo":
			d.readRef(&o.AttributedTo)
		case "inReplyTo":
			d.readIRI(&o.InReplyTo)
		case "name":
			d.readString(&o.Name)
		case "nameMap":
			d.readLangMap(&o.NameMap)
		case "summary":
			d.readString(&o.Summary)
		case "summaryMap":
			d.readLangMap(&o.SummaryMap)
		case "content":
			d.readString(&o.Content)
		case "contentMap":
			d.readLangMap(&o.ContentMap)
		case "mediaType":
			d.readString(&o.MediaType)
		case "mimeType":
			d.readString(&mimeType)
		case "sensitive":
			d.readBool(&o.Sensitive)
		case "published":
			d.readTime(&o.Published)
		case "updated":
			d.readTime(&o.Updated)
		case "url":
			d.readRef(&o.URL)
		case "tag":
			d.readRef(&o.Tag)
		case "attachment":
			d.readRef(&o.Attachment)
		case "replies":
			d.readRef(&o.Replies)
		case "likes":
			d.readRef(&o.Likes)
		case "shares":
			d.readRef(&o.Shares)
		case "quote":
			d.readIRI(&quote)
		case "quoteUrl":
			d.readIRI(&quoteURL)
		case "quoteUri":
			d.readIRI(&quoteURI)
		case "_misskey_quote":
			d.readIRI(&misskeyQuote)
		case "conversation":
			d.readIRI(&o.Conversation)
		case "context":
			d.readIRI(&o.ThreadContext)
		case "oneOf":
			d.readRef(&o.OneOf)
		case "anyOf":
			d.readRef(&o.AnyOf)
		case "endTime":
			d.readTime(&o.EndTime)
		case "closed":
			d.readTime(&o.Closed)
		case "votersCount":
			d.readOptInt(&o.VotersCount)
		case "icon":
			d.readRef(&o.Icon)
		case "image":
			d.readRef(&o.Image)
		case "width":
			d.readInt(&o.Width)
		case "height":
			d.readInt(&o.Height)
		case "blurhash":
			d.readString(&o.Blurhash)
		case "focalPoint":
			d.readFloats(&o.FocalPoint)
		case "href":
			d.readString(&o.Href)
		case "rel":
			d.readStrings(&o.Rel)
		case "value":
			d.readString(&o.Value)
		case "preferredUsername":
			d.readString(&o.PreferredUsername)
		case "inbox":
			d.readIRI(&o.Inbox)
		case "outbox":
			d.readIRI(&o.Outbox)
		case "followers":
			d.readIRI(&o.Followers)
		case "following":
			d.readIRI(&o.Following)
		case "featured":
			d.readIRI(&o.Featured)
		case "featuredTags":
			d.readIRI(&o.FeaturedTags)
		case "endpoints":
			d.readEndpoints(&o.Endpoints)
		case "sharedInbox":
			d.readIRI(&sharedInbox)
		case "publicKey":
			d.readPublicKeys(&o.PublicKey)
		case "manuallyApprovesFollowers":
			d.readBool(&o.ManuallyApprovesFollowers)
		case "discoverable":
			d.readBool(&o.Discoverable)
		case "indexable":
			d.readBool(&o.Indexable)
		case "memorial":
			d.readBool(&o.Memorial)
		case "suspended":
			d.readBool(&o.Suspended)
		case "alsoKnownAs":
			d.readIRIs(&o.AlsoKnownAs)
		case "movedTo":
			d.readIRI(&o.MovedTo)
		case "totalItems":
			d.readOptInt(&o.TotalItems)
		case "first":
			d.readRef(&o.First)
		case "last":
			d.readIRI(&o.Last)
		case "next":
			d.readIRI(&o.Next)
		case "prev":
			d.readIRI(&o.Prev)
		case "partOf":
			d.readIRI(&o.PartOf)
		case "items":
			d.readRef(&o.Items)
		case "orderedItems":
			d.readRef(&o.OrderedItems)
		default:
			d.skip()
		}
		d.npath--
	}
	o.Quote = firstNonEmpty(quote, quoteURL, quoteURI, misskeyQuote)
	if o.MediaType == "" {
		o.MediaType = mimeType
	}
	if o.Endpoints.SharedInbox == "" {
		o.Endpoints.SharedInbox = sharedInbox
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// embedded decodes an object found inside another one.
func (d *decoder) embedded() *Object {
	d.nobj++
	if d.nobj > MaxObjects {
		d.fail(ErrTooMany, fmt.Sprintf("more than %d embedded objects", MaxObjects))
		return nil
	}
	o := new(Object)
	d.object(o)
	if d.err != nil {
		return nil
	}
	return o
}

func (d *decoder) readContext(o *Object) {
	d.ws()
	start := d.pos
	if d.null() {
		o.Context = nil
		return
	}
	d.skip()
	if d.err == nil {
		o.Context = append(json.RawMessage(nil), d.data[start:d.pos]...)
	}
}

func (d *decoder) readID(o *Object) {
	switch d.peek() {
	case '"':
		start := d.pos
		s := d.str()
		if s != "" && !ValidID(s) {
			d.pos = start
			d.fail(ErrBadID, fmt.Sprintf("%.100q is not an absolute http(s) URL", s))
			return
		}
		o.ID = s
	case 'n':
		d.null()
	default:
		d.fail(ErrBadID, "not a string")
	}
}

func (d *decoder) readTypes(o *Object) {
	switch d.peek() {
	case '"':
		o.Type, o.Types = normType(d.str()), nil
	case '[':
		if !d.enter('[') {
			return
		}
		var types []string
		for n := 0; d.arrayNext(&n, MaxArrayItems); {
			if d.peek() != '"' {
				d.skip()
				continue
			}
			if t := normType(d.str()); t != "" {
				types = append(types, t)
			}
		}
		o.Type, o.Types = primaryType(types), types
	default:
		d.skip()
	}
}
