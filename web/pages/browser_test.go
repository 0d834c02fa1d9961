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
