package signature

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ParsePublicKeyPEM reads a public key as actors publish it in publicKeyPem:
// SPKI ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY"). Real documents do not all
// keep PEM's line breaks: some turn them into spaces, some drop them, some
// indent the lines or escape the breaks twice. Mastodon reads those, so the
// base64 body is taken between the BEGIN and END lines with all whitespace
// removed. Callers check the key's type and size.
func ParsePublicKeyPEM(s string) (crypto.PublicKey, error) {
	der, err := pemBody(s)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err == nil {
		return key, nil
	}
	if k, err1 := x509.ParsePKCS1PublicKey(der); err1 == nil {
		return k, nil
	}
	return nil, fmt.Errorf("public key: %w", err)
}

// pemBody returns the DER bytes of the first PEM block in s.
func pemBody(s string) ([]byte, error) {
	if block, _ := pem.Decode([]byte(s)); block != nil {
		return block.Bytes, nil
	}
	const begin, dashes = "-----BEGIN ", "-----"
	i := strings.Index(s, begin)
	if i < 0 {
		return nil, errors.New("no PEM block")
	}
	rest := s[i+len(begin):]
	j := strings.Index(rest, dashes)
	if j < 0 {
		return nil, errors.New("no PEM block")
	}
	label := rest[:j]
	rest = rest[j+len(dashes):]
	k := strings.Index(rest, "-----END "+label+dashes)
	if k < 0 {
		return nil, fmt.Errorf("PEM block %q without its END line", label)
	}
	// A backslash is not base64: "\n" written out is a doubly escaped break.
	body := strings.NewReplacer(`\r`, "", `\n`, "").Replace(rest[:k])
	body = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, body)
	if strings.Contains(body, ":") {
		return nil, fmt.Errorf("PEM block %q with headers", label)
	}
	der, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		der, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(body, "="))
	}
	if err != nil {
		return nil, fmt.Errorf("PEM block %q: %w", label, err)
	}
	return der, nil
}
