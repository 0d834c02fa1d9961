package transport

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrTooLarge is returned (wrapped) when a response body exceeds MaxBodyBytes.
var ErrTooLarge = errors.New("transport: response too large")

// ErrContentType is returned (wrapped) when a GET answers 2xx with something
// that is not JSON (an HTML login page, an image …).
var ErrContentType = errors.New("transport: response is not JSON")

// ErrTooManyRedirects is returned (wrapped) after more than 3 redirects.
var ErrTooManyRedirects = errors.New("transport: too many redirects")

// StatusError is a non-2xx answer.
type StatusError struct {
	Code int
	// RetryAfter is the server's Retry-After (seconds or HTTP date) as a
	// duration from now; 0 when absent. Capped at maxRetryAfter.
	RetryAfter time.Duration
	Method     string
	URL        string // without query
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("transport: %s %s: %d %s", e.Method, e.URL, e.Code, http.StatusText(e.Code))
}

// temporaryError wraps failures worth retrying later: connection errors,
// timeouts, resets, DNS failures, TLS errors (certificates get fixed).
type temporaryError struct{ err error }

func (e *temporaryError) Error() string { return e.err.Error() }
func (e *temporaryError) Unwrap() error { return e.err }

// IsTemporary reports whether a request that failed with err may succeed
// later: network errors and timeouts, and the status codes 408, 425, 429 and
// 5xx. Refused addresses and URLs, oversized or non-JSON bodies and other 4xx
// answers are permanent.
func IsTemporary(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code == http.StatusRequestTimeout || se.Code == http.StatusTooEarly ||
			se.Code == http.StatusTooManyRequests || se.Code >= 500
	}
	var te *temporaryError
	return errors.As(err, &te)
}

// maxRetryAfter bounds what a peer can ask for; the delivery backoff decides
// the rest.
const maxRetryAfter = 7 * 24 * time.Hour

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	switch {
	case d <= 0:
		return 0
	case d > maxRetryAfter:
		return maxRetryAfter
	}
	// HTTP dates have whole seconds; round up so we never retry early.
	if r := d % time.Second; r > 0 {
		d += time.Second - r
	}
	return d
}
