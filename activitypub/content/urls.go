package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The URL grammar of twitter-text as Mastodon configures it: explicit schemes
// only, a host with a plausible TLD, then port, path and query, each cut back
// to the last character that may end a URL.

// urlSchemes are the explicit schemes Mastodon links in local text; it never
// links bare domains or "www." without a scheme.
var urlSchemes = []string{
	"https://", "http://", "dat://", "dweb://", "ipfs://", "ipns://", "ssb://", "gopher://", "gemini://",
}

func isSchemeStart(c byte) bool {
	switch c | 0x20 { // ASCII lower case
	case 'h', 'd', 'i', 's', 'g', 'x', 'm':
		return true
	}
	return false
}

func scanURL(text string, i int) (entity, bool) {
	if !urlPrecededOK(text, i) {
		return entity{}, false
	}
	rest := text[i:]
	var end int
	switch {
	case hasPrefixFold(rest, "xmpp:"):
		end = scanXMPP(text, i+len("xmpp:"))
	case hasPrefixFold(rest, "magnet:?"):
		end = scanQuery(text, i+len("magnet:"))
		if end == i+len("magnet:") {
			end = -1
		}
	default:
		end = -1
		for _, s := range urlSchemes {
			if hasPrefixFold(rest, s) {
				end = scanHierURL(text, i+len(s))
				break
			}
		}
	}
	if end < 0 {
		return entity{}, false
	}
	return entity{kind: entityURL, start: i, end: end}, true
}

// urlPrecededOK is twitter-text's valid_url_preceding_chars: a URL may not be
// glued to an ASCII letter or digit, nor follow @, $ or #.
func urlPrecededOK(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	switch {
	case r < utf8.RuneSelf:
		return !isASCIIAlnum(r) && r != '@' && r != '$' && r != '#'
	case r == '＠', r == '＃', r == 0xFFFE, r == 0xFEFF, r == 0xFFFF:
		return false
	}
	return true
}

// scanHierURL scans host, port, path and query after "scheme://" and returns
// the end of the URL, or -1 if there is no valid host.
func scanHierURL(text string, p int) int {
	end := scanHost(text, p)
	if end < 0 {
		return -1
	}
	if end < len(text) && text[end] == ':' {
		j := end + 1
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		if j > end+1 {
			end = j
		}
	}
	if end < len(text) && text[end] == '/' {
		end = scanPath(text, end)
	}
	if end < len(text) && text[end] == '?' {
		end = scanQuery(text, end)
	}
	return end
}

// scanHost returns the end of the longest dotted host starting at p whose last
// label is a plausible top-level domain, or -1. twitter-text checks the TLD
// against IANA's list; letters-only (or punycode) is the approximation here,
// so http://localhost and bare IP addresses are not linked, as in Mastodon.
func scanHost(text string, p int) int {
	best, labels := -1, 0
	for pos := p; ; {
		end := scanLabel(text, pos)
		if end < 0 {
			break
		}
		labels++
		if labels >= 2 && isTLD(text[pos:end]) && hostFollowerOK(text, end) {
			best = end
		}
		if end+1 < len(text) && text[end] == '.' {
			pos = end + 1
			continue
		}
		break
	}
	return best
}

// hostFollowerOK rejects hosts glued to '@', '+' or '-' (twitter-text's TLD
// look-ahead), so user@host and host-suffix are not half-linked.
func hostFollowerOK(text string, end int) bool {
	if end >= len(text) {
		return true
	}
	c := text[end]
	return c != '@' && c != '+' && c != '-'
}

// scanLabel scans one domain label: domain characters, with '-' or '_' only
// between them. It returns the end, or -1 if no label starts at pos.
func scanLabel(text string, pos int) int {
	r, size := utf8.DecodeRuneInString(text[pos:])
	if !isDomainRune(r) {
		return -1
	}
	j := pos + size
	for j < len(text) {
		r, size = utf8.DecodeRuneInString(text[j:])
		if isDomainRune(r) {
			j += size
			continue
		}
		if r != '-' && r != '_' {
			break
		}
		k := j
		for k < len(text) && (text[k] == '-' || text[k] == '_') {
			k++
		}
		if r2, _ := utf8.DecodeRuneInString(text[k:]); k < len(text) && isDomainRune(r2) {
			j = k
			continue
		}
		break
	}
	return j
}

func isDomainRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(r)
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

func isTLD(label string) bool {
	if len(label) > 4 && hasPrefixFold(label, "xn--") {
		for i := 4; i < len(label); i++ {
			if !isASCIIAlnum(rune(label[i])) {
				return false
			}
		}
		return true
	}
	n := 0
	for _, r := range label {
		if !(unicode.IsLetter(r) || n > 0 && unicode.IsMark(r)) {
			return false
		}
		n++
	}
	return n >= 2
}

// scanPath scans a path starting at the '/' at slash and returns where it
// ends: after the last character that may end a URL, so trailing punctuation
// and unbalanced parentheses stay outside ("see https://x.org/a_(b)).").
func scanPath(text string, slash int) int {
	end := slash + 1
	for j := slash + 1; j < len(text); {
		r, size := utf8.DecodeRuneInString(text[j:])
		switch {
		case r == '(':
			k := scanBalancedParens(text, j)
			if k < 0 {
				return end
			}
			j, end = k, k
		case isPathRune(r):
			j += size
			if isPathEndRune(r) {
				end = j
			}
		default:
			return end
		}
	}
	return end
}

// scanBalancedParens accepts "(chars)" or "(chars(chars)chars)" at j, as
// Wikipedia-style URLs need, and returns the end or -1.
func scanBalancedParens(text string, j int) int {
	k, inner, nested := j+1, 0, false
	for k < len(text) {
		r, size := utf8.DecodeRuneInString(text[k:])
		switch {
		case r == ')':
			if inner == 0 && !nested {
				return -1
			}
			return k + 1
		case r == '(':
			if nested {
				return -1
			}
			m, n := k+1, 0
			for m < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[m:])
				if !isPathRune(r2) {
					break
				}
				m += s2
				n++
			}
			if n == 0 || m >= len(text) || text[m] != ')' {
				return -1
			}
			k, nested = m+1, true
		case isPathRune(r):
			k += size
			inner++
		default:
			return -1
		}
	}
	return -1
}

func isPathRune(r rune) bool {
	switch r {
	case '<', '>', '(', ')', '?', utf8.RuneError:
		return false
	}
	return !unicode.IsSpace(r) && !unicode.IsControl(r)
}

func isPathEndRune(r rune) bool {
	return isPathRune(r) && !strings.ContainsRune(`!*"'「」;:=,.$%[]~&|@`, r)
}

// scanQuery scans "?query" at q and returns its end, or q itself when nothing
// after the '?' may end a URL ("is it https://x.org?").
func scanQuery(text string, q int) int {
	end := q
	for j := q + 1; j < len(text); {
		r, size := utf8.DecodeRuneInString(text[j:])
		if !isQueryRune(r) {
			break
		}
		j += size
		if isQueryEndRune(r) {
			end = j
		}
	}
	return end
}

func isQueryRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(r) || strings.ContainsRune(`!?*'();:&=+$/%#[]-_.,~|@^`, r)
	}
	return isURLUnicodeRune(r)
}

func isQueryEndRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(r) || strings.ContainsRune(`_&=#/-`, r)
	}
	return isURLUnicodeRune(r)
}

// isURLUnicodeRune is Mastodon's UCHARS (the non-ASCII characters allowed in
// queries), minus Unicode spaces, which Mastodon lets in by accident.
func isURLUnicodeRune(r rune) bool {
	if unicode.IsSpace(r) {
		return false
	}
	switch {
	case r < 0xA0:
		return false
	case r <= 0xD7FF, r >= 0xE000 && r <= 0xF8FF, r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFEF:
		return true
	case r >= 0x10000 && r <= 0x10FFFD:
		return r&0xFFFF <= 0xFFFD && (r < 0xE0000 || r > 0xE0FFF)
	}
	return false
}

// scanXMPP scans the part after "xmpp:": [node@]domain[/resource][?query].
func scanXMPP(text string, p int) int {
	j := p
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if !isXMPPNodeRune(r) {
			break
		}
		j += size
	}
	if j > p && j < len(text) && text[j] == '@' {
		p = j + 1
	}
	end := scanHost(text, p)
	if end < 0 {
		return -1
	}
	if end < len(text) && text[end] == '/' {
		j := end + 1
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !isXMPPNodeRune(r) && !strings.ContainsRune("&'", r) {
				break
			}
			j += size
		}
		// Like paths, a resource does not swallow the sentence's punctuation.
		for j > end+1 && strings.IndexByte(".,;:!?)'", text[j-1]) >= 0 {
			j--
		}
		if j > end+1 {
			end = j
		}
	}
	if end < len(text) && text[end] == '?' {
		end = scanQuery(text, end)
	}
	return end
}

func isXMPPNodeRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIIAlnum(r) || strings.ContainsRune("-._~%!$()*+,;=", r)
	}
	return unicode.Is(unicode.Cyrillic, r) || unicode.Is(unicode.Pd, r)
}
