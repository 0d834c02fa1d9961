package content

import (
	"net/url"
	"strings"
)

// Mention is an account mentioned in a local text. The HTML links URL when it
// is set (Mastodon links the profile page) and Href otherwise; a mention with
// neither as an http(s) URL stays text.
type Mention struct {
	Username string
	Domain   string // "" for a local account
	Href     string // actor URL (the ActivityPub id), set by the resolver
	URL      string // profile page URL, optional
}

// MentionResolver looks up @username or @username@domain; domain is "" for the
// local (account) domain. It reports false when there is no such account, and
// the mention then stays plain text. Format calls it once per distinct mention.
type MentionResolver func(username, domain string) (m Mention, ok bool)

// Formatted is the result of formatting a local text.
type Formatted struct {
	HTML     string
	Mentions []Mention // resolved ones, deduplicated, in order of appearance
	Tags     []string  // normalized hashtags (see NormalizeTag), deduplicated
	Links    []string  // http(s) URLs, deduplicated, in order: candidates for a link preview
}

// Formatter turns local plain text into status HTML, like Mastodon's
// TextFormatter. The zero value works: hashtags then stay plain text (but are
// still collected), and @user@domain is never taken for a local account.
type Formatter struct {
	// TagURL returns the page of a hashtag; it gets the normalized name and
	// must escape it for the path.
	TagURL func(tag string) string
	// LocalDomain is the account domain, so @user@LocalDomain is local.
	LocalDomain string
}

// urlDisplayWidth is how many characters of a URL (after its scheme) are shown
// before the rest is hidden behind an ellipsis.
const urlDisplayWidth = 30

const (
	relDefault = "nofollow noopener noreferrer"
	relField   = relDefault + " me" // profile fields, as Mastodon marks them
)

// Format turns text into status HTML: paragraphs on blank lines, <br /> on
// single newlines, everything escaped, URLs, resolved mentions and hashtags
// linked the way Mastodon links them.
func (f *Formatter) Format(text string, resolve MentionResolver) Formatted {
	var cfg Formatter
	if f != nil {
		cfg = *f
	}
	text = strings.TrimSpace(normalizeNewlines(strings.ToValidUTF8(text, "\uFFFD")))
	if text == "" {
		return Formatted{}
	}
	ents := extractEntities(text, wantAll)

	var out Formatted
	resolved := cfg.resolveMentions(ents, resolve, &out)

	var b strings.Builder
	b.Grow(len(text) + len(text)/4 + 200*len(ents) + 8)
	b.WriteString("<p>")
	last := 0
	for _, e := range ents {
		writeParagraphs(&b, text[last:e.start])
		last = e.end
		raw := text[e.start:e.end]
		switch e.kind {
		case entityURL:
			if writeLink(&b, raw, relDefault) && isHTTP(raw) {
				out.Links = appendUnique(out.Links, raw)
			}
		case entityMention:
			m, ok := resolved[mentionKey(e.username, cfg.localize(e.domain))]
			if !ok {
				writeEscaped(&b, raw)
				continue
			}
			b.WriteString(`<span class="h-card" translate="no"><a href="`)
			writeEscaped(&b, m.href)
			b.WriteString(`" class="u-url mention">@<span>`)
			writeEscaped(&b, m.display)
			b.WriteString(`</span></a></span>`)
		case entityHashtag:
			name := NormalizeTag(e.tag)
			out.Tags = appendUnique(out.Tags, name)
			if cfg.TagURL == nil {
				writeEscaped(&b, raw)
				continue
			}
			b.WriteString(`<a href="`)
			writeEscaped(&b, cfg.TagURL(name))
			b.WriteString(`" class="mention hashtag" rel="tag">#<span>`)
			writeEscaped(&b, e.tag)
			b.WriteString(`</span></a>`)
		}
	}
	writeParagraphs(&b, text[last:])
	b.WriteString("</p>")
	out.HTML = b.String()
	return out
}

// FormatProfileNote formats a profile bio. Mastodon formats bios exactly like
// statuses; this name keeps call sites honest if that ever changes.
func (f *Formatter) FormatProfileNote(text string, resolve MentionResolver) Formatted {
	return f.Format(text, resolve)
}

// FormatFieldValue formats a profile field value: URLs linked (with rel="me",
// as Mastodon does for fields), everything else escaped, no paragraphs.
func FormatFieldValue(value string) string {
	value = strings.TrimSpace(strings.ToValidUTF8(value, "\uFFFD"))
	var b strings.Builder
	last := 0
	for _, e := range extractEntities(value, wantURLs) {
		writeEscaped(&b, value[last:e.start])
		writeLink(&b, value[e.start:e.end], relField)
		last = e.end
	}
	writeEscaped(&b, value[last:])
	return b.String()
}

// resolvedMention is what the HTML needs of a resolved mention.
type resolvedMention struct {
	href, display string
}

// resolveMentions resolves each distinct mention once, records the resolved
// ones in out.Mentions and returns them by mentionKey. Like Mastodon, it shows
// user@domain instead of user when two mentioned accounts share a username.
func (f Formatter) resolveMentions(ents []entity, resolve MentionResolver, out *Formatted) map[string]resolvedMention {
	if resolve == nil {
		return nil
	}
	var (
		keys    []string
		seen    map[string]bool
		byKey   = map[string]resolvedMention{}
		perUser = map[string]int{}
	)
	for _, e := range ents {
		if e.kind != entityMention {
			continue
		}
		domain := f.localize(e.domain)
		key := mentionKey(e.username, domain)
		if seen[key] {
			continue
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[key] = true
		m, ok := resolve(e.username, domain)
		if !ok {
			continue
		}
		href := safeHref(m.URL)
		if href == "" {
			href = safeHref(m.Href)
		}
		if href == "" {
			continue // nothing safe to link to: leave it as text
		}
		if m.Username == "" {
			m.Username = e.username
		}
		out.Mentions = append(out.Mentions, m)
		keys = append(keys, key)
		byKey[key] = resolvedMention{href: href}
		perUser[strings.ToLower(m.Username)]++
	}
	for i, key := range keys {
		m := out.Mentions[i]
		display := m.Username
		if perUser[strings.ToLower(m.Username)] > 1 && m.Domain != "" {
			display += "@" + m.Domain
		}
		byKey[key] = resolvedMention{href: byKey[key].href, display: display}
	}
	return byKey
}

// localize maps the account domain to "", the resolver's name for local.
func (f Formatter) localize(domain string) string {
	if f.LocalDomain != "" && strings.EqualFold(domain, f.LocalDomain) {
		return ""
	}
	return domain
}

func mentionKey(username, domain string) string {
	return strings.ToLower(username) + "@" + strings.ToLower(domain)
}

// safeHref returns u if it is an absolute http(s) URL: account URLs come from
// remote actors, and a javascript: profile URL must never become a link.
func safeHref(u string) string {
	if !isHTTP(u) {
		return ""
	}
	if p, err := url.Parse(u); err != nil || p.Host == "" {
		return ""
	}
	return u
}

func isHTTP(u string) bool {
	return hasPrefixFold(u, "https://") || hasPrefixFold(u, "http://")
}

// writeLink writes Mastodon's shortened link: the scheme (and "www.") hidden,
// 30 characters shown, the rest hidden behind an ellipsis. A URL that does not
// parse is written as text, as Mastodon does; writeLink reports which.
func writeLink(b *strings.Builder, raw, rel string) bool {
	if _, err := url.Parse(raw); err != nil {
		writeEscaped(b, raw)
		return false
	}
	prefix := displayPrefix(raw)
	shown, hidden := splitAtRune(raw[len(prefix):], urlDisplayWidth)
	b.WriteString(`<a href="`)
	writeEscaped(b, raw)
	b.WriteString(`" target="_blank" rel="`)
	b.WriteString(rel)
	b.WriteString(`" translate="no"><span class="invisible">`)
	writeEscaped(b, prefix)
	b.WriteString(`</span><span class="`)
	if hidden != "" {
		b.WriteString("ellipsis")
	}
	b.WriteString(`">`)
	writeEscaped(b, shown)
	b.WriteString(`</span><span class="invisible">`)
	writeEscaped(b, hidden)
	b.WriteString(`</span></a>`)
	return true
}

// displayPrefix is the part of a URL Mastodon hides: http(s)://, "www." after
// it, or "xmpp:". Case-sensitive, like Mastodon's URL_PREFIX_REGEX.
func displayPrefix(u string) string {
	var p string
	switch {
	case strings.HasPrefix(u, "https://"):
		p = "https://"
	case strings.HasPrefix(u, "http://"):
		p = "http://"
	case strings.HasPrefix(u, "xmpp:"):
		return "xmpp:"
	default:
		return ""
	}
	if strings.HasPrefix(u[len(p):], "www.") {
		p += "www."
	}
	return p
}

// splitAtRune splits s after n code points.
func splitAtRune(s string, n int) (head, tail string) {
	for i := range s {
		if n == 0 {
			return s[:i], s[i:]
		}
		n--
	}
	return s, ""
}

// writeParagraphs writes plain text escaped, turning a blank line (newlines
// with only spaces between them) into a paragraph break and a single newline
// into <br />, like Rails' simple_format as Mastodon uses it.
func writeParagraphs(b *strings.Builder, s string) {
	for {
		nl := strings.IndexByte(s, '\n')
		if nl < 0 {
			writeEscaped(b, s)
			return
		}
		writeEscaped(b, s[:nl])
		// Find the last newline of the whitespace run starting here.
		j, lastNL := nl+1, nl
		for j < len(s) && isBlank(s[j]) {
			if s[j] == '\n' {
				lastNL = j
			}
			j++
		}
		if lastNL > nl {
			b.WriteString("</p><p>")
		} else {
			b.WriteString("<br />")
		}
		s = s[lastNL+1:]
	}
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\v'
}

func normalizeNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// writeEscaped writes s with & < > " ' escaped, the same set as
// html.EscapeString, without allocating.
func writeEscaped(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}
