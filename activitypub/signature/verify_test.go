package signature

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const inboxURL = "https://kontor.example/users/bob/inbox"

var activity = []byte(`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","actor":"https://remote.example/users/alice"}`)

func newClientRequest(tb testing.TB, method, url string, body []byte) *http.Request {
	tb.Helper()
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/activity+json")
	}
	return r
}

// signCavageWith signs r with an arbitrary parameter set, for requests that
// SignRequest would never produce. Date, Host and Digest are set as
// SignRequest would.
func signCavageWith(tb testing.TB, r *http.Request, body []byte, key crypto.Signer, p cavageParams) {
	tb.Helper()
	if err := prepareHost(r); err != nil {
		tb.Fatal(err)
	}
	if r.Header.Get("Date") == "" {
		r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	if body != nil && r.Header.Get("Digest") == "" {
		r.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(digestSHA256(body)))
	}
	ss, err := cavageSigningString(r, &p)
	if err != nil {
		tb.Fatal(err)
	}
	var sig []byte
	switch key.(type) {
	case *rsa.PrivateKey:
		h := sha256.Sum256([]byte(ss))
		sig, err = key.Sign(rand.Reader, h[:], crypto.SHA256)
	default:
		sig, err = key.Sign(rand.Reader, []byte(ss), crypto.Hash(0))
	}
	if err != nil {
		tb.Fatal(err)
	}
	if p.keyID == "" {
		p.keyID = testKeyID
	}
	p.signature = base64.StdEncoding.EncodeToString(sig)
	r.Header.Set("Signature", p.String())
}

// sign9421With signs r (rsa-v1_5-sha256) over any components and parameters.
func sign9421With(tb testing.TB, r *http.Request, body []byte, key *rsa.PrivateKey, covered []string, params []sfParam) {
	tb.Helper()
	if err := prepareHost(r); err != nil {
		tb.Fatal(err)
	}
	if body != nil {
		r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(digestSHA256(body))+":")
	}
	items := make([]sfItem, len(covered))
	for i, c := range covered {
		items[i] = sfStringItem(c)
	}
	base, err := signatureBase(requestMessage(r, r.URL.Scheme), items, params)
	if err != nil {
		tb.Fatal(err)
	}
	h := sha256.Sum256([]byte(base))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		tb.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("sig1=")
	serializeInnerList(&sb, items, params)
	r.Header.Set("Signature-Input", sb.String())
	r.Header.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
}

func intParam(k string, v int64) sfParam { return sfParam{key: k, val: sfBare{kind: sfInteger, i: v}} }
func strParam(k, v string) sfParam       { return sfParam{key: k, val: sfBare{kind: sfString, s: v}} }

func TestRoundTrip(t *testing.T) {
	key, _ := testKeys()
	tests := []struct {
		name   string
		method string
		body   []byte
		sign   func(*http.Request, []byte) error
		scheme string
	}{
		{"cavage POST", http.MethodPost, activity, func(r *http.Request, b []byte) error { return SignRequest(r, b, testKeyID, key) }, SchemeCavage},
		{"cavage GET", http.MethodGet, nil, func(r *http.Request, b []byte) error { return SignRequest(r, b, testKeyID, key) }, SchemeCavage},
		{"rfc9421 POST", http.MethodPost, activity, func(r *http.Request, b []byte) error {
			return SignRequestRFC9421(r, b, testKeyID, key, time.Now())
		}, SchemeRFC9421},
		{"rfc9421 GET", http.MethodGet, nil, func(r *http.Request, b []byte) error {
			return SignRequestRFC9421(r, b, testKeyID, key, time.Now())
		}, SchemeRFC9421},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newClientRequest(t, tt.method, inboxURL+"?page=1", tt.body)
			if err := tt.sign(r, tt.body); err != nil {
				t.Fatal(err)
			}
			sr, body := overTheWire(t, r, tt.body)
			keys := resolverFor(&key.PublicKey)
			res, err := Verify(t.Context(), sr, body, keys, VerifyOptions{RequireDigest: tt.body != nil})
			if err != nil {
				t.Fatal(err)
			}
			if res.KeyID != testKeyID || res.Owner != keys.owner || res.Scheme != tt.scheme {
				t.Errorf("result %+v", res)
			}
			if d := time.Since(res.Created); d < -time.Second || d > time.Minute {
				t.Errorf("Created %v", res.Created)
			}
			if len(keys.calls) != 1 || keys.calls[0] {
				t.Errorf("resolver calls %v, want one without refresh", keys.calls)
			}
		})
	}
}

// Each case builds a signed server-side request and expects Verify to
// reject it with the given reason.
func TestVerifyRejects(t *testing.T) {
	key, other := testKeys()
	pub := &key.PublicKey
	now := time.Now()
	post := func(tb testing.TB) (*http.Request, []byte) {
		r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
		if err := SignRequest(r, activity, testKeyID, key); err != nil {
			tb.Fatal(err)
		}
		return overTheWire(tb, r, activity)
	}
	post9421 := func(tb testing.TB) (*http.Request, []byte) {
		r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
		if err := SignRequestRFC9421(r, activity, testKeyID, key, now); err != nil {
			tb.Fatal(err)
		}
		return overTheWire(tb, r, activity)
	}
	custom := func(p cavageParams, date time.Time) func(testing.TB) (*http.Request, []byte) {
		return func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			if !date.IsZero() {
				r.Header.Set("Date", date.UTC().Format(http.TimeFormat))
			}
			signCavageWith(tb, r, activity, key, p)
			return overTheWire(tb, r, activity)
		}
	}
	custom9421 := func(covered []string, params []sfParam) func(testing.TB) (*http.Request, []byte) {
		return func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			sign9421With(tb, r, activity, key, covered, params)
			return overTheWire(tb, r, activity)
		}
	}
	edit := func(base func(testing.TB) (*http.Request, []byte), fn func(*http.Request, []byte) []byte) func(testing.TB) (*http.Request, []byte) {
		return func(tb testing.TB) (*http.Request, []byte) {
			r, b := base(tb)
			return r, fn(r, b)
		}
	}
	allHeaders := []string{"(request-target)", "host", "date", "digest", "content-type"}
	without := func(h string) []string {
		var out []string
		for _, x := range allHeaders {
			if x != h {
				out = append(out, x)
			}
		}
		return out
	}
	created := intParam("created", now.Unix())
	keyid := strParam("keyid", testKeyID)
	tampered := []byte(strings.Replace(string(activity), "Create", "Delete", 1))

	tests := []struct {
		name      string
		req       func(testing.TB) (*http.Request, []byte)
		keys      *stubResolver
		noDigest  bool // RequireDigest false
		reason    string
		wantCalls int
	}{
		{name: "no signature", req: edit(post, func(r *http.Request, b []byte) []byte { r.Header.Del("Signature"); return b }),
			reason: "no signature"},
		{name: "unknown key", req: post, keys: &stubResolver{err: errors.New("410 Gone")}, reason: "unknown key", wantCalls: 1},
		{name: "wrong key", req: post, keys: resolverFor(&other.PublicKey), reason: "invalid signature", wantCalls: 2},
		{name: "wrong key type", req: post, keys: resolverFor(ed25519.PublicKey(make([]byte, 32))), reason: "invalid signature", wantCalls: 2},
		{name: "tampered body", req: edit(post, func(*http.Request, []byte) []byte { return tampered }),
			reason: "digest mismatch"},
		{name: "tampered body and digest", req: edit(post, func(r *http.Request, _ []byte) []byte {
			r.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(digestSHA256(tampered)))
			return tampered
		}), reason: "invalid signature", wantCalls: 2},
		{name: "digest header mismatch", req: edit(post, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Digest", "SHA-256="+base64.StdEncoding.EncodeToString(digestSHA256([]byte("other"))))
			return b
		}), reason: "digest mismatch"},
		{name: "sha-512 digest mismatch next to a good sha-256", req: edit(post, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Digest", r.Header.Get("Digest")+",SHA-512="+base64.StdEncoding.EncodeToString(digestSHA512([]byte("other"))))
			return b
		}), reason: "digest mismatch"},
		{name: "digest without sha-256 or sha-512", req: edit(post, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Digest", "MD5=Sd/dVLAcvNLSq16eXua5uQ==")
			return b
		}), reason: "unsupported digest algorithm"},
		{name: "digest not signed on POST", req: custom(cavageParams{algorithm: "rsa-sha256", headers: without("digest")}, time.Time{}),
			reason: "missing signed header: digest"},
		{name: "digest signed but header removed", req: edit(post, func(r *http.Request, b []byte) []byte { r.Header.Del("Digest"); return b }),
			reason: "missing digest"},
		{name: "host not signed", req: custom(cavageParams{algorithm: "rsa-sha256", headers: without("host")}, time.Time{}),
			reason: "missing signed header: host"},
		{name: "request-target not signed", req: custom(cavageParams{algorithm: "rsa-sha256", headers: without("(request-target)")}, time.Time{}),
			reason: "missing signed header: (request-target)"},
		{name: "date not signed", req: custom(cavageParams{algorithm: "rsa-sha256", headers: without("date")}, time.Time{}),
			reason: "missing signed header: date"},
		{name: "headers absent means date only", req: custom(cavageParams{algorithm: "rsa-sha256"}, time.Time{}),
			reason: "missing signed header: (request-target)"},
		{name: "stale date", req: custom(cavageParams{algorithm: "rsa-sha256", headers: allHeaders}, now.Add(-13*time.Hour)),
			reason: "signature expired"},
		{name: "future date", req: custom(cavageParams{algorithm: "rsa-sha256", headers: allHeaders}, now.Add(2*time.Hour)),
			reason: "signature date in the future"},
		{name: "unparsable date", req: edit(post, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Date", "18 Dec 2019 10:08:46 GMT")
			return b
		}), reason: "invalid date"},
		{name: "expires passed", req: custom(cavageParams{algorithm: "hs2019", headers: append(allHeaders, "(expires)"),
			expires: now.Add(-2 * time.Hour).Unix(), hasExpires: true}, time.Time{}),
			reason: "signature expired"},
		{name: "created with rsa-sha256", req: custom(cavageParams{algorithm: "rsa-sha256", headers: append(allHeaders, "(created)"),
			created: now.Unix(), hasCreated: true}, time.Time{}),
			reason: "(created) and (expires) not allowed with rsa-sha256"},
		{name: "unsupported algorithm", req: custom(cavageParams{algorithm: "hmac-sha256", headers: allHeaders}, time.Time{}),
			reason: "unsupported algorithm"},
		{name: "malformed signature header", req: edit(post, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Signature", `keyId="`+testKeyID+`",headers="(request-target) host date digest",signature="abc`)
			return b
		}), reason: "malformed signature header"},
		{name: "duplicate parameter", req: edit(post, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Signature", r.Header.Get("Signature")+`,keyId="https://evil.example/key"`)
			return b
		}), reason: "malformed signature header"},
		{name: "signature not base64", req: edit(post, func(r *http.Request, b []byte) []byte {
			p, _ := parseCavage(r.Header.Get("Signature"))
			p.signature = "Y2FiYW...IxNGRiZDk4ZA=="
			r.Header.Set("Signature", p.String())
			return b
		}), reason: "malformed signature header"},
		{name: "two signature headers", req: edit(post, func(r *http.Request, b []byte) []byte {
			r.Header.Add("Signature", r.Header.Get("Signature"))
			return b
		}), reason: "multiple signature headers"},
		{name: "signed header missing", req: func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			r.Header.Set("X-Extra", "1")
			signCavageWith(tb, r, activity, key, cavageParams{algorithm: "rsa-sha256", headers: append(allHeaders, "x-extra")})
			r.Header.Del("X-Extra")
			return overTheWire(tb, r, activity)
		}, reason: "signed header missing from request"},
		{name: "tampered request target", req: edit(post, func(r *http.Request, b []byte) []byte {
			r.RequestURI = "/users/carol/inbox"
			return b
		}), reason: "invalid signature", wantCalls: 2},
		{name: "tampered host", req: edit(post, func(r *http.Request, b []byte) []byte { r.Host = "other.example"; return b }),
			reason: "invalid signature", wantCalls: 2},

		{name: "rfc9421 without created", req: custom9421([]string{"@method", "@target-uri", "content-digest"}, []sfParam{keyid}),
			reason: "missing created"},
		{name: "rfc9421 without keyid", req: custom9421([]string{"@method", "@target-uri", "content-digest"}, []sfParam{created}),
			reason: "missing keyid"},
		{name: "rfc9421 without @method", req: custom9421([]string{"@target-uri", "content-digest"}, []sfParam{created, keyid}),
			reason: "missing signed component: @method"},
		{name: "rfc9421 without target", req: custom9421([]string{"@method", "@authority", "content-digest"}, []sfParam{created, keyid}),
			reason: "missing signed component: @target-uri"},
		{name: "rfc9421 path without authority", req: custom9421([]string{"@method", "@path", "@query", "content-digest"}, []sfParam{created, keyid}),
			reason: "missing signed component: @target-uri"},
		{name: "rfc9421 content-digest not covered", req: custom9421([]string{"@method", "@target-uri"}, []sfParam{created, keyid}),
			reason: "missing signed component: content-digest"},
		{name: "rfc9421 content-digest mismatch", req: edit(post9421, func(*http.Request, []byte) []byte { return tampered }),
			reason: "digest mismatch"},
		{name: "rfc9421 content-digest missing", req: edit(post9421, func(r *http.Request, b []byte) []byte {
			r.Header.Del("Content-Digest")
			return b
		}), reason: "missing digest"},
		{name: "rfc9421 stale created", req: custom9421([]string{"@method", "@target-uri", "content-digest"},
			[]sfParam{intParam("created", now.Add(-13*time.Hour).Unix()), keyid}), reason: "signature expired"},
		{name: "rfc9421 future created", req: custom9421([]string{"@method", "@target-uri", "content-digest"},
			[]sfParam{intParam("created", now.Add(2*time.Hour).Unix()), keyid}), reason: "signature date in the future"},
		{name: "rfc9421 expired", req: custom9421([]string{"@method", "@target-uri", "content-digest"},
			[]sfParam{created, keyid, intParam("expires", now.Add(-2*time.Hour).Unix())}), reason: "signature expired"},
		{name: "rfc9421 unsupported alg", req: custom9421([]string{"@method", "@target-uri", "content-digest"},
			[]sfParam{created, keyid, strParam("alg", "hmac-sha256")}), reason: "unsupported algorithm"},
		{name: "rfc9421 alg does not match key", req: custom9421([]string{"@method", "@target-uri", "content-digest"},
			[]sfParam{created, keyid, strParam("alg", "ed25519")}), reason: "invalid signature", wantCalls: 2},
		{name: "rfc9421 unsupported component", req: edit(post9421, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), `"@authority"`, `"@authority" "content-type";sf`, 1))
			return b
		}), reason: "unsupported signed component"},
		{name: "rfc9421 label mismatch", req: edit(post9421, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), "sig1=", "sig2=", 1))
			return b
		}), reason: "malformed signature header"},
		{name: "rfc9421 malformed input", req: edit(post9421, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Signature-Input", `sig1=("@method" "@target-uri";created=1`)
			return b
		}), reason: "malformed signature header"},
		{name: "rfc9421 tampered method", req: edit(post9421, func(r *http.Request, b []byte) []byte { r.Method = http.MethodPut; return b }),
			reason: "invalid signature", wantCalls: 2},
		{name: "rfc9421 scheme mismatch", req: func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, "http://kontor.example/users/bob/inbox", activity)
			if err := SignRequestRFC9421(r, activity, testKeyID, key, now); err != nil {
				tb.Fatal(err)
			}
			return overTheWire(tb, r, activity)
		}, reason: "invalid signature", wantCalls: 2},
		{name: "rfc9421 signed header missing", req: edit(post9421, func(r *http.Request, b []byte) []byte {
			r.Header.Set("Signature-Input", strings.Replace(r.Header.Get("Signature-Input"), `"@authority"`, `"@authority" "x-missing"`, 1))
			return b
		}), reason: "signed header missing from request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.req(t)
			keys := tt.keys
			if keys == nil {
				keys = resolverFor(pub)
			}
			res, err := Verify(t.Context(), r, body, keys, VerifyOptions{RequireDigest: !tt.noDigest})
			if err == nil {
				t.Fatalf("Verify succeeded: %+v", res)
			}
			if got := reasonOf(err); got != tt.reason {
				t.Fatalf("reason %q, want %q (error: %v)", got, tt.reason, err)
			}
			if len(keys.calls) != tt.wantCalls {
				t.Errorf("resolver called %d times (%v), want %d", len(keys.calls), keys.calls, tt.wantCalls)
			}
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	key, _ := testKeys()
	edKey := ed25519.NewKeyFromSeed(make([]byte, 32))
	now := time.Now()
	allHeaders := []string{"(request-target)", "host", "date", "digest", "content-type"}
	tests := []struct {
		name string
		req  func(testing.TB) (*http.Request, []byte)
		pub  crypto.PublicKey
	}{
		{"hs2019 (GoToSocial)", func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			signCavageWith(tb, r, activity, key, cavageParams{algorithm: "hs2019", headers: allHeaders})
			return overTheWire(tb, r, activity)
		}, &key.PublicKey},
		{"no algorithm", func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			signCavageWith(tb, r, activity, key, cavageParams{headers: allHeaders})
			return overTheWire(tb, r, activity)
		}, &key.PublicKey},
		{"hs2019 with (created) instead of date", func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			signCavageWith(tb, r, activity, key, cavageParams{algorithm: "hs2019",
				headers: []string{"(request-target)", "(created)", "host", "digest"}, created: now.Unix(), hasCreated: true})
			r.Header.Del("Date")
			return overTheWire(tb, r, activity)
		}, &key.PublicKey},
		{"snac header order", func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			signCavageWith(tb, r, activity, key, cavageParams{algorithm: "rsa-sha256", headers: []string{"(request-target)", "host", "digest", "date"}})
			return overTheWire(tb, r, activity)
		}, &key.PublicKey},
		{"ed25519 key", func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			signCavageWith(tb, r, activity, edKey, cavageParams{algorithm: "hs2019", headers: allHeaders})
			return overTheWire(tb, r, activity)
		}, edKey.Public()},
		{"authorization header", func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			if err := SignRequest(r, activity, testKeyID, key); err != nil {
				tb.Fatal(err)
			}
			r.Header.Set("Authorization", "Signature "+r.Header.Get("Signature"))
			r.Header.Del("Signature")
			return overTheWire(tb, r, activity)
		}, &key.PublicKey},
		{"digest with sha-256 and sha-512, lowercase names", func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			r.Header.Set("Digest", "sha-256="+base64.StdEncoding.EncodeToString(digestSHA256(activity))+
				", SHA-512="+base64.StdEncoding.EncodeToString(digestSHA512(activity)))
			signCavageWith(tb, r, activity, key, cavageParams{algorithm: "rsa-sha256", headers: allHeaders})
			return overTheWire(tb, r, activity)
		}, &key.PublicKey},
		{"rfc9421 Fedify style", func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
			sign9421With(tb, r, activity, key, []string{"@method", "@target-uri", "@authority", "host", "date", "content-digest"},
				[]sfParam{strParam("alg", "rsa-v1_5-sha256"), strParam("keyid", testKeyID), intParam("created", now.Unix())})
			return overTheWire(tb, r, activity)
		}, &key.PublicKey},
		{"rfc9421 authority and path, no alg", func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL+"?a=1", activity)
			sign9421With(tb, r, activity, key, []string{"@method", "@authority", "@path", "@query", "content-digest"},
				[]sfParam{intParam("created", now.Unix()), strParam("keyid", testKeyID)})
			return overTheWire(tb, r, activity)
		}, &key.PublicKey},
		{"rfc9421 sha-512 content-digest", func(tb testing.TB) (*http.Request, []byte) {
			r := newClientRequest(tb, http.MethodPost, inboxURL, activity)
			sign9421With(tb, r, activity, key, []string{"@method", "@target-uri", "content-digest"},
				[]sfParam{intParam("created", now.Unix()), strParam("keyid", testKeyID)})
			r.Header.Set("Content-Digest", "sha-512=:"+base64.StdEncoding.EncodeToString(digestSHA512(activity))+":")
			// Re-sign: the digest value is covered.
			sign9421With(tb, r, nil, key, []string{"@method", "@target-uri", "content-digest"},
				[]sfParam{intParam("created", now.Unix()), strParam("keyid", testKeyID)})
			return overTheWire(tb, r, activity)
		}, &key.PublicKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, body := tt.req(t)
			if _, err := Verify(t.Context(), r, body, resolverFor(tt.pub), VerifyOptions{RequireDigest: true}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVerifyKeyRotation(t *testing.T) {
	oldKey, newKey := testKeys()
	for _, scheme := range []string{SchemeCavage, SchemeRFC9421} {
		t.Run(scheme, func(t *testing.T) {
			r := newClientRequest(t, http.MethodPost, inboxURL, activity)
			var err error
			if scheme == SchemeCavage {
				err = SignRequest(r, activity, testKeyID, newKey)
			} else {
				err = SignRequestRFC9421(r, activity, testKeyID, newKey, time.Now())
			}
			if err != nil {
				t.Fatal(err)
			}
			sr, body := overTheWire(t, r, activity)
			keys := resolverFor(&oldKey.PublicKey, &newKey.PublicKey)
			if _, err := Verify(t.Context(), sr, body, keys, VerifyOptions{RequireDigest: true}); err != nil {
				t.Fatal(err)
			}
			if len(keys.calls) != 2 || keys.calls[0] || !keys.calls[1] {
				t.Errorf("resolver calls (refresh flags) %v, want [false true]", keys.calls)
			}
		})
	}
}

func TestVerifyErrorUnwraps(t *testing.T) {
	key, _ := testKeys()
	r := newClientRequest(t, http.MethodGet, inboxURL, nil)
	if err := SignRequest(r, nil, testKeyID, key); err != nil {
		t.Fatal(err)
	}
	sr, _ := overTheWire(t, r, nil)
	cause := errors.New("dial tcp: timeout")
	_, err := Verify(t.Context(), sr, nil, &stubResolver{err: cause}, VerifyOptions{})
	var e *Error
	if !errors.As(err, &e) || e.Reason != "unknown key" || !errors.Is(err, cause) {
		t.Fatalf("err = %v", err)
	}
	if _, err := Verify(t.Context(), sr, nil, nil, VerifyOptions{}); reasonOf(err) != "unknown key" {
		t.Fatalf("nil resolver: %v", err)
	}
}
