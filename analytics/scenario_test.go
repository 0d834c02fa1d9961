package analytics_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/analytics"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

var ctx = context.Background()

// apiTime is the API's time format.
func apiTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// getJSON calls the API with a token ("" for none) and decodes the answer.
func getJSON(t *testing.T, in *kontortest.Instance, token, path string, want int) map[string]any {
	t.Helper()
	var headers []string
	if token != "" {
		headers = append(headers, "Authorization: Bearer "+token)
	}
	resp, body := in.Get(path, headers...)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, body, want)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return out
}

// session signs u in (a row of the sign-in page's sessions) and returns the
// Cookie header of the browser.
func session(t *testing.T, in *kontortest.Instance, u *kontortest.User) string {
	t.Helper()
	plain, _, err := in.DB.CreateSession(ctx, u.User.ID, time.Hour, db.SessionClient{})
	if err != nil {
		t.Fatal(err)
	}
	return "Cookie: kontor_session=" + plain
}

// jsonEqual compares a decoded answer with what is expected, written as Go values.
func jsonEqual(t *testing.T, what string, got map[string]any, want any) {
	t.Helper()
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]any
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.MarshalIndent(got, "", "  ")
		e, _ := json.MarshalIndent(w, "", "  ")
		t.Errorf("%s:\n got %s\nwant %s", what, g, e)
	}
}

type obj = map[string]any

func deliveries(remote, failed, pending, local int) obj {
	return obj{"remote_inboxes": remote, "failed": failed, "pending": pending, "local_followers": local, "reached": remote + local}
}

func postJSON(s *db.Status, excerpt string, fav, boosts, replies int, d obj) obj {
	return obj{"id": db.FormatID(s.ID), "uri": s.URI, "url": s.URL, "created_at": apiTime(s.CreatedAt), "visibility": s.Visibility.String(),
		"in_reply_to_id": nil, "excerpt": excerpt, "favourites": fav, "boosts": boosts, "replies": replies,
		"engagement": fav + boosts + replies, "deliveries": d}
}

// readCSV fetches an export and parses it.
func readCSV(t *testing.T, in *kontortest.Instance, cookie, path string) [][]string {
	t.Helper()
	resp, body := in.Get(path, cookie)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
		t.Errorf("GET %s: Content-Disposition %q", path, cd)
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return rows
}

// Alice on A has three followers on B and posts twice. B's users favourite
// her first post twice, boost it once and reply once, all through the
// federation. Her analytics (JSON, page, CSV) then say exactly that, the
// daily job writes today's row, and nobody else gets to see them.
func TestAnalyticsScenario(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	b := kontortest.Start(t, kontortest.Options{})
	alice, mallory := a.CreateUser("alice"), a.CreateUser("mallory")
	bea, ben, bob := b.CreateUser("bea"), b.CreateUser("ben"), b.CreateUser("bob")
	for _, u := range []*kontortest.User{bea, ben, bob} {
		b.Follow(u, a, alice)
	}
	p1 := a.Post(alice, activitypub.PostParams{Text: "Our first post: hello, fediverse!", Visibility: db.Public})
	p2 := a.Post(alice, activitypub.PostParams{Text: "A second post", Visibility: db.Public})
	p1OnB := b.WaitStatus(p1.URI)
	b.WaitStatus(p2.URI)
	for _, u := range []*kontortest.User{bea, ben} {
		if _, err := b.Engine().Favourite(ctx, u.Account, p1OnB.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Engine().Reblog(ctx, bob.Account, p1OnB.ID, db.Public); err != nil {
		t.Fatal(err)
	}
	b.Post(bea, activitypub.PostParams{Text: "Congratulations!", Visibility: db.Public, InReplyToID: &p1OnB.ID})
	kontortest.Eventually(t, kontortest.Wait, "B's favourites, boost and reply to reach A", func() bool {
		p, err := a.DB.AnalyticsPost(ctx, p1.ID)
		return err == nil && p.Favourites == 2 && p.Boosts == 1 && p.Replies == 1
	})
	a.DeliveriesDone()

	now := time.Now().UTC()
	today := now.Format("2006-01-02")
	if err := analytics.NewJob(a.DB, nil).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	days, err := a.DB.AccountDays(ctx, alice.Account.ID, today, today)
	if err != nil || len(days) != 1 || days[0].FollowersCount != 3 || days[0].FollowingCount != 0 || days[0].StatusesCount != 2 {
		t.Fatalf("today's row after the job: %+v %v", days, err)
	}

	// The JSON API, exactly.
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	aliceID := db.FormatID(alice.Account.ID)
	got := getJSON(t, a, alice.Token, "/api/v1/kontor/analytics/accounts/"+aliceID, http.StatusOK)
	jsonEqual(t, "alice's analytics", got, obj{
		"account_id": aliceID, "acct": "alice",
		"since": apiTime(midnight.AddDate(0, 0, -29)), "until": apiTime(midnight.AddDate(0, 0, 1)),
		"followers_count": 3, "following_count": 0, "statuses_count": 2,
		"followers": []obj{{"day": today, "followers_count": 3, "following_count": 0, "statuses_count": 2}},
		"totals": obj{"posts": 2, "favourites": 2, "boosts": 1, "replies": 1, "engagement": 4,
			"deliveries": deliveries(2, 0, 0, 0)},
		"top_posts": []obj{
			postJSON(p1, "Our first post: hello, fediverse!", 2, 1, 1, deliveries(1, 0, 0, 0)),
			postJSON(p2, "A second post", 0, 0, 0, deliveries(1, 0, 0, 0)),
		},
		"reach": []obj{{"host": b.Host, "delivered": 2, "failed": 0, "activities": 2}},
	})

	st := getJSON(t, a, alice.Token, "/api/v1/kontor/analytics/statuses/"+db.FormatID(p1.ID), http.StatusOK)
	series, _ := st["series"].([]any)
	if len(series) != 1 {
		t.Fatalf("series of p1: %v", st["series"])
	}
	point := series[0].(map[string]any)
	if sampled, err := time.Parse(time.RFC3339, point["sampled_at"].(string)); err != nil || sampled.Before(now.Add(-time.Minute)) {
		t.Errorf("sampled_at %v", point["sampled_at"])
	}
	point["sampled_at"] = "checked"
	want := postJSON(p1, "Our first post: hello, fediverse!", 2, 1, 1, deliveries(1, 0, 0, 0))
	want["account_id"] = aliceID
	want["since"] = apiTime(p1.CreatedAt.Truncate(time.Hour))
	want["until"] = apiTime(midnight.AddDate(0, 0, 1))
	want["series"] = []obj{{"bucket": apiTime(now.Truncate(time.Hour)), "sampled_at": "checked",
		"favourites": 2, "boosts": 1, "replies": 1, "engagement": 4, "deliveries": obj{"remote_inboxes": 1, "failed": 0, "pending": 0, "local_followers": 0, "reached": 1}}}
	want["reach"] = []obj{{"host": b.Host, "delivered": 1, "failed": 0, "activities": 1}}
	jsonEqual(t, "p1's analytics", st, want)

	// An hour later the job adds the next point; the period chooses the points.
	later := &analytics.Job{DB: a.DB, Log: kontortest.Logger(t), Now: func() time.Time { return now.Add(time.Hour) }}
	if err := later.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/kontor/analytics/statuses/" + db.FormatID(p1.ID) + "?until=" + now.Add(48*time.Hour).Format("2006-01-02")
	if n := len(getJSON(t, a, alice.Token, path, http.StatusOK)["series"].([]any)); n != 2 {
		t.Errorf("series after the next hour: %d points", n)
	}
	path += "&since=" + url.QueryEscape(apiTime(now.Truncate(time.Hour).Add(time.Hour)))
	if n := len(getJSON(t, a, alice.Token, path, http.StatusOK)["series"].([]any)); n != 1 {
		t.Errorf("series since the next hour: %d points", n)
	}

	// Nobody else: a stranger's token, no token, a token without read.
	for _, p := range []string{"/api/v1/kontor/analytics/accounts/" + aliceID, "/api/v1/kontor/analytics/statuses/" + db.FormatID(p1.ID)} {
		if e := getJSON(t, a, mallory.Token, p, http.StatusForbidden); e["error"] == "" {
			t.Errorf("%s for a stranger: %v", p, e)
		}
		getJSON(t, a, "", p, http.StatusUnauthorized)
		tok, err := a.DB.CreateToken(ctx, db.NewToken{UserID: &alice.User.ID, AccountID: &alice.Account.ID, Scopes: []string{"write", "follow"}})
		if err != nil {
			t.Fatal(err)
		}
		getJSON(t, a, tok.AccessToken, p, http.StatusForbidden)
		narrow, err := a.DB.CreateToken(ctx, db.NewToken{UserID: &alice.User.ID, AccountID: &alice.Account.ID, Scopes: []string{"read:statuses"}})
		if err != nil {
			t.Fatal(err)
		}
		getJSON(t, a, narrow.AccessToken, p, http.StatusOK)
	}

	// The page: the owner sees charts and numbers; a stranger is refused,
	// a visitor is sent to sign in.
	page := "/@alice/analytics"
	resp, body := a.Get(page, session(t, a, alice))
	html := string(body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page for alice: %d %s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, s := range []string{
		"<svg", "<polyline", "<title>" + today + ": 3 followers</title>", "<title>2 favourites</title>", "<title>1 boost</title>", "<title>1 reply</title>",
		"<dt>Followers</dt><dd>3</dd>", "<dt>Posts</dt><dd>2</dd>", "<dt>Favourites</dt><dd>2</dd>", "<dt>Boosts</dt><dd>1</dd>", "<dt>Replies</dt><dd>1</dd>", "<dt>Deliveries</dt><dd>2</dd>",
		"Our first post: hello, fediverse!</td>\n<td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">1</td><td class=\"n\">1</td>",
		"<td>" + b.Host + "</td><td class=\"n\">2</td><td class=\"n\">0</td><td class=\"n\">2</td>",
		"<td>" + today + "</td><td class=\"n\">3</td><td class=\"n\">0</td><td class=\"n\">2</td>",
		"/@alice/analytics.csv?kind=posts&amp;since=",
	} {
		if !strings.Contains(html, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if strings.Contains(html, "<script") {
		t.Error("the page has a script")
	}
	if resp, body := a.Get(page, session(t, a, mallory)); resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), "<svg") {
		t.Errorf("page for a stranger: %d", resp.StatusCode)
	}
	_, rootUser, err := a.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{Username: "root", Email: "root@example.com",
		Role: db.RoleAdmin, Confirmed: true, Approved: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := a.Get(page, session(t, a, &kontortest.User{User: rootUser})); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<svg") {
		t.Errorf("page for an admin: %d", resp.StatusCode)
	}
	resp, _ = a.Get(page)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/auth/sign_in?return_to=%2F%40alice%2Fanalytics" {
		t.Errorf("page for a visitor: %d to %q", resp.StatusCode, loc)
	}
	resp, _ = a.Get(page + "?since=2026-01-01&until=2026-01-31")
	if loc := resp.Header.Get("Location"); loc != "/auth/sign_in?return_to=%2F%40alice%2Fanalytics%3Fsince%3D2026-01-01%26until%3D2026-01-31" {
		t.Errorf("page with a period for a visitor: to %q", loc)
	}
	if resp, _ := a.Get("/@nobody/analytics", session(t, a, alice)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("page of an unknown account: %d", resp.StatusCode)
	}
	if resp, _ := a.Get(page+"?since=yesterday", session(t, a, alice)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("page with a bad period: %d", resp.StatusCode)
	}

	// CSV exports.
	cookie := session(t, a, alice)
	posts := readCSV(t, a, cookie, "/@alice/analytics.csv?kind=posts")
	wantPosts := [][]string{analytics.PostsHeader,
		{db.FormatID(p2.ID), p2.CreatedAt.UTC().Format(time.RFC3339), p2.URL, "public", "A second post", "0", "0", "0", "0", "1", "0", "0", "0", "1"},
		{db.FormatID(p1.ID), p1.CreatedAt.UTC().Format(time.RFC3339), p1.URL, "public", "Our first post: hello, fediverse!", "2", "1", "1", "4", "1", "0", "0", "0", "1"},
	}
	if !reflect.DeepEqual(posts, wantPosts) {
		t.Errorf("posts CSV:\n got %q\nwant %q", posts, wantPosts)
	}
	if f := readCSV(t, a, cookie, "/@alice/analytics.csv?kind=followers"); !reflect.DeepEqual(f, [][]string{analytics.FollowersHeader, {today, "3", "0", "2"}}) {
		t.Errorf("followers CSV %q", f)
	}
	if r := readCSV(t, a, cookie, "/@alice/analytics.csv?kind=reach"); !reflect.DeepEqual(r, [][]string{analytics.ReachHeader, {b.Host, "2", "0", "2"}}) {
		t.Errorf("reach CSV %q", r)
	}
	if resp, _ := a.Get("/@alice/analytics.csv?kind=everything", cookie); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown export: %d", resp.StatusCode)
	}
	if resp, body := a.Get("/@alice/analytics.csv?kind=posts", session(t, a, mallory)); resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), "Our first post") {
		t.Errorf("export for a stranger: %d", resp.StatusCode)
	}
	if resp, _ := a.Get("/@alice/analytics.csv?kind=posts"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("export for a visitor: %d", resp.StatusCode)
	}
}

// A visitor sent to the sign-in page comes back to the analytics page
// after signing in, through the real form.
func TestAnalyticsSignInReturns(t *testing.T) {
	a := kontortest.Start(t, kontortest.Options{})
	alice := a.CreateUser("alice")
	resp, _ := a.Get("/@alice/analytics")
	signIn := resp.Header.Get("Location")
	resp, body := a.Get(signIn)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in page: %d", resp.StatusCode)
	}
	var csrfCookie string
	for _, c := range resp.Cookies() {
		if c.Name == "kontor_csrf" {
			csrfCookie = c.Value
		}
	}
	token := regexp.MustCompile(`name="authenticity_token" value="([^"]+)"`).FindStringSubmatch(string(body))
	if csrfCookie == "" || token == nil {
		t.Fatalf("no CSRF token on the sign-in page")
	}
	form := url.Values{"authenticity_token": {token[1]}, "login": {"alice"}, "password": {alice.Password}, "return_to": {"/@alice/analytics"}}
	resp, body = a.Do(http.MethodPost, "/auth/sign_in", []byte(form.Encode()),
		"Content-Type: application/x-www-form-urlencoded", "Cookie: kontor_csrf="+csrfCookie)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/@alice/analytics" {
		t.Fatalf("sign in: %d to %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	var sessionCookie string
	for _, c := range resp.Cookies() {
		if c.Name == "kontor_session" {
			sessionCookie = c.Value
		}
	}
	if resp, _ := a.Get("/@alice/analytics", "Cookie: kontor_session="+sessionCookie); resp.StatusCode != http.StatusOK {
		t.Errorf("page after signing in: %d", resp.StatusCode)
	}
}
