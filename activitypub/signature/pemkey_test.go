package signature

import (
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestParsePublicKeyPEMTolerant(t *testing.T) {
	k, _ := testKeys()
	spki, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	std := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.PublicKey)}))
	edPub, _, _ := ed25519.GenerateKey(nil)
	edDER, _ := x509.MarshalPKIXPublicKey(edPub)
	ed := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edDER}))
	spaced := func(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", " ") }
	good := map[string]string{
		"standard":          std,
		"spaces":            spaced(std),
		"no breaks":         strings.ReplaceAll(std, "\n", ""),
		"escaped breaks":    strings.ReplaceAll(std, "\n", `\n`),
		"crlf":              strings.ReplaceAll(std, "\n", "\r\n"),
		"pkcs1 spaces":      spaced(pkcs1),
		"leading text":      "key: " + spaced(std),
		"ed25519 no breaks": strings.ReplaceAll(ed, "\n", ""),
	}
	for name, s := range good {
		pub, err := ParsePublicKeyPEM(s)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		switch p := pub.(type) {
		case *rsa.PublicKey:
			if !p.Equal(&k.PublicKey) {
				t.Errorf("%s: another key", name)
			}
		case ed25519.PublicKey:
			if !p.Equal(edPub) {
				t.Errorf("%s: another key", name)
			}
		default:
			t.Errorf("%s: %T", name, pub)
		}
	}
	bad := map[string]string{
		"empty":        "",
		"no pem":       "hello",
		"no end":       "-----BEGIN PUBLIC KEY----- " + spaced(std)[len("-----BEGIN PUBLIC KEY----- "):len(spaced(std))-len("-----END PUBLIC KEY-----")],
		"other end":    strings.Replace(spaced(std), "END PUBLIC KEY", "END PRIVATE KEY", 1),
		"not base64":   "-----BEGIN PUBLIC KEY----- %%%% -----END PUBLIC KEY-----",
		"not a key":    "-----BEGIN PUBLIC KEY----- aGVsbG8gd29ybGQ= -----END PUBLIC KEY-----",
		"begin only":   "-----BEGIN PUBLIC KEY",
		"with headers": "-----BEGIN PUBLIC KEY----- Proc-Type: 4,ENCRYPTED " + spaced(std)[len("-----BEGIN PUBLIC KEY----- "):],
	}
	for name, s := range bad {
		if _, err := ParsePublicKeyPEM(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
