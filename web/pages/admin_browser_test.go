package pages_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// In Chromium an admin opens the administration from the navigation: the
// overview draws its five charts (and fits a phone); a report is resolved
// with a suspension in one step; a domain is blocked from its form.
func TestBrowserAdmin(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	bob, carol := in.CreateUser("bob"), in.CreateUser("carol")
	post := in.Post(carol, activitypub.PostParams{Text: "Cheap watches, click here!", Visibility: db.Public})
	if _, err := in.Engine().Favourite(ctx, bob.Account, post.ID); err != nil {
		t.Fatal(err)
	}
	rp := report(t, in, bob, carol.Account, post, "Spam, again and again")
	admin := staffUser(t, in, "ada", db.RoleAdmin)

	tab := kontortest.Tab(t, 90*time.Second)
	browserSignIn(t, tab, in, admin)
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`.rail a[href="/admin"]`)), chromedp.WaitVisible(chromedp.CSS(".admin-menu"))); err != nil {
		t.Fatalf("open the administration: %v", err)
	}
	waitFor(t, tab, "five charts with lines", `document.querySelectorAll("svg.chart polyline").length === 5`)
	if h := js[float64](t, tab, `document.querySelector("svg.chart").getBoundingClientRect().height`); h < 100 {
		t.Errorf("a chart is %v px high", h)
	}
	if n := js[string](t, tab, `document.getElementById("open-reports").textContent`); n != "1" {
		t.Errorf("open reports: %q", n)
	}
	shot(t, tab, "admin-overview")

	// Resolve the report with a suspension and a note, in one form.
	err := chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`.admin-menu a[href="/admin/reports"]`)),
		chromedp.WaitVisible(chromedp.CSS("#report-"+db.FormatID(rp.ID))),
		chromedp.SetValue(chromedp.CSS("#action-"+db.FormatID(rp.ID)), "suspend"),
		chromedp.SendKeys(chromedp.CSS("#text-"+db.FormatID(rp.ID)), "spam account"),
	)
	if err != nil {
		t.Fatalf("fill the report form: %v", err)
	}
	shot(t, tab, "admin-reports")
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS("#report-"+db.FormatID(rp.ID)+" form.resolve button")),
		chromedp.WaitVisible(chromedp.CSS("p.notice"))); err != nil {
		t.Fatal(err)
	}
	if n := js[string](t, tab, `document.querySelector("p.notice").textContent`); n != "Report resolved: @carol suspended." {
		t.Errorf("notice after resolving: %q", n)
	}
	if a, _ := in.DB.AccountByID(ctx, carol.Account.ID); !a.Suspended() {
		t.Error("carol is not suspended")
	}
	if r, _ := in.DB.ReportByID(ctx, rp.ID); r.ActionTakenAt == nil {
		t.Error("the report is still open")
	}

	// Block a domain.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`.admin-menu a[href="/admin/domain-blocks"]`)),
		chromedp.WaitVisible(chromedp.CSS("#add-domain-block")),
		chromedp.SendKeys(chromedp.CSS("#domain-0"), "spam.example"),
		chromedp.SetValue(chromedp.CSS("#severity-0"), "suspend"),
		chromedp.SendKeys(chromedp.CSS("#public-0"), "Spam factory"),
		chromedp.Click(chromedp.CSS(`#add-domain-block input[name=reject_media]`)),
		chromedp.Click(chromedp.CSS("#add-domain-block button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("section.admin-row")),
	)
	if err != nil {
		t.Fatalf("block a domain: %v", err)
	}
	if h := js[string](t, tab, `document.querySelector("section.admin-row h3").textContent`); !strings.Contains(h, "spam.example") || !strings.Contains(h, "suspend") {
		t.Errorf("the listed block: %q", h)
	}
	if b, err := in.DB.DomainBlockByDomain(ctx, "spam.example"); err != nil || b.Severity != "suspend" || !b.RejectMedia || b.PublicComment != "Spam factory" {
		t.Errorf("the block: %+v %v", b, err)
	}
	shot(t, tab, "admin-domain-blocks")

	// The account page after the suspension, and the audit log of it all.
	if err := chromedp.Do(tab, chromedp.Navigate(in.URL+"/admin/accounts/"+db.FormatID(carol.Account.ID)),
		chromedp.WaitVisible(chromedp.CSS(".admin-profile"))); err != nil {
		t.Fatal(err)
	}
	if n := js[int](t, tab, `document.querySelectorAll('.admin-actions form[action$="/unsuspend"]').length`); n != 1 {
		t.Errorf("%d unsuspend forms on the suspended account's page", n)
	}
	shot(t, tab, "admin-account")
	if err := chromedp.Do(tab, chromedp.Navigate(in.URL+"/admin/audit"), chromedp.WaitVisible(chromedp.CSS("table.audit"))); err != nil {
		t.Fatal(err)
	}
	if n := js[int](t, tab, `document.querySelectorAll("table.audit tbody tr").length`); n != 3 {
		t.Errorf("%d audit rows, want the suspension, the resolution and the domain block", n)
	}
	shot(t, tab, "admin-audit")

	// On a phone the overview fits the width.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile), chromedp.Navigate(in.URL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS(".admin-menu"))); err != nil {
		t.Fatal(err)
	}
	if w := js[int](t, tab, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the overview is %d px wide at 375 px", w)
	}
	if right := js[float64](t, tab, `(() => { const r = document.querySelector(".rail li.staff a").getBoundingClientRect(); return r.width > 0 ? r.right : -1 })()`); right < 0 || right > 375 {
		t.Errorf("the Administration link in the phone's bottom bar ends at %v px", right)
	}
	shot(t, tab, "admin-phone")
}
