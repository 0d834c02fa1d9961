package content

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The rules here and in urls.go mirror Mastodon's Extractor: twitter-text's
// URL grammar with Mastodon's overrides, Account::MENTION_RE and
// Tag::HASHTAG_RE. They are hand-written scanners rather than regular expressions because Go's
// regexp has no look-behind and the URL grammar needs backtracking to the last
// valid ending character; every scanner is linear in the text it looks at.

type entityKind uint8

const (
	entityURL entityKind = iota + 1
	entityMention
	entityHashtag
)

// entity is a URL, mention or hashtag found in plain text, as byte offsets.
type entity struct {
	kind       entityKind
	start, end int
	username   string // mention
	domain     string // mention; "" when written as @user
	tag        string // hashtag as typed, without '#'
}

type entityMask uint8

const (
	wantURLs entityMask = 1 << iota
	wantMentions
	wantHashtags
	wantAll = wantURLs | wantMentions | wantHashtags
)

// extractEntities finds entities in order of appearance. An entity that starts
// inside an earlier one is dropped, as in Mastodon's remove_overlapping_entities,
// so nothing inside a URL becomes a mention or a hashtag.
func extractEntities(text string, want entityMask) []entity {
	var out []entity
	for i := 0; i < len(text); {
		var (
			e  entity
			ok bool
		)
		switch c := text[i]; {
		case c == '@':
			if want&wantMentions != 0 {
				e, ok = scanMention(text, i)
			}
		case c == '#':
			if want&wantHashtags != 0 {
				e, ok = scanHashtag(text, i)
			}
		case want&wantURLs != 0 && isSchemeStart(c):
			e, ok = scanURL(text, i)
		}
		if ok {
			out = append(out, e)
			i = e.end
			continue
		}
		i++ // candidates start at ASCII bytes, so stepping bytes never splits one
	}
	return out
}

// ExtractTags returns the normalized hashtags of a plain text, deduplicated, in
// order of appearance; hashtags inside URLs do not count.
func ExtractTags(text string) []string {
	var tags []string
	for _, e := range extractEntities(text, wantAll) {
		if e.kind == entityHashtag {
			tags = appendUnique(tags, NormalizeTag(e.tag))
		}
	}
	return tags
}

// NormalizeTag returns the form under which a hashtag is stored and compared:
// without a leading '#', lower case, NFC. Mastodon goes further (NFKC, case
// folding, ASCII folding of accents); matching it exactly is left for when tag
// search needs it.
func NormalizeTag(name string) string {
	name = strings.TrimLeft(strings.TrimSpace(name), "#")
	name = strings.ToLower(name)
	if isASCII(name) {
		return name
	}
	return norm.NFC.String(name)
}

// urlPlaceholderLength is what every URL counts for, whatever its length.
const urlPlaceholderLength = 23

// CountCharacters counts text against the status length limit the way Mastodon
// does: a URL counts as 23 characters, a mention @user@domain counts as @user,
// everything else counts one per Unicode code point. (Mastodon counts grapheme
// clusters, so an emoji with modifiers costs more here.) Callers add the
// spoiler text and poll options themselves, as Mastodon joins them in.
func CountCharacters(text string) int {
	n, last := 0, 0
	for _, e := range extractEntities(text, wantURLs|wantMentions) {
		n += utf8.RuneCountInString(text[last:e.start])
		if e.kind == entityURL {
			n += urlPlaceholderLength
		} else {
			n += 1 + utf8.RuneCountInString(e.username)
		}
		last = e.end
	}
	return n + utf8.RuneCountInString(text[last:])
}

// --- Mentions ---------------------------------------------------------------

// scanMention matches Mastodon's Account::MENTION_RE at an '@':
// (?<![=/[:word:]])@(user)(@domain)?, then rejects the match when it runs
// into another '@', an accented Latin letter or "://", as Mastodon does.
func scanMention(text string, i int) (entity, bool) {
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:i])
		if r == '=' || r == '/' || isWordRune(r) {
			return entity{}, false
		}
	}
	j := scanUsername(text, i+1)
	if j == i+1 {
		return entity{}, false
	}
	e := entity{kind: entityMention, start: i, username: text[i+1 : j]}
	if j < len(text) && text[j] == '@' {
		if k := scanWordsDotted(text, j+1); k > j+1 {
			k = scanPort(text, k)
			e.domain = text[j+1 : k]
			j = k
		}
	}
	if j < len(text) {
		r, _ := utf8.DecodeRuneInString(text[j:])
		if r == '@' || r == '＠' || isLatinAccent(r) || strings.HasPrefix(text[j:], "://") {
			return entity{}, false
		}
	}
	e.end = j
	return e, true
}

// scanPort extends a mention's domain by ":port" (1 to 5 digits, not
// followed by a word character). Mastodon has no ports in handles, but
// instances on development and test hosts do (host:8080); "@a@b.c: hi" is
// untouched because a port needs digits.
func scanPort(text string, k int) int {
	if k >= len(text) || text[k] != ':' {
		return k
	}
	m := k + 1
	for m < len(text) && m-k <= 5 && text[m] >= '0' && text[m] <= '9' {
		m++
	}
	if m == k+1 || m-k > 6 {
		return k
	}
	if m < len(text) {
		if r, _ := utf8.DecodeRuneInString(text[m:]); isWordRune(r) {
			return k
		}
	}
	return m
}

// scanUsername matches [a-z0-9_]+([.-]+[a-z0-9_]+)* (ASCII, any case).
func scanUsername(text string, p int) int {
	j := p
	for j < len(text) && isUsernameByte(text[j]) {
		j++
	}
	if j == p {
		return p
	}
	for {
		k := j
		for k < len(text) && (text[k] == '.' || text[k] == '-') {
			k++
		}
		m := k
		for m < len(text) && isUsernameByte(text[m]) {
			m++
		}
		if k == j || m == k {
			return j
		}
		j = m
	}
}

func isUsernameByte(c byte) bool {
	return c == '_' || isASCIIAlnum(rune(c))
}

// scanWordsDotted matches [[:word:]]+([.-]+[[:word:]]+)*, a mention's domain.
func scanWordsDotted(text string, p int) int {
	words := func(j int) int {
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r) {
				break
			}
			j += size
		}
		return j
	}
	j := words(p)
	if j == p {
		return p
	}
	for {
		k := j
		for k < len(text) && (text[k] == '.' || text[k] == '-') {
			k++
		}
		m := words(k)
		if k == j || m == k {
			return j
		}
		j = m
	}
}

// isLatinAccent is twitter-text's LATIN_ACCENTS set.
func isLatinAccent(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xFF:
		return r != 0xD7 && r != 0xF7
	case r >= 0x100 && r <= 0x24F, r >= 0x300 && r <= 0x36F, r >= 0x1E00 && r <= 0x1EFF:
		return true
	}
	switch r {
	case 0x253, 0x254, 0x256, 0x257, 0x259, 0x25B, 0x263, 0x268, 0x26F, 0x272, 0x289, 0x28B, 0x2BB:
		return true
	}
	return false
}

// --- Hashtags ---------------------------------------------------------------

// scanHashtag matches Mastodon's Tag::HASHTAG_RE at a '#'. The '#' may not
// follow an ASCII word character, '&', '/' or ')' (Ruby's \w is ASCII, so a
// tag glued to CJK text still counts, as on Mastodon). The name is word
// characters and the separators _ · ・ ZWNJ, may not end in a separator other
// than '_', and needs a letter, or a separator inside it: "#123" is not a
// tag, "#1_2" is.
func scanHashtag(text string, i int) (entity, bool) {
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:i])
		if r < utf8.RuneSelf && (r == '_' || r == '&' || r == '/' || r == ')' || isASCIIAlnum(r)) {
			return entity{}, false
		}
	}
	start := i + 1
	if r, _ := utf8.DecodeRuneInString(text[start:]); start >= len(text) || !isWordRune(r) {
		return entity{}, false
	}
	end := start // end of the last word character
	for j := start; j < len(text); {
		r, size := utf8.DecodeRuneInString(text[j:])
		if isWordRune(r) {
			j += size
			end = j
			continue
		}
		if !isTagSeparator(r) {
			break
		}
		j += size
	}
	// "#foohttps://x.org": Mastodon gives the URL its scheme back.
	if strings.HasPrefix(text[end:], "://") {
		for _, s := range []string{"https", "http"} {
			if end-start > len(s) && strings.HasSuffix(text[start:end], s) {
				end -= len(s)
				break
			}
		}
	}
	name := text[start:end]
	if !validTagName(name) {
		return entity{}, false
	}
	return entity{kind: entityHashtag, start: i, end: end, tag: name}, true
}

// validTagName applies the rest of HASHTAG_NAME_PAT to a name that starts
// with a word character: it must hold a letter, or a separator that is
// neither its first nor its last character.
func validTagName(name string) bool {
	if name == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, lastSize := utf8.DecodeLastRuneInString(name)
	if !isWordRune(first) || !isWordRune(last) {
		return false
	}
	for j, r := range name {
		if isAlphaRune(r) {
			return true
		}
		if isTagSeparator(r) && j > 0 && j < len(name)-lastSize {
			return true
		}
	}
	return false
}

func isTagSeparator(r rune) bool {
	return r == '_' || r == '\u00B7' || r == '\u30FB' || r == '\u200C'
}

// isWordRune is Onigmo's [[:word:]]: letters, marks, decimal digits and
// connector punctuation.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || isASCIIAlnum(r)
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Pc, r)
}

// isAlphaRune approximates [[:alpha:]] (Unicode Alphabetic).
func isAlphaRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r|0x20 >= 'a' && r|0x20 <= 'z'
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_Alphabetic, r)
}

// --- small string helpers ---------------------------------------------------

func isASCIIAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r|0x20 >= 'a' && r|0x20 <= 'z'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
