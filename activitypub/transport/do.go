package transport

import (
	"net/http"
)

// Do sends a request someone else built (Web Push, whose library writes
// the encrypted body and the VAPID header) through the guarded client: the
// URL must have an allowed scheme, the peer a public address (or one of
// AllowedNetworks), and redirects are not followed. The caller bounds it
// with the request's context and closes the body.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if err := c.checkParsedURL(req.URL); err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.requestError(req.Context(), req.Method, req.URL, err)
	}
	return resp, nil
}
