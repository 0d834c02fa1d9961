package vocab

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics, refuses only with a *ParseError, never accepts
// invalid JSON nor refuses valid JSON as a syntax error, and that whatever it accepts survives
// Marshal and Parse unchanged. Seeds: every document of the shared corpus.
//
//	go test -fuzz=FuzzParse -fuzztime=120s ./activitypub/vocab/
func FuzzParse(f *testing.F) {
	dir := filepath.Join("..", "..", "..", "shared", "testdata", "ap")
	_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && filepath.Ext(p) == ".json" {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	for _, s := range []string{
		`{"type":"Note","to":"as:Public","published":"2019-01-01T00:00:00+00:00","totalItems":"3"}`,
		`{"type":["Person","x:y"],"publicKey":[{"id":"https://a.example/k","owner":{"id":"https://a.example/u"}}],"sharedInbox":"https://a.example/i"}`,
		`{"type":"Note","tag":{"type":"Emoji","name":":a:","icon":{"url":"https://a.example/a.png"}},"content":"\ud83d\ude00\u0000"}`,
		`{"type":"Create","object":{"type":"Note","quote":{"type":"Tombstone"},"_misskey_quote":"https://a.example/q"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := Parse(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || err.Error() == "" {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if errors.Is(err, ErrSyntax) && json.Valid(data) {
				t.Fatalf("valid JSON refused: %v", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("invalid JSON accepted")
		}
		if o.ID != "" {
			if u, err := url.Parse(o.ID); err != nil || Host(o.ID) == "" || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "HTTP" && u.Scheme != "HTTPS") && !ValidID(o.ID) {
				t.Fatalf("accepted id %q: url.Parse %v, Host %q", o.ID, err, Host(o.ID))
			}
		}
		b, err := Marshal(o)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		if !json.Valid(b) {
			t.Fatalf("Marshal wrote invalid JSON: %s", b)
		}
		back, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse(Marshal(x)): %v\n%s", err, b)
		}
		if !reflect.DeepEqual(normalized(t, o), back) {
			t.Fatalf("round trip changed the object:\n%s", b)
		}
		b2, err := Marshal(back)
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("Marshal not stable: %v\n%s\n%s", err, b, b2)
		}
	})
}

// FuzzValidID checks that every id ValidID accepts has a host for same-origin checks.
func FuzzValidID(f *testing.F) {
	for _, s := range []string{"https://a.example/x", "http://[::1]:80/", "https://bücher.example", "https://a@b/", "https://a.example:8080#x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidID(s) {
			if Host(s) != "" {
				t.Fatalf("Host(%q) = %q for an invalid id", s, Host(s))
			}
			return
		}
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || u.User != nil {
			t.Fatalf("ValidID(%q) but url.Parse: %v, %+v", s, err, u)
		}
		if Host(s) == "" {
			t.Fatalf("ValidID(%q) but no Host", s)
		}
	})
}
