package vocab

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, doc string) *Object {
	t.Helper()
	o, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return o
}

func TestParseShapes(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		check func(t *testing.T, o *Object)
	}{
		{"to as string", `{"type":"Note","to":"https://a.example/u/1"}`, func(t *testing.T, o *Object) {
			want(t, o.To, IRIs{"https://a.example/u/1"})
		}},
		{"to as array with objects and junk", `{"type":"Note","to":["https://a.example/u/1",{"id":"https://b.example/u/2","type":"Person"},null,5,"",["https://c.example/u/3"]]}`, func(t *testing.T, o *Object) {
			want(t, o.To, IRIs{"https://a.example/u/1", "https://b.example/u/2", "https://c.example/u/3"})
		}},
		{"to null", `{"type":"Note","to":null,"cc":[]}`, func(t *testing.T, o *Object) {
			want(t, o.To, IRIs(nil))
			want(t, o.Cc, IRIs(nil))
		}},
		{"type array", `{"type":["Person","vcard:individual"]}`, func(t *testing.T, o *Object) {
			want(t, o.Type, "Person")
			want(t, o.Types, []string{"Person", "vcard:individual"})
			want(t, o.Is("vcard:individual"), true)
			want(t, o.Is("Note", "Person"), true)
			want(t, o.IsActor(), true)
		}},
		{"type array prefixed first", `{"type":["geojson:Feature","Place"]}`, func(t *testing.T, o *Object) {
			want(t, o.Type, "Place")
		}},
		{"type compact and full IRI", `{"type":"as:Note","object":{"type":"https://www.w3.org/ns/activitystreams#Article"}}`, func(t *testing.T, o *Object) {
			want(t, o.Type, "Note")
			want(t, o.Object.First().Type, "Article")
			want(t, o.Is("as:Note"), true)
		}},
		{"inbox null and object", `{"type":"Person","inbox":null,"outbox":{"id":"https://a.example/out","type":"OrderedCollection"},"followers":["https://a.example/f"]}`, func(t *testing.T, o *Object) {
			want(t, o.Inbox, "")
			want(t, o.Outbox, "https://a.example/out")
			want(t, o.Followers, "https://a.example/f")
		}},
		{"attributedTo array", `{"type":"Video","attributedTo":[{"type":"Group","id":"https://p.example/c/chan"},{"type":"Person","id":"https://p.example/a/acct"},"https://p.example/x"]}`, func(t *testing.T, o *Object) {
			want(t, o.AttributedTo.IDs(), []string{"https://p.example/c/chan", "https://p.example/a/acct", "https://p.example/x"})
			want(t, o.AttributedTo.ID(), "https://p.example/c/chan")
			want(t, o.Author(), "https://p.example/a/acct")
			want(t, len(o.AttributedTo.Objects()), 2)
		}},
		{"embedded actor", `{"type":"Announce","actor":{"type":"Person","id":"https://k.example/","preferredUsername":"puck","endpoints":"https://k.example/#endpoints"}}`, func(t *testing.T, o *Object) {
			want(t, o.Actor.ID(), "https://k.example/")
			want(t, o.Actor.First().PreferredUsername, "puck")
			want(t, o.Actor.First().Endpoints, Endpoints{})
		}},
		{"contentMap only", `{"type":"Note","contentMap":{"en":"<p>hi</p>","de":"<p>hallo</p>","x":5}}`, func(t *testing.T, o *Object) {
			want(t, o.Content, "")
			want(t, len(o.ContentMap), 2)
			c, l := o.ContentOrMap("de-AT")
			want(t, c+"|"+l, "<p>hallo</p>|de")
			c, l = o.ContentOrMap("")
			want(t, c+"|"+l, "<p>hallo</p>|de")
		}},
		{"content and contentMap", `{"type":"Note","content":"<p>hi</p>","contentMap":{"en":"<p>hi</p>","es":"<p>hola</p>"}}`, func(t *testing.T, o *Object) {
			c, l := o.ContentOrMap("fr")
			want(t, c+"|"+l, "<p>hi</p>|en")
			c, l = o.ContentOrMap("es")
			want(t, c+"|"+l, "<p>hola</p>|es")
		}},
		{"publicKey array with foreign owner", `{"type":"Person","id":"https://a.example/u","publicKey":[{"id":"https://a.example/u#main-key","owner":"https://a.example/u","publicKeyPem":"PEM1"},{"id":"https://a.example/actor#key","owner":{"id":"https://a.example/actor"},"publicKeyPem":"PEM2","type":[]},"https://a.example/u#other",{}]}`, func(t *testing.T, o *Object) {
			want(t, o.PublicKey, []PublicKey{
				{ID: "https://a.example/u#main-key", Owner: "https://a.example/u", PEM: "PEM1"},
				{ID: "https://a.example/actor#key", Owner: "https://a.example/actor", PEM: "PEM2"},
				{ID: "https://a.example/u#other"},
			})
			want(t, o.Key("https://a.example/actor#key").PEM, "PEM2")
			want(t, o.Key("nope") == nil, true)
		}},
		{"publicKey object, null pem", `{"type":"Person","publicKey":{"id":"k","publicKeyPem":null}}`, func(t *testing.T, o *Object) {
			want(t, o.PublicKey, []PublicKey{{ID: "k"}})
		}},
		{"icon array", `{"type":"Service","icon":[{"type":"Image","url":"https://a.example/1.png"},{"type":"Image","url":"https://a.example/2.png"}],"image":"https://a.example/h.png"}`, func(t *testing.T, o *Object) {
			want(t, o.Icon.URL(), "https://a.example/1.png")
			want(t, len(o.Icon), 2)
			want(t, o.Image.URL(), "https://a.example/h.png")
		}},
		{"url as Link object", `{"type":"Article","url":{"type":"Link","mimeType":"text/html","href":"https://p.example/posts/83"}}`, func(t *testing.T, o *Object) {
			want(t, o.URL.URL(), "https://p.example/posts/83")
			want(t, o.URL.ID(), "https://p.example/posts/83")
			want(t, o.URL.First().MediaType, "text/html")
		}},
		{"url as array of Links and nested url", `{"type":"Image","url":[{"type":"Link","mediaType":"image/jpeg","href":"https://h.example/0.jpg","width":"2200","height":2200},"https://h.example/page"],"icon":{"type":"Image","url":{"type":"Link","href":"https://h.example/i.png"}}}`, func(t *testing.T, o *Object) {
			want(t, o.URL.URL(), "https://h.example/0.jpg")
			want(t, o.URL.IDs(), []string{"https://h.example/0.jpg", "https://h.example/page"})
			want(t, o.URL.First().Width, 2200)
			want(t, o.Icon.URL(), "https://h.example/i.png")
		}},
		{"tag as object", `{"type":"Note","tag":{"type":"Mention","href":"https://g.example/users/Alice","name":"@Alice@g.example"}}`, func(t *testing.T, o *Object) {
			want(t, o.Mentions(), []Mention{{Href: "https://g.example/users/Alice", Name: "@Alice@g.example"}})
		}},
		{"tags of every kind", `{"type":"Note","tag":[{"type":"Hashtag","name":"#go","href":"https://a.example/tags/go"},{"type":"Mention","id":"https://a.example/u/x"},{"type":"Emoji","id":"https://a.example/e/blob","name":":blob:","updated":"2020-01-01T00:00:00Z","icon":{"type":"Image","mediaType":"image/png","url":"https://a.example/blob.png"}},{"type":"Emoji","name":":nourl:"},{"type":"Hashtag"},{"type":"Edition"},"https://a.example/loose"]}`, func(t *testing.T, o *Object) {
			want(t, o.Hashtags(), []Hashtag{{Name: "#go", Href: "https://a.example/tags/go"}})
			want(t, o.Mentions(), []Mention{{Href: "https://a.example/u/x"}})
			want(t, o.Emojis(), []Emoji{{ID: "https://a.example/e/blob", Name: ":blob:", URL: "https://a.example/blob.png", MediaType: "image/png", Updated: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}})
		}},
		{"numbers as strings", `{"type":"OrderedCollection","totalItems":"12","votersCount":" 3 ","width":"1024.0","height":10.7}`, func(t *testing.T, o *Object) {
			want(t, o.TotalItems, Int(12))
			want(t, o.VotersCount, Int(3))
			want(t, o.Width, 1024)
			want(t, o.Height, 10)
		}},
		{"bad numbers ignored", `{"type":"Collection","totalItems":"many","votersCount":1e400,"width":"NaN","height":"0x10"}`, func(t *testing.T, o *Object) {
			want(t, o.TotalItems, OptInt{})
			want(t, o.VotersCount, OptInt{})
			want(t, o.Width, 0)
			want(t, o.Height, 0)
		}},
		{"zero total is present", `{"type":"Collection","totalItems":0}`, func(t *testing.T, o *Object) {
			want(t, o.TotalItems, Int(0))
		}},
		{"booleans in odd shapes", `{"type":"Person","manuallyApprovesFollowers":"true","discoverable":{"@value":"False","type":"xsd:boolean"},"indexable":1,"memorial":"0","suspended":"maybe","sensitive":false}`, func(t *testing.T, o *Object) {
			want(t, o.ManuallyApprovesFollowers, Bool(true))
			want(t, o.Discoverable, Bool(false))
			want(t, o.Indexable, Bool(true))
			want(t, o.Memorial, Bool(false))
			want(t, o.Suspended, OptBool{})
			want(t, o.Sensitive, Bool(false))
		}},
		{"null scalars", `{"type":"Note","name":null,"summary":null,"inReplyTo":null,"content":null,"sensitive":null,"published":null,"id":null}`, func(t *testing.T, o *Object) {
			want(t, o.Name+o.Summary+o.InReplyTo+o.Content+o.ID, "")
			want(t, o.Sensitive.Set, false)
			want(t, o.Published.IsZero(), true)
		}},
		{"lenient dates", `{"type":"Note","published":"2019-01-01T00:00:00+00:00","updated":"2022-01-07T16:14:08.267337+02:00","endTime":"2017-12-19T16:56:29.7576707Z","closed":"yesterday"}`, func(t *testing.T, o *Object) {
			want(t, o.Published, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC))
			want(t, o.Updated, time.Date(2022, 1, 7, 14, 14, 8, 267337000, time.UTC))
			want(t, o.EndTime, time.Date(2017, 12, 19, 16, 56, 29, 757670700, time.UTC))
			want(t, o.Closed.IsZero(), true)
		}},
		{"quote sources in order of preference", `{"type":"Note","_misskey_quote":"https://m.example/4","quoteUri":"https://m.example/3","quoteUrl":"https://m.example/2"}`, func(t *testing.T, o *Object) {
			want(t, o.Quote, "https://m.example/2")
		}},
		{"quote as tombstone falls back", `{"type":"Note","quote":{"type":"Tombstone"},"_misskey_quote":"https://m.example/4"}`, func(t *testing.T, o *Object) {
			want(t, o.Quote, "https://m.example/4")
		}},
		{"mimeType and sharedInbox fallbacks", `{"type":"Person","mimeType":"audio/ogg","sharedInbox":"https://m.example/inbox"}`, func(t *testing.T, o *Object) {
			want(t, o.MediaType, "audio/ogg")
			want(t, o.Endpoints.SharedInbox, "https://m.example/inbox")
		}},
		{"endpoints wins over top-level sharedInbox", `{"type":"Person","endpoints":{"sharedInbox":"https://m.example/a","oauth":null},"sharedInbox":"https://m.example/b"}`, func(t *testing.T, o *Object) {
			want(t, o.Endpoints.SharedInbox, "https://m.example/a")
		}},
		{"property values", `{"type":"Person","attachment":[{"type":"PropertyValue","name":"Pronouns","value":"they/them"},{"type":"Image","url":"https://a.example/x"}]}`, func(t *testing.T, o *Object) {
			want(t, o.PropertyValues(), []PropertyValue{{Name: "Pronouns", Value: "they/them"}})
		}},
		{"focal point and rel", `{"type":"Document","focalPoint":[0.5,"-0.25",null],"rel":"me"}`, func(t *testing.T, o *Object) {
			want(t, o.FocalPoint, []float64{0.5, -0.25})
			want(t, o.Rel, []string{"me"})
		}},
		{"context kept raw, null dropped", `{"@context": [ "https://www.w3.org/ns/activitystreams", {"@language":"und"} ],"type":"Note","object":{"@context":null,"type":"Note"}}`, func(t *testing.T, o *Object) {
			want(t, string(o.Context), `[ "https://www.w3.org/ns/activitystreams", {"@language":"und"} ]`)
			want(t, o.Object.First().Context, json.RawMessage(nil))
		}},
		{"thread context vs conversation", `{"type":"Note","context":"https://a.example/ctx/1","conversation":"tag:a.example,2020:objectId=1"}`, func(t *testing.T, o *Object) {
			want(t, o.ThreadContext, "https://a.example/ctx/1")
			want(t, o.Conversation, "tag:a.example,2020:objectId=1")
		}},
		{"collection page", `{"type":"OrderedCollectionPage","partOf":"https://a.example/f","next":{"id":"https://a.example/f?page=2"},"orderedItems":["https://b.example/u/1",{"type":"Note","id":"https://b.example/n/1"}]}`, func(t *testing.T, o *Object) {
			want(t, o.PartOf, "https://a.example/f")
			want(t, o.Next, "https://a.example/f?page=2")
			want(t, o.OrderedItems.IDs(), []string{"https://b.example/u/1", "https://b.example/n/1"})
		}},
		{"escapes and unicode", `{"type":"Note","content":"caf\u00e9 \ud83d\ude00 \/ \"q\" \n","name":"\ud800x","summary":"日本"}`, func(t *testing.T, o *Object) {
			want(t, o.Content, "café 😀 / \"q\" \n")
			want(t, o.Name, "\uFFFDx")
			want(t, o.Summary, "日本")
		}},
		{"duplicate keys: last wins", `{"type":"Note","type":"Article","to":"https://a.example/1","to":["https://a.example/2"]}`, func(t *testing.T, o *Object) {
			want(t, o.Type, "Article")
			want(t, o.To, IRIs{"https://a.example/2"})
		}},
		{"missing id allowed", `{"type":"Delete","actor":"https://a.example/u","object":"https://a.example/n/1"}`, func(t *testing.T, o *Object) {
			want(t, o.ID, "")
			want(t, o.Object.ID(), "https://a.example/n/1")
		}},
		{"embedded object with null id", `{"type":"Article","attachment":[{"id":null,"type":"Document","url":"https://b.example/c.jpg"}]}`, func(t *testing.T, o *Object) {
			want(t, o.Attachment.First().ID, "")
			want(t, o.Attachment.First().URL.URL(), "https://b.example/c.jpg")
		}},
		{"unknown properties skipped", `{"type":"Place","geojson:hasGeometry":{"coordinates":[[[1,2],[3,4]]]},"latitude":"46.2","x":[true,false,null,{"a":[]}],"id":"https://a.example/p"}`, func(t *testing.T, o *Object) {
			want(t, o.ID, "https://a.example/p")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustParse(t, tt.doc))
		})
	}
}

func want[T any](t *testing.T, got, exp T) {
	t.Helper()
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("got %#v, want %#v", got, exp)
	}
}

func TestParseRefuses(t *testing.T) {
	deep := strings.Repeat(`{"type":"Note","object":`, MaxDepth) + `"x"` + strings.Repeat("}", MaxDepth)
	deepArrays := `{"type":"Note","x":` + strings.Repeat("[", 2*MaxDepth) + strings.Repeat("]", 2*MaxDepth) + "}"
	longTo := `{"type":"Note","to":[` + strings.Repeat(`"a",`, MaxArrayItems) + `"a"]}`
	manyObjects := `{"type":"Note","tag":[` + strings.Repeat(`{"tag":[`+strings.Repeat(`{},`, 999)+`{}]},`, 5) + `{}]}`
	big := `{"type":"Note","content":"` + strings.Repeat("a", MaxDocumentSize) + `"}`
	tests := []struct {
		name string
		doc  string
		kind error
	}{
		{"empty", ``, ErrNotObject},
		{"whitespace", " \n", ErrNotObject},
		{"array", `[{"type":"Note"}]`, ErrNotObject},
		{"string", `"Note"`, ErrNotObject},
		{"null", `null`, ErrNotObject},
		{"BOM", "\ufeff{\"type\":\"Note\"}", ErrNotObject},
		{"no type", `{"id":"https://a.example/1"}`, ErrNoType},
		{"empty type", `{"type":""}`, ErrNoType},
		{"type empty array", `{"type":[]}`, ErrNoType},
		{"type number", `{"type":5}`, ErrNoType},
		{"relative id", `{"type":"Note","id":"/notes/1"}`, ErrBadID},
		{"javascript id", `{"type":"Note","id":"javascript:alert(1)"}`, ErrBadID},
		{"userinfo id", `{"type":"Note","id":"https://good.example@evil.example/1"}`, ErrBadID},
		{"template id", `{"type":"Note","id":"https://{{DOMAIN}}/actor"}`, ErrBadID},
		{"space in id", `{"type":"Note","id":"https://a.example/a b"}`, ErrBadID},
		{"numeric id", `{"type":"Note","id":42}`, ErrBadID},
		{"bad nested id", `{"type":"Create","object":{"type":"Note","id":"urn:uuid:1"}}`, ErrBadID},
		{"trailing comma", `{"type":"Note",}`, ErrSyntax},
		{"trailing comma in array", `{"type":"Note","to":["a",]}`, ErrSyntax},
		{"unterminated", `{"type":"Note"`, ErrSyntax},
		{"unterminated string", `{"type":"Note`, ErrSyntax},
		{"bad escape", `{"type":"Note","content":"\x"}`, ErrSyntax},
		{"bad unicode escape", `{"type":"Note","x":"\u12G4"}`, ErrSyntax},
		{"control char", "{\"type\":\"No\nte\"}", ErrSyntax},
		{"bad number", `{"type":"Note","width":01}`, ErrSyntax},
		{"bad literal", `{"type":"Note","sensitive":tru}`, ErrSyntax},
		{"single quotes", `{'type':'Note'}`, ErrSyntax},
		{"data after object", `{"type":"Note"} {}`, ErrSyntax},
		{"too deep", deep, ErrTooDeep},
		{"arrays too deep", deepArrays, ErrTooDeep},
		{"too many values", longTo, ErrTooMany},
		{"too many objects", manyObjects, ErrTooMany},
		{"too large", big, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", o)
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("error %q is not %q", err, tt.kind)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "vocab: ") {
				t.Fatalf("error %q is not a *ParseError", err)
			}
		})
	}
}

func TestParseErrorText(t *testing.T) {
	_, err := Parse([]byte(`{"type":"Create","object":{"type":"Note","id":"ftp://x.example/1"}}`))
	const exp = `vocab: object.id: invalid id: "ftp://x.example/1" is not an absolute http(s) URL at offset 46`
	if err == nil || err.Error() != exp {
		t.Fatalf("got %v\nwant %s", err, exp)
	}
}

func TestParseLimitsAccepted(t *testing.T) {
	// Objects may nest MaxDepth-1 deep, and each property's array is free.
	doc := strings.Repeat(`{"type":"Note","tag":[`, MaxDepth-1) + `"x"` + strings.Repeat("]}", MaxDepth-1)
	mustParse(t, doc)
	to := `{"type":"Note","to":[` + strings.Repeat(`"a",`, MaxArrayItems-1) + `"a"]}`
	if o := mustParse(t, to); len(o.To) != MaxArrayItems {
		t.Fatalf("got %d recipients", len(o.To))
	}
	// Ignored properties are only scanned, whatever their length.
	long := `{"type":"Place","coordinates":[` + strings.Repeat(`[1.5,2],`, 3*MaxArrayItems) + `[0,0]]}`
	mustParse(t, long)
}

// Strings must decode exactly as encoding/json decodes them.
func TestStringsMatchEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`"plain"`, `"caf\u00e9"`, `"\ud83d\ude00"`, `"\ud83dx"`, `"\ude00\ud83d"`, `"\ud83d\u0041"`,
		`"\ud83d\ud83d\ude00"`, `"\b\f\n\r\t\/\\\""`, "\"\xff\xfe raw\"", "\"a\xc3\"", `"\u0000"`, `"日本語"`,
		"\"\xed\xa0\x80\"", `"\uDBFF\uDFFF"`,
	} {
		var exp string
		if err := json.Unmarshal([]byte(s), &exp); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		o := mustParse(t, `{"type":"Note","content":`+s+`}`)
		if o.Content != exp {
			t.Errorf("%s: got %q, want %q", s, o.Content, exp)
		}
	}
}

func TestParseTime(t *testing.T) {
	utc := func(y, mo, d, h, mi, s, ns int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in string
		ok bool
		t  time.Time
	}{
		{"2019-01-01T00:00:00Z", true, utc(2019, 1, 1, 0, 0, 0, 0)},
		{"2019-01-01T00:00:00+00:00", true, utc(2019, 1, 1, 0, 0, 0, 0)},
		{"2019-01-01T00:00:00.123456Z", true, utc(2019, 1, 1, 0, 0, 0, 123456000)},
		{"2021-09-11T11:45:37+02:00", true, utc(2021, 9, 11, 9, 45, 37, 0)},
		{"2021-09-11T11:45:37-0530", true, utc(2021, 9, 11, 17, 15, 37, 0)},
		{"2021-09-11T11:45:37+02", true, utc(2021, 9, 11, 9, 45, 37, 0)},
		{"2021-09-11t11:45:37z", true, utc(2021, 9, 11, 11, 45, 37, 0)},
		{"2021-09-11 11:45:37", true, utc(2021, 9, 11, 11, 45, 37, 0)},
		{"2021-09-11T11:45", true, utc(2021, 9, 11, 11, 45, 0, 0)},
		{"2021-09-11T11:45:37.1234567891234Z", true, utc(2021, 9, 11, 11, 45, 37, 123456789)},
		{"2021-09-11T11:45:37,5Z", true, utc(2021, 9, 11, 11, 45, 37, 500000000)},
		{"2021-09-11", true, utc(2021, 9, 11, 0, 0, 0, 0)},
		{" 2021-09-11T00:00:00Z ", true, utc(2021, 9, 11, 0, 0, 0, 0)},
		{"2020-02-29T00:00:00Z", true, utc(2020, 2, 29, 0, 0, 0, 0)},
		{"1970-01-01T00:00:00Z", true, utc(1970, 1, 1, 0, 0, 0, 0)},
		{"2019-02-29T00:00:00Z", false, time.Time{}},
		{"2019-13-01T00:00:00Z", false, time.Time{}},
		{"2019-01-01T24:00:00Z", false, time.Time{}},
		{"2019-01-01T00:00:00.Z", false, time.Time{}},
		{"2019-01-01T00:00:00+25:00", false, time.Time{}},
		{"2019-01-01T00:00:00Zjunk", false, time.Time{}},
		{"19-01-01", false, time.Time{}},
		{"yesterday", false, time.Time{}},
		{"", false, time.Time{}},
		{"1546300800", false, time.Time{}},
	}
	for _, tt := range tests {
		got, ok := ParseTime(tt.in)
		if ok != tt.ok || !got.Equal(tt.t) || (ok && got.Location() != time.UTC) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.t, tt.ok)
		}
	}
}

func TestIRIHelpers(t *testing.T) {
	for _, s := range []string{Public, "http://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"} {
		if !IsPublic(s) {
			t.Errorf("IsPublic(%q) = false", s)
		}
	}
	for _, s := range []string{"", "public", "https://www.w3.org/ns/activitystreams", "https://example.com/Public"} {
		if IsPublic(s) {
			t.Errorf("IsPublic(%q) = true", s)
		}
	}
	hosts := map[string]string{
		"https://Mastodon.Social/users/a":     "mastodon.social",
		"https://a.example:443/x":             "a.example",
		"http://a.example:80/x":               "a.example",
		"https://a.example:80/x":              "a.example:80",
		"http://127.0.0.1:8081/users/a":       "127.0.0.1:8081",
		"https://a.example./x":                "a.example",
		"https://[::1]:8443/x":                "[::1]:8443",
		"HTTPS://a.example?x":                 "a.example",
		"https://a.example#frag":              "a.example",
		"https://bücher.example/x":            "bücher.example",
		"https://a.example@b.example/":        "",
		"https://%61.example/":                "",
		"ftp://a.example/":                    "",
		"a.example/x":                         "",
		"https://":                            "",
		"https://a.example:x/":                "",
		"https://a.example/ space":            "",
		"https://{{DOMAIN}}/actor":            "",
		"https://a.example:99999999/":         "",
		"https://[zz]/":                       "",
		"http://./":                           "",
		"http://a..example/":                  "",
		"http://.a.example/":                  "",
		"https://sample.com/a#vote/https://x": "sample.com",
	}
	for in, exp := range hosts {
		if got := Host(in); got != exp {
			t.Errorf("Host(%q) = %q, want %q", in, got, exp)
		}
		if ValidID(in) != (exp != "") {
			t.Errorf("ValidID(%q) = %v", in, ValidID(in))
		}
	}
	if !SameHost("https://a.example/u/1", "https://A.example:443/n/2") || SameHost("https://a.example/", "https://a.example:8443/") || SameHost("x", "x") {
		t.Error("SameHost")
	}
}

func TestRecipients(t *testing.T) {
	o := mustParse(t, `{"type":"Note","to":["https://a.example/u/1","as:Public"],"cc":["https://a.example/u/1","https://a.example/f"],"bcc":"https://b.example/u/2","audience":{"id":"https://c.example/g","type":"Group"}}`)
	want(t, o.Recipients(), []string{"https://a.example/u/1", "as:Public", "https://a.example/f", "https://b.example/u/2", "https://c.example/g"})
	want(t, o.AddressedToPublic(), true)
	o = mustParse(t, `{"type":"Note","to":"https://a.example/u/1","audience":"https://www.w3.org/ns/activitystreams#Public"}`)
	want(t, o.AddressedToPublic(), true)
	o = mustParse(t, `{"type":"Note","to":"https://a.example/u/1"}`)
	want(t, o.AddressedToPublic(), false)

	// Long lists are deduplicated with a map; the order stays.
	long := &Object{Type: "Note"}
	for i := range 40 {
		long.To = append(long.To, fmt.Sprintf("https://a.example/u/%d", i%25))
		long.Cc = append(long.Cc, fmt.Sprintf("https://a.example/u/%d", 30-i%7))
	}
	got := long.Recipients()
	want(t, len(got), 31)
	want(t, got[0], "https://a.example/u/0")
	want(t, got[25], "https://a.example/u/30")
}

func TestPickLang(t *testing.T) {
	m := map[string]string{"en-GB": "colour", "en-US": "color", "fr": "couleur"}
	tests := []struct{ plain, lang, text, gotLang string }{
		{"", "fr", "couleur", "fr"},
		{"", "en", "colour", "en-GB"},
		{"", "en-AU", "colour", "en-GB"},
		{"", "de", "colour", "en-GB"},
		{"color", "de", "color", "en-US"},
		{"farbe", "", "farbe", ""},
	}
	for _, tt := range tests {
		text, lang := PickLang(tt.plain, m, tt.lang)
		if text != tt.text || lang != tt.gotLang {
			t.Errorf("PickLang(%q, m, %q) = %q, %q; want %q, %q", tt.plain, tt.lang, text, lang, tt.text, tt.gotLang)
		}
	}
	if text, lang := PickLang("x", nil, "en"); text != "x" || lang != "" {
		t.Errorf("PickLang without map = %q, %q", text, lang)
	}
}

func TestUnmarshalJSONInStruct(t *testing.T) {
	var v struct {
		Activity *Object `json:"activity"`
		To       IRIs    `json:"to"`
		Actor    Ref     `json:"actor"`
		Flag     OptBool `json:"flag"`
		Count    OptInt  `json:"count"`
	}
	err := json.Unmarshal([]byte(`{"activity":{"type":"Like","object":"https://a.example/n"},"to":"https://a.example/u","actor":{"id":"https://a.example/u","type":"Person"},"flag":"true","count":"7"}`), &v)
	if err != nil {
		t.Fatal(err)
	}
	want(t, v.Activity.Object.ID(), "https://a.example/n")
	want(t, v.To, IRIs{"https://a.example/u"})
	want(t, v.Actor.First().Type, "Person")
	want(t, v.Flag, Bool(true))
	want(t, v.Count, Int(7))
	if err := json.Unmarshal([]byte(`{"activity":{"id":"https://a.example/x"}}`), &v); !errors.Is(err, ErrNoType) {
		t.Fatalf("got %v", err)
	}
}
