package pages_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	kontortest.StopChromium()
	os.Exit(code)
}

// shots is where the browser tests leave their screenshots for people.
const shots = "/tmp/workspace"

func shot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	kontortest.Screenshot(t, tab, filepath.Join(shots, name+".png"))
}

// browserSignIn signs u in on the real sign-in page in tab; the workspace
// (/) is open afterwards.
func browserSignIn(t *testing.T, tab context.Context, in *kontortest.Instance, u *kontortest.User) {
	t.Helper()
	err := chromedp.Do(tab,
		chromedp.Navigate(in.URL+"/auth/sign_in"),
		chromedp.SendKeys(chromedp.CSS("#login"), u.Account.Username),
		chromedp.SendKeys(chromedp.CSS("#password"), u.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#compose")),
	)
	if err != nil {
		t.Fatalf("sign in as %s: %v", u.Account.Username, err)
	}
}

// js evaluates an expression in the tab.
func js[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitFor waits until a JavaScript condition holds in the tab.
func waitFor(t *testing.T, tab context.Context, what, cond string) {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, cond, err)
	}
}

// Sign in, compose, and the post appears without a reload; a mention from
// another account then arrives live behind the "new posts" bar and in the
// unread count.
func TestBrowserComposeAndLive(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane, bob := in.CreateUser("jane"), in.CreateUser("bob")
	if _, err := in.Engine().Follow(context.Background(), jane.Account, bob.Account, activitypub.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	tab := kontortest.Tab(t, 60*time.Second)
	browserSignIn(t, tab, in, jane)
	js[bool](t, tab, "window.sameDocument = true")
	err := chromedp.Do(tab,
		chromedp.SendKeys(chromedp.CSS("#status"), "Good morning from the workspace <script>alert(1)</script>"),
		chromedp.Click(chromedp.CSS("#compose button[type=submit]")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, "the post", `document.querySelector("#posts .post .content") && document.querySelector("#posts .post .content").textContent.includes("Good morning")`)
	if !js[bool](t, tab, "window.sameDocument === true") {
		t.Fatal("posting reloaded the page")
	}
	if got := js[string](t, tab, `document.querySelector("#posts .post .content").innerHTML`); strings.Contains(got, "<script>") {
		t.Fatalf("markup of a post was not escaped: %s", got)
	}
	waitFor(t, tab, "the stream", `document.body.dataset.live === "true"`)
	in.Do("POST", "/api/v1/statuses", []byte("status=@jane+the+report+is+ready&visibility=public"),
		"Authorization: Bearer "+bob.Token, "Content-Type: application/x-www-form-urlencoded")
	waitFor(t, tab, "the unread count", `document.getElementById("unread-count").textContent === "1" && document.title.startsWith("(1) ")`)
	waitFor(t, tab, "the new-posts bar", `!document.getElementById("new-posts").hidden && document.getElementById("new-posts").textContent === "1 new post"`)
	if n := js[int](t, tab, `document.querySelectorAll("#posts .post").length`); n != 1 {
		t.Fatalf("a live post moved the page before the reader asked: %d posts", n)
	}
	shot(t, tab, "home-live")
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#new-posts"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, "bob's post on top", `document.querySelector("#posts .post .content").textContent.includes("the report is ready")`)
}

// Posting as a brand that requires approval shows "waiting for approval"
// with the draft's link; the notifications page takes a live
// notification; conversations list direct messages.
func TestBrowserBrandNotificationsConversations(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	eddie, bob := in.CreateUser("eddie"), in.CreateUser("bob")
	withBrand(t, in, eddie, db.BrandEditor, true)
	post(t, in, bob, "@eddie lunch at noon?", db.Direct)
	tab := kontortest.Tab(t, 60*time.Second)
	browserSignIn(t, tab, in, eddie)
	err := chromedp.Do(tab,
		chromedp.SetValue(chromedp.CSS("#as"), "acme"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("as").dispatchEvent(new Event("change"))`),
		chromedp.SendKeys(chromedp.CSS("#status"), "Spring collection is here"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !js[bool](t, tab, `document.getElementById("as-box").classList.contains("brand")`) {
		t.Error("posting as the brand is not marked")
	}
	shot(t, tab, "compose-as-brand")
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#compose button[type=submit]"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, "the approval notice", `[...document.querySelectorAll(".notice")].some(n => n.textContent.includes("Waiting for approval") && n.querySelector("a[href^='/settings/brands/acme/drafts/']"))`)
	shot(t, tab, "brand-waiting")

	if err := chromedp.Do(tab, chromedp.Navigate(in.URL+"/conversations"), chromedp.WaitVisible(chromedp.CSS(".conversation"))); err != nil {
		t.Fatal(err)
	}
	if got := js[string](t, tab, `document.querySelector(".conversation").textContent`); !strings.Contains(got, "lunch at noon?") {
		t.Errorf("conversation: %q", got)
	}
	waitFor(t, tab, "the streams", `document.body.dataset.live === "true"`)
	before := js[string](t, tab, `document.getElementById("unread-count").textContent`)
	in.Do("POST", "/api/v1/statuses", []byte("status=@eddie+one+more+thing&visibility=direct"),
		"Authorization: Bearer "+bob.Token, "Content-Type: application/x-www-form-urlencoded")
	waitFor(t, tab, "the new direct message", `!document.getElementById("new-posts").hidden`)
	waitFor(t, tab, "the unread count on a page of another stream", `document.getElementById("unread-count").textContent !== "`+before+`"`)
	shot(t, tab, "conversations")

	if err := chromedp.Do(tab, chromedp.Navigate(in.URL+"/notifications"), chromedp.WaitVisible(chromedp.CSS("#notifications"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, "the stream", `document.body.dataset.live === "true"`)
	in.Do("POST", "/api/v1/statuses", []byte("status=@eddie+are+the+slides+done%3F"),
		"Authorization: Bearer "+bob.Token, "Content-Type: application/x-www-form-urlencoded")
	waitFor(t, tab, "the live notification", `document.querySelector("#notifications .notification").textContent.includes("are the slides done?")`)
	shot(t, tab, "notifications")
}

// j/k move through posts, n opens the compose box; at 375 px the
// navigation is a bottom bar and nothing scrolls sideways.
func TestBrowserKeyboardAndPhone(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	jane := in.CreateUser("jane")
	for _, text := range []string{"first post", "second post", "a rather long third post with a link https://example.com/a/very/long/path/that/should/wrap/on/a/phone/screen"} {
		post(t, in, jane, text, db.Public)
	}
	tab := kontortest.Tab(t, 60*time.Second)
	browserSignIn(t, tab, in, jane)
	currentIs := func(want int) {
		t.Helper()
		if got := js[int](t, tab, `[...document.querySelectorAll("#posts .post")].findIndex(p => p.classList.contains("current"))`); got != want {
			t.Fatalf("current post %d, want %d", got, want)
		}
	}
	if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("j")); err != nil {
		t.Fatal(err)
	}
	currentIs(0)
	if err := chromedp.Do(tab, chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k")); err != nil {
		t.Fatal(err)
	}
	currentIs(1)
	if err := chromedp.Do(tab, chromedp.KeyEvent("n")); err != nil {
		t.Fatal(err)
	}
	if !js[bool](t, tab, `document.activeElement.id === "status" && document.getElementById("compose").classList.contains("open")`) {
		t.Fatal("n did not open the compose box")
	}
	if got := js[string](t, tab, `document.getElementById("status").value`); got != "" {
		t.Fatalf("the shortcut typed into the box: %q", got)
	}
	shot(t, tab, "home-desktop")

	// A favourite answers at once and is stored.
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`#posts .post form[data-toggle="favourite"] button`))); err != nil {
		t.Fatal(err)
	}
	if got := js[string](t, tab, `document.querySelector('#posts .post form[data-toggle="favourite"] button').getAttribute("aria-pressed")`); got != "true" {
		t.Fatalf("favourite button: aria-pressed %s", got)
	}
	kontortest.Eventually(t, 10*time.Second, "the favourite stored", func() bool {
		list, _, _ := in.DB.FavouritedStatuses(context.Background(), jane.Account.ID, db.Page{Limit: 5})
		return len(list) == 1
	})

	if err := chromedp.Do(tab, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#compose"))); err != nil {
		t.Fatal(err)
	}
	if w := js[int](t, tab, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the page is %d px wide at 375 px", w)
	}
	if top := js[float64](t, tab, `document.querySelector(".rail").getBoundingClientRect().top`); top < 700 {
		t.Errorf("the navigation is not a bottom bar at 375 px (top %v)", top)
	}
	if !js[bool](t, tab, `getComputedStyle(document.querySelector(".topbar")).display !== "none"`) {
		t.Error("no sign-out at 375 px")
	}
	shot(t, tab, "home-phone")
}
