package signature

import (
	"fmt"
	"net/http"
)

// reasonWrongHost refuses a signature made for another server.
const reasonWrongHost = "signed for another host"

// checkHost refuses a signature made for another server: the host it
// covers (cavage's host header, RFC 9421's @authority and @target-uri, all
// taken from the request's Host) must be one of opts.Hosts. Without it a
// request signed for any server, replayed here, would be accepted.
func (o *VerifyOptions) checkHost(host string) *Error {
	if len(o.Hosts) == 0 {
		return nil
	}
	h := normalizeAuthority(host, o.Scheme)
	for _, allowed := range o.Hosts {
		if allowed != "" && h == normalizeAuthority(allowed, o.Scheme) {
			return nil
		}
	}
	return fail(reasonWrongHost, fmt.Errorf("host %q", host))
}

// cavageHost is the host value a cavage signature covers.
func cavageHost(r *http.Request) (string, *Error) {
	vals, ok := fieldValues(r.Header, r.Host, "host")
	if !ok {
		return "", fail(reasonMissingHeader, nil)
	}
	if len(vals) != 1 {
		return "", fail(reasonWrongHost, fmt.Errorf("%d host values", len(vals)))
	}
	return vals[0], nil
}
