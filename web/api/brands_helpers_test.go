package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// Helpers of the brand tests (prefixed br so they do not meet other
// groups' helpers in this package).

var brCtx = context.Background()

// brWorld is a brand @acme on instance in with an owner, an editor and a
// viewer, a stranger, and a follower of the brand on a second instance.
type brWorld struct {
	in, in2                         *kontortest.Instance
	brand                           *db.Account
	brandUser                       *kontortest.User // the brand, for the federation helpers
	owner, editor, viewer, stranger *kontortest.User
	fiona                           *kontortest.User // on in2, follows @acme
	post                            string           // stand-in of POST /api/v1/statuses on in
}

func brStart(t *testing.T, federated bool) *brWorld {
	t.Helper()
	return brStartIn(t, plStart(t), federated)
}

// brStartIn is brStart on a given instance.
func brStartIn(t *testing.T, in *kontortest.Instance, federated bool) *brWorld {
	t.Helper()
	w := &brWorld{in: in}
	var err error
	w.brand, _, err = in.Engine().CreateLocalAccount(brCtx, activitypub.NewLocalAccount{Username: "acme", DisplayName: "Acme Corp", Brand: true})
	if err != nil {
		t.Fatal(err)
	}
	w.brandUser = &kontortest.User{Account: w.brand, Handle: "acme@" + in.Config.AccountDomain}
	w.owner, w.editor, w.viewer, w.stranger = in.CreateUser("olivia"), in.CreateUser("eddie"), in.CreateUser("vivian"), in.CreateUser("sam")
	for _, m := range []struct {
		u    *kontortest.User
		role string
	}{{w.owner, db.BrandOwner}, {w.editor, db.BrandEditor}, {w.viewer, db.BrandViewer}} {
		if err := in.DB.SetBrandMember(brCtx, w.brand.ID, m.u.User.ID, m.role, nil); err != nil {
			t.Fatal(err)
		}
	}
	w.post = in.URL // the instance's own POST /api/v1/statuses
	if federated {
		w.in2 = plStart(t)
		w.fiona = w.in2.CreateUser("fiona")
		w.in2.Follow(w.fiona, in, w.brandUser)
	}
	return w
}

// brandToken is a token of u acting as the brand with a role ceiling (as
// `kontor admin token create --as acme` makes).
func (w *brWorld) brandToken(t *testing.T, u *kontortest.User, ceiling string) string {
	t.Helper()
	tok, err := w.in.DB.CreateToken(brCtx, db.NewToken{UserID: &u.User.ID, AccountID: &w.brand.ID,
		Scopes: []string{"read", "write", "follow", "push"}, RoleCeiling: ceiling})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// postAs posts through the stand-in of POST /api/v1/statuses.
func (w *brWorld) postAs(t *testing.T, token string, v url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", w.post+"/api/v1/statuses", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("post: %d %s", resp.StatusCode, body)
	}
	return resp.StatusCode, out
}

// brJSON decodes a JSON body.
func brJSON[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

// brAudit reads the audit trail through the API with an owner's token.
func (w *brWorld) audit(t *testing.T, token string) []map[string]any {
	t.Helper()
	code, _, body := plCall(t, w.in, "GET", "/api/v1/kontor/brands/"+db.FormatID(w.brand.ID)+"/audit?limit=80", token, nil)
	if code != 200 {
		t.Fatalf("audit: %d %s", code, body)
	}
	return brJSON[[]map[string]any](t, body)
}

// findAudit returns the newest audit entry with an action (and, when not
// "", a status id), or nil.
func findAudit(list []map[string]any, action, statusID string) map[string]any {
	for _, e := range list {
		if e["action"] == action && (statusID == "" || e["status_id"] == statusID) {
			return e
		}
	}
	return nil
}

// memberOf is the username of an audit entry's member ("" for none).
func memberOf(e map[string]any) string {
	m, _ := e["member"].(map[string]any)
	if m == nil {
		return ""
	}
	s, _ := m["username"].(string)
	return s
}

// brBrowser is a cookie-keeping client that follows redirects on the
// instance and stops at others (an app's redirect URI).
// brBrowser is a browser with the brand tests' sign-in step.
type brBrowser struct{ *kontortest.Browser }

func brNewBrowser(t *testing.T, in *kontortest.Instance) *brBrowser {
	return &brBrowser{kontortest.NewBrowser(t, in.URL)}
}

// signIn signs u in on the sign-in page (returning to returnTo) and
// returns the page it comes back to.
func (b *brBrowser) signIn(path string, u *kontortest.User) (*http.Response, []byte) {
	b.T.Helper()
	resp, page := b.Get(path)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/auth/sign_in" {
		b.T.Fatalf("%s: want the sign-in page, got %d %s", path, resp.StatusCode, resp.Request.URL)
	}
	return b.Submit(page, "/auth/sign_in", map[string]string{"login": u.Account.Username, "password": u.Password})
}

// brAppRedirect is the redirect URI of the test app (a custom scheme, as
// Tusky's).
const brAppRedirect = "com.example.brands://oauth"

// authorizeAs runs the real OAuth flow for u in a browser: register an app,
// open the authorize page, sign in, choose the identity accountID on the
// consent page, and redeem the code. It returns the access token and the
// consent page.
func authorizeAs(t *testing.T, in *kontortest.Instance, u *kontortest.User, accountID int64) (string, []byte) {
	t.Helper()
	c, consent := authorizeCode(t, in, u, accountID)
	code, body := c.redeem(t, in)
	if code != 200 {
		t.Fatalf("token: %d %s", code, body)
	}
	return brJSON[map[string]any](t, body)["access_token"].(string), consent
}

// brCode is an authorization code with the app it was issued to.
type brCode struct{ code, clientID, secret string }

// authorizeCode is authorizeAs up to the code.
func authorizeCode(t *testing.T, in *kontortest.Instance, u *kontortest.User, accountID int64) (brCode, []byte) {
	t.Helper()
	resp, body := in.Do("POST", "/api/v1/apps", []byte(url.Values{
		"client_name": {"Brand app"}, "redirect_uris": {brAppRedirect}, "scopes": {"read write follow push"},
	}.Encode()), "Content-Type: application/x-www-form-urlencoded")
	if resp.StatusCode != 200 {
		t.Fatalf("register app: %d %s", resp.StatusCode, body)
	}
	app := brJSON[map[string]any](t, body)
	clientID, secret := app["client_id"].(string), app["client_secret"].(string)
	b := brNewBrowser(t, in)
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {brAppRedirect}, "scope": {"read write follow push"}}
	resp, consent := b.signIn("/oauth/authorize?"+q.Encode(), u)
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/oauth/authorize" {
		t.Fatalf("consent page: %d %s\n%s", resp.StatusCode, resp.Request.URL, consent)
	}
	resp, _ = b.Submit(consent, "/oauth/authorize", map[string]string{"account_id": db.FormatID(accountID), "decision": "authorize"})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return brCode{loc.Query().Get("code"), clientID, secret}, consent
}

// redeem exchanges the code for a token.
func (c brCode) redeem(t *testing.T, in *kontortest.Instance) (int, []byte) {
	t.Helper()
	resp, body := in.Do("POST", "/oauth/token", []byte(url.Values{
		"grant_type": {"authorization_code"}, "code": {c.code}, "redirect_uri": {brAppRedirect},
		"client_id": {c.clientID}, "client_secret": {c.secret},
	}.Encode()), "Content-Type: application/x-www-form-urlencoded")
	return resp.StatusCode, body
}
