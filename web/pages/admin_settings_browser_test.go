package pages_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// An admin adds a rule in a real browser; the page saves and /about lists it.
func TestBrowserAdminSettings(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{Configure: func(c *config.Config) { c.Rules = []string{"Be kind"} }})
	admin := staffUser(t, in, "boss", db.RoleAdmin)
	tab := kontortest.Tab(t, 60*time.Second)
	browserSignIn(t, tab, in, admin)
	err := chromedp.Do(tab,
		chromedp.Navigate(in.URL+"/admin/settings"),
		chromedp.WaitVisible(chromedp.CSS("#rule1t")),
		chromedp.SendKeys(chromedp.CSS("#rule1t"), "No spam"),
		chromedp.SendKeys(chromedp.CSS("#reason"), "spam wave"),
	)
	if err != nil {
		t.Fatal(err)
	}
	shot(t, tab, "admin-settings")
	if err := chromedp.Do(tab, chromedp.Submit(chromedp.CSS("#reason")), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatal(err)
	}
	shot(t, tab, "admin-settings-saved")
	if err := chromedp.Do(tab, chromedp.Navigate(in.URL+"/auth/sign_up"), chromedp.WaitVisible(chromedp.CSS("#rules-title"))); err != nil {
		t.Fatal(err)
	}
	shot(t, tab, "sign-up-rules")
	_, body := in.Get("/about", htmlAccept)
	if !strings.Contains(string(body), `<li id="rule-1">Be kind</li><li id="rule-2">No spam</li>`) {
		t.Errorf("/about after the browser's save:\n%s", body)
	}
}
