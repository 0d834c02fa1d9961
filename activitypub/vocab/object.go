package vocab

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Object is any ActivityStreams object: a Note, an Activity, an Actor, a Collection, a Link.
// It holds the properties Kontor uses and ignores the rest. Absent properties are zero values,
// and Marshal omits them.
type Object struct {
	// Context is the raw @context, kept so that it can be written out again; constructors set it.
	Context json.RawMessage
	ID      string
	// Type is the primary type: the first entry of Types without a prefix, else the first entry.
	// "as:Note" and the full AS2 IRI are shortened to "Note".
	Type string
	// Types holds every type when "type" was an array; when non-empty it is what Marshal writes.
	Types []string

	// Activities.
	Actor  Ref
	Object Ref
	Target Ref
	Origin Ref

	// Addressing. Audience is a Ref because Lemmy and others expect a single value there.
	To       IRIs
	Cc       IRIs
	Bto      IRIs
	Bcc      IRIs
	Audience Ref

	// Content of Notes, Articles, Pages, Questions, media.
	AttributedTo Ref
	InReplyTo    string
	Name         string
	NameMap      map[string]string
	Summary      string
	SummaryMap   map[string]string
	Content      string
	ContentMap   map[string]string
	MediaType    string // also read from the older "mimeType"
	Sensitive    OptBool
	Published    time.Time
	Updated      time.Time
	URL          Ref
	Tag          Ref
	Attachment   Ref
	Replies      Ref
	Likes        Ref
	Shares       Ref
	// Quote is the quoted post, read from quote (FEP-044f), quoteUrl, quoteUri or _misskey_quote,
	// in that order of preference; Marshal writes quote, quoteUri and _misskey_quote like Mastodon.
	Quote string
	// Conversation is ostatus:conversation (Mastodon, Pleroma), often a "tag:" URI.
	Conversation string
	// ThreadContext is the AS2 "context" property naming the thread (recent Mastodon, Pleroma,
	// Mitra, NodeBB); not to be confused with @context.
	ThreadContext string

	// Questions (polls): options are Notes with a name and replies.totalItems.
	OneOf       Ref
	AnyOf       Ref
	EndTime     time.Time
	Closed      time.Time
	VotersCount OptInt

	// Media, Links and PropertyValues.
	Icon       Ref
	Image      Ref
	Width      int
	Height     int
	Blurhash   string
	FocalPoint []float64
	Href       string
	Rel        []string
	Value      string // schema:value of a PropertyValue (profile field)

	// Actors.
	PreferredUsername         string
	Inbox                     string
	Outbox                    string
	Followers                 string
	Following                 string
	Featured                  string
	FeaturedTags              string
	Endpoints                 Endpoints
	PublicKey                 []PublicKey
	ManuallyApprovesFollowers OptBool
	Discoverable              OptBool
	Indexable                 OptBool
	Memorial                  OptBool
	Suspended                 OptBool
	AlsoKnownAs               IRIs
	MovedTo                   string

	// Collections and their pages.
	TotalItems   OptInt
	First        Ref
	Last         string
	Next         string
	Prev         string
	PartOf       string
	Items        Ref
	OrderedItems Ref
}

// Endpoints is an actor's endpoints object; only sharedInbox matters to us. Misskey's top-level
// sharedInbox is read into it too.
type Endpoints struct {
	SharedInbox string
}

// PublicKey is one entry of an actor's publicKey. Owner may differ from the actor holding the
// key (some servers publish shared or instance keys): the signature checker must compare it.
type PublicKey struct {
	ID    string
	Owner string
	PEM   string // publicKeyPem
}

// actorTypes are the AS2 actor types.
var actorTypes = []string{"Person", "Service", "Application", "Group", "Organization"}

// normType shortens the compact and full AS2 forms of a type to its bare name. It strips
// repeatedly so that a written type reads back the same.
func normType(s string) string {
	for {
		rest, ok := strings.CutPrefix(s, "as:")
		if !ok {
			rest, ok = strings.CutPrefix(s, "https://www.w3.org/ns/activitystreams#")
		}
		if !ok {
			rest, ok = strings.CutPrefix(s, "http://www.w3.org/ns/activitystreams#")
		}
		if !ok {
			return s
		}
		s = rest
	}
}

// primaryType picks the first un-prefixed type (["Person","vcard:individual"] is a Person).
func primaryType(types []string) string {
	for _, t := range types {
		if !strings.Contains(t, ":") {
			return t
		}
	}
	if len(types) > 0 {
		return types[0]
	}
	return ""
}

// Is reports whether o has any of the given types, looking at every entry of a type array.
func (o *Object) Is(types ...string) bool {
	for _, want := range types {
		want = normType(want)
		if o.Type == want || slices.Contains(o.Types, want) {
			return true
		}
	}
	return false
}

// IsActor reports whether o is a Person, Service, Application, Group or Organization.
func (o *Object) IsActor() bool {
	return o.Is(actorTypes...)
}

// Recipients returns to, cc, bto, bcc and audience in that order, without duplicates.
func (o *Object) Recipients() []string {
	n := len(o.To) + len(o.Cc) + len(o.Bto) + len(o.Bcc) + len(o.Audience)
	out := make([]string, 0, n)
	var seen map[string]bool // only for long lists: up to 5×MaxArrayItems values
	if n > 16 {
		seen = make(map[string]bool, n)
	}
	add := func(s string) {
		if s == "" {
			return
		}
		if seen != nil {
			if seen[s] {
				return
			}
			seen[s] = true
		} else if slices.Contains(out, s) {
			return
		}
		out = append(out, s)
	}
	for _, list := range []IRIs{o.To, o.Cc, o.Bto, o.Bcc} {
		for _, s := range list {
			add(s)
		}
	}
	for _, it := range o.Audience {
		add(it.id())
	}
	return out
}

// AddressedToPublic reports whether any recipient is the public collection.
func (o *Object) AddressedToPublic() bool {
	for _, list := range []IRIs{o.To, o.Cc, o.Bto, o.Bcc} {
		if slices.ContainsFunc(list, IsPublic) {
			return true
		}
	}
	return slices.ContainsFunc(o.Audience, func(it RefItem) bool { return IsPublic(it.id()) })
}

// Author returns the actor an object is attributed to: the first entry of attributedTo that is a
// bare IRI or an embedded Person, Service or Application, else its first IRI. PeerTube lists a
// video's channel (a Group) beside the account.
func (o *Object) Author() string {
	for _, it := range o.AttributedTo {
		if it.Object == nil || it.Object.Is("Person", "Service", "Application") {
			if s := it.id(); s != "" {
				return s
			}
		}
	}
	return o.AttributedTo.ID()
}

// ContentOrMap returns the content in the preferred language when contentMap has it, else the
// plain content, else some entry of contentMap; lang is the language of the returned text when
// known. See PickLang.
func (o *Object) ContentOrMap(preferredLang string) (content, lang string) {
	return PickLang(o.Content, o.ContentMap, preferredLang)
}

// PickLang chooses between a plain value and its language map (content/contentMap,
// name/nameMap, summary/summaryMap). It prefers, in order: the map entry for preferredLang (or
// one of its regional variants, or its base language), the plain value (with the language of a
// map entry equal to it), and the map entry of the smallest language tag, for determinism.
func PickLang(plain string, m map[string]string, preferredLang string) (text, lang string) {
	if preferredLang != "" && len(m) > 0 {
		if v, ok := m[preferredLang]; ok {
			return v, preferredLang
		}
		base, _, _ := strings.Cut(preferredLang, "-")
		best := ""
		for k := range m {
			kb, _, _ := strings.Cut(k, "-")
			if strings.EqualFold(kb, base) && (best == "" || k < best) {
				best = k
			}
		}
		if best != "" {
			return m[best], best
		}
	}
	if plain != "" {
		best := ""
		for k, v := range m {
			if v == plain && (best == "" || k < best) {
				best = k
			}
		}
		return plain, best
	}
	if len(m) == 0 {
		return "", ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return m[keys[0]], keys[0]
}

// Mention is a tag of type Mention.
type Mention struct {
	Href string // the mentioned actor
	Name string // "@user@host" or "@user"; may be empty (Smithereen)
}

// Hashtag is a tag of type Hashtag.
type Hashtag struct {
	Name string // usually with the leading "#"
	Href string
}

// Emoji is a custom emoji from tag.
type Emoji struct {
	ID        string
	Name      string // ":shortcode:"
	URL       string // icon.url
	MediaType string
	Updated   time.Time
}

// PropertyValue is a profile field from an actor's attachment.
type PropertyValue struct {
	Name  string
	Value string // HTML
}

// Mentions returns the Mention tags that name an actor.
func (o *Object) Mentions() []Mention {
	var out []Mention
	for _, t := range o.Tag.Objects() {
		if !t.Is("Mention") {
			continue
		}
		href := t.Href
		if href == "" {
			href = t.ID
		}
		if href != "" {
			out = append(out, Mention{Href: href, Name: t.Name})
		}
	}
	return out
}

// Hashtags returns the Hashtag tags that have a name.
func (o *Object) Hashtags() []Hashtag {
	var out []Hashtag
	for _, t := range o.Tag.Objects() {
		if t.Is("Hashtag") && t.Name != "" {
			out = append(out, Hashtag{Name: t.Name, Href: t.Href})
		}
	}
	return out
}

// Emojis returns the Emoji tags that have both a name and an image URL.
func (o *Object) Emojis() []Emoji {
	var out []Emoji
	for _, t := range o.Tag.Objects() {
		if !t.Is("Emoji") || t.Name == "" {
			continue
		}
		e := Emoji{ID: t.ID, Name: t.Name, URL: t.Icon.URL(), Updated: t.Updated}
		if icon := t.Icon.First(); icon != nil {
			e.MediaType = icon.MediaType
		}
		if e.URL != "" {
			out = append(out, e)
		}
	}
	return out
}

// PropertyValues returns the profile fields (PropertyValue attachments) of an actor.
func (o *Object) PropertyValues() []PropertyValue {
	var out []PropertyValue
	for _, a := range o.Attachment.Objects() {
		if a.Is("PropertyValue") {
			out = append(out, PropertyValue{Name: a.Name, Value: a.Value})
		}
	}
	return out
}

// Key returns the public key with the given id, or nil.
func (o *Object) Key(id string) *PublicKey {
	for i := range o.PublicKey {
		if o.PublicKey[i].ID == id {
			return &o.PublicKey[i]
		}
	}
	return nil
}
