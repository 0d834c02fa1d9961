package entity

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/maphash"
	"math"
	"sync"
	"time"

	"github.com/kontor-social/kontor/db"
)

const (
	// renderedEntries bounds each of the two generations of the rendered
	// cache: at most twice this many statuses (a few KB each) are kept.
	renderedEntries = 2048
	// renderedTTL bounds how long an entry is trusted, for the one input
	// no row of the page shows: an application deleted (its statuses then
	// name none).
	renderedTTL = 10 * time.Minute
)

// renderedCache keeps what every viewer sees of a status (statusShared:
// the status, its author, attachments, mentions, hashtags, application),
// rendered once, and its JSON, so that a page of statuses already seen
// needs neither their hydration queries nor their encoding.
//
// An entry is good while its fingerprint matches: a hash of the rows a
// page reads afresh on every request anyway — the status row as the
// timeline query just returned it, its author from the accounts cache
// (invalidated across processes) and its attachments (read for every
// has_media status). It is not told of writes, so it holds across
// processes. What a fingerprint cannot see is kept out: the card, the poll
// and the per-viewer fields are added per request, and a status whose
// text or author's profile uses a custom emoji shortcode (the emoji's
// image is copied, or the emoji disabled, with no row of the page
// changing), has a poll, or whose author moved, is never cached. Hashtags
// and mentions follow the status row's updated_at, as db.TagsAndMentions'
// own copy does.
//
// Visibility is not its business: it is consulted only for statuses the
// query (and VisibleStatusesByIDs for boosts' originals) already chose.
type renderedCache struct {
	seed      maphash.Seed
	mu        sync.Mutex
	cur, prev map[int64]*rendered // the recent generation, and the one before
}

// rendered is one status's shared part. status and json are never
// changed once the entry is shared; renderings copy status.
type rendered struct {
	fp     uint64
	at     time.Time // when rendered
	status Status    // no Card, Poll, Reblog nor per-viewer field

	once sync.Once
	json []byte // status as a JSON object without its closing brace and the per-request fields (nil: not writable)
}

func newRenderedCache() *renderedCache {
	return &renderedCache{seed: maphash.MakeSeed()}
}

// get returns the entry of s if its fingerprint is fp.
func (c *renderedCache) get(id int64, fp uint64) *rendered {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.cur[id]
	if e == nil {
		if e = c.prev[id]; e != nil && e.fp == fp {
			c.putLocked(id, e) // still read: keep it in the recent generation
		}
	}
	if e == nil || e.fp != fp || time.Since(e.at) >= renderedTTL {
		return nil
	}
	return e
}

// put keeps st as the shared part of status id with fingerprint fp.
func (c *renderedCache) put(id int64, fp uint64, st Status) *rendered {
	e := &rendered{fp: fp, at: time.Now(), status: st}
	c.mu.Lock()
	c.putLocked(id, e)
	c.mu.Unlock()
	return e
}

// putLocked adds e; a full generation becomes the old one, so the cache is
// an approximate LRU of at most 2 × renderedEntries statuses.
func (c *renderedCache) putLocked(id int64, e *rendered) {
	if c.cur == nil || len(c.cur) >= renderedEntries {
		c.prev, c.cur = c.cur, make(map[int64]*rendered, renderedEntries)
	}
	c.cur[id] = e
}

// cacheable reports whether s's shared part can be kept: see renderedCache
// for what is left out.
func cacheable(s *db.Status) bool {
	a := s.Account
	if a == nil || s.PollID != nil || a.MovedToAccountID != nil ||
		hasShortcode(s.Content) || hasShortcode(s.SpoilerText) || hasShortcode(a.DisplayName) || hasShortcode(a.Note) {
		return false
	}
	for _, f := range a.Fields {
		if hasShortcode(f.Name) || hasShortcode(f.Value) {
			return false
		}
	}
	return true
}

// fingerprint hashes everything statusShared renders s from: its row, its
// author's row and its attachments' rows.
func (c *renderedCache) fingerprint(s *db.Status, media []*db.MediaAttachment) uint64 {
	var h fpHash
	h.SetSeed(c.seed)
	h.int(s.ID)
	h.str(s.URI)
	h.str(s.URL)
	h.bool(s.Local)
	h.int(int64(s.Visibility))
	h.intPtr(s.InReplyToID)
	h.intPtr(s.InReplyToAccountID)
	h.intPtr(s.ReblogOfID)
	h.str(s.Content)
	h.str(s.SpoilerText)
	h.bool(s.Sensitive)
	h.str(s.Language)
	h.bool(s.HasMedia)
	h.intPtr(s.ApplicationID)
	h.int(s.RepliesCount)
	h.int(s.ReblogsCount)
	h.int(s.FavouritesCount)
	h.time(s.CreatedAt)
	h.timePtr(s.EditedAt)
	h.time(s.UpdatedAt) // hashtags and mentions, as db.TagsAndMentions keeps them

	a := s.Account
	h.int(a.ID)
	h.str(a.Username)
	h.str(a.Domain)
	h.str(a.URI)
	h.str(a.URL)
	h.str(a.ActorType)
	h.str(a.DisplayName)
	h.str(a.Note)
	h.int(int64(len(a.Fields)))
	for _, f := range a.Fields {
		h.str(f.Name)
		h.str(f.Value)
		h.timePtr(f.VerifiedAt)
	}
	// An avatar or header is a new attachment (a new id) whenever it changes.
	h.intPtr(a.AvatarMediaID)
	h.intPtr(a.HeaderMediaID)
	h.str(a.AvatarRemoteURL)
	h.str(a.HeaderRemoteURL)
	h.bool(a.Locked)
	h.bool(a.Bot)
	h.bool(a.Discoverable)
	h.bool(a.Indexable)
	h.bool(a.HideCollections)
	h.bool(a.Memorial)
	h.bool(a.IsBrand)
	h.timePtr(a.SuspendedAt)
	h.timePtr(a.SilencedAt)
	h.timePtr(a.SensitizedAt)
	h.int(a.FollowersCount)
	h.int(a.FollowingCount)
	h.int(a.StatusesCount)
	h.timePtr(a.LastStatusAt)
	h.time(a.CreatedAt)
	h.time(a.UpdatedAt)

	// Attachments change without their status (a description set on a
	// posted one, a remote copy made or dropped); RestoreMediaAttributes
	// even puts an older updated_at back, so their fields are hashed.
	h.int(int64(len(media)))
	for _, m := range media {
		h.int(m.ID)
		h.str(m.Kind)
		h.str(m.FileKey)
		h.str(m.PreviewKey)
		h.str(m.RemoteURL)
		h.str(m.PreviewRemoteURL)
		h.str(m.Description)
		h.str(m.Blurhash)
		h.int(m.Position)
		h.time(m.UpdatedAt)
		for _, d := range []*db.MediaDimensions{m.Meta.Original, m.Meta.Small} {
			h.bool(d != nil)
			if d != nil {
				h.int(int64(d.Width))
				h.int(int64(d.Height))
				h.str(d.Size)
				h.float(d.Aspect)
				h.float(d.Duration)
			}
		}
		h.bool(m.Meta.Focus != nil)
		if f := m.Meta.Focus; f != nil {
			h.float(f.X)
			h.float(f.Y)
		}
	}
	return h.Sum64()
}

// fpHash writes values into a maphash with a separator-free fixed layout
// (strings are length-prefixed, so fields cannot run into each other).
type fpHash struct {
	maphash.Hash
	buf [8]byte
}

func (h *fpHash) int(v int64) {
	binary.LittleEndian.PutUint64(h.buf[:], uint64(v))
	h.Write(h.buf[:])
}

func (h *fpHash) float(v float64) { h.int(int64(math.Float64bits(v))) }

func (h *fpHash) str(s string) {
	h.int(int64(len(s)))
	h.WriteString(s)
}

func (h *fpHash) bool(b bool) {
	if b {
		h.WriteByte(1)
	} else {
		h.WriteByte(0)
	}
}

func (h *fpHash) intPtr(p *int64) {
	h.bool(p != nil)
	if p != nil {
		h.int(*p)
	}
}

func (h *fpHash) time(t time.Time) { h.int(t.UnixNano()) }

func (h *fpHash) timePtr(t *time.Time) {
	h.bool(t != nil)
	if t != nil {
		h.time(*t)
	}
}

// perRequest is how json.Marshal writes the fields a shared part leaves
// nil (Reblog, Poll and Card are adjacent in Status): they are cut out of
// the kept JSON and written per request (appendStatus).
var perRequest = []byte(`,"reblog":null,"poll":null,"card":null`)

// encoded returns the kept JSON of e (nil when it cannot be cut as
// expected, and the status is then encoded whole).
func (e *rendered) encoded() []byte {
	e.once.Do(func() {
		body, err := json.Marshal(e.status)
		if err != nil || bytes.Count(body, perRequest) != 1 || body[len(body)-1] != '}' {
			return
		}
		body = bytes.Replace(body, perRequest, nil, 1)
		e.json = body[:len(body)-1]
	})
	return e.json
}
