package signature

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// The reference vectors live outside the repository (see the brief's
// /work/shared/testdata/httpsig/SOURCES.md); KONTOR_HTTPSIG_TESTDATA overrides
// the location. Tests that need them skip, loudly, when they are absent.
func testdataDir() string {
	if d := os.Getenv("KONTOR_HTTPSIG_TESTDATA"); d != "" {
		return d
	}
	return "/work/shared/testdata/httpsig"
}

func readTestdata(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir(), rel))
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("reference vectors not found (%v); set KONTOR_HTTPSIG_TESTDATA", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func parsePEMPublicKey(tb testing.TB, data []byte) crypto.PublicKey {
	tb.Helper()
	blk, _ := pem.Decode(data)
	if blk == nil {
		tb.Fatal("no PEM block")
	}
	var (
		k   crypto.PublicKey
		err error
	)
	switch blk.Type {
	case "RSA PUBLIC KEY":
		k, err = x509.ParsePKCS1PublicKey(blk.Bytes)
	case "PUBLIC KEY":
		k, err = x509.ParsePKIXPublicKey(blk.Bytes)
	default:
		tb.Fatalf("unexpected PEM type %q", blk.Type)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func parsePEMPrivateKey(tb testing.TB, data []byte) crypto.Signer {
	tb.Helper()
	blk, _ := pem.Decode(data)
	if blk == nil {
		tb.Fatal("no PEM block")
	}
	var (
		k   any
		err error
	)
	switch blk.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	default:
		tb.Fatalf("unexpected PEM type %q", blk.Type)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return k.(crypto.Signer)
}

// Generated keys are shared: RSA-2048 generation is slow.
var testKeys = sync.OnceValues(func() (*rsa.PrivateKey, *rsa.PrivateKey) {
	a, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	b, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return a, b
})

// stubResolver hands out keys in order (the last one repeats) and records
// the refresh flag of every call.
type stubResolver struct {
	keys  []crypto.PublicKey
	owner string
	err   error
	calls []bool
}

func (s *stubResolver) PublicKey(_ context.Context, _ string, refresh bool) (crypto.PublicKey, string, error) {
	s.calls = append(s.calls, refresh)
	if s.err != nil {
		return nil, "", s.err
	}
	i := min(len(s.calls)-1, len(s.keys)-1)
	return s.keys[i], s.owner, nil
}

func resolverFor(keys ...crypto.PublicKey) *stubResolver {
	return &stubResolver{keys: keys, owner: "https://remote.example/users/alice"}
}

// overTheWire serializes a client request and parses it back as a server
// would see it (RequestURI set, Host moved out of the header map, body read).
func overTheWire(tb testing.TB, r *http.Request, body []byte) (*http.Request, []byte) {
	tb.Helper()
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		tb.Fatal(err)
	}
	got, err := io.ReadAll(sr.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return sr, got
}

func bufioReader(raw []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(raw)) }

func readHTTPRequest(tb testing.TB, raw []byte) (*http.Request, []byte) {
	tb.Helper()
	if !bytes.Contains(raw, []byte("\n\n")) && !bytes.Contains(raw, []byte("\r\n\r\n")) {
		raw = append(bytes.TrimRight(raw, "\n"), "\n\n"...) // header-only files end after the last field
	}
	r, err := http.ReadRequest(bufioReader(raw))
	if err != nil {
		tb.Fatal(err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return r, body
}

func reasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
