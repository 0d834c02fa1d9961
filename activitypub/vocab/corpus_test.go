package vocab

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// corpusDir is the shared corpus of real documents, relative to this package.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "testdata", "ap")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Skipf("SKIPPING: corpus of real ActivityPub documents not found at %s (%v); these tests check Parse against ~35 real servers and must run in CI", dir, err)
	}
	return dir
}

func readCorpusFile(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corpusFiles lists every document of the corpus, relative to dir, with forward slashes.
func corpusFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() && strings.HasSuffix(p, ".json") {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) < 100 {
		t.Fatalf("only %d documents under %s", len(files), dir)
	}
	return files
}

// refused are the corpus documents Parse must refuse, and why.
var refused = map[string]error{
	// A template from Mastodon's test fixtures: its id is "https://{{DOMAIN}}/actor".
	"mastodon/application-instance-actor.json": ErrBadID,
}

// TestCorpus parses every document: each one parses or is refused with a clear error, never a
// panic, and each parsed one survives Marshal and Parse unchanged.
func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	servers := map[string]bool{}
	for _, name := range corpusFiles(t, dir) {
		servers[strings.Split(name, "/")[0]] = true
		t.Run(name, func(t *testing.T) {
			o, err := Parse(readCorpusFile(t, dir, name))
			if kind, ok := refused[name]; ok {
				var pe *ParseError
				if !errors.Is(err, kind) || !errors.As(err, &pe) {
					t.Fatalf("want refusal %v, got %v", kind, err)
				}
				t.Logf("refused: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			b, err := Marshal(o)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			back, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse(Marshal(x)): %v\n%.2000s", err, b)
			}
			if !reflect.DeepEqual(normalized(t, o), back) {
				t.Fatalf("round trip changed the document:\n%.2000s", b)
			}
		})
	}
	if len(servers) < 30 {
		t.Errorf("only %d servers in the corpus", len(servers))
	}
}

// TestCorpusSpotChecks checks concrete values from documents of many servers.
func TestCorpusSpotChecks(t *testing.T) {
	dir := corpusDir(t)
	parse := func(t *testing.T, name string) *Object {
		t.Helper()
		o, err := Parse(readCorpusFile(t, dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return o
	}
	const pemStart = "-----BEGIN PUBLIC KEY-----"
	tests := []struct {
		file  string
		check func(t *testing.T, o *Object)
	}{
		{"mastodon/create-note-mastodon-social.json", func(t *testing.T, o *Object) {
			want(t, o.ID, "https://mastodon.social/users/mczachurski/statuses/111000972200397678/activity")
			want(t, o.Type, "Create")
			want(t, o.Actor.ID(), "https://mastodon.social/users/mczachurski")
			want(t, o.AddressedToPublic(), true)
			n := o.Object.First()
			want(t, n.ID, "https://mastodon.social/users/mczachurski/statuses/111000972200397678")
			want(t, n.Type, "Note")
			want(t, strings.HasPrefix(n.Content, "<p>Holidays almost finished. It&#39;s time to review"), true)
			want(t, n.Published, time.Date(2023, 9, 3, 11, 27, 0, 0, time.UTC))
			want(t, n.Conversation, "tag:mastodon.social,2023-09-03:objectId=527686956:objectType=Conversation")
			want(t, n.Sensitive, Bool(false))
			want(t, len(n.Hashtags()), 5)
			want(t, n.Hashtags()[0], Hashtag{Name: "#prague", Href: "https://mastodon.social/tags/prague"})
			a := n.Attachment.First()
			want(t, a.Blurhash, "U48NqcIA9ZX8t8axofs,0JRjxat7D$t8xuIU")
			want(t, []any{a.Width, a.Height, a.FocalPoint, a.MediaType}, []any{2200, 1384, []float64{0, 0}, "image/png"})
			want(t, n.Replies.First().First.First().Next, "https://mastodon.social/users/mczachurski/statuses/111000972200397678/replies?only_other_accounts=true&page=true")
		}},
		{"mastodon/actor-person-http-fixture.json", func(t *testing.T, o *Object) {
			want(t, o.Type, "Person")
			want(t, o.Inbox, "https://ap.example.com/users/foo/inbox")
			want(t, o.Endpoints.SharedInbox, "https://ap.example.com/inbox")
			want(t, o.PublicKey[0].ID, "https://ap.example.com/users/foo#main-key")
			want(t, o.PublicKey[0].Owner, o.ID)
			want(t, strings.HasPrefix(o.PublicKey[0].PEM, pemStart+"\nMIIBIjANBgkqh"), true)
			want(t, o.ManuallyApprovesFollowers, Bool(false))
			want(t, o.Icon.URL(), "https://quitter.no/avatar/7477-300-20160211190340.png")
		}},
		{"mastodon/actor-person-type-array-vcard.json", func(t *testing.T, o *Object) {
			want(t, o.Type, "Person")
			want(t, o.Types, []string{"Person", "vcard:individual"})
			want(t, o.IsActor(), true)
		}},
		{"mastodon/update-person-mastodon-art.json", func(t *testing.T, o *Object) {
			p := o.Object.First()
			want(t, p.PreferredUsername, "alinamiko")
			want(t, p.FeaturedTags, "https://mastodon.art/users/alinamiko/collections/tags")
			want(t, []OptBool{p.Discoverable, p.Indexable, p.Memorial}, []OptBool{Bool(true), Bool(false), Bool(false)})
			fields := p.PropertyValues()
			want(t, len(fields), 4)
			want(t, fields[3], PropertyValue{Name: "Pronouns", Value: "He/They"})
			want(t, p.Image.URL(), "https://cdn.masto.host/mastodonart/accounts/headers/109/269/799/670/985/971/original/07c39250522c8a32.jpeg")
		}},
		{"mastodon/create-note-contentmap-multi.json", func(t *testing.T, o *Object) {
			n := o.Object.First()
			c, lang := n.ContentOrMap("es")
			want(t, lang, "es")
			want(t, strings.Contains(c, "probando"), true)
			_, lang = n.ContentOrMap("")
			want(t, lang, "en")
			want(t, n.Sensitive, Bool(true))
			want(t, n.Summary, "cw")
			want(t, n.Mentions(), []Mention{{Href: "https://testing.local/users/karen", Name: "@karen@testing.local"}})
		}},
		{"mastodon/note-attachment-focalpoint.json", func(t *testing.T, o *Object) {
			want(t, o.InReplyTo, "https://floss.social/users/kde/statuses/113306824627995724")
			want(t, o.Likes.TotalItems(), Int(39))
			want(t, o.Shares.TotalItems(), Int(24))
			want(t, o.Summary, "")
		}},
		{"mastodon/undo-announce.json", func(t *testing.T, o *Object) {
			inner := o.Object.First()
			want(t, inner.Type, "Announce")
			want(t, inner.Object.ID(), "http://mastodon.example.org/@admin/99541947525187367")
			want(t, inner.AddressedToPublic(), true) // http:// form of Public
		}},
		{"mastodon/delete-note-tombstone-ld-signature.json", func(t *testing.T, o *Object) {
			want(t, o.Object.First().Type, "Tombstone")
			want(t, o.Object.ID(), "https://mastodon.madrid/users/felix/statuses/107773559874184870")
			want(t, SameHost(o.Actor.ID(), o.Object.ID()), true)
		}},
		{"mastodon/followers-orderedcollectionpage.json", func(t *testing.T, o *Object) {
			want(t, o.TotalItems, Int(437))
			want(t, len(o.OrderedItems.IDs()), 12)
			want(t, o.PartOf, "http://localhost:4001/users/masto_closed/followers")
			want(t, Host(o.Next), "localhost:4001")
		}},
		{"mastodon/docs-move.json", func(t *testing.T, o *Object) {
			want(t, o.Object.ID(), o.Actor.ID())
			want(t, o.Target.ID(), "https://alice.com/users/109835986274379")
			want(t, o.To, IRIs{"https://mastodon.example/users/alice/followers"})
		}},
		{"mastodon/flag-object-array.json", func(t *testing.T, o *Object) {
			want(t, len(o.Object.IDs()), 3)
			want(t, o.To, IRIs{"https://example.com/users/1"})
		}},
		{"gotosocial/docs-person.json", func(t *testing.T, o *Object) {
			want(t, o.ManuallyApprovesFollowers, Bool(true))
			want(t, o.Discoverable, Bool(false))
			want(t, o.Featured, "http://example.org/users/1happyturtle/collections/featured")
			want(t, o.PropertyValues(), []PropertyValue{{Name: "should you follow me?", Value: "maybe!"}, {Name: "age", Value: "120"}})
			want(t, strings.HasPrefix(o.PublicKey[0].PEM, pemStart), true)
			want(t, o.Endpoints.SharedInbox, "") // GoToSocial gives no shared inbox
		}},
		{"gotosocial/docs-person-key-path-id.json", func(t *testing.T, o *Object) {
			k := o.Key("https://example.org/users/example_user/main-key")
			want(t, k != nil && k.Owner == o.ID, true)
		}},
		{"gotosocial/docs-create-poll-votes-object-array.json", func(t *testing.T, o *Object) {
			votes := o.Object.Objects()
			want(t, len(votes), 2)
			want(t, []string{votes[0].Name, votes[1].Name}, []string{"tissues", "financial times"})
			want(t, votes[1].InReplyTo, "https://example.org/users/bobby_tables/statuses/123456")
			want(t, o.To, IRIs{"https://example.org/users/bobby_tables"})
			want(t, o.Published, time.Date(2021, 9, 11, 9, 45, 37, 0, time.UTC))
		}},
		{"gotosocial/docs-accept-reply-approval.json", func(t *testing.T, o *Object) {
			want(t, o.AddressedToPublic(), true)
			want(t, o.Recipients()[0], "https://somewhere.else.example.org/users/someone")
		}},
		{"misskey/person-misskey-io.json", func(t *testing.T, o *Object) {
			want(t, o.PreferredUsername, "aimu")
			want(t, o.Name, "あいむ")
			want(t, o.Endpoints.SharedInbox, "https://misskey.io/inbox")
			want(t, o.Icon.URL(), "https://s3.arkjp.net/misskey/webpublic-3f7e93c0-34f5-443c-acc0-f415cb2342b4.jpg")
			want(t, o.PublicKey[0].ID, "https://misskey.io/users/83ssedkv53#main-key")
		}},
		{"misskey/create-note.json", func(t *testing.T, o *Object) {
			want(t, o.Published, time.Date(2022, 8, 1, 11, 6, 49, 568000000, time.UTC))
			want(t, o.Object.First().Content, "<p><span>meow</span></p>")
			want(t, o.Object.First().AttributedTo.ID(), o.Actor.ID())
		}},
		{"misskey/like-custom-emoji-reaction.json", func(t *testing.T, o *Object) {
			want(t, o.Content, ":hanapog:")
			e := o.Emojis()
			want(t, len(e), 1)
			want(t, e[0].Name, ":hanapog:")
			want(t, e[0].URL, "https://misskey.local.live/files/webpublic-8f8a9768-7264-4171-88d6-2356aabeadcd")
		}},
		{"misskey/question-no-endtime.json", func(t *testing.T, o *Object) {
			want(t, o.Type, "Question")
			opts := o.OneOf.Objects()
			want(t, []string{opts[0].Name, opts[1].Name}, []string{"Working", "Broken af"})
			want(t, opts[1].Replies.TotalItems(), Int(1))
			want(t, o.EndTime.IsZero(), true)
		}},
		{"pleroma/create-note.json", func(t *testing.T, o *Object) {
			n := o.Object.First()
			want(t, n.InReplyTo, "https://enterprise.lemmy.ml/post/55143")
			want(t, n.ThreadContext, "https://greenish.red/contexts/f6244742-0526-4b84-ac4f-ceadf1fb4e56")
			want(t, n.Mentions()[0].Href, "https://enterprise.lemmy.ml/u/picard")
			want(t, n.Published, time.Date(2021, 10, 26, 10, 28, 35, 602455000, time.UTC))
			want(t, o.AddressedToPublic(), true)
		}},
		{"pleroma/create-chatmessage-script-xss.json", func(t *testing.T, o *Object) {
			n := o.Object.First()
			want(t, n.Type, "ChatMessage")
			want(t, o.Context == nil, true)
			// Sanitising is the renderer's job; vocab keeps the content as sent.
			want(t, strings.Contains(n.Content, "<script>alert('XSS')</script>"), true)
			want(t, n.Emojis()[0].URL, "http://2hu.gensokyo/emoji/Firefox.gif")
		}},
		{"pleroma/person-emoji.json", func(t *testing.T, o *Object) {
			want(t, len(o.Emojis()), 3)
			want(t, o.Endpoints.SharedInbox, "https://queer.hacktivis.me/inbox")
			want(t, o.AlsoKnownAs, IRIs(nil))
		}},
		{"fedibird/note-quote-uri.json", func(t *testing.T, o *Object) {
			want(t, o.Quote, "https://fedibird.com/users/yamako/statuses/107699333438289729")
			_, lang := o.ContentOrMap("")
			want(t, lang, "ja")
		}},
		{"peertube/group-channel-attributedto-array.json", func(t *testing.T, o *Object) {
			want(t, o.AttributedTo.IDs(), []string{"https://tilvids.com/accounts/thelinuxexperiment"})
			want(t, o.Author(), "https://tilvids.com/accounts/thelinuxexperiment")
		}},
		{"kroeg/announce-inline-actor.json", func(t *testing.T, o *Object) {
			want(t, o.Actor.ID(), "https://puckipedia.com/")
			want(t, o.Actor.First().Updated, time.Date(2017, 12, 19, 16, 56, 29, 757670700, time.UTC))
			author := o.Object.First().AttributedTo.First()
			want(t, author.ManuallyApprovesFollowers, Bool(false))
			want(t, author.Endpoints.SharedInbox, "https://mastodon.social/inbox")
			want(t, o.Cc, IRIs{"http://mastodon.example.org/users/admin"})
		}},
		{"pixelfed/create-note-2.json", func(t *testing.T, o *Object) {
			want(t, o.Object.First().Mentions(), []Mention{{Href: "https://gram.social/users/Alice", Name: "@Alice@gram.social"}})
		}},
		{"prismo/create-article-url-map.json", func(t *testing.T, o *Object) {
			want(t, o.Actor.ID(), "https://prismo.news/@mxb")
			a := o.Object.First()
			want(t, a.URL.URL(), "https://prismo.news/posts/83")
			want(t, a.URL.First().MediaType, "text/html")
		}},
		{"funkwhale/create-audio.json", func(t *testing.T, o *Object) {
			a := o.Object.First()
			want(t, a.Type, "Audio")
			want(t, a.URL.First().MediaType, "audio/ogg")
			want(t, a.To, IRIs{Public})
			want(t, a.Hashtags()[0].Name, "#funkwhale")
		}},
		{"bridgy-fed/service-bsky-brid-gy.json", func(t *testing.T, o *Object) {
			want(t, o.Icon.URL(), "https://fed.brid.gy/static/bridgy_logo_square.jpg")
			want(t, o.URL.IDs(), []string{"https://bsky.brid.gy/", "https://fed.brid.gy/"})
			want(t, o.AlsoKnownAs, IRIs{"https://bsky.brid.gy/", "https://fed.brid.gy/"})
		}},
		{"bridgy-fed/person-web-actor.json", func(t *testing.T, o *Object) {
			// A key id that is not a URL, and no owner: kept as sent for the verifier to judge.
			want(t, o.PublicKey[0].ID, "jk.nipponalba.scot")
			want(t, o.PublicKey[0].Owner, "")
		}},
		{"lemmy/block-user.json", func(t *testing.T, o *Object) {
			want(t, o.EndTime, time.Date(2021, 11, 1, 12, 23, 50, 151874000, time.UTC))
			want(t, o.Audience.ID(), "http://enterprise.lemmy.ml/u/main")
			want(t, o.Summary, "spam post")
		}},
		{"lemmy/group-outbox.json", func(t *testing.T, o *Object) {
			items := o.OrderedItems.Objects()
			want(t, len(items) > 0 && items[0].Type == "Announce", true)
			want(t, items[0].Object.First().Object.First().Type, "Page")
		}},
		{"smithereen/question-non-anonymous.json", func(t *testing.T, o *Object) {
			want(t, o.VotersCount, Int(14))
			want(t, o.OneOf.Objects()[2].Replies.First().TotalItems, Int(6))
		}},
		{"friendica/delete-tombstone.json", func(t *testing.T, o *Object) {
			want(t, o.Object.First().Type, "Tombstone")
			want(t, o.AddressedToPublic(), true)
		}},
		{"bonfire/place-geojson-type-array.json", func(t *testing.T, o *Object) {
			want(t, o.Type, "Place")
			want(t, o.AddressedToPublic(), true) // "as:Public"
			want(t, o.NameMap["en"], "CERN - Meyrin site")
		}},
		{"wordpress/article-large-interactionpolicy.json", func(t *testing.T, o *Object) {
			want(t, o.Type, "Article")
			want(t, len(o.Attachment.Objects()), 4)
			want(t, o.Likes.First().TotalItems, Int(2))
			want(t, len(o.ContentMap["en"]) > 1000, true)
		}},
		{"vernissage/flag-escaped-slashes.json", func(t *testing.T, o *Object) {
			want(t, o.ID, "https://vernissage.example/actor#flags/2")
			want(t, o.Object.IDs()[2], "https://remote.example/posts/2")
		}},
		{"owncast/note-attachment.json", func(t *testing.T, o *Object) {
			want(t, o.Attachment.URL(), "https://owncast.localhost.localdomain/preview.gif?us=KjfNX387gm")
			want(t, o.AddressedToPublic(), true) // via audience
			want(t, len(o.Hashtags()), 3)
		}},
		{"hubzilla/create-image.json", func(t *testing.T, o *Object) {
			img := o.Object.First()
			want(t, len(img.URL), 5)
			want(t, img.URL.First().Width, 2200)
			want(t, o.Target.First().Type, "orderedCollection")
		}},
		{"mitra/create-note-eddsa-jcs-proof.json", func(t *testing.T, o *Object) {
			want(t, o.Object.First().Replies.ID(), "https://mitra.social/objects/019f57cf-693a-77f2-b006-c4c76338956a/replies")
			want(t, o.Object.First().Replies.TotalItems(), OptInt{}) // an IRI only
			want(t, o.Object.First().ContentMap["da"], "<p>Remote post 5</p>")
		}},
	}
	servers := map[string]bool{}
	for _, tt := range tests {
		servers[strings.Split(tt.file, "/")[0]] = true
		t.Run(tt.file, func(t *testing.T) {
			tt.check(t, parse(t, tt.file))
		})
	}
	for _, s := range []string{"mastodon", "gotosocial", "misskey", "pleroma"} {
		if !servers[s] {
			t.Errorf("no spot check for %s", s)
		}
	}
	if len(tests) < 15 || len(servers) < 6 {
		t.Errorf("%d spot checks over %d servers", len(tests), len(servers))
	}
}
