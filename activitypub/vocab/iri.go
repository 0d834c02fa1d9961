package vocab

import (
	"net/url"
	"strings"
)

// Public is the special collection that makes an object public when it is a recipient.
const Public = "https://www.w3.org/ns/activitystreams#Public"

// IsPublic reports whether iri names the public collection in any of the forms peers send:
// the full IRI (https or http), the compact "as:Public", or the bare "Public".
func IsPublic(iri string) bool {
	switch iri {
	case Public, "http://www.w3.org/ns/activitystreams#Public", "as:Public", "Public":
		return true
	}
	return false
}

// ValidID reports whether s can be the id of an object: an absolute http or https URL with a
// host and no user information. It does not allocate, so Parse can apply it to every id.
func ValidID(s string) bool {
	var rest string
	switch {
	case len(s) > 8 && strings.EqualFold(s[:8], "https://"):
		rest = s[8:]
	case len(s) > 7 && strings.EqualFold(s[:7], "http://"):
		rest = s[7:]
	default:
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	// Percent signs must start an escape, or url.Parse (and peers) would refuse the IRI.
	for i := end; i < len(rest); i++ {
		if rest[i] == '%' && (i+2 >= len(rest) || !isHex(rest[i+1]) || !isHex(rest[i+2])) {
			return false
		}
	}
	return validAuthority(rest[:end])
}

// validAuthority accepts host[:port] where host is a DNS name (non-ASCII allowed for IDNs) or a
// bracketed IPv6 literal. Userinfo, percent-escapes and odd characters are refused: they serve
// only to confuse same-origin checks.
func validAuthority(a string) bool {
	host, port := a, ""
	if strings.HasPrefix(a, "[") {
		i := strings.IndexByte(a, ']')
		if i < 0 {
			return false
		}
		host, port = a[:i+1], a[i+1:]
		if len(host) < 3 {
			return false
		}
		for j := 1; j < len(host)-1; j++ {
			if c := host[j]; !(isHex(c) || c == ':' || c == '.') {
				return false
			}
		}
		if _, err := url.Parse("http://" + host); err != nil {
			return false
		}
	} else {
		if i := strings.LastIndexByte(a, ':'); i >= 0 {
			host, port = a[:i], a[i:]
		}
		// No empty labels, except the root's trailing dot ("a.example.").
		if h := strings.TrimSuffix(host, "."); h == "" || h[0] == '.' || strings.Contains(h, "..") {
			return false
		}
		for j := 0; j < len(host); j++ {
			c := host[j]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c >= 0x80) {
				return false
			}
		}
	}
	if port == "" {
		return true
	}
	if port[0] != ':' || len(port) > 6 {
		return false
	}
	for j := 1; j < len(port); j++ {
		if port[j] < '0' || port[j] > '9' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// Host returns the origin host of an http(s) IRI for same-origin checks: lower-cased, with a
// trailing dot and the scheme's default port removed, other ports kept (test instances share
// 127.0.0.1 and differ only by port). It returns "" for anything that is not a valid id.
func Host(iri string) string {
	if !ValidID(iri) {
		return ""
	}
	u, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	host = strings.TrimSuffix(host, ".")
	if port == "" || (port == "443" && strings.EqualFold(u.Scheme, "https")) || (port == "80" && strings.EqualFold(u.Scheme, "http")) {
		if strings.Contains(host, ":") {
			return "[" + host + "]"
		}
		return host
	}
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

// SameHost reports whether a and b are valid ids on the same host (see Host).
func SameHost(a, b string) bool {
	h := Host(a)
	return h != "" && h == Host(b)
}
