package transport

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/kontor-social/kontor/activitypub/signature"
)

// Signer is the key a request is signed with.
type Signer struct {
	KeyID string
	Key   *rsa.PrivateKey
}

// Options configure a Client. Zero values take the defaults.
type Options struct {
	Protocol        string       // "https" (default) or "http": http:// peers are allowed only when "http" (local testing)
	AllowedNetworks []*net.IPNet // non-public ranges that may be connected to anyway (tests: 127.0.0.0/8)
	UserAgent       string       // e.g. "Kontor/0.1.0 (+https://host/)"
	Timeout         time.Duration
	MaxBodyBytes    int64 // response limit, default 2 MiB
	MaxConnsPerHost int   // default 128: delivery fans out to one host a lot
	// DialHosts answers the lookup of these host names with the given IP
	// addresses (tests: a link to news.example.com, which the post
	// formatter links and an IP address it would not, reaches a fake site
	// on loopback). The guard still checks the address connected to.
	DialHosts map[string]string
}

// Defaults of Options.
const (
	DefaultTimeout         = 10 * time.Second
	DefaultMaxBodyBytes    = 2 << 20
	DefaultMaxConnsPerHost = 128
	maxRedirects           = 3
	maxDiscardBytes        = 16 << 10 // of a POST answer or an error page, read so the connection can be reused
)

// Accept headers.
const (
	AcceptActivity = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	ContentType    = "application/activity+json"
)

// Client is safe for concurrent use; make one per process and share it, so
// its connection pool is shared too.
type Client struct {
	hc        *http.Client
	tr        *http.Transport
	allowHTTP bool
	allowed   []netip.Prefix
	userAgent string
	timeout   time.Duration
	maxBody   int64
}

// New builds a Client.
func New(o Options) *Client {
	c := &Client{
		allowHTTP: strings.EqualFold(o.Protocol, "http"),
		userAgent: o.UserAgent,
		timeout:   o.Timeout,
		maxBody:   o.MaxBodyBytes,
	}
	if c.userAgent == "" {
		c.userAgent = "Kontor"
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBodyBytes
	}
	perHost := o.MaxConnsPerHost
	if perHost <= 0 {
		perHost = DefaultMaxConnsPerHost
	}
	for _, n := range o.AllowedNetworks {
		if p, ok := prefixOf(n); ok {
			c.allowed = append(c.allowed, p)
		}
	}
	dialer := &net.Dialer{Timeout: c.timeout, KeepAlive: 30 * time.Second, Control: c.control}
	dial := dialer.DialContext
	if len(o.DialHosts) > 0 {
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, port, err := net.SplitHostPort(addr); err == nil && o.DialHosts[host] != "" {
				addr = net.JoinHostPort(o.DialHosts[host], port)
			}
			return dialer.DialContext(ctx, network, addr)
		}
	}
	c.tr = &http.Transport{
		// No proxy from the environment: the guard must see the peer's address.
		Proxy:       nil,
		DialContext: dial,
		// A custom DialContext turns HTTP/2 off unless forced; one HTTP/2
		// connection carries many concurrent deliveries to a big instance.
		ForceAttemptHTTP2: true,
		TLSClientConfig:   &tls.Config{MinVersion: tls.VersionTLS12},
		// Deliveries reach ~1000 hosts at once and come back to the same
		// ones: keep their connections around, but not for every host of a
		// big fan-out (bench/delivery -shared: 4,096 idle connections held
		// ~100 MB after a post to 5,000 instances).
		MaxIdleConns:           1024,
		MaxIdleConnsPerHost:    perHost,
		MaxConnsPerHost:        perHost,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    min(c.timeout, 10*time.Second),
		ResponseHeaderTimeout:  c.timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	c.hc = &http.Client{
		Transport: c.tr,
		// Redirects are followed in get, re-checked and re-signed per hop.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// prefixOf converts a net.IPNet, including IPv4 ranges written in 16-byte form.
func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	ip, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, bits := n.Mask.Size()
	if bits == 0 {
		return netip.Prefix{}, false
	}
	if ip.Is4In6() {
		ip = ip.Unmap()
		if bits == 128 {
			if ones < 96 {
				return netip.Prefix{}, false
			}
			ones -= 96
		}
	}
	p, err := ip.Prefix(ones)
	return p, err == nil
}

// Scheme is the scheme to use for URLs the caller builds (WebFinger): "http"
// when the client was configured for local testing, else "https".
func (c *Client) Scheme() string {
	if c.allowHTTP {
		return "http"
	}
	return "https"
}

// Get fetches an ActivityPub document, signed (draft-cavage) when signer is
// not nil. It follows up to 3 redirects, checking and re-signing each hop.
// finalURL is the URL the body came from (without fragment); contentType is
// the response's Content-Type. Non-2xx answers are a *StatusError; bodies
// that are not JSON are refused with ErrContentType.
func (c *Client) Get(ctx context.Context, url string, signer *Signer) (body []byte, finalURL string, contentType string, err error) {
	return c.get(ctx, url, AcceptActivity, signer)
}

// GetJSON is an unsigned GET for WebFinger and NodeInfo, with the given
// Accept header. Redirects, limits and errors as for Get.
func (c *Client) GetJSON(ctx context.Context, url string, accept string) ([]byte, error) {
	body, _, _, err := c.get(ctx, url, accept, nil)
	return body, err
}

// AcceptHTML is the Accept header of GetHTML.
const AcceptHTML = "text/html, application/xhtml+xml;q=0.9"

// GetHTML is an unsigned GET of a web page (rel="me" profile links), with
// the same guard and redirects as Get, a body limit of maxBytes (at most the
// client's) and a deadline of timeout (at most the client's). Answers that
// are not HTML are refused with ErrContentType.
func (c *Client) GetHTML(ctx context.Context, url string, maxBytes int64, timeout time.Duration) (body []byte, finalURL string, err error) {
	if timeout > 0 && timeout < c.timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if maxBytes <= 0 || maxBytes > c.maxBody {
		maxBytes = c.maxBody
	}
	body, finalURL, _, err = c.fetch(ctx, url, AcceptHTML, nil, htmlType, maxBytes)
	return body, finalURL, err
}

// GetMedia fetches a file (an attachment of a remote post), unsigned, with
// the guard and redirects of Get, reading at most maxBytes of body: more is
// ErrTooLarge. Any Content-Type is accepted and returned; the caller must
// tell the type from the bytes, never from it.
func (c *Client) GetMedia(ctx context.Context, rawURL string, maxBytes int64) (body []byte, contentType string, err error) {
	anyType := func(string) bool { return true }
	body, _, contentType, err = c.fetch(ctx, rawURL, "image/*, video/*, audio/*;q=0.9, */*;q=0.1", nil, anyType, maxBytes)
	return body, contentType, err
}

func (c *Client) get(ctx context.Context, raw, accept string, signer *Signer) ([]byte, string, string, error) {
	return c.fetch(ctx, raw, accept, signer, jsonType, c.maxBody)
}

// fetch is a GET that follows redirects by hand and accepts a body whose
// Content-Type passes typeOK and that is at most maxBody bytes.
func (c *Client) fetch(ctx context.Context, raw, accept string, signer *Signer, typeOK func(string) bool, maxBody int64) ([]byte, string, string, error) {
	u, err := c.checkURL(raw)
	if err != nil {
		return nil, "", "", err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	final, _, _ := strings.Cut(raw, "#")
	for hop := 0; ; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, "", "", fmt.Errorf("transport: GET %s: %w", redactURL(u), err)
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("User-Agent", c.userAgent)
		if signer != nil {
			if err := signature.SignRequest(req, nil, signer.KeyID, signer.Key); err != nil {
				return nil, "", "", fmt.Errorf("transport: GET %s: %w", redactURL(u), err)
			}
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, "", "", c.requestError(ctx, "GET", u, err)
		}
		if isRedirect(resp.StatusCode) {
			loc := resp.Header.Get("Location")
			discard(resp)
			if loc == "" {
				return nil, "", "", &StatusError{Code: resp.StatusCode, Method: "GET", URL: redactURL(u)}
			}
			if hop == maxRedirects {
				return nil, "", "", fmt.Errorf("%w: GET %s", ErrTooManyRedirects, redactURL(u))
			}
			next, err := u.Parse(loc)
			if err != nil {
				return nil, "", "", fmt.Errorf("%w: bad redirect from %s: %v", ErrForbiddenScheme, redactURL(u), err)
			}
			if err := c.checkParsedURL(next); err != nil {
				return nil, "", "", fmt.Errorf("redirect from %s: %w", redactURL(u), err)
			}
			next.Fragment, next.RawFragment = "", ""
			u, final = next, next.String()
			continue
		}
		body, ct, err := c.readGet(ctx, u, resp, typeOK, maxBody)
		if err != nil {
			return nil, "", "", err
		}
		return body, final, ct, nil
	}
}

func (c *Client) readGet(ctx context.Context, u *url.URL, resp *http.Response, typeOK func(string) bool, maxBody int64) ([]byte, string, error) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		discard(resp)
		return nil, "", statusError("GET", u, resp)
	}
	defer resp.Body.Close()
	ct := resp.Header.Get("Content-Type")
	if !typeOK(ct) {
		return nil, "", fmt.Errorf("%w: GET %s answered Content-Type %q", ErrContentType, redactURL(u), ct)
	}
	if resp.ContentLength > maxBody {
		return nil, "", fmt.Errorf("%w: GET %s: %d bytes, limit %d", ErrTooLarge, redactURL(u), resp.ContentLength, maxBody)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, "", c.requestError(ctx, "GET", u, err)
	}
	if int64(len(body)) > maxBody {
		return nil, "", fmt.Errorf("%w: GET %s: over %d bytes", ErrTooLarge, redactURL(u), maxBody)
	}
	return body, ct, nil
}

// htmlType reports whether a Content-Type is an HTML page.
func htmlType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

// Post delivers an activity to an inbox, signed with draft-cavage or, when
// rfc9421, RFC 9421. 2xx is success; other answers are a *StatusError
// (redirects are not followed: a POST must not turn into a GET elsewhere).
// Network failures and timeouts are errors IsTemporary reports true for.
func (c *Client) Post(ctx context.Context, inbox string, body []byte, signer Signer, rfc9421 bool) error {
	u, err := c.checkURL(inbox)
	if err != nil {
		return err
	}
	if body == nil {
		body = []byte{} // a nil body would be signed without a digest
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("transport: POST %s: %w", redactURL(u), err)
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("Accept", AcceptActivity)
	req.Header.Set("User-Agent", c.userAgent)
	if rfc9421 {
		err = signature.SignRequestRFC9421(req, body, signer.KeyID, signer.Key, time.Now())
	} else {
		err = signature.SignRequest(req, body, signer.KeyID, signer.Key)
	}
	if err != nil {
		return fmt.Errorf("transport: POST %s: %w", redactURL(u), err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.requestError(ctx, "POST", u, err)
	}
	discard(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return statusError("POST", u, resp)
	}
	return nil
}

// requestError wraps a failed request: refusals by the guard stay permanent,
// everything else (connection, DNS, TLS, timeout) is temporary.
func (c *Client) requestError(ctx context.Context, method string, u *url.URL, err error) error {
	if errors.Is(err, ErrForbiddenAddress) || errors.Is(err, ErrForbiddenScheme) {
		return fmt.Errorf("transport: %s %s: %w", method, redactURL(u), err)
	}
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		err = fmt.Errorf("timed out (limit %s): %w", c.timeout, err)
	}
	return &temporaryError{fmt.Errorf("transport: %s %s: %w", method, redactURL(u), err)}
}

func statusError(method string, u *url.URL, resp *http.Response) *StatusError {
	return &StatusError{
		Code:       resp.StatusCode,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		Method:     method,
		URL:        redactURL(u),
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// discard reads a little of the body so the connection can be reused, then closes it.
func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxDiscardBytes)) //nolint:errcheck
	resp.Body.Close()
}

// jsonType reports whether a Content-Type is one of the JSON types peers use
// for ActivityPub, WebFinger and NodeInfo.
func jsonType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/activity+json", "application/ld+json", "application/json", "application/jrd+json":
		return true
	}
	return false
}
