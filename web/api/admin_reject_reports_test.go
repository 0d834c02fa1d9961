package api_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// A domain block with reject_reports drops that domain's Flags; without it
// they become reports.
func TestDomainBlockRejectReports(t *testing.T) {
	in := stStart(t)
	admin := adStaff(t, in, "boss", "admin")
	bob := in.CreateUser("bob")
	post := in.Post(bob, activitypub.PostParams{Text: "a post", Visibility: db.Public})
	fs := kontortest.NewFakeServer(t)
	mod := fs.Actor("moderator")
	host := strings.TrimPrefix(strings.TrimPrefix(fs.URL, "http://"), "https://")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	send := func(id string) {
		t.Helper()
		if status, resp := mod.SignedPost(in.URL+"/inbox", mod.Activity("Flag", id, []any{bob.Account.URI, post.URI}, nil)); status != http.StatusAccepted {
			t.Fatalf("Flag %s: %d %s", id, status, resp)
		}
		plInboxSettled(t, in)
	}
	adStatus(t, in, 200, "POST", "/api/v1/admin/domain_blocks", admin.Token,
		url.Values{"domain": {host}, "severity": {"noop"}, "reject_reports": {"true"}})
	send("flags/1")
	if n := len(rpReports(t, in)); n != 0 {
		t.Fatalf("%d reports from a domain whose reports are rejected", n)
	}
	var blocks []map[string]any
	stDecode(t, adStatus(t, in, 200, "GET", "/api/v1/admin/domain_blocks", admin.Token, nil), &blocks)
	adStatus(t, in, 200, "PUT", "/api/v1/admin/domain_blocks/"+blocks[0]["id"].(string), admin.Token, url.Values{"reject_reports": {"false"}})
	send("flags/2")
	if n := len(rpReports(t, in)); n != 1 {
		t.Errorf("%d reports once reports are accepted again, want 1", n)
	}
}
