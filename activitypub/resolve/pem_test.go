package resolve_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Real actors (activitypub.academy, fedi.buzz relays) publish publicKeyPem
// with the line breaks of the base64 body turned into spaces, or with none
// at all; Mastodon accepts them, and so must we.
func TestPublicKeyPEMWhitespaceTolerated(t *testing.T) {
	pemText := pemOf(testKey(3))
	body := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(pemText), "-----BEGIN PUBLIC KEY-----"), "-----END PUBLIC KEY-----"))
	oneLine := strings.ReplaceAll(body, "\n", "")
	variants := map[string]string{
		"spaces":            "-----BEGIN PUBLIC KEY----- " + strings.ReplaceAll(body, "\n", " ") + " -----END PUBLIC KEY-----",
		"no breaks":         "-----BEGIN PUBLIC KEY-----" + oneLine + "-----END PUBLIC KEY-----",
		"one line, newline": "-----BEGIN PUBLIC KEY-----\n" + oneLine + "\n-----END PUBLIC KEY-----\n",
		"crlf and tabs":     strings.ReplaceAll(strings.ReplaceAll(pemText, "\n", "\r\n"), "\r\nMII", "\r\n\tMII"),
		"indented":          "\n    " + strings.ReplaceAll(pemText, "\n", "\n    "),
	}
	dialects(t, func(t *testing.T, e *env) {
		p := e.peer
		i := 0
		for name, v := range variants {
			i++
			user := "odd" + string(rune('a'+i))
			doc := mastodonActor(p.URL, user, testKey(3))
			doc["publicKey"].(map[string]any)["publicKeyPem"] = v
			p.json("/users/"+user, doc)
			a, err := e.r.Actor(ctx, p.URL+"/users/"+user, false)
			if err != nil {
				t.Errorf("%s: actor refused: %v", name, err)
				continue
			}
			// Verifying a signature takes the key from the store.
			pub, _, err := e.r.PublicKey(ctx, a.PublicKeyID, false)
			if err != nil {
				t.Errorf("%s: key refused: %v", name, err)
				continue
			}
			sameKey(t, pub, testKey(3))
		}
	})
}

// The same, on a real document from the corpus: Mastodon's actor with its
// key's line breaks turned into spaces.
func TestCorpusActorPEMWithSpaces(t *testing.T) {
	dir := corpusDir(t)
	dialects(t, func(t *testing.T, e *env) { corpusActorPEMWithSpaces(t, e, dir) })
}

func corpusActorPEMWithSpaces(t *testing.T, e *env, dir string) {
	p := e.peer
	b, err := os.ReadFile(filepath.Join(dir, "mastodon", "person-propertyvalue-fields.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	key := doc["publicKey"].(map[string]any)
	orig := key["publicKeyPem"].(string)
	key["publicKeyPem"] = strings.ReplaceAll(strings.TrimSpace(orig), "\n", " ")
	raw, _ := json.Marshal(doc)
	p.set("/users/mastodon", response{ctype: "application/activity+json",
		body: strings.ReplaceAll(string(raw), "https://masto.qa.urbanwildlife.biz", p.URL)})
	a, err := e.r.Actor(ctx, p.URL+"/users/mastodon", false)
	if err != nil {
		t.Fatal(err)
	}
	pub, _, err := e.r.PublicKey(ctx, a.PublicKeyID, false)
	if err != nil {
		t.Fatal(err)
	}
	if !pubEqual(pub, orig) {
		t.Error("the key read is not the document's")
	}
}
