package streaming

import (
	"strings"

	"github.com/kontor-social/kontor/db"
)

// Stream names, as Mastodon clients send them.
const (
	streamUser         = "user"
	streamNotification = "user:notification"
	streamPublic       = "public"
	streamHashtag      = "hashtag"
	streamHashtagLocal = "hashtag:local"
	streamList         = "list"
	streamDirect       = "direct"
)

// publicStreams are the public timelines: public originals, local or
// remote only, with media only.
var publicStreams = map[string]struct{ local, remote, media bool }{
	"public":              {},
	"public:media":        {media: true},
	"public:local":        {local: true},
	"public:local:media":  {local: true, media: true},
	"public:remote":       {remote: true},
	"public:remote:media": {remote: true, media: true},
}

// stream is one subscription of a connection.
type stream struct {
	name    string // canonical: user, public:local:media, hashtag:local …
	tag     string // hashtag as the client wrote it (echoed in the stream array)
	norm    string // normalized hashtag
	list    int64
	listRaw string
}

// key identifies a subscription for unsubscribe and de-duplication.
func (st stream) key() string {
	switch {
	case st.norm != "":
		return st.name + "\x00" + st.norm
	case st.list != 0:
		return st.name + "\x00" + st.listRaw
	}
	return st.name
}

// array is the "stream" member of every event: ["user"], ["hashtag","foo"],
// ["list","123"] (masto drops events whose array does not match).
func (st stream) array() []string {
	switch {
	case st.tag != "":
		return []string{st.name, st.tag}
	case st.listRaw != "":
		return []string{st.name, st.listRaw}
	}
	return []string{st.name}
}

// isPublic reports whether st is one of the public timelines.
func (st stream) isPublic() bool { _, ok := publicStreams[st.name]; return ok }

// shows reports whether a public or hashtag stream shows a public
// original with these properties (the REST public and tag timelines'
// conditions besides visibility and mutes).
func (st stream) shows(local, hasMedia bool, tags map[string]bool) bool {
	if p, ok := publicStreams[st.name]; ok {
		return (!p.local || local) && (!p.remote || !local) && (!p.media || hasMedia)
	}
	if st.name == streamHashtag || st.name == streamHashtagLocal {
		return tags[st.norm] && (st.name == streamHashtag || local)
	}
	return false
}

// scopeOf is the filter context of a stream, as of the matching REST
// timeline.
func (st stream) scope() string {
	switch {
	case st.isPublic(), st.name == streamHashtag, st.name == streamHashtagLocal:
		return "public"
	case st.name == streamDirect:
		return "thread"
	}
	return "home"
}

// requiredScope is the OAuth scope a stream needs (as Mastodon: the
// notification stream also opens with read:notifications).
func (st stream) requiredScope() string {
	if st.name == streamNotification {
		return "read:notifications"
	}
	return "read:statuses"
}

// streamError is a refused subscription: the HTTP status and message.
type streamError struct {
	status int
	msg    string
}

func (e *streamError) Error() string { return e.msg }

var (
	errUnknownStream = &streamError{400, "Unknown stream type"}
	errNoTag         = &streamError{400, "No tag for stream provided"}
	errNoList        = &streamError{400, "No list for stream provided"}
)

// parseStream validates a stream name and its parameter.
func parseStream(name, tag, list string) (stream, error) {
	name = strings.TrimSpace(name)
	st := stream{name: name}
	switch {
	case name == streamUser, name == streamNotification, name == streamDirect, st.isPublic():
		return st, nil
	case name == streamHashtag, name == streamHashtagLocal:
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "#")
		if st.norm = db.NormalizeTagName(tag); st.norm == "" {
			return st, errNoTag
		}
		st.tag = tag
		return st, nil
	case name == streamList:
		id, ok := db.ParseID(strings.TrimSpace(list))
		if !ok {
			return st, errNoList
		}
		st.list, st.listRaw = id, strings.TrimSpace(list)
		return st, nil
	}
	return st, errUnknownStream
}

// ssePaths maps the SSE endpoints below /api/v1/streaming/ to stream names.
var ssePaths = map[string]string{
	"user":              streamUser,
	"user/notification": streamNotification,
	"public":            "public",
	"public/local":      "public:local",
	"public/remote":     "public:remote",
	"hashtag":           streamHashtag,
	"hashtag/local":     streamHashtagLocal,
	"list":              streamList,
	"direct":            streamDirect,
}

// truthy reads Mastodon's boolean query values.
func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "y", "yes", "on":
		return true
	}
	return false
}
