package signature

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

const testKeyID = "https://kontor.example/users/bob#main-key"

var cavageHeaderRE = regexp.MustCompile(`^keyId="([^"]+)",algorithm="rsa-sha256",headers="([^"]+)",signature="([A-Za-z0-9+/]+=*)"$`)

func TestSignRequestHeaders(t *testing.T) {
	key, _ := testKeys()
	body := []byte(`{"type":"Follow"}`)
	sum := sha256.Sum256(body)
	tests := []struct {
		name        string
		method      string
		contentType string
		body        []byte
		wantHeaders string
		wantDigest  string
	}{
		{"post with content type", http.MethodPost, "application/activity+json", body,
			"(request-target) host date digest content-type", "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])},
		{"post without content type", http.MethodPost, "", body,
			"(request-target) host date digest", "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])},
		{"get", http.MethodGet, "", nil, "(request-target) host date", ""},
		{"get ignores content type", http.MethodGet, "application/json", nil, "(request-target) host date", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(tt.method, "https://remote.example/users/alice/inbox", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			before := time.Now().Add(-time.Second)
			if err := SignRequest(r, tt.body, testKeyID, key); err != nil {
				t.Fatal(err)
			}
			m := cavageHeaderRE.FindStringSubmatch(r.Header.Get("Signature"))
			if m == nil {
				t.Fatalf("Signature header %q does not have the expected shape", r.Header.Get("Signature"))
			}
			if m[1] != testKeyID || m[2] != tt.wantHeaders {
				t.Errorf("keyId=%q headers=%q, want %q %q", m[1], m[2], testKeyID, tt.wantHeaders)
			}
			if got := r.Header.Get("Digest"); got != tt.wantDigest {
				t.Errorf("Digest = %q, want %q", got, tt.wantDigest)
			}
			if r.Host != "remote.example" || r.Header.Get("Host") != "remote.example" {
				t.Errorf("Host = %q / header %q", r.Host, r.Header.Get("Host"))
			}
			d, err := http.ParseTime(r.Header.Get("Date"))
			if err != nil || d.Before(before.Truncate(time.Second)) || !strings.HasSuffix(r.Header.Get("Date"), " GMT") {
				t.Errorf("Date = %q (%v)", r.Header.Get("Date"), err)
			}
		})
	}
}

func TestSignRequestKeepsDateAndHost(t *testing.T) {
	key, _ := testKeys()
	r, _ := http.NewRequest(http.MethodGet, "https://10.0.0.7/users/alice", nil)
	r.Host = "remote.example"
	const date = "Sun, 05 Jan 2014 21:31:40 GMT"
	r.Header.Set("Date", date)
	if err := SignRequest(r, nil, testKeyID, key); err != nil {
		t.Fatal(err)
	}
	if r.Header.Get("Date") != date || r.Header.Get("Host") != "remote.example" || r.Host != "remote.example" {
		t.Errorf("Date %q Host %q/%q", r.Header.Get("Date"), r.Header.Get("Host"), r.Host)
	}
}

// Re-signing (a delivery retry) replaces Signature and Digest instead of
// failing in go-fed or piling up header lines.
func TestSignRequestTwice(t *testing.T) {
	key, _ := testKeys()
	r, _ := http.NewRequest(http.MethodPost, "https://remote.example/inbox", nil)
	for range 2 {
		if err := SignRequest(r, []byte("{}"), testKeyID, key); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.Header.Values("Signature")); n != 1 {
		t.Errorf("%d Signature headers", n)
	}
	if n := len(r.Header.Values("Digest")); n != 1 {
		t.Errorf("%d Digest headers", n)
	}
}

func TestSignRequestRejectsBadInput(t *testing.T) {
	key, _ := testKeys()
	tests := []struct {
		name  string
		url   string
		keyID string
		nokey bool
	}{
		{"empty key id", "https://remote.example/inbox", "", false},
		{"quote in key id", "https://remote.example/inbox", `https://x/"k`, false},
		{"space in key id", "https://remote.example/inbox", "https://x/ k", false},
		{"nil key", "https://remote.example/inbox", testKeyID, true},
		{"no host", "/inbox", testKeyID, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := key
			if tt.nokey {
				k = nil
			}
			r, _ := http.NewRequest(http.MethodPost, tt.url, nil)
			if err := SignRequest(r, []byte("{}"), tt.keyID, k); err == nil {
				t.Error("SignRequest: no error")
			}
			r, _ = http.NewRequest(http.MethodPost, tt.url, nil)
			if err := SignRequestRFC9421(r, []byte("{}"), tt.keyID, k, time.Now()); err == nil {
				t.Error("SignRequestRFC9421: no error")
			}
		})
	}
}

func TestSignRequestRFC9421Headers(t *testing.T) {
	key, _ := testKeys()
	created := time.Unix(1618884473, 0)
	body := []byte(`{"hello": "world"}`)
	tests := []struct {
		name       string
		method     string
		body       []byte
		wantInput  string
		wantDigest string
	}{
		{"post", http.MethodPost, body,
			`sig1=("@method" "@target-uri" "@authority" "content-digest");created=1618884473;keyid="` + testKeyID + `";alg="rsa-v1_5-sha256"`,
			"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"},
		{"get", http.MethodGet, nil,
			`sig1=("@method" "@target-uri" "@authority");created=1618884473;keyid="` + testKeyID + `";alg="rsa-v1_5-sha256"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(tt.method, "https://remote.example/users/alice/inbox", nil)
			if err := SignRequestRFC9421(r, tt.body, testKeyID, key, created); err != nil {
				t.Fatal(err)
			}
			if got := r.Header.Get("Signature-Input"); got != tt.wantInput {
				t.Errorf("Signature-Input = %q\nwant %q", got, tt.wantInput)
			}
			if got := r.Header.Get("Content-Digest"); got != tt.wantDigest {
				t.Errorf("Content-Digest = %q, want %q", got, tt.wantDigest)
			}
			if !regexp.MustCompile(`^sig1=:[A-Za-z0-9+/]+=*:$`).MatchString(r.Header.Get("Signature")) {
				t.Errorf("Signature = %q", r.Header.Get("Signature"))
			}
		})
	}
}

// go-fed/httpsig signs the decoded path; peers rebuild (request-target) from
// the escaped path on the wire. SignRequest must sign the latter.
func TestSignRequestEscapedPath(t *testing.T) {
	key, _ := testKeys()
	for _, sign := range []struct {
		name string
		fn   func(*http.Request) error
	}{
		{"cavage", func(r *http.Request) error { return SignRequest(r, nil, testKeyID, key) }},
		{"rfc9421", func(r *http.Request) error { return SignRequestRFC9421(r, nil, testKeyID, key, time.Now()) }},
	} {
		t.Run(sign.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "https://remote.example/users/%40alice%2Fx/outbox?page=true&q=a%20b", nil)
			if err := sign.fn(r); err != nil {
				t.Fatal(err)
			}
			sr, body := overTheWire(t, r, nil)
			if sr.RequestURI != "/users/%40alice%2Fx/outbox?page=true&q=a%20b" {
				t.Fatalf("sent %q", sr.RequestURI)
			}
			if _, err := Verify(t.Context(), sr, body, resolverFor(&key.PublicKey), VerifyOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
