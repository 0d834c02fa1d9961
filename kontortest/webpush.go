package kontortest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/hkdf"
)

// PushService is a fake Web Push service holding one browser's keys: it
// checks each request's VAPID signature, decrypts the message as a browser
// would (RFC 8291) and answers with the statuses queued by Answer (201 when
// none are left).
type PushService struct {
	t      testing.TB
	server *httptest.Server
	key    *ecdh.PrivateKey
	auth   []byte

	mu      sync.Mutex
	answers []int
	pushes  []Push
	held    chan struct{} // while not nil, requests wait for it to close
}

// Push is one request the fake push service received.
type Push struct {
	Status    int    // what the service answered
	Payload   []byte // decrypted
	Header    http.Header
	Audience  string // the VAPID JWT's aud
	Subject   string // the VAPID JWT's sub
	Expires   int64  // the VAPID JWT's exp (Unix seconds)
	ServerKey string // the k= of the VAPID header
	Err       error  // why the request was refused (bad signature, undecryptable)
}

// NewPushService starts a fake push service until the test ends.
func NewPushService(t testing.TB) *PushService {
	t.Helper()
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s := &PushService{t: t, key: key, auth: make([]byte, 16)}
	rand.Read(s.auth) //nolint:errcheck
	s.server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.server.Close)
	return s
}

// Endpoint is the subscription's endpoint URL.
func (s *PushService) Endpoint() string { return s.server.URL + "/push/abc" }

// P256dh is the browser's public key, base64url.
func (s *PushService) P256dh() string {
	return base64.RawURLEncoding.EncodeToString(s.key.PublicKey().Bytes())
}

// Auth is the browser's authentication secret, base64url.
func (s *PushService) Auth() string { return base64.RawURLEncoding.EncodeToString(s.auth) }

// Answer queues the statuses of the next requests.
func (s *PushService) Answer(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers = append(s.answers, statuses...)
}

// Pushes returns what was received so far.
func (s *PushService) Pushes() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.pushes...)
}

// Hold makes requests wait, unanswered, until release is called or the
// sender gives up (its request is then not recorded).
func (s *PushService) Hold() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.held = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.held = nil
			s.mu.Unlock()
			close(ch)
		})
	}
}

func (s *PushService) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	held := s.held
	s.mu.Unlock()
	if held != nil {
		select {
		case <-held:
		case <-r.Context().Done():
			return
		}
		if r.Context().Err() != nil { // both were ready
			return
		}
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<10))
	p := Push{Header: r.Header.Clone(), Status: http.StatusCreated}
	p.Audience, p.Subject, p.Expires, p.ServerKey, p.Err = VerifyVAPID(r.Header.Get("Authorization"))
	if p.Err == nil && r.Header.Get("Content-Encoding") != "aes128gcm" {
		p.Err = fmt.Errorf("Content-Encoding %q", r.Header.Get("Content-Encoding"))
	}
	if p.Err == nil {
		p.Payload, p.Err = DecryptWebPush(body, s.key, s.auth)
	}
	s.mu.Lock()
	if p.Err != nil {
		p.Status = http.StatusBadRequest
	} else if len(s.answers) > 0 {
		p.Status, s.answers = s.answers[0], s.answers[1:]
	}
	s.pushes = append(s.pushes, p)
	s.mu.Unlock()
	w.WriteHeader(p.Status)
}

// DecryptWebPush decrypts an RFC 8291 aes128gcm message (one record) with
// the receiver's private key and authentication secret, as a browser does.
func DecryptWebPush(body []byte, key *ecdh.PrivateKey, authSecret []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("webpush: short message")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idlen || idlen != 65 {
		return nil, fmt.Errorf("webpush: keyid of %d bytes", idlen)
	}
	senderKey, err := ecdh.P256().NewPublicKey(body[21 : 21+idlen])
	if err != nil {
		return nil, fmt.Errorf("webpush: sender key: %w", err)
	}
	ciphertext := body[21+idlen:]
	if uint32(len(ciphertext)) > rs {
		return nil, errors.New("webpush: more than one record")
	}
	shared, err := key.ECDH(senderKey)
	if err != nil {
		return nil, err
	}
	info := append([]byte("WebPush: info\x00"), key.PublicKey().Bytes()...)
	info = append(info, senderKey.Bytes()...)
	ikm := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, shared, authSecret, info), ikm); err != nil {
		return nil, err
	}
	cek, nonce := make([]byte, 16), make([]byte, 12)
	if _, err := io.ReadFull(hkdf.New(sha256.New, ikm, salt, []byte("Content-Encoding: aes128gcm\x00")), cek); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(hkdf.New(sha256.New, ikm, salt, []byte("Content-Encoding: nonce\x00")), nonce); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		return nil, fmt.Errorf("webpush: decrypt: %w", err)
	}
	// The last record ends with the delimiter 2, then zero padding.
	end := len(plain) - 1
	for end >= 0 && plain[end] == 0 {
		end--
	}
	if end < 0 || plain[end] != 2 {
		return nil, errors.New("webpush: no last-record delimiter")
	}
	return plain[:end], nil
}

// VerifyVAPID checks an RFC 8292 header "vapid t=<JWT>, k=<key>": the JWT
// must be ES256 and signed by k. It returns the JWT's aud, sub and exp and k.
func VerifyVAPID(header string) (aud, sub string, exp int64, k string, err error) {
	rest, ok := strings.CutPrefix(header, "vapid ")
	if !ok {
		return "", "", 0, "", fmt.Errorf("vapid: authorization %q", header)
	}
	var tok string
	for _, part := range strings.Split(rest, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch name {
		case "t":
			tok = value
		case "k":
			k = value
		}
	}
	pub, err := base64.RawURLEncoding.DecodeString(k)
	if err != nil || len(pub) != 65 {
		return "", "", 0, "", fmt.Errorf("vapid: key %q", k)
	}
	key, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pub)
	if err != nil {
		return "", "", 0, "", fmt.Errorf("vapid: key: %w", err)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", "", 0, "", errors.New("vapid: not a JWT")
	}
	var head struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Aud string `json:"aud"`
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
	}
	if err := decodeJWTPart(parts[0], &head); err != nil || head.Alg != "ES256" {
		return "", "", 0, "", fmt.Errorf("vapid: header %s (%v)", parts[0], err)
	}
	if err := decodeJWTPart(parts[1], &claims); err != nil {
		return "", "", 0, "", err
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return "", "", 0, "", errors.New("vapid: signature")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(key, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return "", "", 0, "", errors.New("vapid: bad signature")
	}
	return claims.Aud, claims.Sub, claims.Exp, k, nil
}

func decodeJWTPart(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("vapid: %w", err)
	}
	return json.Unmarshal(b, v)
}
