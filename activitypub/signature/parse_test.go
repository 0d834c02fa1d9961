package signature

import (
	"strings"
	"testing"
)

func TestParseCavage(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // p.String(); "" means an error is expected
		headers string
	}{
		{"mastodon", `keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="c2ln"`,
			`keyId="https://m.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="c2ln"`,
			"(request-target) host date digest content-type"},
		{"spaces and tabs around separators", "keyId = \"k\" ,\talgorithm=\"hs2019\",  headers=\"(request-target)   Host\tDate\" , signature=\"c2ln\"  ",
			`keyId="k",algorithm="hs2019",headers="(request-target) host date",signature="c2ln"`, "(request-target) host date"},
		{"no headers means date", `keyId="k",signature="c2ln"`, `keyId="k",signature="c2ln"`, "date"},
		{"created and expires, unquoted", `keyId="k",created=1402170695,expires="1402170995",headers="(created)",signature="c2ln"`,
			`keyId="k",created=1402170695,expires=1402170995,headers="(created)",signature="c2ln"`, "(created)"},
		{"unquoted token values", `keyId=k,algorithm=RSA-SHA256,signature=c2ln==`, `keyId="k",algorithm="rsa-sha256",signature="c2ln=="`, "date"},
		{"escaped quote", `keyId="a\"b",signature="c"`, `keyId="a\"b",signature="c"`, "date"},
		{"unknown parameter ignored", `keyId="k",realm="x",signature="c"`, `keyId="k",signature="c"`, "date"},
		{"parameter names are case-insensitive", `KEYID="k",Signature="c"`, `keyId="k",signature="c"`, "date"},

		{"empty", "", "", ""},
		{"blank", "   ", "", ""},
		{"missing keyId", `signature="c"`, "", ""},
		{"missing signature", `keyId="k"`, "", ""},
		{"empty keyId", `keyId="",signature="c"`, "", ""},
		{"duplicate keyId", `keyId="a",keyId="b",signature="c"`, "", ""},
		{"duplicate in other case", `keyId="a",keyid="b",signature="c"`, "", ""},
		{"trailing comma", `keyId="a",signature="c",`, "", ""},
		{"double comma", `keyId="a",,signature="c"`, "", ""},
		{"no equals", `keyId,signature="c"`, "", ""},
		{"unterminated quote", `keyId="a,signature="c`, "", ""},
		{"backslash at end", `keyId="a\`, "", ""},
		{"garbage after value", `keyId="a"x,signature="c"`, "", ""},
		{"semicolon separator", `keyId="a";signature="c"`, "", ""},
		{"control character", "keyId=\"a\x01\",signature=\"c\"", "", ""},
		{"newline in value", "keyId=\"a\nb\",signature=\"c\"", "", ""},
		{"empty headers", `keyId="a",headers=" ",signature="c"`, "", ""},
		{"created not a number", `keyId="a",created=abc,signature="c"`, "", ""},
		{"created negative", `keyId="a",created="-1",signature="c"`, "", ""},
		{"created overflow", `keyId="a",created=99999999999999999999,signature="c"`, "", ""},
		{"empty unquoted value", `keyId=,signature="c"`, "", ""},
		{"RFC 9421 Signature field", `sig1=:c2ln:`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseCavage(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("parsed %q as %+v", tt.in, p)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != tt.want {
				t.Errorf("String() = %s\nwant       %s", got, tt.want)
			}
			if got := strings.Join(p.coveredHeaders(), " "); got != tt.headers {
				t.Errorf("covered %q, want %q", got, tt.headers)
			}
		})
	}
}

func TestParseDictionary(t *testing.T) {
	tests := []struct {
		in   string
		want string // canonical serialization; "" means an error is expected
	}{
		{`sig1=("@method" "@target-uri" "@authority" "content-digest");created=1618884473;keyid="k";alg="rsa-v1_5-sha256"`,
			`sig1=("@method" "@target-uri" "@authority" "content-digest");created=1618884473;keyid="k";alg="rsa-v1_5-sha256"`},
		{`sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"`,
			`sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"`},
		{`a=1,    b=2;x=1;y=2,   c=(a   b   c)`, `a=1, b=2;x=1;y=2, c=(a b c)`},
		{`  a=1 ,	b=?0, c, d;x=?1;y=?0  `, `a=1, b=?0, c, d;x;y=?0`},
		{`x=( "a";p=1  "b" );q`, `x=("a";p=1 "b");q`},
		{`sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`, `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`},
		{`b=:YQ:`, `b=:YQ==:`},
		{`d=1.500, e=-0.25, f=123456789012.1`, `d=1.5, e=-0.25, f=123456789012.1`},
		{`n=-999999999999999, m=000123`, `n=-999999999999999, m=123`},
		{`s="a\"b\\c"`, `s="a\"b\\c"`},
		{`t=foo/bar:baz*`, `t=foo/bar:baz*`},
		{`a=1, a=2, b=3`, `a=2, b=3`},
		{`a=1;p=1;p=2`, `a=1;p=2`},
		{`*star=1`, `*star=1`},
		{``, ``},

		{`a=1,`, ""},
		{`a=1,,b=2`, ""},
		{`A=1`, ""},
		{`1a=1`, ""},
		{`a=`, ""},
		{`a=(1 2`, ""},
		{`a=(1,2)`, ""},
		{`a=((1))`, ""},
		{`a="unterminated`, ""},
		{`a="bad \q escape"`, ""},
		{"a=\"tab\there\"", ""},
		{`a="é"`, ""},
		{`a=:not base64!:`, ""},
		{`a=:YQ===:`, ""},
		{`a=:YQ`, ""},
		{`a=?2`, ""},
		{`a=1234567890123456`, ""},
		{`a=1234567890123.1`, ""},
		{`a=1.1234`, ""},
		{`a=1.`, ""},
		{`a=-`, ""},
		{`a=--1`, ""},
		{`a=@1659578233`, ""},
		{`a=%"display"`, ""},
		{`a=1 b=2`, ""},
		{`a=1;`, ""},
		{`a=1;P=2`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := parseDictionary(tt.in)
			if tt.want == "" && tt.in != "" {
				if err == nil {
					t.Fatalf("parsed as %s", serializeDictionary(m))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := serializeDictionary(m); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseRFC9421(t *testing.T) {
	tests := []struct {
		name, input, sig string
		ok               bool
		covered          string
	}{
		{"basic", `sig1=("@method" "@target-uri");created=1;keyid="k";alg="ed25519"`, `sig1=:c2ln:`, true, `"@method" "@target-uri"`},
		{"first label wins", `a=("@method");created=1;keyid="k", b=("@path");created=2;keyid="j"`, `b=:eA==:, a=:c2ln:`, true, `"@method"`},
		{"several Signature lines joined", `sig1=("@method");created=1;keyid="k"`, `other=:eA==:, sig1=:c2ln:`, true, `"@method"`},
		{"no matching label", `sig1=("@method");created=1;keyid="k"`, `sig2=:c2ln:`, false, ""},
		{"signature not bytes", `sig1=("@method");created=1;keyid="k"`, `sig1="c2ln"`, false, ""},
		{"input not inner list", `sig1="@method";created=1;keyid="k"`, `sig1=:c2ln:`, false, ""},
		{"component not a string", `sig1=(method);created=1;keyid="k"`, `sig1=:c2ln:`, false, ""},
		{"keyid not a string", `sig1=("@method");created=1;keyid=k`, `sig1=:c2ln:`, false, ""},
		{"created not an integer", `sig1=("@method");created="1";keyid="k"`, `sig1=:c2ln:`, false, ""},
		{"expires decimal", `sig1=("@method");created=1;expires=2.5;keyid="k"`, `sig1=:c2ln:`, false, ""},
		{"empty input", ``, `sig1=:c2ln:`, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseRFC9421(tt.input, tt.sig)
			if !tt.ok {
				if err == nil {
					t.Fatalf("parsed %+v", s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sb strings.Builder
			serializeInnerList(&sb, s.covered, nil)
			if got := strings.Trim(sb.String(), "()"); got != tt.covered || string(s.sig) != "sig" {
				t.Fatalf("covered %s sig %q", got, s.sig)
			}
		})
	}
}

func TestCheckDigest(t *testing.T) {
	body := []byte(`{"hello": "world"}`)
	const sha256 = "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
	const sha512 = "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew=="
	tests := []struct {
		header, reason string
	}{
		{"SHA-256=" + sha256, ""},
		{"sha-256=" + sha256, ""},
		{"SHA-512=" + sha512, ""},
		{"SHA-256=" + sha256 + ", SHA-512=" + sha512, ""},
		{"MD5=abc,SHA-256=" + sha256, ""},
		{"SHA-256=" + sha512, "digest mismatch"},
		{"SHA-256=" + sha256 + ",SHA-512=" + sha256, "digest mismatch"},
		{"MD5=Sd/dVLAcvNLSq16eXua5uQ==", "unsupported digest algorithm"},
		{"e37e179c75071a291f90a5fd4f848da87b491f1282f7bb8509ef2115b81ee0f4", "malformed digest"},
		{"SHA-256=!!!", "malformed digest"},
		{"", "malformed digest"},
	}
	for _, tt := range tests {
		if e := checkDigest(tt.header, body); (e == nil && tt.reason != "") || (e != nil && e.Reason != tt.reason) {
			t.Errorf("Digest %q: %v, want %q", tt.header, e, tt.reason)
		}
	}
	cd := []struct {
		header, reason string
	}{
		{"sha-256=:" + sha256 + ":", ""},
		{"sha-512=:" + sha512 + ":", ""},
		{"unixsum=:AAAA:, sha-512=:" + sha512 + ":", ""},
		{"sha-256=:" + sha512 + ":", "digest mismatch"},
		{"sha-256=" + sha256, "malformed digest"},
		{"sha-256=(:" + sha256 + ":)", "malformed digest"},
		{"md5=:Sd/dVLAcvNLSq16eXua5uQ==:", "unsupported digest algorithm"},
		{"SHA-256=:" + sha256 + ":", "malformed digest"},
	}
	for _, tt := range cd {
		if e := checkContentDigest(tt.header, body); (e == nil && tt.reason != "") || (e != nil && e.Reason != tt.reason) {
			t.Errorf("Content-Digest %q: %v, want %q", tt.header, e, tt.reason)
		}
	}
}
