package delivery_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kontor-social/kontor/activitypub/delivery"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/kontortest"
)

// The child process of TestKilledProcessRowsAreSentAtOnce: a queue on the
// database named by the environment, sending until it is killed.
func TestHelperDeliveryProcess(t *testing.T) {
	url := os.Getenv("KONTOR_DELIVERY_HELPER_DB")
	if url == "" {
		t.Skip("helper process of TestKilledProcessRowsAreSentAtOnce")
	}
	store := openStore(t, url)
	id, _ := strconv.ParseInt(os.Getenv("KONTOR_DELIVERY_HELPER_ACTOR"), 10, 64)
	a := &actor{ID: id, KeyID: "https://kontor.example/users/alice#main-key", Key: key(t)}
	q := newQueue(t, store, a, delivery.Options{Concurrency: 8})
	q.Run(context.Background()) // until killed
}

// A process killed with kill -9 in the middle of a fan-out: the rows it
// had claimed are sent by the next process at once, not after their
// two-minute lease; only those in flight at the kill may be sent twice.
func TestKilledProcessRowsAreSentAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	forEachDialect(t, func(t *testing.T, store *db.DB, url string) {
		alice := newActor(t, store, "alice")
		s := newSink(t, nil)
		s.setAnswer(func(string, int, *http.Request) (int, http.Header) {
			time.Sleep(100 * time.Millisecond)
			return http.StatusAccepted, nil
		})
		targets := inboxes(s, "/killed", 200)
		enqueue(t, store, alice, targets)
		child := exec.Command(os.Args[0], "-test.run=^TestHelperDeliveryProcess$", "-test.v")
		child.Env = append(os.Environ(), "KONTOR_DELIVERY_HELPER_DB="+url, "KONTOR_DELIVERY_HELPER_ACTOR="+strconv.FormatInt(alice.ID, 10))
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		kontortest.Eventually(t, 20*time.Second, "the child sending", func() bool { return s.oks() >= 40 })
		child.Process.Kill()
		child.Wait()
		killed := time.Now()
		sentBefore := s.total()

		q := newQueue(t, store, alice, delivery.Options{})
		run(t, q)
		kontortest.Eventually(t, 20*time.Second, "every row sent after the kill", func() bool { return pending(t, store) == 0 })
		if d := time.Since(killed); d > 10*time.Second {
			t.Errorf("the rest took %s after the kill", d)
		}
		dups := 0
		for _, target := range targets {
			switch n := len(s.hitsOf(strings.TrimPrefix(target, s.srv.URL))); {
			case n == 0:
				t.Errorf("%s: never sent", target)
			case n > 1:
				dups += n - 1
			}
		}
		// At most the child's requests in flight (8), and what it had
		// answered but not yet written, go twice.
		if dups > 16 {
			t.Errorf("%d sent twice (%d sent before the kill)", dups, sentBefore)
		}
	})
}
