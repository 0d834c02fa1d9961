package pages_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// An IP block with severity no_access refuses the pages and the sign-in
// too, with a readable page (the API keeps its JSON error); /healthz still
// answers the load balancer.
func TestNoAccessRefusesPages(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	if resp, _ := in.Get("/about", htmlAccept); resp.StatusCode != 200 {
		t.Fatalf("/about before the block: %d", resp.StatusCode)
	}
	// Added before the gate first reads the ranges (it keeps them 30 s).
	in2 := kontortest.Start(t, kontortest.Options{})
	if err := in2.DB.AddIPBlock(context.Background(), &db.IPBlock{IP: "127.0.0.1/32", Severity: db.IPNoAccess}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/about", "/auth/sign_in", "/auth/sign_up", "/oauth/authorize?client_id=x&response_type=code&redirect_uri=urn:ietf:wg:oauth:2.0:oob", "/@nobody"} {
		resp, body := in2.Get(path, htmlAccept)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(body), "Access from your network is not allowed") {
			t.Errorf("%s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	if resp, body := in2.Get("/api/v1/instance"); resp.StatusCode != http.StatusForbidden || string(body) != `{"error":"Access from your network is not allowed"}` {
		t.Errorf("api: %d %s", resp.StatusCode, body)
	}
	if resp, _ := in2.Get("/healthz"); resp.StatusCode != 200 {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
}
