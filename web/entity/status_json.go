package entity

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/kontor-social/kontor/db"
)

// AppendStatusesJSON renders list as StatusesIn does and appends it to buf
// as a JSON array: a status whose shared part is kept (renderedCache) is
// written from its kept JSON plus what differs per request, so a page of
// statuses already seen costs no reflection over their entities. A page
// of 20 is ~40 KB: past Go's small-object sizes, so a new buffer for every
// page was a large allocation, zeroed and later returned to the OS, on
// every timeline request; the caller may pass one it keeps.
func (p *Presenter) AppendStatusesJSON(ctx context.Context, buf []byte, viewer int64, list []*db.Status, scope string) ([]byte, error) {
	out, kept, err := p.statusesIn(ctx, viewer, list, scope)
	if err != nil {
		return nil, err
	}
	buf = slices.Grow(buf, 2048*len(out)+2)
	buf = append(buf, '[')
	for i := range out {
		if i > 0 {
			buf = append(buf, ',')
		}
		if buf, err = appendStatus(buf, &out[i], kept); err != nil {
			return nil, err
		}
	}
	return append(buf, ']'), nil
}

// StatusJSON renders one status as Status does, as JSON.
func (p *Presenter) StatusJSON(ctx context.Context, viewer int64, s *db.Status) ([]byte, error) {
	out, kept, err := p.statusesIn(ctx, viewer, []*db.Status{s}, "")
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, db.ErrNotFound
	}
	return appendStatus(nil, &out[0], kept)
}

// appendStatus appends st as JSON: from its kept shared part when it has
// one (the fields statusShared does not set are written here, and must
// stay in step with Status), else whole.
func appendStatus(buf []byte, st *Status, kept map[int64]*rendered) ([]byte, error) {
	id, _ := db.ParseID(st.ID)
	e := kept[id]
	var shared []byte
	if e != nil {
		shared = e.encoded()
	}
	if shared == nil {
		body, err := json.Marshal(st)
		return append(buf, body...), err
	}
	buf = append(buf, shared...)
	buf = append(buf, `,"reblog":`...)
	var err error
	if st.Reblog != nil {
		if buf, err = appendStatus(buf, st.Reblog, kept); err != nil {
			return nil, err
		}
	} else {
		buf = append(buf, "null"...)
	}
	if st.Poll == nil {
		buf = append(buf, `,"poll":null`...)
	} else if buf, err = appendField(buf, `,"poll":`, st.Poll); err != nil {
		return nil, err
	}
	if st.Card == nil {
		buf = append(buf, `,"card":null`...)
	} else if buf, err = appendField(buf, `,"card":`, st.Card); err != nil {
		return nil, err
	}
	buf = appendFlag(buf, `,"favourited":`, st.Favourited)
	buf = appendFlag(buf, `,"reblogged":`, st.Reblogged)
	buf = appendFlag(buf, `,"muted":`, st.Muted)
	buf = appendFlag(buf, `,"bookmarked":`, st.Bookmarked)
	buf = appendFlag(buf, `,"pinned":`, st.Pinned)
	switch {
	case st.Filtered == nil: // anonymous: absent
	case len(st.Filtered) == 0:
		buf = append(buf, `,"filtered":[]`...)
	default:
		if buf, err = appendField(buf, `,"filtered":`, st.Filtered); err != nil {
			return nil, err
		}
	}
	return append(buf, '}'), nil
}

// appendField appends key and v as JSON (null for a nil pointer).
func appendField(buf []byte, key string, v any) ([]byte, error) {
	buf = append(buf, key...)
	body, err := json.Marshal(v)
	return append(buf, body...), err
}

// appendFlag appends key and *b, nothing when b is nil (omitempty).
func appendFlag(buf []byte, key string, b *bool) []byte {
	if b == nil {
		return buf
	}
	buf = append(buf, key...)
	if *b {
		return append(buf, "true"...)
	}
	return append(buf, "false"...)
}
