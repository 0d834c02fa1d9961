package api_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/cards"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/entity"
)

// cardSite is a fake web site with pages for link previews, counting the
// fetches of each path.
type cardSite struct {
	fs   *kontortest.FakeServer
	hits map[string]*atomic.Int64
}

func newCardSite(t *testing.T) *cardSite {
	site := &cardSite{fs: kontortest.NewFakeServer(t), hits: map[string]*atomic.Int64{}}
	var img bytes.Buffer
	m := image.NewRGBA(image.Rect(0, 0, 60, 40))
	for x := range 60 {
		for y := range 40 {
			m.Set(x, y, color.RGBA{uint8(4 * x), uint8(6 * y), 200, 255})
		}
	}
	if err := png.Encode(&img, m); err != nil {
		t.Fatal(err)
	}
	site.page("/img/cover.png", "image/png", img.String())
	site.page("/story", "text/html; charset=utf-8", `<!doctype html><html lang="en"><head><title>ignored</title>
		<meta property="og:title" content="Harbour opens">
		<meta property="og:description" content="The new harbour opened today.">
		<meta property="og:image" content="/img/cover.png">
		<meta property="og:site_name" content="Port News">
		<meta name="author" content="Jane Reporter">
		<link rel="alternate" type="application/json+oembed" href="/oembed.json">
		</head><body><p>The story.</p></body></html>`)
	// An oEmbed endpoint that is no allowed provider: its player is not embedded.
	site.page("/oembed.json", "application/json", `{"type":"video","version":"1.0","title":"Harbour opens (video)","provider_name":"Port News","html":"<iframe src=\"https://evil.example/player\" width=\"400\" height=\"300\"></iframe>","width":400,"height":300}`)
	site.page("/remote-story", "text/html", `<html><head><meta property="og:title" content="Remote story"></head></html>`)
	site.page("/big", "text/html", "<html><head><meta property=\"og:title\" content=\"Too big\"></head><body>"+strings.Repeat("x", 2<<20)+"</body></html>")
	site.hits["/slow"] = new(atomic.Int64)
	site.fs.Handle("/slow", func(w http.ResponseWriter, r *http.Request) {
		site.hits["/slow"].Add(1)
		select { // answers after the card fetch gave up
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><meta property="og:title" content="Too slow"></head></html>`))
	})
	return site
}

func (s *cardSite) page(path, contentType, body string) {
	n := new(atomic.Int64)
	s.hits[path] = n
	s.fs.Handle(path, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", contentType)
		w.Write([]byte(body))
	})
}

// cardOf reads a status through the API as token's owner and returns its card.
func cardOf(t *testing.T, w *miscWorld, token string, id int64) *entity.PreviewCard {
	t.Helper()
	var st struct {
		Card *entity.PreviewCard `json:"card"`
	}
	w.call("GET", "/api/v1/statuses/"+db.FormatID(id), token, nil, http.StatusOK, &st)
	return st.Card
}

// waitCard polls the API until the status shows a card.
func waitCard(t *testing.T, w *miscWorld, token string, id int64) *entity.PreviewCard {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c := cardOf(t, w, token, id); c != nil {
			return c
		}
	}
	t.Fatalf("no card on %d after 10s", id)
	return nil
}

// waitGivenUp waits until the card fetch of a status failed for good, or
// failed once and waits for a retry.
func waitGivenUp(t *testing.T, w *miscWorld, id int64) {
	t.Helper()
	kontortest.Eventually(t, 10*time.Second, "the card fetch of "+db.FormatID(id)+" to fail", func() bool {
		sc, err := w.in.DB.StatusCardOf(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return sc.State == db.CardFailed || (sc.Attempts >= 1 && sc.ClaimedUntil == nil)
	})
}

// Alice links a news story: a card with the page's OpenGraph data and a copy
// of its image appears on her post within seconds; Bob linking the same
// story reuses the card (one fetch); the link trends; a remote post gets a
// card too; pages too big, too slow or on private addresses give none.
func TestPreviewCards(t *testing.T) {
	site := newCardSite(t)
	w := &miscWorld{t: t, in: kontortest.Start(t, kontortest.Options{Engine: func(o *activitypub.Options) {
		o.CardTimeout = time.Second
		o.DialHosts = map[string]string{"news.example.com": "127.0.0.1", "video.example.com": "127.0.0.1", "private.example.com": "10.255.255.1"}
		// The fake site's video host stands in for YouTube and Vimeo.
		o.CardProviders = cards.Providers{"video.example.com": {"player.example.com"}}
	}})}
	alice, bob, carol := w.in.CreateUser("alice"), w.in.CreateUser("bob"), w.in.CreateUser("carol")
	// The formatter links host names, not IP addresses: the site is news.example.com.
	_, port, _ := net.SplitHostPort(site.fs.Host)
	siteURL := "http://news.example.com:" + port
	story := siteURL + "/story"

	s1 := w.post(alice, "Big news: "+story+" #harbour", db.Public)
	card := waitCard(t, w, alice.Token, s1.ID)
	if card.URL != story || card.Title != "Harbour opens (video)" || card.Description != "The new harbour opened today." ||
		card.ProviderName != "Port News" || card.AuthorName != "Jane Reporter" || card.Language == nil || *card.Language != "en" {
		t.Errorf("card = %+v", card)
	}
	if card.Type != "link" || card.HTML != "" || card.EmbedURL != "" {
		t.Errorf("a player from a provider that is not allowed: type %q html %q embed_url %q", card.Type, card.HTML, card.EmbedURL)
	}
	if len(card.Authors) != 1 || card.Authors[0].Name != "Jane Reporter" {
		t.Errorf("authors = %+v", card.Authors)
	}
	if card.Image == nil || !strings.HasPrefix(*card.Image, w.in.URL+"/media/") || card.Blurhash == nil || card.Width != 60 || card.Height != 40 {
		t.Fatalf("image not copied: image %v blurhash %v %dx%d", card.Image, card.Blurhash, card.Width, card.Height)
	}
	if resp, data := w.in.Get(*card.Image); resp.StatusCode != 200 || !bytes.HasPrefix(data, []byte("\x89PNG")) && !bytes.HasPrefix(data, []byte("\xff\xd8")) {
		t.Errorf("card image: %d, %d bytes", resp.StatusCode, len(data))
	}

	t.Run("card endpoint", func(t *testing.T) {
		w := &miscWorld{t: t, in: w.in}
		var c entity.PreviewCard
		w.call("GET", "/api/v1/statuses/"+db.FormatID(s1.ID)+"/card", "", nil, http.StatusOK, &c)
		if c.URL != story || c.Title != card.Title {
			t.Errorf("card = %+v", c)
		}
		plain := w.post(alice, "no link here", db.Public)
		if _, data := w.do("GET", "/api/v1/statuses/"+db.FormatID(plain.ID)+"/card", "", nil); string(data) != "{}" {
			t.Errorf("card of a post without a link: %s", data)
		}
		private := w.post(alice, "for followers: "+story, db.Private)
		waitCard(t, w, alice.Token, private.ID)
		if resp, _ := w.do("GET", "/api/v1/statuses/"+db.FormatID(private.ID)+"/card", carol.Token, nil); resp.StatusCode != 404 {
			t.Errorf("card of a followers-only post for a stranger: %d", resp.StatusCode)
		}
	})

	t.Run("one fetch per URL", func(t *testing.T) {
		w := &miscWorld{t: t, in: w.in}
		before := site.hits["/story"].Load()
		s2 := w.post(bob, "Also: "+story, db.Public)
		if c := waitCard(t, w, bob.Token, s2.ID); c.Title != card.Title || c.Image == nil || *c.Image != *card.Image {
			t.Errorf("second card = %+v", c)
		}
		if n := site.hits["/story"].Load(); n != 1 || before != 1 {
			t.Errorf("the story page was fetched %d times (%d before the second post), want once", n, before)
		}
	})

	t.Run("trends", func(t *testing.T) {
		w := &miscWorld{t: t, in: w.in}
		var links []entity.TrendsLink
		w.call("GET", "/api/v1/trends/links", "", nil, http.StatusOK, &links)
		if len(links) != 1 || links[0].URL != story || links[0].Title != card.Title {
			t.Fatalf("trending links = %+v", links)
		}
		h := links[0].History
		if len(h) != 7 || h[0].Accounts != "2" || h[0].Uses != "2" { // the followers-only post does not count
			t.Errorf("history = %+v", h)
		}
	})

	t.Run("a day old card is fetched again", func(t *testing.T) {
		w := &miscWorld{t: t, in: w.in}
		stExec(t, w.in, "UPDATE preview_cards SET fetched_at = ? WHERE url = ?", time.Now().UTC().Add(-25*time.Hour), story)
		site.hits["/story"].Store(0)
		s := w.post(carol, "Old news? "+story, db.Public)
		if c := waitCard(t, w, carol.Token, s.ID); c.Title != card.Title {
			t.Errorf("card = %+v", c)
		}
		if n := site.hits["/story"].Load(); n != 1 {
			t.Errorf("the story page was fetched %d times, want once more", n)
		}
		// The card was refreshed in place: the earlier posts show it still.
		if c := cardOf(t, w, alice.Token, s1.ID); c == nil || c.URL != story {
			t.Errorf("alice's card after the refresh = %+v", c)
		}
	})

	t.Run("remote post", func(t *testing.T) {
		w := &miscWorld{t: t, in: w.in}
		remote := site.fs.Actor("dave")
		link := site.fs.URL + "/remote-story"
		note := remote.Note("1", `<p>Read <a href="`+link+`" rel="nofollow">this</a></p>`,
			map[string]any{"to": []any{"https://www.w3.org/ns/activitystreams#Public", alice.Account.URI}})
		if code, body := remote.SignedPost(w.in.URL+"/inbox", remote.Activity("Create", "create-1", note, nil)); code != http.StatusAccepted {
			t.Fatalf("inbox: %d %s", code, body)
		}
		s := w.in.WaitStatus(note["id"].(string))
		if c := waitCard(t, w, alice.Token, s.ID); c.URL != link || c.Title != "Remote story" || c.Image != nil {
			t.Errorf("remote card = %+v", c)
		}
	})

	t.Run("refused pages", func(t *testing.T) {
		w := &miscWorld{t: t, in: w.in}
		for _, link := range []string{siteURL + "/big", siteURL + "/slow", "http://private.example.com/x"} {
			s := w.post(alice, "see "+link, db.Public)
			waitGivenUp(t, w, s.ID)
			if c := cardOf(t, w, alice.Token, s.ID); c != nil {
				t.Errorf("%s: card %+v", link, c)
			}
		}
		if site.hits["/slow"].Load() == 0 {
			t.Errorf("the slow page was never asked for")
		}
	})

	t.Run("allowed player", func(t *testing.T) {
		w := &miscWorld{t: t, in: w.in}
		video := "http://video.example.com:" + port
		site.page("/watch", "text/html", `<html><head><meta property="og:title" content="Launch film">
			<link rel="alternate" type="application/json+oembed" href="`+video+`/oembed?url=watch"></head></html>`)
		site.page("/oembed", "application/json", `{"type":"video","title":"Launch film","provider_name":"Video","width":640,"height":360,
			"html":"<iframe src=\"https://player.example.com/embed/7?autoplay=1\" onload=\"alert(1)\" width=\"640\" height=\"360\"></iframe>"}`)
		s := w.post(carol, "watch "+video+"/watch", db.Public)
		c := waitCard(t, w, carol.Token, s.ID)
		want := `<iframe src="https://player.example.com/embed/7?autoplay=1" width="640" height="360" frameborder="0" allowfullscreen="true" sandbox=`
		if c.Type != "video" || c.EmbedURL != "https://player.example.com/embed/7?autoplay=1" || !strings.HasPrefix(c.HTML, want) || strings.Contains(c.HTML, "onload") {
			t.Errorf("card = %+v", c)
		}
	})

	t.Run("edits", func(t *testing.T) {
		w := &miscWorld{t: t, in: w.in}
		s := w.post(carol, "first "+siteURL+"/remote-story", db.Public)
		if c := waitCard(t, w, carol.Token, s.ID); c.Title != "Remote story" {
			t.Fatalf("card before the edit = %+v", c)
		}
		path := "/api/v1/statuses/" + db.FormatID(s.ID)
		w.call("PUT", path, carol.Token, map[string]any{"status": "now " + story}, http.StatusOK, nil)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if c := cardOf(t, w, carol.Token, s.ID); c != nil && c.URL == story {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the edited link's card did not replace the old one")
			}
		}
		w.call("PUT", path, carol.Token, map[string]any{"status": "no link any more"}, http.StatusOK, nil)
		if c := cardOf(t, w, carol.Token, s.ID); c != nil {
			t.Errorf("card after the link was edited out: %+v", c)
		}
	})

	t.Run("no card with attachments or for mentions", func(t *testing.T) {
		w := &miscWorld{t: t, in: w.in}
		s := w.post(alice, "@bob hello #harbour", db.Public)
		if _, err := w.in.DB.StatusCardOf(context.Background(), s.ID); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a post with only a mention and a hashtag queued a card: %v", err)
		}
		var poll struct {
			ID string `json:"id"`
		}
		w.call("POST", "/api/v1/statuses", alice.Token, map[string]any{"status": "vote " + story,
			"poll": map[string]any{"options": []string{"a", "b"}, "expires_in": 600}}, http.StatusOK, &poll)
		id, _ := db.ParseID(poll.ID)
		if _, err := w.in.DB.StatusCardOf(context.Background(), id); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("a post with a poll queued a card: %v", err)
		}
	})
}

// A card fetch under way when the server stops is taken up again by the
// next start: the queue is a table, not memory.
func TestCardFetchSurvivesRestart(t *testing.T) {
	site := kontortest.NewFakeServer(t)
	var calls atomic.Int64
	site.Handle("/story", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			<-r.Context().Done() // the first fetch hangs until the server stops
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><meta property="og:title" content="After the restart"></head></html>`))
	})
	tune := func(o *activitypub.Options) { o.DialHosts = map[string]string{"news.example.com": "127.0.0.1"} }
	in := kontortest.Start(t, kontortest.Options{Engine: tune})
	alice := in.CreateUser("alice")
	_, port, _ := net.SplitHostPort(site.Host)
	s := in.Post(alice, activitypub.PostParams{Text: "see http://news.example.com:" + port + "/story", Visibility: db.Public})
	kontortest.Eventually(t, 10*time.Second, "the first fetch", func() bool { return calls.Load() == 1 })
	in.Stop()
	again := kontortest.Restart(t, strings.TrimPrefix(in.URL, "http://"), kontortest.Options{DatabaseURL: in.Config.Database, Engine: tune})
	w := &miscWorld{t: t, in: again}
	if c := waitCard(t, w, alice.Token, s.ID); c.Title != "After the restart" {
		t.Errorf("card = %+v", c)
	}
}
