package oauth_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
)

// A person's first single sign-on shows the handle before the account
// exists; they may pick another, and a bad choice comes back readably.
func TestSingleSignOnChoosesHandle(t *testing.T) {
	in, m := ssoSetup(t)
	a := registerApp(t, in, ssoApp, "read write")
	suExisting(t, in, "jane_doe", "someone.else@acme.example")
	count := func() int {
		list, _ := in.DB.LocalAccounts(context.Background())
		return len(list)
	}
	before := count()

	m.QueueUser(&mockoidc.MockUser{Subject: "emp-7", Email: "jane.doe@acme.example", EmailVerified: true, PreferredUsername: "jane.doe"})
	b := ssoBrowser(t, in)
	resp, page := ssoStart(t, b, authorizeQuery(a, ssoApp, "read write", "st", ""))
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/auth/oidc/confirm" {
		t.Fatalf("first sign-in: %d %s, want the confirm page\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	for _, want := range []string{`name="username" value="jane_doe2"`, "jane.doe@acme.example", "jane_doe2</span>@" + in.Config.AccountDomain} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("confirm page lacks %q:\n%s", want, page)
		}
	}
	if count() != before {
		t.Fatal("the account exists before it was confirmed")
	}

	for _, c := range []struct{ name, want string }{
		{"jane_doe", "is taken"},
		{"JANE_DOE", "is taken"},
		{"jane-doe", "letters (a to z), digits or underscores"},
		{"admin", "is reserved"},
		{strings.Repeat("x", 31), "1 to 30"},
	} {
		resp, body := b.Submit(page, "/auth/oidc/confirm", map[string]string{"username": c.name})
		if resp.StatusCode != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte(c.want)) || !bytes.Contains(body, []byte(`action="/auth/oidc/confirm"`)) {
			t.Errorf("%q: %d, want 422 on the same page with %q", c.name, resp.StatusCode, c.want)
		}
	}
	if count() != before {
		t.Fatal("refused handles created accounts")
	}

	resp, page = b.Submit(page, "/auth/oidc/confirm", map[string]string{"username": "jdoe"})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/oauth/authorize" || !bytes.Contains(page, []byte(`value="authorize"`)) {
		t.Fatalf("confirmed: %d %s, want the consent page", resp.StatusCode, resp.Request.URL)
	}
	u := suUser(t, in, "jdoe")
	if u.SSOSubject != "emp-7" || u.Email != "jane.doe@acme.example" || count() != before+1 {
		t.Fatalf("account: %+v", u)
	}
	// The confirmation is used up.
	if resp, _ := b.Get("/auth/oidc/confirm"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("confirm page again: %d", resp.StatusCode)
	}
	// Without the provider's round trip there is nothing to confirm.
	if resp, _ := newBrowser(t, in).Get("/auth/oidc/confirm"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("confirm page without a sign-in: %d", resp.StatusCode)
	}

	// The next sign-in goes straight in, as jdoe.
	m.QueueUser(&mockoidc.MockUser{Subject: "emp-7", Email: "jane.doe@acme.example", EmailVerified: true, PreferredUsername: "jane.doe"})
	if got := ssoMe(t, in, ssoToken(t, in, a)); got != "jdoe" {
		t.Fatalf("second sign-in as %q", got)
	}
}
