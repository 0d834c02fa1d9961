package signature

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"strings"
)

func digestSHA256(body []byte) []byte {
	sum := sha256.Sum256(body)
	return sum[:]
}

func digestSHA512(body []byte) []byte {
	sum := sha512.Sum512(body)
	return sum[:]
}

// checkDigest verifies an RFC 3230 Digest header ("SHA-256=<b64>,SHA-512=<b64>").
// Every supported algorithm present must match, and at least one must be present.
func checkDigest(header string, body []byte) *Error {
	supported := 0
	for part := range strings.SplitSeq(header, ",") {
		alg, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fail(reasonDigestMalformed, errors.New("no '=' in Digest"))
		}
		var want []byte
		switch strings.ToLower(strings.TrimSpace(alg)) {
		case "sha-256":
			want = digestSHA256(body)
		case "sha-512":
			want = digestSHA512(body)
		default:
			continue
		}
		supported++
		got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(val))
		if err != nil {
			return fail(reasonDigestMalformed, err)
		}
		if !bytes.Equal(got, want) {
			return fail(reasonDigestMismatch, nil)
		}
	}
	if supported == 0 {
		return fail(reasonDigestAlg, nil)
	}
	return nil
}

// checkContentDigest verifies an RFC 9530 Content-Digest dictionary
// ("sha-256=:<b64>:, sha-512=:<b64>:"), with the same rules as checkDigest.
func checkContentDigest(header string, body []byte) *Error {
	members, err := parseDictionary(header)
	if err != nil {
		return fail(reasonDigestMalformed, err)
	}
	supported := 0
	for _, m := range members {
		var want []byte
		switch m.key {
		case "sha-256":
			want = digestSHA256(body)
		case "sha-512":
			want = digestSHA512(body)
		default:
			continue
		}
		supported++
		it, ok := m.val.item()
		if !ok || it.bare.kind != sfBytes {
			return fail(reasonDigestMalformed, errors.New("value of Content-Digest is not a byte sequence"))
		}
		if !bytes.Equal(it.bare.b, want) {
			return fail(reasonDigestMismatch, nil)
		}
	}
	if supported == 0 {
		return fail(reasonDigestAlg, nil)
	}
	return nil
}
