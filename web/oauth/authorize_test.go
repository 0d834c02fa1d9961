package oauth_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/web/oauth"
)

func TestAuthorizeRefusals(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	a := registerApp(t, in, "https://app.example/callback\n"+tusky, "read write")
	b := newBrowser(t, in)
	// Sign in once; the later requests reuse the session.
	b.signInTo(authorizeQuery(a, tusky, "read", "", ""), alice.User.Email, alice.Password)

	t.Run("error pages, never a redirect", func(t *testing.T) {
		for name, q := range map[string]url.Values{
			"unregistered redirect_uri":      authorizeQuery(a, "https://evil.example/callback", "read", "s", ""),
			"prefix of a registered one":     authorizeQuery(a, "https://app.example/call", "read", "s", ""),
			"unknown client":                 authorizeQuery(app{ClientID: "nope"}, tusky, "read", "s", ""),
			"no client":                      {"response_type": {"code"}, "redirect_uri": {tusky}},
			"several registered, none given": {"response_type": {"code"}, "client_id": {a.ClientID}},
		} {
			resp, page := b.Get("/oauth/authorize?" + q.Encode())
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || resp.Request.URL.Path != "/oauth/authorize" ||
				!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || bytes.Contains(page, []byte("evil.example")) {
				t.Errorf("%s: %d %s Location %q\n%s", name, resp.StatusCode, resp.Request.URL, resp.Header.Get("Location"), page)
			}
		}
	})

	t.Run("errors at the redirect URI, with the state", func(t *testing.T) {
		escalate := authorizeQuery(a, tusky, "read write follow", "st", "")
		token := authorizeQuery(a, tusky, "read", "st", "")
		token.Set("response_type", "token")
		unknownScope := authorizeQuery(a, tusky, "read bogus", "st", "")
		badMethod := authorizeQuery(a, tusky, "read", "st", "")
		badMethod.Set("code_challenge", strings.Repeat("a", 43))
		badMethod.Set("code_challenge_method", "S512")
		for name, tc := range map[string]struct {
			q    url.Values
			want string
		}{
			"scope escalation":    {escalate, "invalid_scope"},
			"unknown scope":       {unknownScope, "invalid_scope"},
			"implicit grant":      {token, "unsupported_response_type"},
			"unknown PKCE method": {badMethod, "invalid_request"},
		} {
			resp, _ := b.Get("/oauth/authorize?" + tc.q.Encode())
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), tusky) ||
				loc.Query().Get("error") != tc.want || loc.Query().Get("state") != "st" || loc.Query().Get("code") != "" {
				t.Errorf("%s: %d Location %q", name, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})

	t.Run("deny", func(t *testing.T) {
		resp, page := b.Get("/oauth/authorize?" + authorizeQuery(a, "https://app.example/callback", "read", "keep me", "").Encode())
		if resp.StatusCode != 200 {
			t.Fatalf("consent: %d", resp.StatusCode)
		}
		resp, _ = b.Submit(page, "/oauth/authorize", map[string]string{"decision": "deny"})
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || loc.Host != "app.example" || loc.Query().Get("error") != "access_denied" ||
			loc.Query().Get("state") != "keep me" || loc.Query().Get("code") != "" {
			t.Fatalf("deny: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("scope tampered in the consent form", func(t *testing.T) {
		_, page := b.Get("/oauth/authorize?" + authorizeQuery(a, tusky, "read", "", "").Encode())
		resp, _ := b.Submit(page, "/oauth/authorize", map[string]string{"decision": "authorize", "scope": "read write follow"})
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc == nil || loc.Query().Get("error") != "invalid_scope" || loc.Query().Get("code") != "" {
			t.Fatalf("tampered scope: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("another identity than the user's own", func(t *testing.T) {
		other := in.CreateUser("mallory")
		_, page := b.Get("/oauth/authorize?" + authorizeQuery(a, tusky, "read", "", "").Encode())
		resp, _ := b.Submit(page, "/oauth/authorize", map[string]string{"decision": "authorize", "account_id": fmtID(other.Account.ID)})
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
			t.Fatalf("authorize as someone else: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("oob shows the code", func(t *testing.T) {
		oob := registerApp(t, in, "urn:ietf:wg:oauth:2.0:oob", "read")
		_, page := b.Get("/oauth/authorize?" + authorizeQuery(oob, "urn:ietf:wg:oauth:2.0:oob", "read", "", "").Encode())
		resp, page := b.Submit(page, "/oauth/authorize", map[string]string{"decision": "authorize"})
		if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || !bytes.Contains(page, []byte(`id="code"`)) {
			t.Fatalf("oob: %d %s", resp.StatusCode, page)
		}
	})
}

func TestCSRF(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	a := registerApp(t, in, tusky, "read")
	q := authorizeQuery(a, tusky, "read", "s", "")

	t.Run("sign-in form", func(t *testing.T) {
		b := newBrowser(t, in)
		_, page := b.Get("/oauth/authorize?" + q.Encode())
		for name, token := range map[string]string{"missing": "", "wrong": strings.Repeat("x", 43)} {
			f := kontortest.Form(t, page, "/auth/sign_in")
			f.Set("login", "alice")
			f.Set("password", alice.Password)
			if token == "" {
				f.Del("authenticity_token")
			} else {
				f.Set("authenticity_token", token)
			}
			resp, body := b.Post("/auth/sign_in", f)
			if resp.StatusCode != http.StatusForbidden || bytes.Contains(body, []byte(`value="authorize"`)) {
				t.Errorf("%s token: %d %s", name, resp.StatusCode, body)
			}
		}
		// Still not signed in.
		if resp, _ := b.Get("/oauth/authorize?" + q.Encode()); resp.Request.URL.Path != "/auth/sign_in" {
			t.Errorf("a refused sign-in made a session")
		}
	})

	t.Run("consent form", func(t *testing.T) {
		b := newBrowser(t, in)
		_, page := b.signInTo(q, "alice", alice.Password)
		for name, token := range map[string]string{"missing": "", "wrong": strings.Repeat("x", 43)} {
			f := kontortest.Form(t, page, "/oauth/authorize")
			f.Set("decision", "authorize")
			if token == "" {
				f.Del("authenticity_token")
			} else {
				f.Set("authenticity_token", token)
			}
			resp, body := b.Post("/oauth/authorize", f)
			if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" || bytes.Contains(body, []byte("code=")) {
				t.Errorf("%s token: %d Location %q", name, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		// A cross-site POST carrying the right token is refused too.
		f := kontortest.Form(t, page, "/oauth/authorize")
		f.Set("decision", "authorize")
		req, _ := http.NewRequest("POST", in.URL+"/oauth/authorize", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		if resp, _ := b.Do(req); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin POST: %d", resp.StatusCode)
		}
		// The genuine form still works.
		resp, _ := b.Submit(page, "/oauth/authorize", map[string]string{"decision": "authorize"})
		codeFrom(t, resp, tusky)
	})
}

func TestSignIn(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	ctx := context.Background()
	alice := in.CreateUser("alice")
	a := registerApp(t, in, tusky, "read")
	q := authorizeQuery(a, tusky, "read", "", "")

	t.Run("wrong password re-renders the form", func(t *testing.T) {
		b := newBrowser(t, in)
		resp, page := b.signInTo(q, "alice", "not the password")
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode < 400 || !bytes.Contains(page, []byte("Invalid email address, username or password")) ||
			!bytes.Contains(page, []byte(`value="alice"`)) {
			t.Fatalf("%d %s", resp.StatusCode, page)
		}
		// The re-rendered form works.
		resp, page = b.Submit(page, "/auth/sign_in", map[string]string{"password": alice.Password})
		if resp.StatusCode != 200 || !bytes.Contains(page, []byte(`value="authorize"`)) {
			t.Fatalf("second try: %d %s", resp.StatusCode, page)
		}
	})

	t.Run("session cookie", func(t *testing.T) {
		b := newBrowser(t, in)
		_, page := b.Get("/oauth/authorize?" + q.Encode())
		f := kontortest.Form(t, page, "/auth/sign_in")
		f.Set("login", "alice")
		f.Set("password", alice.Password)
		req, _ := http.NewRequest("POST", in.URL+"/auth/sign_in", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		b.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, _ := b.Do(req)
		var session *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "kontor_session" {
				session = c
			}
		}
		if resp.StatusCode != http.StatusSeeOther || session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode ||
			session.Secure || session.Path != "/" {
			t.Fatalf("%d cookie %+v", resp.StatusCode, session)
		}
		if got, err := in.DB.SessionByPlaintext(ctx, session.Value); err != nil || got.UserID != alice.User.ID {
			t.Fatalf("session row: %+v %v", got, err)
		}
	})

	t.Run("https cookies are Secure and __Host-", func(t *testing.T) {
		cfg := *in.Config
		cfg.Protocol = "https"
		r := chi.NewRouter()
		oauth.New(oauth.Deps{Config: &cfg, DB: in.DB, Engine: in.Engine(), Logger: kontortest.Logger(t)}).Routes(r)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest("GET", "/auth/sign_in", nil))
		cookies := rec.Result().Cookies()
		if len(cookies) != 1 || cookies[0].Name != "__Host-kontor_csrf" || !cookies[0].Secure || !cookies[0].HttpOnly ||
			cookies[0].SameSite != http.SameSiteLaxMode || cookies[0].Path != "/" {
			t.Fatalf("csrf cookie: %+v", cookies)
		}
		csrf := cookies[0].Value
		if !bytes.Contains(rec.Body.Bytes(), []byte(`value="`+csrf+`"`)) {
			t.Fatal("the form does not carry the cookie's token")
		}
		req := httptest.NewRequest("POST", "/auth/sign_in", strings.NewReader(url.Values{
			"authenticity_token": {csrf}, "login": {"alice"}, "password": {alice.Password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://"+cfg.Host)
		req.AddCookie(cookies[0])
		rec = httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		var session *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Name == "__Host-kontor_session" {
				session = c
			}
		}
		if rec.Code != http.StatusSeeOther || session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
			t.Fatalf("%d session cookie %+v", rec.Code, session)
		}
	})

	t.Run("force_login shows the form even with a session", func(t *testing.T) {
		b := newBrowser(t, in)
		b.signInTo(q, "alice", alice.Password)
		if resp, page := b.Get("/oauth/authorize?" + q.Encode()); resp.Request.URL.Path != "/oauth/authorize" || !bytes.Contains(page, []byte(`value="authorize"`)) {
			t.Fatalf("with a session the consent page comes at once: %s", resp.Request.URL)
		}
		fq := url.Values{}
		for k, v := range q {
			fq[k] = v
		}
		fq.Set("force_login", "true")
		resp, page := b.Get("/oauth/authorize?" + fq.Encode())
		if resp.Request.URL.Path != "/auth/sign_in" || !bytes.Contains(page, []byte(`name="password"`)) {
			t.Fatalf("force_login: %s", resp.Request.URL)
		}
		resp, page = b.Submit(page, "/auth/sign_in", map[string]string{"login": "alice", "password": alice.Password})
		if resp.StatusCode != 200 || !bytes.Contains(page, []byte(`value="authorize"`)) {
			t.Fatalf("after force_login sign-in: %d %s", resp.StatusCode, page)
		}
	})

	t.Run("sign out", func(t *testing.T) {
		b := newBrowser(t, in)
		_, page := b.signInTo(q, "alice", alice.Password)
		resp, _ := b.Submit(page, "/auth/sign_out", nil)
		if resp.Request.URL.Path != "/auth/sign_in" {
			t.Fatalf("after sign out: %d %s", resp.StatusCode, resp.Request.URL)
		}
		if resp, _ := b.Get("/oauth/authorize?" + q.Encode()); resp.Request.URL.Path != "/auth/sign_in" {
			t.Fatal("still signed in after sign out")
		}
	})

	t.Run("users who may not sign in", func(t *testing.T) {
		disabled := in.CreateUser("dora")
		if err := in.DB.SetUserDisabled(ctx, disabled.User.ID, true); err != nil {
			t.Fatal(err)
		}
		newUser := func(name string, confirmed, approved bool) {
			if _, _, err := in.Engine().CreateLocalAccount(ctx, activitypub.NewLocalAccount{
				Username: name, Email: name + "@example.com", Password: "password-" + name, Confirmed: confirmed, Approved: approved,
			}); err != nil {
				t.Fatal(err)
			}
		}
		newUser("una", false, true)
		newUser("ulla", true, false)
		secretApp := registerApp(t, in, tusky, "read")
		for name, want := range map[string]string{"dora": "disabled", "una": "not confirmed yet", "ulla": "approval"} {
			b := newBrowser(t, in)
			resp, page := b.signInTo(q, name+"@example.com", "password-"+name)
			if resp.StatusCode != http.StatusForbidden || !bytes.Contains(page, []byte(want)) || bytes.Contains(page, []byte(`value="authorize"`)) {
				t.Errorf("%s: %d %s", name, resp.StatusCode, page)
			}
			if resp, _ := b.Get("/oauth/authorize?" + q.Encode()); resp.Request.URL.Path != "/auth/sign_in" {
				t.Errorf("%s got a session", name)
			}
			r := postToken(t, in.URL, url.Values{"grant_type": {"password"}, "client_id": {secretApp.ClientID},
				"client_secret": {secretApp.ClientSecret}, "username": {name + "@example.com"}, "password": {"password-" + name}})
			wantTokenError(t, r, 400, "invalid_grant")
		}
		// A disabled user's existing token stops working.
		if resp, _ := bearerGet(in, "/oauth/userinfo", disabled.Token); resp.StatusCode != 401 {
			t.Errorf("disabled user's token: %d", resp.StatusCode)
		}
	})

	t.Run("failed sign-ins are throttled", func(t *testing.T) {
		// The instance's store behind handlers whose clock stands still, so
		// the backoff cannot run out while a slow machine hashes passwords.
		var clock atomic.Int64
		clock.Store(time.Now().UnixNano())
		r := chi.NewRouter()
		oauth.New(oauth.Deps{Config: in.Config, DB: in.DB, Engine: in.Engine(), Logger: kontortest.Logger(t),
			Now: func() time.Time { return time.Unix(0, clock.Load()) }}).Routes(r)
		srv := httptest.NewServer(r)
		defer srv.Close()
		b := newBrowserAt(t, srv.URL)
		_, page := b.Get("/oauth/authorize?" + q.Encode())
		var resp *http.Response
		for range 7 {
			resp, page = b.Submit(page, "/auth/sign_in", map[string]string{"login": "alice", "password": "guess-guess"})
		}
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !bytes.Contains(page, []byte("Too many failed attempts")) {
			t.Fatalf("%d %s", resp.StatusCode, page)
		}
		// Once the wait is over, one more failure doubles it.
		clock.Add(int64(1100 * time.Millisecond))
		if resp, _ := b.Submit(page, "/auth/sign_in", map[string]string{"password": "guess-guess"}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("after the wait: %d", resp.StatusCode)
		}
		if resp, _ := b.Submit(page, "/auth/sign_in", map[string]string{"password": "guess-guess"}); resp.Header.Get("Retry-After") != "2" {
			t.Fatalf("want the wait to double, got Retry-After %q", resp.Header.Get("Retry-After"))
		}
		// Even the right password waits.
		resp, _ = b.Submit(page, "/auth/sign_in", map[string]string{"password": alice.Password})
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("right password while throttled: %d", resp.StatusCode)
		}
		// Another login from the same address is not affected.
		bob := in.CreateUser("bob")
		if resp, _ := b.Submit(page, "/auth/sign_in", map[string]string{"login": "bob", "password": bob.Password}); resp.StatusCode != 200 {
			t.Fatalf("other login: %d", resp.StatusCode)
		}
	})
}
