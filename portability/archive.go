package portability

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/activitypub/vocab"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
)

// The account archive, in Mastodon's layout: actor.json (the actor, its
// avatar and header as files beside it), outbox.json (an
// OrderedCollection of the Create and Announce activities of every post
// and boost, attachments pointing at the files in the archive),
// likes.json and bookmarks.json (collections of status URIs) and the
// media files under media_attachments/files/.

const mediaDir = "media_attachments/files/"

// archiveBatch is how many statuses are rendered per round of queries.
const archiveBatch = 200

// ArchiveStats counts what an archive holds.
type ArchiveStats struct {
	Statuses, Media, Likes, Bookmarks int
}

// WriteArchive writes a's archive as a zip file to w. progress, if set,
// hears the statuses written so far and their total.
func WriteArchive(ctx context.Context, e *activitypub.Engine, files media.Store, a *db.Account, w io.Writer, progress func(done, total int)) (*ArchiveStats, error) {
	zw := zip.NewWriter(w)
	stats := &ArchiveStats{}
	attached, err := writeOutbox(ctx, e, zw, a, stats, progress)
	if err != nil {
		return nil, err
	}
	for _, m := range attached {
		if err := copyMedia(ctx, zw, files, m.FileKey, mediaDir+m.FileKey); err != nil {
			return nil, err
		}
		stats.Media++
	}
	store := e.DB()
	likes, err := store.AllFavouriteURIs(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	stats.Likes = len(likes)
	if err := writeURIs(zw, "likes.json", likes); err != nil {
		return nil, err
	}
	bookmarks, err := store.AllBookmarkURIs(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	stats.Bookmarks = len(bookmarks)
	if err := writeURIs(zw, "bookmarks.json", bookmarks); err != nil {
		return nil, err
	}
	if err := writeActor(ctx, e, zw, files, a); err != nil {
		return nil, err
	}
	return stats, zw.Close()
}

// writeOutbox streams outbox.json and returns the stored attachments it
// points at.
func writeOutbox(ctx context.Context, e *activitypub.Engine, zw *zip.Writer, a *db.Account, stats *ArchiveStats, progress func(done, total int)) ([]*db.MediaAttachment, error) {
	store := e.DB()
	ids, err := store.AllStatusIDs(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	out, err := zw.Create("outbox.json")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, `{"@context":"https://www.w3.org/ns/activitystreams","id":"outbox.json","type":"OrderedCollection","totalItems":%d,"orderedItems":[`, len(ids))
	var attached []*db.MediaAttachment
	for start := 0; start < len(ids); start += archiveBatch {
		batch := ids[start:min(start+archiveBatch, len(ids))]
		mediaOf, err := store.MediaForStatuses(ctx, batch)
		if err != nil {
			return nil, err
		}
		for i, id := range batch {
			s, err := store.StatusByIDAny(ctx, id)
			if errors.Is(err, db.ErrNotFound) {
				continue // deleted meanwhile
			} else if err != nil {
				return nil, err
			}
			item, err := archiveItem(ctx, e, s, mediaOf[id])
			if err != nil {
				return nil, err
			}
			if start+i > 0 {
				io.WriteString(out, ",")
			}
			if _, err := out.Write(item); err != nil {
				return nil, err
			}
			stats.Statuses++
			for _, m := range mediaOf[id] {
				if m.FileKey != "" {
					attached = append(attached, m)
				}
			}
		}
		if progress != nil {
			progress(start+len(batch), len(ids))
		}
	}
	_, err = io.WriteString(out, "]}")
	return attached, err
}

// archiveItem renders one status as its activity, without @context, its
// stored attachments pointing into the archive.
func archiveItem(ctx context.Context, e *activitypub.Engine, s *db.Status, attachments []*db.MediaAttachment) ([]byte, error) {
	act, err := e.StatusActivity(ctx, s)
	if err != nil {
		return nil, err
	}
	raw, err := vocab.Marshal(act)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	delete(doc, "@context")
	local := map[string]string{}
	for _, m := range attachments {
		if m.FileKey != "" {
			local[e.MediaURL(m)] = mediaDir + m.FileKey
		}
	}
	if obj, ok := doc["object"].(map[string]any); ok {
		list, _ := obj["attachment"].([]any)
		if one, ok := obj["attachment"].(map[string]any); ok {
			list = []any{one}
		}
		for _, att := range list {
			if m, ok := att.(map[string]any); ok {
				if u, ok := m["url"].(string); ok && local[u] != "" {
					m["url"] = local[u]
				}
			}
		}
	}
	return json.Marshal(doc)
}

// writeURIs writes an OrderedCollection of URIs (likes.json, bookmarks.json).
func writeURIs(zw *zip.Writer, name string, uris []string) error {
	if uris == nil {
		uris = []string{}
	}
	return writeJSON(zw, name, map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": name, "type": "OrderedCollection",
		"totalItems": len(uris), "orderedItems": uris,
	})
}

func writeJSON(zw *zip.Writer, name string, v any) error {
	f, err := zw.Create(name)
	if err != nil {
		return err
	}
	return json.NewEncoder(f).Encode(v)
}

// writeActor writes actor.json, with the avatar and header as files
// beside it and the collections pointing at the archive's files.
func writeActor(ctx context.Context, e *activitypub.Engine, zw *zip.Writer, files media.Store, a *db.Account) error {
	doc, err := e.RenderActor(ctx, a)
	if err != nil {
		return err
	}
	raw, err := vocab.Marshal(doc)
	if err != nil {
		return err
	}
	var actor map[string]any
	if err := json.Unmarshal(raw, &actor); err != nil {
		return err
	}
	actor["outbox"], actor["likes"], actor["bookmarks"] = "outbox.json", "likes.json", "bookmarks.json"
	for _, img := range []struct {
		field, name string
		id          *int64
	}{{"icon", "avatar", a.AvatarMediaID}, {"image", "header", a.HeaderMediaID}} {
		if img.id == nil {
			continue
		}
		m, err := e.DB().MediaByID(ctx, *img.id)
		if err != nil || m.FileKey == "" {
			continue // a missing image is not worth failing the archive for
		}
		name := img.name + extension(m)
		if err := copyMedia(ctx, zw, files, m.FileKey, name); err != nil {
			return err
		}
		if obj, ok := actor[img.field].(map[string]any); ok {
			obj["url"] = name
		}
	}
	return writeJSON(zw, "actor.json", actor)
}

func extension(m *db.MediaAttachment) string {
	if ext := path.Ext(m.FileKey); ext != "" {
		return ext
	}
	if exts, _ := mime.ExtensionsByType(m.ContentType); len(exts) > 0 {
		return exts[0]
	}
	return ""
}

// copyMedia copies a stored file into the archive; a file missing from
// the store is left out (the archive notes nothing else about it).
func copyMedia(ctx context.Context, zw *zip.Writer, files media.Store, key, name string) error {
	r, _, err := files.Open(ctx, key)
	if errors.Is(err, media.ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("portability: archive media %s: %w", key, err)
	}
	defer r.Close()
	// Images are compressed already; storing them saves the CPU.
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	return err
}
