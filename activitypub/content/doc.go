// Package content owns the HTML of statuses and profiles: it sanitizes HTML
// that arrives from other servers (Sanitize), turns status HTML back into
// plain text (PlainText), and turns a local user's plain text into the HTML
// Mastodon would produce for it (Formatter.Format), including the entity rules
// (URLs, @mentions, #hashtags) and the 500-character count (CountCharacters).
//
// The entity rules follow Mastodon's Extractor (twitter-text with Mastodon's
// overrides) closely enough that a text posted here links the same things it
// would link on Mastodon; the known differences are listed on the functions.
package content
