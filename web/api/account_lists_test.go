package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/kontor-social/kontor/kontortest"
)

func TestBlocksAndMutesLists(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	var others []*kontortest.User
	for _, n := range []string{"u1", "u2", "u3"} {
		others = append(others, in.CreateUser(n))
	}
	c := acctAs(t, in, alice)
	mc := c.masto()
	for _, u := range others {
		if _, err := mc.AccountBlock(acctCtx, mastodon.ID(acctID(u))); err != nil {
			t.Fatal(err)
		}
	}
	blocks, err := mc.GetBlocks(acctCtx, nil)
	if err != nil || len(blocks) != 3 || string(blocks[0].ID) != acctID(others[2]) {
		t.Fatalf("blocks: %v %+v", err, blocks)
	}
	for _, a := range c.list("/api/v1/blocks") {
		acctCheckAccount(t, a.(map[string]any))
	}
	pg := &mastodon.Pagination{Limit: 2}
	page, err := mc.GetBlocks(acctCtx, pg)
	if err != nil || len(page) != 2 || pg.MaxID == "" {
		t.Fatalf("first page: %v %d %+v", err, len(page), pg)
	}
	page, err = mc.GetBlocks(acctCtx, &mastodon.Pagination{Limit: 2, MaxID: pg.MaxID})
	if err != nil || len(page) != 1 || string(page[0].ID) != acctID(others[0]) {
		t.Errorf("second page: %v %+v", err, page)
	}
	if _, h, body := c.do("GET", "/api/v1/blocks?max_id=1", nil); h.Get("Link") != "" || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("empty page: %s Link=%q", body, h.Get("Link"))
	}
	for _, u := range others {
		mc.AccountUnblock(acctCtx, mastodon.ID(acctID(u)))
	}
	if got := c.list("/api/v1/blocks"); len(got) != 0 {
		t.Errorf("blocks after unblocking: %v", got)
	}

	// Mutes: with their end; expired ones are gone.
	mc.AccountMute(acctCtx, mastodon.ID(acctID(others[0])))
	c.obj("POST", "/api/v1/accounts/"+acctID(others[1])+"/mute", url.Values{"duration": {"3600"}})
	c.obj("POST", "/api/v1/accounts/"+acctID(others[2])+"/mute", url.Values{"duration": {"1"}})
	mutes, err := mc.GetMutes(acctCtx, nil)
	if err != nil || len(mutes) != 3 {
		t.Fatalf("mutes: %v %+v", err, mutes)
	}
	list := c.list("/api/v1/mutes")
	for _, m := range list {
		acctCheckAccount(t, m.(map[string]any))
		if _, ok := m.(map[string]any)["mute_expires_at"]; !ok {
			t.Errorf("mute without mute_expires_at: %v", m)
		}
	}
	if e := list[1].(map[string]any)["mute_expires_at"]; e == nil || !acctTimeRE.MatchString(e.(string)) {
		t.Errorf("mute_expires_at %v", e)
	}
	if e := list[2].(map[string]any)["mute_expires_at"]; e != nil {
		t.Errorf("open-ended mute expires at %v", e)
	}
	kontortest.Eventually(t, 5*time.Second, "the one-second mute to end", func() bool {
		return len(c.list("/api/v1/mutes")) == 2
	})
	_, h, _ := c.do("GET", "/api/v1/mutes?limit=1", nil)
	if l := h.Get("Link"); !strings.Contains(l, in.URL+"/api/v1/mutes?") || !strings.Contains(l, "limit=1") {
		t.Errorf("Link %q", l)
	}
}

func TestUserDomainBlocks(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	c := acctAs(t, in, alice)
	for _, body := range []any{url.Values{"domain": {"Spam.Example."}}, acctJSON(`{"domain":"b.example"}`), url.Values{"domain": {"c.example:8443"}}} {
		if v := c.obj("POST", "/api/v1/domain_blocks", body); len(v) != 0 {
			t.Errorf("POST domain_blocks answers %v", v)
		}
	}
	c.obj("POST", "/api/v1/domain_blocks", url.Values{"domain": {"spam.example"}}) // again: fine
	got := c.list("/api/v1/domain_blocks")
	var domains []string
	for _, d := range got {
		domains = append(domains, d.(string))
	}
	if !slices.Equal(domains, []string{"c.example:8443", "b.example", "spam.example"}) {
		t.Errorf("domain blocks %v", domains)
	}
	_, h, _ := c.do("GET", "/api/v1/domain_blocks?limit=2", nil)
	if l := h.Get("Link"); !strings.Contains(l, `rel="next"`) || !strings.Contains(l, in.URL+"/api/v1/domain_blocks?") {
		t.Errorf("Link %q", l)
	}
	for _, tc := range []struct {
		body    any
		mention string
	}{
		{url.Values{}, "domain"},
		{url.Values{"domain": {"not a domain"}}, "domain"},
		{url.Values{"domain": {"https://x.example/path"}}, "domain"},
		{url.Values{"domain": {"user@x.example"}}, "domain"},
		{url.Values{"domain": {in.Config.AccountDomain}}, "domain"},
	} {
		c.fails("POST", "/api/v1/domain_blocks", tc.body, 422, tc.mention)
	}
	c.fails("POST", "/api/v1/domain_blocks", acctJSON(`{"domain":`), 400, "JSON")
	if n := len(c.list("/api/v1/domain_blocks")); n != 3 {
		t.Errorf("refused blocks stored: %d", n)
	}
	c.obj("DELETE", "/api/v1/domain_blocks?domain=b.example", nil)
	c.obj("DELETE", "/api/v1/domain_blocks", url.Values{"domain": {"SPAM.example"}})
	c.obj("DELETE", "/api/v1/domain_blocks", acctJSON(`{"domain":"c.example:8443"}`))
	c.obj("DELETE", "/api/v1/domain_blocks", url.Values{"domain": {"never.example"}})
	if _, h, body := c.do("GET", "/api/v1/domain_blocks", nil); strings.TrimSpace(string(body)) != "[]" || h.Get("Link") != "" {
		t.Errorf("after deleting: %s Link=%q", body, h.Get("Link"))
	}
}
