package signature

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-fed/httpsig"
)

func checkSignArgs(r *http.Request, keyID string, key *rsa.PrivateKey) error {
	if r == nil || r.URL == nil {
		return errors.New("signature: request without URL")
	}
	if key == nil {
		return errors.New("signature: nil private key")
	}
	if keyID == "" {
		return errors.New("signature: empty key id")
	}
	// Keeps keyID valid both as a cavage quoted string and an RFC 8941 string.
	for i := 0; i < len(keyID); i++ {
		if c := keyID[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return fmt.Errorf("signature: invalid character in key id %q", keyID)
		}
	}
	return nil
}

// prepareHost makes the signed Host agree with the one Go sends: r.Host if
// set, else the URL's host. Go's client writes r.Host and ignores
// Header["Host"], which exists only for the signing code to read.
func prepareHost(r *http.Request) error {
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if host == "" {
		return errors.New("signature: request has no host")
	}
	r.Host = host
	r.Header.Set("Host", host)
	return nil
}

// SignRequest signs an outgoing request with draft-cavage HTTP Signatures,
// algorithm rsa-sha256, using go-fed/httpsig. body must be the exact bytes
// that will be sent; nil means no body.
//
// It sets Date (if missing) and Host. Without a body it signs
// "(request-target) host date"; with one it also sets Digest (SHA-256) and
// signs "digest" and, when Content-Type is set, "content-type". Existing
// Signature and Digest headers are replaced, so a request can be re-signed
// for a retry.
func SignRequest(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey) error {
	if err := checkSignArgs(r, keyID, key); err != nil {
		return err
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if err := prepareHost(r); err != nil {
		return err
	}
	if r.Header.Get("Date") == "" {
		r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	headers := []string{httpsig.RequestTarget, "host", "date"}
	r.Header.Del("Signature")
	if body != nil {
		r.Header.Del("Digest") // go-fed refuses to overwrite it
		headers = append(headers, "digest")
		if r.Header.Get("Content-Type") != "" {
			headers = append(headers, "content-type")
		}
	}
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	// go-fed puts the decoded r.URL.Path in (request-target); peers rebuild it
	// from the escaped path on the wire. Hand it a copy whose Path is that.
	// The copy shares r.Header, so the headers land on r.
	path, query, _ := strings.Cut(requestTarget(r), "?")
	u := *r.URL
	u.Path, u.RawPath, u.RawQuery = path, "", query
	wire := *r
	wire.URL = &u
	if err := signer.SignRequest(key, keyID, &wire, body); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	// go-fed always announces algorithm="hs2019"; say what it is, as
	// Mastodon and older peers expect.
	p, err := parseCavage(r.Header.Get("Signature"))
	if err != nil {
		return fmt.Errorf("signature: unexpected go-fed/httpsig output: %w", err)
	}
	p.algorithm = "rsa-sha256"
	r.Header.Set("Signature", p.String())
	return nil
}

// SignRequestRFC9421 signs an outgoing request with RFC 9421 HTTP Message
// Signatures, rsa-v1_5-sha256, label "sig1", covering "@method" "@target-uri"
// "@authority" and, when body is not nil, "content-digest" (it then sets
// Content-Digest: sha-256=:…: per RFC 9530). created is the signature's
// creation time (time.Now if zero). Used when a peer rejects cavage. RFC 9421
// is implemented by hand here: no library for it is available.
func SignRequestRFC9421(r *http.Request, body []byte, keyID string, key *rsa.PrivateKey, created time.Time) error {
	if err := checkSignArgs(r, keyID, key); err != nil {
		return err
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if err := prepareHost(r); err != nil {
		return err
	}
	if created.IsZero() {
		created = time.Now()
	}
	covered := []sfItem{sfStringItem("@method"), sfStringItem("@target-uri"), sfStringItem("@authority")}
	if body != nil {
		r.Header.Set("Content-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(digestSHA256(body))+":")
		covered = append(covered, sfStringItem("content-digest"))
	}
	params := []sfParam{
		{key: "created", val: sfBare{kind: sfInteger, i: created.Unix()}},
		{key: "keyid", val: sfBare{kind: sfString, s: keyID}},
		{key: "alg", val: sfBare{kind: sfString, s: algRSAv15SHA256}},
	}
	scheme := r.URL.Scheme
	if scheme == "" {
		scheme = "https"
	}
	base, err := signatureBase(requestMessage(r, scheme), covered, params)
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	h := sha256.Sum256([]byte(base))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	var input strings.Builder
	input.WriteString(defaultSigLabel + "=")
	serializeInnerList(&input, covered, params)
	r.Header.Set("Signature-Input", input.String())
	r.Header.Set("Signature", defaultSigLabel+"=:"+base64.StdEncoding.EncodeToString(sig)+":")
	return nil
}
