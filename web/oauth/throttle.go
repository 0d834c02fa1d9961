package oauth

import (
	"strings"
	"sync"
	"time"
)

// loginThrottle slows down password guessing: failed sign-ins are counted
// per client IP and login (email or username) in memory; after a few free
// failures each further one doubles the wait before the next attempt is
// even checked. A success clears the count.
//
// It is deliberately simple: per process (several Kontor processes each
// count on their own), lost on restart, and keyed by IP, so a botnet
// spreading guesses over many addresses is only slowed per address.
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
	throttleFree    = 5                // failures allowed without waiting
	throttleBase    = time.Second      // the first wait
	throttleMax     = 15 * time.Minute // the longest wait
	throttleForget  = time.Hour        // idle entries are dropped after this
	throttleMaxKeys = 10000            // sweep idle entries beyond this many
)

func newLoginThrottle(now func() time.Time) *loginThrottle {
	return &loginThrottle{now: now, entries: map[string]*throttleEntry{}}
}

func throttleKey(ip, login string) string {
	return ip + "\x00" + strings.ToLower(strings.TrimSpace(login))
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

// fail counts a failed attempt.
func (t *loginThrottle) fail(key string) {
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
	if over := e.failures - throttleFree; over > 0 {
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
