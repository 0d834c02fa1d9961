package signature

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// KeyResolver finds the public key a remote server signed with.
type KeyResolver interface {
	// PublicKey returns the key for keyID and the actor URI that owns it.
	// refresh=true asks to bypass any cache (key rotation).
	PublicKey(ctx context.Context, keyID string, refresh bool) (pub crypto.PublicKey, owner string, err error)
}

// Scheme names reported in Result.Scheme.
const (
	SchemeCavage  = "cavage"
	SchemeRFC9421 = "rfc9421"
)

// Result describes a verified signature. The caller still has to check that
// Owner may act for the activity's actor.
type Result struct {
	KeyID   string
	Owner   string
	Scheme  string    // SchemeCavage or SchemeRFC9421
	Created time.Time // the signed Date, or the created parameter
}

// VerifyOptions tunes Verify. The zero value is usable.
type VerifyOptions struct {
	Now           func() time.Time // default time.Now
	MaxAge        time.Duration    // default 12h: older Date/created is rejected
	MaxSkew       time.Duration    // default 1h: Date/created further in the future is rejected; also the grace after expires
	RequireDigest bool             // true for POST: a body digest must be signed and match
	// Scheme is the scheme this server is reached by, for RFC 9421
	// @target-uri and @scheme (default "https"). It is configuration, not
	// taken from the request: X-Forwarded-Proto could be forged.
	Scheme string
	// Hosts are the names this server is reached by (host[:port]). When
	// set, the host a signature covers must be one of them.
	Hosts []string
}

func (o VerifyOptions) withDefaults() VerifyOptions {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 12 * time.Hour
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = time.Hour
	}
	if o.Scheme == "" {
		o.Scheme = "https"
	}
	return o
}

func (o *VerifyOptions) checkTime(t time.Time) *Error {
	now := o.Now()
	if now.Sub(t) > o.MaxAge {
		return fail(reasonExpired, nil)
	}
	if t.Sub(now) > o.MaxSkew {
		return fail(reasonFuture, nil)
	}
	return nil
}

func (o *VerifyOptions) checkExpires(unix int64) *Error {
	if o.Now().Sub(time.Unix(unix, 0)) > o.MaxSkew {
		return fail(reasonExpired, nil)
	}
	return nil
}

// Verify checks the HTTP signature of an incoming request. body is the
// request body as received (nil for none).
//
// A request with Signature-Input is verified as RFC 9421; only its first
// signature is considered (federation peers send one). Otherwise the
// draft-cavage Signature header, or "Authorization: Signature …", is used.
// Coverage, dates and digests are checked before the key is resolved; if
// the signature does not verify with the key returned, the key is resolved
// once more with refresh=true. Every failure is an *Error whose Reason can
// be shown to the peer.
func Verify(ctx context.Context, r *http.Request, body []byte, keys KeyResolver, opts VerifyOptions) (*Result, error) {
	if r == nil {
		return nil, fail(reasonNoSignature, errors.New("nil request"))
	}
	opts = opts.withDefaults()
	var (
		res *Result
		err *Error
	)
	if len(r.Header.Values("Signature-Input")) > 0 {
		res, err = verifyRFC9421(ctx, r, body, keys, &opts)
	} else {
		res, err = verifyCavage(ctx, r, body, keys, &opts)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

func cavageHeader(r *http.Request) (string, *Error) {
	sigs := r.Header.Values("Signature")
	if len(sigs) > 1 {
		return "", fail(reasonMultiple, nil)
	}
	if len(sigs) == 1 {
		return sigs[0], nil
	}
	scheme, rest, _ := strings.Cut(strings.TrimLeft(r.Header.Get("Authorization"), " "), " ")
	if strings.EqualFold(scheme, "Signature") {
		return rest, nil
	}
	return "", fail(reasonNoSignature, nil)
}

func verifyCavage(ctx context.Context, r *http.Request, body []byte, keys KeyResolver, opts *VerifyOptions) (*Result, *Error) {
	raw, e := cavageHeader(r)
	if e != nil {
		return nil, e
	}
	p, err := parseCavage(raw)
	if err != nil {
		return nil, fail(reasonMalformed, err)
	}
	switch p.algorithm {
	case "", "hs2019", "rsa-sha256", "ed25519":
	default:
		return nil, fail(reasonUnsupportedAlg, nil)
	}
	covered := map[string]bool{}
	for _, h := range p.coveredHeaders() {
		covered[h] = true
	}
	// draft-cavage §2.3 (and Mastodon): pseudo-headers only with hs2019.
	if p.algorithm == "rsa-sha256" && (covered["(created)"] || covered["(expires)"]) {
		return nil, fail(reasonPseudoHeader, nil)
	}
	required := []string{"(request-target)", "host"}
	if !covered["(created)"] {
		required = append(required, "date")
	}
	if opts.RequireDigest {
		required = append(required, "digest")
	}
	for _, h := range required {
		if !covered[h] {
			return nil, fail(reasonMissingSigned+h, nil)
		}
	}
	if host, e := cavageHost(r); e != nil {
		return nil, e
	} else if e := opts.checkHost(host); e != nil {
		return nil, e
	}

	var created time.Time
	if covered["(created)"] {
		if !p.hasCreated {
			return nil, fail(reasonMalformed, errors.New("(created) signed without created parameter"))
		}
		created = time.Unix(p.created, 0)
		if e := opts.checkTime(created); e != nil {
			return nil, e
		}
	}
	if covered["date"] {
		t, err := http.ParseTime(r.Header.Get("Date"))
		if err != nil {
			return nil, fail(reasonInvalidDate, err)
		}
		if e := opts.checkTime(t); e != nil {
			return nil, e
		}
		created = t
	}
	if p.hasExpires {
		if e := opts.checkExpires(p.expires); e != nil {
			return nil, e
		}
	}

	if d := r.Header.Values("Digest"); len(d) > 0 {
		if e := checkDigest(strings.Join(d, ","), body); e != nil {
			return nil, e
		}
	} else if opts.RequireDigest {
		return nil, fail(reasonNoDigest, nil)
	}

	signingString, err := cavageSigningString(r, p)
	if err != nil {
		return nil, fail(reasonMissingHeader, err)
	}
	sig, err := decodeBase64(p.signature)
	if err != nil {
		return nil, fail(reasonMalformed, err)
	}
	owner, e := resolveAndCheck(ctx, keys, p.keyID, func(pub crypto.PublicKey) error {
		return verifyCavageAlg(p.algorithm, pub, signingString, sig)
	})
	if e != nil {
		return nil, e
	}
	return &Result{KeyID: p.keyID, Owner: owner, Scheme: SchemeCavage, Created: created}, nil
}

// decodeBase64 accepts standard base64 with or without padding.
func decodeBase64(s string) ([]byte, error) {
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// verifyCavageAlg verifies a draft-cavage signature. hs2019 and a missing
// algorithm mean "whatever the key is": RSA keys use RSASSA-PKCS1-v1_5 with
// SHA-256, as GoToSocial and Mastodon sign hs2019.
func verifyCavageAlg(alg string, pub crypto.PublicKey, signingString string, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg == "ed25519" || k.N == nil {
			return errKeyAlg
		}
		h := sha256.Sum256([]byte(signingString))
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig)
	case ed25519.PublicKey:
		if alg == "rsa-sha256" || len(k) != ed25519.PublicKeySize {
			return errKeyAlg
		}
		if !ed25519.Verify(k, []byte(signingString), sig) {
			return errors.New("ed25519 verification failed")
		}
		return nil
	}
	return fmt.Errorf("unsupported key type %T", pub)
}

// resolveAndCheck resolves keyID and runs check; on failure it resolves again
// with refresh=true, so a rotated key is picked up once.
func resolveAndCheck(ctx context.Context, keys KeyResolver, keyID string, check func(crypto.PublicKey) error) (string, *Error) {
	if keys == nil {
		return "", fail(reasonUnknownKey, errors.New("no key resolver"))
	}
	pub, owner, err := keys.PublicKey(ctx, keyID, false)
	if err != nil {
		return "", fail(reasonUnknownKey, err)
	}
	if pub != nil && check(pub) == nil {
		return owner, nil
	}
	pub, owner, err = keys.PublicKey(ctx, keyID, true)
	if err != nil {
		return "", fail(reasonInvalid, err)
	}
	if pub == nil {
		return "", fail(reasonUnknownKey, nil)
	}
	if err := check(pub); err != nil {
		return "", fail(reasonInvalid, err)
	}
	return owner, nil
}

var errMissingField = errors.New("signed field missing from message")

func verifyRFC9421(ctx context.Context, r *http.Request, body []byte, keys KeyResolver, opts *VerifyOptions) (*Result, *Error) {
	s, err := parseRFC9421(
		strings.Join(r.Header.Values("Signature-Input"), ", "),
		strings.Join(r.Header.Values("Signature"), ", "))
	if err != nil {
		return nil, fail(reasonMalformed, err)
	}
	if s.keyID == "" {
		return nil, fail(reasonMissingKeyID, nil)
	}
	switch s.alg {
	case "", algRSAv15SHA256, algRSAPSSSHA512, algECDSAP256, algEd25519:
	default:
		return nil, fail(reasonUnsupportedAlg, nil)
	}
	if !s.hasCreated() {
		return nil, fail(reasonMissingCreated, nil)
	}
	created := time.Unix(s.created, 0)
	if e := opts.checkTime(created); e != nil {
		return nil, e
	}
	if s.hasExp {
		if e := opts.checkExpires(s.expires); e != nil {
			return nil, e
		}
	}

	if !s.covers("@method") {
		return nil, fail(reasonMissingComponent+"@method", nil)
	}
	// @authority with @path or @request-target also names the resource. The
	// query may go unsigned, as in RFC 9421 B.4; for inboxes the body digest
	// is what matters.
	if !s.covers("@target-uri") && !(s.covers("@authority") && (s.covers("@path") || s.covers("@request-target"))) {
		return nil, fail(reasonMissingComponent+"@target-uri", nil)
	}
	msg := requestMessage(r, opts.Scheme)
	if e := opts.checkHost(msg.host); e != nil {
		return nil, e
	}
	if opts.RequireDigest && !s.covers("content-digest") {
		return nil, fail(reasonMissingComponent+"content-digest", nil)
	}
	if d := r.Header.Values("Content-Digest"); len(d) > 0 {
		if e := checkContentDigest(strings.Join(d, ", "), body); e != nil {
			return nil, e
		}
	} else if opts.RequireDigest {
		return nil, fail(reasonNoDigest, nil)
	}

	base, err := signatureBase(msg, s.covered, s.params)
	if err != nil {
		if errors.Is(err, errMissingField) {
			return nil, fail(reasonMissingHeader, err)
		}
		return nil, fail(reasonBadComponent, err)
	}
	owner, e := resolveAndCheck(ctx, keys, s.keyID, func(pub crypto.PublicKey) error {
		alg := s.alg
		if alg == "" {
			alg = inferAlg(pub)
		}
		return verifyRFC9421Alg(alg, pub, base, s.sig)
	})
	if e != nil {
		return nil, e
	}
	return &Result{KeyID: s.keyID, Owner: owner, Scheme: SchemeRFC9421, Created: created}, nil
}
