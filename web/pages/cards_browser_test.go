package pages_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/kontortest"
)

// Jane links a story from the workspace: her post appears at once, and
// its preview card (title, description, image, domain) is drawn into it
// when it arrives, without a reload.
func TestBrowserCardArrivesLive(t *testing.T) {
	site := kontortest.NewFakeServer(t)
	var img bytes.Buffer
	m := image.NewRGBA(image.Rect(0, 0, 240, 160))
	for x := range 240 {
		for y := range 160 {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), 160, 255})
		}
	}
	png.Encode(&img, m)
	site.Handle("/cover.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(img.Bytes())
	})
	site.Handle("/story", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Second) // the post is on the page before its card is ready
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<html><head><meta property="og:title" content="The new harbour opens to ships and people">
			<meta property="og:description" content="After three years of building, the harbour welcomed its first ships this morning; the quay is open to walkers.">
			<meta property="og:image" content="/cover.png"></head></html>`))
	})
	in := kontortest.Start(t, kontortest.Options{Engine: func(o *activitypub.Options) {
		o.DialHosts = map[string]string{"www.news.example.com": "127.0.0.1"}
	}})
	jane := in.CreateUser("jane")
	_, port, _ := net.SplitHostPort(site.Host)
	tab := kontortest.Tab(t, 60*time.Second)
	browserSignIn(t, tab, in, jane)
	waitFor(t, tab, "the stream", `document.body.dataset.live === "true"`)
	js[bool](t, tab, "window.sameDocument = true")
	err := chromedp.Do(tab,
		chromedp.SendKeys(chromedp.CSS("#status"), "Big day for the city: http://www.news.example.com:"+port+"/story"),
		chromedp.Click(chromedp.CSS("#compose button[type=submit]")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, "the post", `document.querySelector("#posts .post .content") && document.querySelector("#posts .post .content").textContent.includes("Big day")`)
	waitFor(t, tab, "the card", `document.querySelector("#posts .post .card .card-title") !== null`)
	if !js[bool](t, tab, "window.sameDocument === true") {
		t.Fatal("the card came with a reload")
	}
	if got := js[string](t, tab, `document.querySelector("#posts .post .card-domain").textContent`); got != "news.example.com" {
		t.Errorf("domain = %q", got)
	}
	waitFor(t, tab, "the card image", `document.querySelector("#posts .post .card img") && document.querySelector("#posts .post .card img").naturalWidth > 0`)
	if h := js[float64](t, tab, `document.querySelector("#posts .post .card").getBoundingClientRect().height`); h < 60 || h > 200 {
		t.Errorf("card height %.0fpx", h)
	}
	shot(t, tab, "card-live")
}
