package oauth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kontor-social/kontor/db"
)

// loginThrottle slows down password guessing: failed sign-ins are counted
// in memory per client IP and account (whichever of its names was typed:
// counting per typed login gave a free allowance to each spelling), and per
// client IP across all logins, with a larger allowance (password spraying).
// After the free failures each further one doubles the wait before the next
// attempt is even checked. A success clears the account's count.
//
// It is deliberately simple: per process (several Kontor processes each
// count on their own), lost on restart, and keyed by IP, so a botnet
// spreading guesses over many addresses is only slowed per address (and
// nobody can lock an account's owner out from another address).
type loginThrottle struct {
	mu      sync.Mutex
	now     func() time.Time
	entries map[string]*throttleEntry
}

type throttleEntry struct {
	failures int
	last     time.Time
	until    time.Time
}

const (
	throttleFree    = 5                // failures per account allowed without waiting
	throttleFreeIP  = 20               // failures per address, all logins together
	throttleBase    = time.Second      // the first wait
	throttleMax     = 15 * time.Minute // the longest wait
	throttleForget  = time.Hour        // idle entries are dropped after this
	throttleMaxKeys = 10000            // sweep idle entries beyond this many
)

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{now: now, entries: map[string]*throttleEntry{}}
}

// wait returns how long the key must wait before its next attempt (0: go).
func (t *loginThrottle) wait(key string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[key]
	if e == nil {
		return 0
	}
	if d := e.until.Sub(t.now()); d > 0 {
		return d
	}
	return 0
}

// fail counts a failed attempt; free failures cost no wait.
func (t *loginThrottle) fail(key string, free int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.entries) >= throttleMaxKeys {
		for k, e := range t.entries {
			if now.Sub(e.last) > throttleForget {
				delete(t.entries, k)
			}
		}
	}
	e := t.entries[key]
	if e == nil || now.Sub(e.last) > throttleForget {
		e = &throttleEntry{}
		t.entries[key] = e
	}
	e.failures++
	e.last = now
	if over := e.failures - free; over > 0 {
		d := throttleMax
		if over <= 20 {
			d = min(throttleBase<<(over-1), throttleMax)
		}
		e.until = now.Add(d)
	}
}

// succeed clears a key after a successful sign-in.
func (t *loginThrottle) succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, key)
}

// checkLogin returns the user whose email or username is login and whose
// password matches (nil when either does not), or, without checking the
// password, how long the address ip must wait first. The form and the
// password grant both sign in through it, so they share one count.
func (h *Handlers) checkLogin(ctx context.Context, ip, login, password string) (*db.User, time.Duration, error) {
	u, err := h.DB.UserByLogin(ctx, login)
	if errors.Is(err, db.ErrNotFound) {
		u = nil
	} else if err != nil {
		return nil, 0, err
	}
	who := "login\x00" + strings.ToLower(login)
	if u != nil {
		who = "user\x00" + strconv.FormatInt(u.ID, 10)
	}
	acctKey, ipKey := "acct\x00"+ip+"\x00"+who, "ip\x00"+ip
	if d := max(h.throttle.wait(acctKey), h.throttle.wait(ipKey)); d > 0 {
		return nil, d, nil
	}
	if u == nil {
		// A wrong login takes as long as a wrong password.
		db.CheckPassword(&db.User{PasswordHash: dummyHash()}, password)
	}
	if u == nil || !db.CheckPassword(u, password) {
		h.throttle.fail(acctKey, throttleFree)
		h.throttle.fail(ipKey, throttleFreeIP)
		return nil, 0, nil
	}
	h.throttle.succeed(acctKey)
	return u, 0, nil
}
