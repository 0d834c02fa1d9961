package signature

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// A signature covers the host it was made for; Verify with Hosts accepts
// it only when that is one of them (case and default port aside), and
// refuses before resolving the key.
func TestVerifyHosts(t *testing.T) {
	key, _ := testKeys()
	sign := map[string]func(*http.Request) error{
		SchemeCavage:  func(r *http.Request) error { return SignRequest(r, activity, testKeyID, key) },
		SchemeRFC9421: func(r *http.Request) error { return SignRequestRFC9421(r, activity, testKeyID, key, time.Now()) },
	}
	cases := []struct {
		url   string
		hosts []string
		ok    bool
	}{
		{"https://kontor.example/inbox", []string{"kontor.example"}, true},
		{"https://Kontor.Example:443/inbox", []string{"kontor.example"}, true},
		{"https://kontor.example/inbox", []string{"other.example", "KONTOR.example"}, true},
		{"https://kontor.example/inbox", nil, true}, // no names configured: not checked
		{"https://elsewhere.example/inbox", []string{"kontor.example", "example"}, false},
		{"https://kontor.example:8443/inbox", []string{"kontor.example"}, false},
		{"https://kontor.example.evil/inbox", []string{"kontor.example"}, false},
	}
	for scheme, s := range sign {
		for _, c := range cases {
			r := newClientRequest(t, http.MethodPost, c.url, activity)
			if err := s(r); err != nil {
				t.Fatal(err)
			}
			sr, body := overTheWire(t, r, activity)
			keys := resolverFor(&key.PublicKey)
			_, err := Verify(t.Context(), sr, body, keys, VerifyOptions{RequireDigest: true, Hosts: c.hosts})
			var se *Error
			switch {
			case c.ok && err != nil:
				t.Errorf("%s %s for %v: %v", scheme, c.url, c.hosts, err)
			case !c.ok && (!errors.As(err, &se) || se.Reason != reasonWrongHost):
				t.Errorf("%s %s for %v: %v, want %q", scheme, c.url, c.hosts, err, reasonWrongHost)
			case !c.ok && len(keys.calls) != 0:
				t.Errorf("%s %s: the key was resolved for a request made for another host", scheme, c.url)
			}
		}
	}
}
