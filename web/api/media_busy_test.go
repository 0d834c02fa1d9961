package api_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kontor-social/kontor/kontortest"
	"github.com/kontor-social/kontor/media"
)

// Images are decoded a bounded number at a time; an upload that waits too
// long for its turn is answered 503 with Retry-After, not held forever or
// decoded beside all the others.
func TestMediaUploadBusy(t *testing.T) {
	in := kontortest.Start(t, kontortest.Options{})
	alice := in.CreateUser("alice")
	c := acctAs(t, in, alice)
	img := mediaNoisePNG(t, 1200, 1200)
	restore := media.SetDecodeLimits(1, 0, time.Millisecond)
	type answer struct {
		code       int
		retryAfter string
		body       []byte
	}
	answers := make([]answer, 6)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			code, h, body := c.do("POST", "/api/v1/media", acctForm{files: map[string][]byte{"file": img}})
			answers[i] = answer{code, h.Get("Retry-After"), body}
		})
	}
	wg.Wait()
	restore()
	busy := 0
	for _, a := range answers {
		switch a.code {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			busy++
			var e struct {
				Error string `json:"error"`
			}
			if a.retryAfter == "" || json.Unmarshal(a.body, &e) != nil || e.Error == "" {
				t.Errorf("503 without Retry-After or error: %q %s", a.retryAfter, a.body)
			}
		default:
			t.Errorf("status %d: %s", a.code, a.body)
		}
	}
	if busy == 0 {
		t.Error("six uploads at once with one turn and no patience: none was told to come back")
	}
	if n := mediaRows(t, in, alice); n != len(answers)-busy {
		t.Errorf("%d attachments stored, want %d", n, len(answers)-busy)
	}
	if code, _, body := mediaUpload(c, "v1", img, nil); code != http.StatusOK {
		t.Errorf("after the rush: %d %s", code, body)
	}
}
