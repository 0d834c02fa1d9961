package signature

// draft-cavage-http-signatures-12: parameter parsing and signing strings.

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// cavageParams are the parameters of a draft-cavage Signature header.
type cavageParams struct {
	keyID      string
	algorithm  string   // as sent, lowercased; "" if absent
	headers    []string // lowercased; nil if the parameter is absent
	signature  string   // base64, not yet decoded
	created    int64
	hasCreated bool
	expires    int64
	hasExpires bool
}

// parseCavage parses `keyId="…",algorithm="…",headers="…",signature="…"`
// (optionally with created/expires). Values may be quoted strings (with
// backslash escapes) or bare; whitespace around ',' and '=' is allowed.
// Unknown parameters are ignored, duplicates rejected.
func parseCavage(s string) (*cavageParams, error) {
	var out cavageParams
	seen := map[string]bool{}
	i := 0
	skipWS := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	skipWS()
	if i == len(s) {
		return nil, errors.New("empty signature header")
	}
	for {
		start := i
		for i < len(s) && isTchar(s[i]) {
			i++
		}
		name := strings.ToLower(s[start:i])
		if name == "" {
			return nil, fmt.Errorf("expected parameter name at offset %d", i)
		}
		skipWS()
		if i == len(s) || s[i] != '=' {
			return nil, fmt.Errorf("expected '=' after %q", name)
		}
		i++
		skipWS()
		var val string
		if i < len(s) && s[i] == '"' {
			var sb strings.Builder
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				i++
				if c == '"' {
					closed = true
					break
				}
				if c == '\\' {
					if i == len(s) {
						break
					}
					c = s[i]
					i++
				}
				if (c < 0x20 && c != '\t') || c == 0x7f {
					return nil, fmt.Errorf("control character in %q", name)
				}
				sb.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quoted value for %q", name)
			}
			val = sb.String()
		} else {
			// Bare values: tokens, plus '/', '=' and ':' so unquoted base64
			// and URLs survive.
			start := i
			for i < len(s) && (isTchar(s[i]) || s[i] == '/' || s[i] == '=' || s[i] == ':') {
				i++
			}
			val = s[start:i]
			if val == "" {
				return nil, fmt.Errorf("empty value for %q", name)
			}
		}
		if seen[name] {
			return nil, fmt.Errorf("duplicate parameter %q", name)
		}
		seen[name] = true
		switch name {
		case "keyid":
			out.keyID = val
		case "algorithm":
			out.algorithm = strings.ToLower(val)
		case "headers":
			out.headers = strings.Fields(strings.ToLower(val))
			if len(out.headers) == 0 {
				return nil, errors.New("empty headers parameter")
			}
		case "signature":
			out.signature = val
		case "created", "expires":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("invalid %s", name)
			}
			if name == "created" {
				out.created, out.hasCreated = n, true
			} else {
				out.expires, out.hasExpires = n, true
			}
		}
		skipWS()
		if i == len(s) {
			break
		}
		if s[i] != ',' {
			return nil, fmt.Errorf("expected ',' at offset %d", i)
		}
		i++
		skipWS()
	}
	if out.keyID == "" {
		return nil, errors.New("missing keyId")
	}
	if out.signature == "" {
		return nil, errors.New("missing signature")
	}
	return &out, nil
}

func quoteCavage(sb *strings.Builder, v string) {
	sb.WriteByte('"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			sb.WriteByte('\\')
		}
		sb.WriteByte(v[i])
	}
	sb.WriteByte('"')
}

// String serializes the parameters in the order Mastodon uses.
func (p *cavageParams) String() string {
	var sb strings.Builder
	sb.WriteString("keyId=")
	quoteCavage(&sb, p.keyID)
	if p.algorithm != "" {
		sb.WriteString(",algorithm=")
		quoteCavage(&sb, p.algorithm)
	}
	if p.hasCreated {
		sb.WriteString(",created=" + strconv.FormatInt(p.created, 10))
	}
	if p.hasExpires {
		sb.WriteString(",expires=" + strconv.FormatInt(p.expires, 10))
	}
	if p.headers != nil {
		sb.WriteString(",headers=")
		quoteCavage(&sb, strings.Join(p.headers, " "))
	}
	sb.WriteString(",signature=")
	quoteCavage(&sb, p.signature)
	return sb.String()
}

// coveredHeaders applies the draft's default when `headers` is absent.
func (p *cavageParams) coveredHeaders() []string {
	if p.headers == nil {
		return []string{"date"}
	}
	return p.headers
}

// cavageSigningString builds the draft-cavage signing string the way
// go-fed/httpsig and Mastodon do: "name: value" lines joined by "\n", field
// values trimmed and repeated fields joined with ", ".
func cavageSigningString(r *http.Request, p *cavageParams) (string, error) {
	var sb strings.Builder
	for n, h := range p.coveredHeaders() {
		if n > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(h)
		sb.WriteString(": ")
		switch h {
		case "(request-target)":
			sb.WriteString(strings.ToLower(r.Method))
			sb.WriteByte(' ')
			sb.WriteString(requestTarget(r))
		case "(created)":
			if !p.hasCreated {
				return "", errors.New("(created) signed but no created parameter")
			}
			sb.WriteString(strconv.FormatInt(p.created, 10))
		case "(expires)":
			if !p.hasExpires {
				return "", errors.New("(expires) signed but no expires parameter")
			}
			sb.WriteString(strconv.FormatInt(p.expires, 10))
		default:
			vals, ok := fieldValues(r.Header, r.Host, h)
			if !ok {
				return "", fmt.Errorf("signed header %q missing from request", h)
			}
			for i, v := range vals {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(v)
			}
		}
	}
	return sb.String(), nil
}

// fieldValues returns the trimmed values of a header field. Go keeps Host out
// of the header map on servers, so it falls back to host for "host".
// Values containing CR or LF are refused: they could forge extra lines.
func fieldValues(h http.Header, host, name string) ([]string, bool) {
	vals := h.Values(name)
	if len(vals) == 0 && strings.EqualFold(name, "host") && host != "" {
		vals = []string{host}
	}
	if len(vals) == 0 {
		return nil, false
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		if strings.ContainsAny(v, "\r\n") {
			return nil, false
		}
		out[i] = strings.Trim(v, " \t")
	}
	return out, true
}

// requestTarget is the path and query as sent on the wire. On a server
// RequestURI holds exactly that; on a client, the escaped URL path.
func requestTarget(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	if r.URL == nil {
		return "/"
	}
	p := r.URL.EscapedPath()
	if p == "" {
		p = "/"
	}
	if r.URL.RawQuery != "" || r.URL.ForceQuery {
		p += "?" + r.URL.RawQuery
	}
	return p
}
