package activitypub

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/kontor-social/kontor/activitypub/signature"
)

// KeyBits is the size of actor keys: RSA-2048, which every peer verifies.
const KeyBits = 2048

// GenerateKeyPair makes an RSA key pair and returns it PEM-encoded: the
// private key as PKCS#1, the public key as SPKI ("PUBLIC KEY"), which is what
// Mastodon publishes and expects.
func GenerateKeyPair() (privatePEM, publicPEM string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return "", "", fmt.Errorf("activitypub: generate key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", fmt.Errorf("activitypub: marshal public key: %w", err)
	}
	privatePEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	publicPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	return privatePEM, publicPEM, nil
}

// ParsePrivateKey reads a PEM RSA private key (PKCS#1 or PKCS#8).
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("activitypub: private key: no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("activitypub: private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("activitypub: private key is not RSA")
	}
	return rk, nil
}

// ParsePublicKey reads a PEM public key as peers publish it: SPKI ("PUBLIC
// KEY", RSA or Ed25519) or PKCS#1 ("RSA PUBLIC KEY"), whitespace tolerated.
func ParsePublicKey(s string) (crypto.PublicKey, error) {
	k, err := signature.ParsePublicKeyPEM(s)
	if err != nil {
		return nil, fmt.Errorf("activitypub: %w", err)
	}
	return k, nil
}
