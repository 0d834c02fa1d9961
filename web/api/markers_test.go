package api_test

import (
	"net/url"
	"testing"
)

type miscMarkerJSON struct {
	LastReadID *string `json:"last_read_id"`
	Version    *int64  `json:"version"`
	UpdatedAt  *string `json:"updated_at"`
}

func TestMarkers(t *testing.T) {
	w := newMiscWorld(t)
	alice, bob := w.in.CreateUser("alice"), w.in.CreateUser("bob")

	// Before any save: the notifications marker is there anyway (Elk reads
	// it unchecked), with every field non-null; home is not.
	for _, q := range []string{"?timeline[]=home&timeline[]=notifications", "?timeline=notifications", "?timeline[]=home", ""} {
		var got map[string]miscMarkerJSON
		w.call("GET", "/api/v1/markers"+q, alice.Token, nil, 200, &got)
		n, ok := got["notifications"]
		if !ok || n.LastReadID == nil || *n.LastReadID != "0" || n.Version == nil || n.UpdatedAt == nil {
			t.Errorf("%s: notifications marker %+v", q, got)
		}
		if _, ok := got["home"]; ok {
			t.Errorf("%s: home marker before any save", q)
		}
	}

	// JSON body.
	var saved map[string]miscMarkerJSON
	w.call("POST", "/api/v1/markers", alice.Token, map[string]any{
		"home": map[string]any{"last_read_id": "103"}, "notifications": map[string]any{"last_read_id": "7"},
	}, 200, &saved)
	if h := saved["home"]; h.LastReadID == nil || *h.LastReadID != "103" || *h.Version != 0 {
		t.Errorf("home after save: %+v", saved)
	}
	if n := saved["notifications"]; n.LastReadID == nil || *n.LastReadID != "7" {
		t.Errorf("notifications after save: %+v", saved)
	}
	// Form body (Tusky); the version goes up; the other marker stays.
	w.call("POST", "/api/v1/markers", alice.Token, url.Values{"home[last_read_id]": {"200"}}, 200, &saved)
	if h := saved["home"]; *h.LastReadID != "200" || *h.Version != 1 {
		t.Errorf("home after second save: %+v", h)
	}
	if n := saved["notifications"]; *n.LastReadID != "7" || *n.Version != 0 {
		t.Errorf("notifications changed by a home save: %+v", n)
	}
	var got map[string]miscMarkerJSON
	w.call("GET", "/api/v1/markers?timeline[]=home&timeline[]=notifications", alice.Token, nil, 200, &got)
	if *got["home"].LastReadID != "200" || *got["notifications"].LastReadID != "7" {
		t.Errorf("read back: %+v", got)
	}
	got = nil
	w.call("GET", "/api/v1/markers?timeline[]=notifications", alice.Token, nil, 200, &got)
	if _, ok := got["home"]; ok {
		t.Error("home sent although not asked for")
	}

	// Bad input stores nothing; others' markers are their own.
	resp, _ := w.do("POST", "/api/v1/markers", alice.Token, map[string]any{"home": map[string]any{"last_read_id": "x1"}})
	if resp.StatusCode != 422 {
		t.Errorf("bad last_read_id: %d", resp.StatusCode)
	}
	resp, _ = w.do("POST", "/api/v1/markers", alice.Token, "{not json")
	if resp.StatusCode != 400 {
		t.Errorf("malformed body: %d", resp.StatusCode)
	}
	w.call("GET", "/api/v1/markers?timeline[]=home", alice.Token, nil, 200, &got)
	if *got["home"].LastReadID != "200" {
		t.Errorf("refused save changed the marker: %+v", got["home"])
	}
	got = nil
	w.call("GET", "/api/v1/markers?timeline[]=home&timeline[]=notifications", bob.Token, nil, 200, &got)
	if _, ok := got["home"]; ok || *got["notifications"].LastReadID != "0" {
		t.Errorf("bob sees alice's markers: %+v", got)
	}

	for _, tc := range []struct {
		method, token string
		want          int
	}{
		{"GET", "", 401}, {"POST", "", 401},
		{"GET", w.token(alice, "read:notifications"), 403},
		{"POST", w.token(alice, "read"), 403},
		{"GET", w.token(alice, "read:statuses"), 200},
		{"POST", w.token(alice, "write:statuses"), 200},
	} {
		if resp, data := w.do(tc.method, "/api/v1/markers", tc.token, map[string]any{}); resp.StatusCode != tc.want {
			t.Errorf("%s with %q: %d, want %d: %s", tc.method, tc.token, resp.StatusCode, tc.want, data)
		}
	}
}
