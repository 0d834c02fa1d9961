package vocab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fill sets every field of o to a distinct non-zero value, embedding filled objects in Refs down
// one level deep, so that a field forgotten by the encoder or the decoder fails the round trip.
func fill(t *testing.T, o *Object, depth int) {
	t.Helper()
	v := reflect.ValueOf(o).Elem()
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch f.Addr().Interface().(type) {
		case *json.RawMessage:
			f.SetBytes([]byte(`["https://www.w3.org/ns/activitystreams",{"x":"http://x.example/ns#"}]`))
		case *string:
			switch name {
			case "ID":
				f.SetString(fmt.Sprintf("https://fill.example/%d/id", depth))
			case "Type":
				f.SetString("Note")
			default:
				f.SetString(fmt.Sprintf("https://fill.example/%d/%s\u00e9\"\n", depth, name))
			}
		case *[]string:
			if name == "Types" {
				f.Set(reflect.ValueOf([]string{"Note", "x:Extra"}))
			} else {
				f.Set(reflect.ValueOf([]string{"a-" + name, "b-" + name}))
			}
		case *IRIs:
			f.Set(reflect.ValueOf(IRIs{"https://fill.example/1/" + name, Public}))
		case *Ref:
			r := NewRef("https://fill.example/iri/" + name)
			if depth < 1 {
				inner := new(Object)
				fill(t, inner, depth+1)
				r = append(r, RefItem{Object: inner})
			}
			f.Set(reflect.ValueOf(r))
		case *map[string]string:
			f.Set(reflect.ValueOf(map[string]string{"en": "en " + name, "zh-Hant": "中 " + name}))
		case *OptBool:
			f.Set(reflect.ValueOf(Bool(i%2 == 0)))
		case *OptInt:
			f.Set(reflect.ValueOf(Int(i % 2))) // 0 must survive as present
		case *int:
			f.SetInt(int64(100 + i))
		case *time.Time:
			f.Set(reflect.ValueOf(time.Date(2024, 2, 29, 23, 59, i, 123456789, time.UTC)))
		case *[]float64:
			f.Set(reflect.ValueOf([]float64{0.5, -0.25, 1e-9, 3}))
		case *Endpoints:
			f.Set(reflect.ValueOf(Endpoints{SharedInbox: "https://fill.example/inbox"}))
		case *[]PublicKey:
			f.Set(reflect.ValueOf([]PublicKey{{ID: "https://fill.example/u#main-key", Owner: "https://fill.example/u", PEM: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}, {ID: "https://fill.example/k2", Owner: "https://other.example/actor", PEM: "P2"}}))
		default:
			t.Fatalf("fill: field %s has type %s; teach fill (and Marshal and Parse) about it", name, f.Type())
		}
		if f.IsZero() {
			t.Fatalf("fill: field %s left zero", name)
		}
	}
}

func TestRoundTripEveryField(t *testing.T) {
	var o Object
	fill(t, &o, 0)
	b, err := Marshal(&o)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse(Marshal(x)): %v\n%.2000s", err, b)
	}
	if !reflect.DeepEqual(got, &o) {
		for i := 0; i < reflect.TypeFor[Object]().NumField(); i++ {
			a, b := reflect.ValueOf(got).Elem().Field(i), reflect.ValueOf(&o).Elem().Field(i)
			if !reflect.DeepEqual(a.Interface(), b.Interface()) {
				t.Errorf("field %s: got %#v, want %#v", reflect.TypeFor[Object]().Field(i).Name, a.Interface(), b.Interface())
			}
		}
	}
	// encoding/json must accept the output and agree on every property name we write.
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	if n := len(generic); n < 70 {
		t.Errorf("only %d properties written", n)
	}
}

func TestMarshalOmitsEmpty(t *testing.T) {
	o := &Object{Type: "Note", Tag: Ref{}, To: IRIs{""}, Attachment: Ref{{}}, NameMap: map[string]string{}, PublicKey: []PublicKey{{}}}
	b, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"type":"Note"}` {
		t.Fatalf("got %s", b)
	}
}

func TestMarshalShapes(t *testing.T) {
	tests := []struct {
		name string
		o    *Object
		exp  string
	}{
		{"single IRI bare, to as array", &Object{Type: "Like", Actor: NewRef("https://a.example/u"), To: IRIs{"https://b.example/u"}},
			`{"type":"Like","actor":"https://a.example/u","to":["https://b.example/u"]}`},
		{"tag always an array", &Object{Type: "Note", Tag: Embed(&Object{Type: "Mention", Href: "https://b.example/u", Name: "@u@b.example"})},
			`{"type":"Note","tag":[{"type":"Mention","name":"@u@b.example","href":"https://b.example/u"}]}`},
		{"several values", &Object{Type: "Flag", Object: NewRef("https://b.example/u", "https://b.example/n/1")},
			`{"type":"Flag","object":["https://b.example/u","https://b.example/n/1"]}`},
		{"a Flag's object always an array", &Object{Type: "Flag", Object: NewRef("https://b.example/u")},
			`{"type":"Flag","object":["https://b.example/u"]}`},
		{"type array", &Object{Type: "Person", Types: []string{"Person", "vcard:Individual"}},
			`{"type":["Person","vcard:Individual"]}`},
		{"false and zero kept", &Object{Type: "Person", ManuallyApprovesFollowers: Bool(false), TotalItems: Int(0)},
			`{"type":"Person","manuallyApprovesFollowers":false,"totalItems":0}`},
		{"quote under three names", &Object{Type: "Note", Quote: "https://b.example/n/1"},
			`{"type":"Note","quote":"https://b.example/n/1","quoteUri":"https://b.example/n/1","_misskey_quote":"https://b.example/n/1"}`},
		{"times in UTC, no fraction when whole", &Object{Type: "Note", Published: time.Date(2023, 9, 3, 13, 27, 0, 0, time.FixedZone("CEST", 7200)), Updated: time.Date(2023, 9, 3, 11, 27, 0, 500000000, time.UTC)},
			`{"type":"Note","published":"2023-09-03T11:27:00Z","updated":"2023-09-03T11:27:00.5Z"}`},
		{"no HTML escaping, control characters escaped", &Object{Type: "Note", Content: "<p>a & b</p>\t\"\x01\u2028", Summary: "bad \xff byte"},
			`{"type":"Note","summary":"bad ` + "\uFFFD" + ` byte","content":"<p>a & b</p>\t\"\u0001` + "\u2028" + `"}`},
		{"context compacted", &Object{Context: json.RawMessage("[\n  \"https://www.w3.org/ns/activitystreams\" ]"), Type: "Note"},
			`{"@context":["https://www.w3.org/ns/activitystreams"],"type":"Note"}`},
		{"lang maps sorted", &Object{Type: "Note", ContentMap: map[string]string{"es": "hola", "en": "hi"}},
			`{"type":"Note","contentMap":{"en":"hi","es":"hola"}}`},
		{"focal point", &Object{Type: "Document", FocalPoint: []float64{0, -0.5}},
			`{"type":"Document","focalPoint":[0,-0.5]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Marshal(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.exp {
				t.Fatalf("got  %s\nwant %s", b, tt.exp)
			}
			if _, err := Parse(b); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

func TestMarshalRefuses(t *testing.T) {
	cyclic := &Object{Type: "Note"}
	cyclic.Object = Embed(cyclic)
	tooMany := &Object{Type: "Note", To: make(IRIs, MaxArrayItems+1)}
	for i := range tooMany.To {
		tooMany.To[i] = "x"
	}
	for name, o := range map[string]*Object{
		"cycle":       cyclic,
		"bad context": {Type: "Note", Context: json.RawMessage(`["x"`)},
		"NaN":         {Type: "Document", FocalPoint: []float64{0, nanValue()}},
		"year":        {Type: "Note", Published: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"too many":    tooMany,
	} {
		if b, err := Marshal(o); err == nil {
			t.Errorf("%s: Marshal succeeded: %.200s", name, b)
		}
	}
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

// Through encoding/json, an Object marshals the same way (apart from its HTML escaping).
func TestMarshalJSONInStruct(t *testing.T) {
	n := NewNote("https://a.example/n/1")
	n.Content = "<p>hi</p>"
	b, err := json.Marshal(struct {
		Item *Object `json:"item"`
		To   IRIs    `json:"to"`
		Ref  Ref     `json:"ref"`
		Flag OptBool `json:"flag,omitzero"`
		N    OptInt  `json:"n"`
	}{n, IRIs{"https://a.example/u"}, NewRef("https://a.example/x"), OptBool{}, Int(3)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"to":["https://a.example/u"],"ref":"https://a.example/x","n":3}`)) || !bytes.Contains(b, []byte(`"content":"\u003cp\u003ehi\u003c/p\u003e"`)) {
		t.Fatalf("got %s", b)
	}
}

func TestDefaultContextMatchesMastodon(t *testing.T) {
	var ours []any
	if err := json.Unmarshal([]byte(DefaultContext), &ours); err != nil {
		t.Fatal(err)
	}
	if len(ours) != 3 || ours[0] != "https://www.w3.org/ns/activitystreams" || ours[1] != "https://w3id.org/security/v1" {
		t.Fatalf("context head: %v", ours)
	}
	terms := ours[2].(map[string]any)
	for _, k := range []string{"manuallyApprovesFollowers", "toot", "featured", "featuredTags", "alsoKnownAs", "movedTo", "schema", "PropertyValue", "value", "discoverable", "indexable", "memorial", "suspended", "Hashtag", "sensitive", "votersCount", "blurhash", "focalPoint", "Emoji", "conversation", "quote"} {
		if _, ok := terms[k]; !ok {
			t.Errorf("DefaultContext lacks %q", k)
		}
	}
	// Every term Mastodon defines in the captured documents and we also define must agree.
	dir := corpusDir(t)
	checked := 0
	for _, f := range []string{"mastodon/update-person-mastodon-art.json", "mastodon/person-propertyvalue-fields.json", "mastodon/create-note-mastodon-social.json", "mastodon/note-attachment-focalpoint.json", "mastodon/accept-follow-embedded.json"} {
		var doc struct {
			Context []any `json:"@context"`
		}
		if err := json.Unmarshal(readCorpusFile(t, dir, f), &doc); err != nil {
			t.Fatal(err)
		}
		for _, c := range doc.Context {
			m, ok := c.(map[string]any)
			if !ok {
				continue
			}
			for k, v := range m {
				mine, ok := terms[k]
				if !ok {
					continue
				}
				checked++
				// Older Mastodon wrote movedTo and featured without @type; the current form wins.
				if !reflect.DeepEqual(mine, v) && !(k == "movedTo" || k == "featured") {
					t.Errorf("%s: term %q is %v there, %v here", f, k, v, mine)
				}
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d terms compared", checked)
	}
}

func TestConstructors(t *testing.T) {
	const (
		alice = "https://k.example/users/alice"
		bob   = "https://m.example/users/bob"
	)
	pub := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	person := NewActor("Person", alice)
	person.PreferredUsername = "alice"
	person.Name = "Alice"
	person.Summary = "<p>hi</p>"
	person.URL = NewRef("https://k.example/@alice")
	person.Inbox = alice + "/inbox"
	person.Outbox = alice + "/outbox"
	person.Followers = alice + "/followers"
	person.Following = alice + "/following"
	person.Featured = alice + "/collections/featured"
	person.FeaturedTags = alice + "/collections/tags"
	person.Endpoints.SharedInbox = "https://k.example/inbox"
	person.PublicKey = []PublicKey{{ID: alice + "#main-key", Owner: alice, PEM: "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"}}
	person.ManuallyApprovesFollowers = Bool(false)
	person.Discoverable = Bool(true)
	person.Indexable = Bool(false)
	person.Memorial = Bool(false)
	person.Published = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	person.Icon = Embed(&Object{Type: "Image", MediaType: "image/png", URL: NewRef("https://k.example/a.png")})
	person.Attachment = Embed(&Object{Type: "PropertyValue", Name: "Pronouns", Value: "she/her"})
	person.Tag = Ref{}
	checkJSON(t, person, `{"@context":`+DefaultContext+`,"id":"https://k.example/users/alice","type":"Person","name":"Alice","summary":"<p>hi</p>","published":"2026-01-01T00:00:00Z","url":"https://k.example/@alice","attachment":[{"type":"PropertyValue","name":"Pronouns","value":"she/her"}],"icon":{"type":"Image","mediaType":"image/png","url":"https://k.example/a.png"},"preferredUsername":"alice","inbox":"https://k.example/users/alice/inbox","outbox":"https://k.example/users/alice/outbox","followers":"https://k.example/users/alice/followers","following":"https://k.example/users/alice/following","featured":"https://k.example/users/alice/collections/featured","featuredTags":"https://k.example/users/alice/collections/tags","endpoints":{"sharedInbox":"https://k.example/inbox"},"publicKey":{"id":"https://k.example/users/alice#main-key","owner":"https://k.example/users/alice","publicKeyPem":"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"},"manuallyApprovesFollowers":false,"discoverable":true,"indexable":false,"memorial":false}`)

	note := NewNote(alice + "/statuses/1")
	note.AttributedTo = NewRef(alice)
	note.Content = `<p>hello <span class="h-card"><a href="https://m.example/@bob">@bob</a></span></p>`
	note.ContentMap = map[string]string{"en": note.Content}
	note.Published = pub
	note.URL = NewRef("https://k.example/@alice/1")
	note.To = IRIs{Public}
	note.Cc = IRIs{alice + "/followers", bob}
	note.Sensitive = Bool(false)
	note.Tag = Embed(&Object{Type: "Mention", Href: bob, Name: "@bob@m.example"}, &Object{Type: "Hashtag", Href: "https://k.example/tags/go", Name: "#go"})
	create := NewCreate(alice+"/statuses/1/activity", alice, note)
	checkJSON(t, create, `{"@context":`+DefaultContext+`,"id":"https://k.example/users/alice/statuses/1/activity","type":"Create","actor":"https://k.example/users/alice","object":{"id":"https://k.example/users/alice/statuses/1","type":"Note","attributedTo":"https://k.example/users/alice","content":"<p>hello <span class=\"h-card\"><a href=\"https://m.example/@bob\">@bob</a></span></p>","contentMap":{"en":"<p>hello <span class=\"h-card\"><a href=\"https://m.example/@bob\">@bob</a></span></p>"},"published":"2026-01-02T03:04:05Z","url":"https://k.example/@alice/1","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://k.example/users/alice/followers","https://m.example/users/bob"],"sensitive":false,"tag":[{"type":"Mention","name":"@bob@m.example","href":"https://m.example/users/bob"},{"type":"Hashtag","name":"#go","href":"https://k.example/tags/go"}]},"published":"2026-01-02T03:04:05Z","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://k.example/users/alice/followers","https://m.example/users/bob"]}`)
	if len(note.Context) == 0 || create.Object.First() == note {
		t.Error("NewCreate modified or aliased its argument")
	}

	poll := NewQuestion(alice + "/statuses/2")
	poll.Content = "<p>tea?</p>"
	poll.OneOf = Embed(PollOption("yes", 3), PollOption("no", 0))
	poll.EndTime = pub
	poll.VotersCount = Int(3)
	checkJSON(t, poll, `{"@context":`+DefaultContext+`,"id":"https://k.example/users/alice/statuses/2","type":"Question","content":"<p>tea?</p>","oneOf":[{"type":"Note","name":"yes","replies":{"type":"Collection","totalItems":3}},{"type":"Note","name":"no","replies":{"type":"Collection","totalItems":0}}],"endTime":"2026-01-02T03:04:05Z","votersCount":3}`)

	update := NewUpdate(alice+"#updates/1", alice, person)
	update.To = IRIs{Public}
	if update.Object.First().PreferredUsername != "alice" || len(update.Object.First().Context) != 0 || string(update.Context) != DefaultContext {
		t.Error("NewUpdate")
	}

	follow := NewFollow("https://k.example/follows/1", alice, bob)
	checkJSON(t, follow, `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/follows/1","type":"Follow","actor":"https://k.example/users/alice","object":"https://m.example/users/bob","to":["https://m.example/users/bob"]}`)
	checkJSON(t, NewAccept("https://m.example/accepts/1", bob, follow), `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://m.example/accepts/1","type":"Accept","actor":"https://m.example/users/bob","object":{"id":"https://k.example/follows/1","type":"Follow","actor":"https://k.example/users/alice","object":"https://m.example/users/bob","to":["https://m.example/users/bob"]},"to":["https://k.example/users/alice"]}`)
	checkJSON(t, NewReject("https://m.example/rejects/1", bob, follow), `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://m.example/rejects/1","type":"Reject","actor":"https://m.example/users/bob","object":{"id":"https://k.example/follows/1","type":"Follow","actor":"https://k.example/users/alice","object":"https://m.example/users/bob","to":["https://m.example/users/bob"]},"to":["https://k.example/users/alice"]}`)
	checkJSON(t, NewUndo("https://k.example/follows/1/undo", alice, follow), `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/follows/1/undo","type":"Undo","actor":"https://k.example/users/alice","object":{"id":"https://k.example/follows/1","type":"Follow","actor":"https://k.example/users/alice","object":"https://m.example/users/bob","to":["https://m.example/users/bob"]},"to":["https://m.example/users/bob"]}`)

	del := NewDelete(alice+"/statuses/1#delete", alice, alice+"/statuses/1")
	del.To = IRIs{Public}
	checkJSON(t, del, `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice/statuses/1#delete","type":"Delete","actor":"https://k.example/users/alice","object":{"id":"https://k.example/users/alice/statuses/1","type":"Tombstone"},"to":["https://www.w3.org/ns/activitystreams#Public"]}`)
	checkJSON(t, NewDelete(alice+"#delete", alice, alice), `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice#delete","type":"Delete","actor":"https://k.example/users/alice","object":"https://k.example/users/alice"}`)

	like := NewLike(alice+"#likes/1", alice, bob+"/statuses/9")
	like.To = IRIs{bob}
	checkJSON(t, like, `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice#likes/1","type":"Like","actor":"https://k.example/users/alice","object":"https://m.example/users/bob/statuses/9","to":["https://m.example/users/bob"]}`)
	boost := NewAnnounce(alice+"/statuses/3/activity", alice, bob+"/statuses/9")
	boost.Published = pub
	boost.To = IRIs{Public}
	boost.Cc = IRIs{bob, alice + "/followers"}
	checkJSON(t, boost, `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice/statuses/3/activity","type":"Announce","actor":"https://k.example/users/alice","object":"https://m.example/users/bob/statuses/9","published":"2026-01-02T03:04:05Z","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://m.example/users/bob","https://k.example/users/alice/followers"]}`)
	checkJSON(t, NewBlock(alice+"#blocks/1", alice, bob), `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice#blocks/1","type":"Block","actor":"https://k.example/users/alice","object":"https://m.example/users/bob","to":["https://m.example/users/bob"]}`)
	move := NewMove(alice+"#moves/1", alice, bob)
	move.To = IRIs{alice + "/followers"}
	checkJSON(t, move, `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice#moves/1","type":"Move","actor":"https://k.example/users/alice","object":"https://k.example/users/alice","target":"https://m.example/users/bob","to":["https://k.example/users/alice/followers"]}`)
	checkJSON(t, NewAdd(alice+"#adds/1", alice, alice+"/statuses/1", alice+"/collections/featured"), `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice#adds/1","type":"Add","actor":"https://k.example/users/alice","object":"https://k.example/users/alice/statuses/1","target":"https://k.example/users/alice/collections/featured"}`)
	checkJSON(t, NewRemove(alice+"#removes/1", alice, alice+"/statuses/1", alice+"/collections/featured"), `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice#removes/1","type":"Remove","actor":"https://k.example/users/alice","object":"https://k.example/users/alice/statuses/1","target":"https://k.example/users/alice/collections/featured"}`)

	tomb := NewTombstone(alice + "/statuses/1")
	checkJSON(t, tomb, `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice/statuses/1","type":"Tombstone"}`)

	coll := NewOrderedCollection(alice+"/followers", 0)
	coll.First = NewRef(alice + "/followers?page=1")
	checkJSON(t, coll, `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice/followers","type":"OrderedCollection","totalItems":0,"first":"https://k.example/users/alice/followers?page=1"}`)
	page := NewOrderedCollectionPage(alice+"/outbox?page=1", alice+"/outbox", Embed(nested(create)))
	page.Next = alice + "/outbox?page=2"
	b, err := Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://k.example/users/alice/outbox?page=1","type":"OrderedCollectionPage","next":"https://k.example/users/alice/outbox?page=2","partOf":"https://k.example/users/alice/outbox","orderedItems":[{"id":"https://k.example/users/alice/statuses/1/activity","type":"Create",`) {
		t.Fatalf("page: %s", b)
	}
	checkRoundTrip(t, page)
}

// checkJSON compares Marshal's output with exp and checks the round trip.
func checkJSON(t *testing.T, o *Object, exp string) {
	t.Helper()
	b, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != exp {
		t.Errorf("got  %s\nwant %s", b, exp)
	}
	checkRoundTrip(t, o)
}

func checkRoundTrip(t *testing.T, o *Object) {
	t.Helper()
	b, err := Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse(Marshal(x)): %v", err)
	}
	if !reflect.DeepEqual(normalized(t, o), got) {
		t.Errorf("round trip changed the object:\n%s", b)
	}
}

// normalized returns a copy of o as it reads back: empty slices and maps become nil and
// @context is compacted, through embedded objects too.
func normalized(t *testing.T, o *Object) *Object {
	t.Helper()
	c := *o
	if len(c.Context) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, c.Context); err != nil {
			t.Fatal(err)
		}
		c.Context = buf.Bytes()
	}
	v := reflect.ValueOf(&c).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if (f.Kind() == reflect.Slice || f.Kind() == reflect.Map) && f.Len() == 0 {
			f.SetZero()
		}
		if r, ok := f.Interface().(Ref); ok && len(r) > 0 {
			n := make(Ref, len(r))
			for j, it := range r {
				n[j] = it
				if it.Object != nil {
					n[j].Object = normalized(t, it.Object)
				}
			}
			f.Set(reflect.ValueOf(n))
		}
	}
	return &c
}
