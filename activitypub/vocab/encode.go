package vocab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Marshal returns the compact JSON form of o. Empty properties are left out; to, cc, bto, bcc,
// alsoKnownAs, tag, attachment, oneOf, anyOf, items and orderedItems are always arrays, other
// references collapse to a single string or object when they hold one value. Strings are not
// HTML-escaped. It fails where Parse could not read the result back (objects nested more than
// MaxDepth-1 deep or in a cycle, more than MaxArrayItems values in a property, more than
// MaxObjects embedded objects, a year outside 0–9999), on an invalid Context and on a
// non-finite FocalPoint. It does not check ids or types: that is the caller's business.
func Marshal(o *Object) ([]byte, error) {
	e := encoder{b: make([]byte, 0, 2048)}
	e.object(o)
	return e.result()
}

// MarshalJSON is Marshal, for use inside other JSON structures.
func (o *Object) MarshalJSON() ([]byte, error) {
	return Marshal(o)
}

// encoder appends JSON to b. Errors are sticky.
type encoder struct {
	b     []byte
	err   error
	depth int // objects open
	nobj  int
}

func (e *encoder) result() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	return e.b, nil
}

func (e *encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// key writes a member name, preceded by a comma unless it is the first member since start.
func (e *encoder) key(start int, k string) {
	if len(e.b) > start {
		e.b = append(e.b, ',')
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
}

func (e *encoder) object(o *Object) {
	if o == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > MaxDepth-1 {
		e.fail(fmt.Errorf("vocab: marshal: %w (objects nested more than %d levels, or a cycle)", ErrTooDeep, MaxDepth-1))
		return
	}
	if e.depth > 1 {
		e.nobj++
		if e.nobj > MaxObjects {
			e.fail(fmt.Errorf("vocab: marshal: %w: more than %d embedded objects", ErrTooMany, MaxObjects))
			return
		}
	}
	e.b = append(e.b, '{')
	s := len(e.b)
	if len(o.Context) > 0 {
		e.key(s, "@context")
		buf := bytes.NewBuffer(e.b)
		if err := json.Compact(buf, o.Context); err != nil {
			e.fail(fmt.Errorf("vocab: marshal: invalid @context: %w", err))
			return
		}
		e.b = buf.Bytes()
	}
	e.str(s, "id", o.ID)
	e.types(s, o)

	e.refField(s, "actor", o.Actor, false)
	e.refField(s, "object", o.Object, o.Type == "Flag") // Mastodon's Flag object is always an array
	e.refField(s, "target", o.Target, false)
	e.refField(s, "origin", o.Origin, false)

	e.refField(s, "attributedTo", o.AttributedTo, false)
	e.str(s, "inReplyTo", o.InReplyTo)
	if o.Quote != "" {
		e.str(s, "quote", o.Quote)
		e.str(s, "quoteUri", o.Quote)
		e.str(s, "_misskey_quote", o.Quote)
	}
	if o.IsActor() && o.PreferredUsername != "" {
		// Actors always carry name and summary, even empty, as Mastodon
		// writes them: some peers read a missing name as "no profile".
		e.key(s, "name")
		e.string(o.Name)
		e.key(s, "summary")
		e.string(o.Summary)
	} else {
		e.str(s, "name", o.Name)
		e.str(s, "summary", o.Summary)
	}
	e.langMap(s, "nameMap", o.NameMap)
	e.langMap(s, "summaryMap", o.SummaryMap)
	e.str(s, "content", o.Content)
	e.langMap(s, "contentMap", o.ContentMap)
	e.str(s, "mediaType", o.MediaType)
	e.time(s, "published", o.Published)
	e.time(s, "updated", o.Updated)
	e.refField(s, "url", o.URL, false)

	e.iriField(s, "to", o.To)
	e.iriField(s, "cc", o.Cc)
	e.iriField(s, "bto", o.Bto)
	e.iriField(s, "bcc", o.Bcc)
	e.refField(s, "audience", o.Audience, false)

	e.boolean(s, "sensitive", o.Sensitive)
	e.str(s, "conversation", o.Conversation)
	e.str(s, "context", o.ThreadContext)
	e.refField(s, "tag", o.Tag, true)
	e.refField(s, "attachment", o.Attachment, true)
	e.refField(s, "replies", o.Replies, false)
	e.refField(s, "likes", o.Likes, false)
	e.refField(s, "shares", o.Shares, false)

	e.refField(s, "oneOf", o.OneOf, true)
	e.refField(s, "anyOf", o.AnyOf, true)
	e.time(s, "endTime", o.EndTime)
	e.time(s, "closed", o.Closed)
	e.integer(s, "votersCount", o.VotersCount)

	e.str(s, "href", o.Href)
	e.strs(s, "rel", o.Rel)
	if o.Width != 0 {
		e.integer(s, "width", Int(o.Width))
	}
	if o.Height != 0 {
		e.integer(s, "height", Int(o.Height))
	}
	e.str(s, "blurhash", o.Blurhash)
	e.floats(s, "focalPoint", o.FocalPoint)
	e.refField(s, "icon", o.Icon, false)
	e.refField(s, "image", o.Image, false)
	e.str(s, "value", o.Value)

	e.str(s, "preferredUsername", o.PreferredUsername)
	e.str(s, "inbox", o.Inbox)
	e.str(s, "outbox", o.Outbox)
	e.str(s, "followers", o.Followers)
	e.str(s, "following", o.Following)
	e.str(s, "featured", o.Featured)
	e.str(s, "featuredTags", o.FeaturedTags)
	if o.Endpoints.SharedInbox != "" {
		e.key(s, "endpoints")
		e.b = append(e.b, `{"sharedInbox":`...)
		e.string(o.Endpoints.SharedInbox)
		e.b = append(e.b, '}')
	}
	e.publicKeys(s, o.PublicKey)
	e.boolean(s, "manuallyApprovesFollowers", o.ManuallyApprovesFollowers)
	e.boolean(s, "discoverable", o.Discoverable)
	e.boolean(s, "indexable", o.Indexable)
	e.boolean(s, "memorial", o.Memorial)
	e.boolean(s, "suspended", o.Suspended)
	e.iriField(s, "alsoKnownAs", o.AlsoKnownAs)
	e.str(s, "movedTo", o.MovedTo)

	e.integer(s, "totalItems", o.TotalItems)
	e.refField(s, "first", o.First, false)
	e.str(s, "last", o.Last)
	e.str(s, "next", o.Next)
	e.str(s, "prev", o.Prev)
	e.str(s, "partOf", o.PartOf)
	e.refField(s, "items", o.Items, true)
	e.refField(s, "orderedItems", o.OrderedItems, true)
	e.b = append(e.b, '}')
}

func (e *encoder) types(s int, o *Object) {
	n := 0
	for _, t := range o.Types {
		if t != "" {
			n++
		}
	}
	if n == 0 {
		e.str(s, "type", o.Type)
		return
	}
	if n > MaxArrayItems {
		e.fail(fmt.Errorf("vocab: marshal: type: %w", ErrTooMany))
		return
	}
	e.key(s, "type")
	e.b = append(e.b, '[')
	first := true
	for _, t := range o.Types {
		if t == "" {
			continue
		}
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		e.string(t)
	}
	e.b = append(e.b, ']')
}

func (e *encoder) str(s int, k, v string) {
	if v != "" {
		e.key(s, k)
		e.string(v)
	}
}

func (e *encoder) strs(s int, k string, v []string) {
	vals := slices.DeleteFunc(slices.Clone(v), func(x string) bool { return x == "" })
	switch {
	case len(vals) == 0:
	case len(vals) == 1:
		e.str(s, k, vals[0])
	default:
		e.iriField(s, k, IRIs(vals))
	}
}

func (e *encoder) boolean(s int, k string, v OptBool) {
	if v.Set {
		e.key(s, k)
		e.b = strconv.AppendBool(e.b, v.Value)
	}
}

func (e *encoder) integer(s int, k string, v OptInt) {
	if v.Set {
		e.key(s, k)
		e.b = strconv.AppendInt(e.b, int64(v.Value), 10)
	}
}

func (e *encoder) time(s int, k string, t time.Time) {
	if t.IsZero() {
		return
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		e.fail(fmt.Errorf("vocab: marshal: %s: year %d outside 0–9999", k, y))
		return
	}
	e.key(s, k)
	e.b = append(e.b, '"')
	e.b = t.AppendFormat(e.b, time.RFC3339Nano)
	e.b = append(e.b, '"')
}

func (e *encoder) floats(s int, k string, fs []float64) {
	if len(fs) == 0 {
		return
	}
	if len(fs) > MaxArrayItems {
		e.fail(fmt.Errorf("vocab: marshal: %s: %w", k, ErrTooMany))
		return
	}
	e.key(s, k)
	e.b = append(e.b, '[')
	for i, f := range fs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			e.fail(fmt.Errorf("vocab: marshal: %s: non-finite number", k))
			return
		}
		if i > 0 {
			e.b = append(e.b, ',')
		}
		format := byte('f')
		if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
			format = 'e'
		}
		e.b = strconv.AppendFloat(e.b, f, format, -1, 64)
	}
	e.b = append(e.b, ']')
}

func (e *encoder) langMap(s int, k string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	if len(m) > MaxArrayItems {
		e.fail(fmt.Errorf("vocab: marshal: %s: %w", k, ErrTooMany))
		return
	}
	keys := make([]string, 0, len(m))
	for lang := range m {
		keys = append(keys, lang)
	}
	slices.Sort(keys)
	e.key(s, k)
	e.b = append(e.b, '{')
	for i, lang := range keys {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.string(lang)
		e.b = append(e.b, ':')
		e.string(m[lang])
	}
	e.b = append(e.b, '}')
}

func (e *encoder) iriField(s int, k string, v IRIs) {
	if len(v) == 0 || !slices.ContainsFunc(v, func(x string) bool { return x != "" }) {
		return
	}
	e.key(s, k)
	e.iris(v)
}

func (e *encoder) iris(v IRIs) {
	if len(v) > MaxArrayItems {
		e.fail(fmt.Errorf("vocab: marshal: %w: more than %d values", ErrTooMany, MaxArrayItems))
		return
	}
	e.b = append(e.b, '[')
	first := true
	for _, x := range v {
		if x == "" {
			continue
		}
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		e.string(x)
	}
	e.b = append(e.b, ']')
}

func (it RefItem) empty() bool { return it.Object == nil && it.IRI == "" }

func (e *encoder) refField(s int, k string, r Ref, array bool) {
	if !slices.ContainsFunc(r, func(it RefItem) bool { return !it.empty() }) {
		return
	}
	e.key(s, k)
	e.ref(r, array)
}

// ref writes r; with array false a single value is written bare.
func (e *encoder) ref(r Ref, array bool) {
	n := 0
	for _, it := range r {
		if !it.empty() {
			n++
		}
	}
	if n > MaxArrayItems {
		e.fail(fmt.Errorf("vocab: marshal: %w: more than %d values", ErrTooMany, MaxArrayItems))
		return
	}
	if n == 0 && !array {
		e.b = append(e.b, "null"...)
		return
	}
	if n != 1 || array {
		e.b = append(e.b, '[')
	}
	first := true
	for _, it := range r {
		if it.empty() {
			continue
		}
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		if it.Object != nil {
			e.object(it.Object)
		} else {
			e.string(it.IRI)
		}
	}
	if n != 1 || array {
		e.b = append(e.b, ']')
	}
}

func (e *encoder) publicKeys(s int, keys []PublicKey) {
	n := 0
	for _, k := range keys {
		if k != (PublicKey{}) {
			n++
		}
	}
	if n == 0 {
		return
	}
	if n > MaxArrayItems {
		e.fail(fmt.Errorf("vocab: marshal: publicKey: %w", ErrTooMany))
		return
	}
	e.key(s, "publicKey")
	if n > 1 {
		e.b = append(e.b, '[')
	}
	first := true
	for _, k := range keys {
		if k == (PublicKey{}) {
			continue
		}
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		e.b = append(e.b, '{')
		ks := len(e.b)
		e.str(ks, "id", k.ID)
		e.str(ks, "owner", k.Owner)
		e.str(ks, "publicKeyPem", k.PEM)
		e.b = append(e.b, '}')
	}
	if n > 1 {
		e.b = append(e.b, ']')
	}
}

// string writes a JSON string. Only what JSON requires is escaped; invalid UTF-8 becomes U+FFFD.
func (e *encoder) string(s string) {
	e.b = append(e.b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			e.b = append(e.b, s[start:i]...)
			e.b = append(e.b, "\uFFFD"...)
			i++
			start = i
			continue
		}
		e.b = append(e.b, s[start:i]...)
		switch c {
		case '"', '\\':
			e.b = append(e.b, '\\', c)
		case '\n':
			e.b = append(e.b, '\\', 'n')
		case '\r':
			e.b = append(e.b, '\\', 'r')
		case '\t':
			e.b = append(e.b, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			e.b = append(e.b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	e.b = append(e.b, s[start:]...)
	e.b = append(e.b, '"')
}
