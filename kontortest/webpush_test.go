package kontortest

import (
	"crypto/ecdh"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
)

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecryptWebPushRFC8291 decrypts the example of RFC 8291, Section 5,
// with the receiver's keys it gives, then a tampered copy (which must fail).
func TestDecryptWebPushRFC8291(t *testing.T) {
	key, err := ecdh.P256().NewPrivateKey(b64(t, "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"))
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(key.PublicKey().Bytes()); got != "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4" {
		t.Fatalf("receiver public key %s", got)
	}
	auth := b64(t, "BTBZMqHH6r4Tts7J_aSIgg")
	body := b64(t, "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN")
	plain, err := DecryptWebPush(body, key, auth)
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != "When I grow up, I want to be a watermelon" {
		t.Fatalf("plaintext %q", plain)
	}
	body[len(body)-1] ^= 1
	if _, err := DecryptWebPush(body, key, auth); err == nil {
		t.Fatal("a tampered message decrypted")
	}
}

// TestWebPushLibraryRoundTrip sends through webpush-go, as the push job
// does, to the fake service: its message decrypts to what was sent and its
// VAPID JWT verifies with the audience of the endpoint's origin.
func TestWebPushLibraryRoundTrip(t *testing.T) {
	svc := NewPushService(t)
	priv, pub, err := webpush.GenerateVAPIDKeys()
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(`{"title":"alice mentioned you","body":"héllo"}`)
	resp, err := webpush.SendNotification(msg, &webpush.Subscription{Endpoint: svc.Endpoint(),
		Keys: webpush.Keys{P256dh: svc.P256dh(), Auth: svc.Auth()}},
		&webpush.Options{Subscriber: "admin@example.com", TTL: 60, Urgency: webpush.UrgencyNormal, VAPIDPublicKey: pub, VAPIDPrivateKey: priv})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	pushes := svc.Pushes()
	if len(pushes) != 1 || pushes[0].Err != nil || resp.StatusCode != 201 {
		t.Fatalf("pushes %+v, status %d", pushes, resp.StatusCode)
	}
	p := pushes[0]
	if string(p.Payload) != string(msg) {
		t.Errorf("payload %q", p.Payload)
	}
	if origin := svc.Endpoint()[:strings.Index(svc.Endpoint(), "/push")]; p.Audience != origin {
		t.Errorf("aud %q, want %q", p.Audience, origin)
	}
	if p.Subject != "mailto:admin@example.com" || p.ServerKey != strings.TrimRight(pub, "=") {
		t.Errorf("sub %q, k %q", p.Subject, p.ServerKey)
	}
	if left := time.Until(time.Unix(p.Expires, 0)); left <= 0 || left > 24*time.Hour {
		t.Errorf("exp in %s", left)
	}
	if p.Header.Get("TTL") != "60" || p.Header.Get("Urgency") != "normal" {
		t.Errorf("headers %v", p.Header)
	}
}
