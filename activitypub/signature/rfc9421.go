package signature

// RFC 9421 (HTTP Message Signatures), written by hand: no Go library for it
// is available to this module. Only what federation needs is implemented:
// derived components of requests (and @status, for the RFC's response test
// vectors), plain header fields, and four asymmetric algorithms. Component
// parameters other than @query-param's "name" (sf, key, bs, req, tr) are
// rejected rather than half-supported.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
)

// Algorithm names from the RFC 9421 registry (§6.2.2).
const (
	algRSAv15SHA256  = "rsa-v1_5-sha256"
	algRSAPSSSHA512  = "rsa-pss-sha512"
	algECDSAP256     = "ecdsa-p256-sha256"
	algEd25519       = "ed25519"
	signatureParams  = "@signature-params"
	defaultSigLabel  = "sig1"
	componentNameKey = "name"
)

// message is the part of an HTTP message that signature components read.
type message struct {
	isRequest bool
	method    string
	scheme    string
	authority string // normalized: lowercase, default port removed
	target    string // request target as sent: path and query
	status    int    // responses only
	header    http.Header
	host      string // Host value when the header map lacks it (Go servers)
}

func requestMessage(r *http.Request, scheme string) *message {
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	scheme = strings.ToLower(scheme)
	return &message{
		isRequest: true,
		method:    r.Method,
		scheme:    scheme,
		authority: normalizeAuthority(host, scheme),
		target:    requestTarget(r),
		header:    r.Header,
		host:      host,
	}
}

func normalizeAuthority(host, scheme string) string {
	host = strings.ToLower(host)
	if (scheme == "https" && strings.HasSuffix(host, ":443")) ||
		(scheme == "http" && strings.HasSuffix(host, ":80")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	return host
}

func (m *message) pathAndQuery() (path string, query string, hasQuery bool) {
	path, query, hasQuery = strings.Cut(m.target, "?")
	if path == "" {
		path = "/"
	}
	return path, query, hasQuery
}

// componentValues returns the value(s) of one covered component. Only
// @query-param can yield several (one line each, RFC 9421 §2.2.8).
func (m *message) componentValues(c sfItem) ([]string, error) {
	if c.bare.kind != sfString {
		return nil, errors.New("component identifier is not a string")
	}
	name := c.bare.s
	var nameParam string
	for _, p := range c.params {
		if name == "@query-param" && p.key == componentNameKey && p.val.kind == sfString {
			nameParam = p.val.s
			continue
		}
		return nil, fmt.Errorf("unsupported component parameter %q", p.key)
	}
	if !strings.HasPrefix(name, "@") {
		vals, ok := fieldValues(m.header, m.host, name)
		if !ok {
			return nil, fmt.Errorf("%w: %q", errMissingField, name)
		}
		return []string{strings.Join(vals, ", ")}, nil
	}
	if name == "@status" {
		if m.isRequest {
			return nil, errors.New("@status on a request")
		}
		return []string{fmt.Sprintf("%03d", m.status)}, nil
	}
	if !m.isRequest {
		return nil, fmt.Errorf("%s on a response", name)
	}
	path, query, hasQuery := m.pathAndQuery()
	switch name {
	case "@method":
		return []string{m.method}, nil
	case "@target-uri":
		return []string{m.scheme + "://" + m.authority + path + queryPart(query, hasQuery)}, nil
	case "@authority":
		return []string{m.authority}, nil
	case "@scheme":
		return []string{m.scheme}, nil
	case "@request-target":
		return []string{path + queryPart(query, hasQuery)}, nil
	case "@path":
		return []string{path}, nil
	case "@query":
		return []string{"?" + query}, nil
	case "@query-param":
		if nameParam == "" {
			return nil, errors.New("@query-param without name")
		}
		var vals []string
		for pair := range strings.SplitSeq(query, "&") {
			k, v, _ := strings.Cut(pair, "=")
			dk, err1 := url.QueryUnescape(k)
			dv, err2 := url.QueryUnescape(v)
			if err1 != nil || err2 != nil {
				return nil, errors.New("invalid query string")
			}
			if formEncode(dk) == nameParam {
				vals = append(vals, formEncode(dv))
			}
		}
		if len(vals) == 0 {
			return nil, fmt.Errorf("query parameter %q missing", nameParam)
		}
		return vals, nil
	}
	return nil, fmt.Errorf("unsupported derived component %q", name)
}

func queryPart(query string, hasQuery bool) string {
	if !hasQuery {
		return ""
	}
	return "?" + query
}

// formEncode percent-encodes with the WHATWG application/x-www-form-urlencoded
// set, spaces as %20 (RFC 9421 §2.2.8); url.QueryEscape differs on ' ', '*', '~'.
func formEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlpha(c) || isDigit(c) || c == '*' || c == '-' || c == '.' || c == '_' {
			sb.WriteByte(c)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(hex[c>>4])
		sb.WriteByte(hex[c&15])
	}
	return sb.String()
}

// signatureBase builds the signature base of RFC 9421 §2.5.
func signatureBase(m *message, covered []sfItem, params []sfParam) (string, error) {
	var sb strings.Builder
	seen := make(map[string]bool, len(covered))
	for _, c := range covered {
		id := c.String()
		if seen[id] {
			return "", fmt.Errorf("component %s covered twice", id)
		}
		seen[id] = true
		if c.bare.kind == sfString && c.bare.s == signatureParams {
			return "", errors.New("@signature-params cannot be covered")
		}
		vals, err := m.componentValues(c)
		if err != nil {
			return "", err
		}
		for _, v := range vals {
			if strings.ContainsAny(v, "\r\n") {
				return "", fmt.Errorf("component %s contains a line break", id)
			}
			sb.WriteString(id)
			sb.WriteString(": ")
			sb.WriteString(v)
			sb.WriteByte('\n')
		}
	}
	sb.WriteString(`"` + signatureParams + `": `)
	serializeInnerList(&sb, covered, params)
	return sb.String(), nil
}

// inferAlg picks the algorithm for a key when the signature has no alg.
// RSA keys map to rsa-v1_5-sha256, the one federation uses; rsa-pss-sha512
// needs an explicit alg.
func inferAlg(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return algRSAv15SHA256
	case ed25519.PublicKey:
		return algEd25519
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return algECDSAP256
		}
	}
	return ""
}

var errKeyAlg = errors.New("key type does not match algorithm")

// verifyRFC9421Alg checks sig over base with pub using an RFC 9421 algorithm.
func verifyRFC9421Alg(alg string, pub crypto.PublicKey, base string, sig []byte) error {
	switch alg {
	case algRSAv15SHA256:
		k, ok := pub.(*rsa.PublicKey)
		if !ok || k.N == nil {
			return errKeyAlg
		}
		h := sha256.Sum256([]byte(base))
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig)
	case algRSAPSSSHA512:
		k, ok := pub.(*rsa.PublicKey)
		if !ok || k.N == nil {
			return errKeyAlg
		}
		h := sha512.Sum512([]byte(base))
		return rsa.VerifyPSS(k, crypto.SHA512, h[:], sig, &rsa.PSSOptions{SaltLength: 64, Hash: crypto.SHA512})
	case algECDSAP256:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve != elliptic.P256() {
			return errKeyAlg
		}
		if len(sig) != 64 { // r‖s, 32 bytes each (RFC 9421 §3.3.4)
			return errors.New("bad ecdsa signature length")
		}
		h := sha256.Sum256([]byte(base))
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(k, h[:], r, s) {
			return errors.New("ecdsa verification failed")
		}
		return nil
	case algEd25519:
		k, ok := pub.(ed25519.PublicKey)
		if !ok || len(k) != ed25519.PublicKeySize {
			return errKeyAlg
		}
		if !ed25519.Verify(k, []byte(base), sig) {
			return errors.New("ed25519 verification failed")
		}
		return nil
	}
	return fmt.Errorf("unsupported algorithm %q", alg)
}

// rfc9421Signature is one parsed signature: a Signature-Input member and
// the matching Signature bytes.
type rfc9421Signature struct {
	label   string
	covered []sfItem
	params  []sfParam
	sig     []byte
	keyID   string
	alg     string
	created int64
	expires int64
	hasExp  bool
}

// parseRFC9421 takes the first member of Signature-Input (RFC 9421 lets a
// message carry several; federation peers send one) and its Signature.
func parseRFC9421(sigInput, sigHeader string) (*rfc9421Signature, error) {
	inputs, err := parseDictionary(sigInput)
	if err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, errors.New("empty Signature-Input")
	}
	in := inputs[0]
	if !in.val.isList {
		return nil, errors.New("signature input is not an inner list")
	}
	sigs, err := parseDictionary(sigHeader)
	if err != nil {
		return nil, err
	}
	out := &rfc9421Signature{label: in.key, covered: in.val.list, params: in.val.params}
	found := false
	for _, m := range sigs {
		if m.key != in.key {
			continue
		}
		it, ok := m.val.item()
		if !ok || it.bare.kind != sfBytes {
			return nil, errors.New("signature is not a byte sequence")
		}
		out.sig, found = it.bare.b, true
	}
	if !found {
		return nil, fmt.Errorf("no signature for label %q", in.key)
	}
	for _, c := range out.covered {
		if c.bare.kind != sfString {
			return nil, errors.New("component identifier is not a string")
		}
	}
	for _, p := range out.params {
		switch p.key {
		case "keyid", "alg":
			if p.val.kind != sfString {
				return nil, fmt.Errorf("%s is not a string", p.key)
			}
			if p.key == "keyid" {
				out.keyID = p.val.s
			} else {
				out.alg = p.val.s
			}
		case "created", "expires":
			if p.val.kind != sfInteger {
				return nil, fmt.Errorf("%s is not an integer", p.key)
			}
			if p.key == "created" {
				out.created = p.val.i
			} else {
				out.expires, out.hasExp = p.val.i, true
			}
		}
	}
	return out, nil
}

func (s *rfc9421Signature) covers(name string) bool {
	for _, c := range s.covered {
		if len(c.params) == 0 && strings.EqualFold(c.bare.s, name) {
			return true
		}
	}
	return false
}

func (s *rfc9421Signature) hasCreated() bool {
	_, ok := param(s.params, "created")
	return ok
}
