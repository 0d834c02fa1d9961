package signature

import (
	"net/http"
	"testing"
	"time"
)

func BenchmarkSignRequest(b *testing.B) {
	key, _ := testKeys()
	for b.Loop() {
		r, _ := http.NewRequest(http.MethodPost, inboxURL, nil)
		r.Header.Set("Content-Type", "application/activity+json")
		if err := SignRequest(r, activity, testKeyID, key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignRequestRFC9421(b *testing.B) {
	key, _ := testKeys()
	for b.Loop() {
		r, _ := http.NewRequest(http.MethodPost, inboxURL, nil)
		if err := SignRequestRFC9421(r, activity, testKeyID, key, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkVerify(b *testing.B, sign func(*http.Request) error) {
	key, _ := testKeys()
	r := newClientRequest(b, http.MethodPost, inboxURL, activity)
	if err := sign(r); err != nil {
		b.Fatal(err)
	}
	sr, body := overTheWire(b, r, activity)
	keys := resolverFor(&key.PublicKey)
	for b.Loop() {
		keys.calls = keys.calls[:0]
		if _, err := Verify(b.Context(), sr, body, keys, VerifyOptions{RequireDigest: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	key, _ := testKeys()
	benchmarkVerify(b, func(r *http.Request) error { return SignRequest(r, activity, testKeyID, key) })
}

func BenchmarkVerifyRFC9421(b *testing.B) {
	key, _ := testKeys()
	benchmarkVerify(b, func(r *http.Request) error { return SignRequestRFC9421(r, activity, testKeyID, key, time.Now()) })
}
