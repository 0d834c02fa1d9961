package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/render"
)

// Media attachments: upload (v1 and v2), read, describe and delete. An
// upload is processed while the client waits (media.Process: the real type
// from the bytes, images re-encoded without metadata, a preview and a
// blurhash), so its url is set at once and both versions answer 200. Files
// go to the one configured store (local directory or S3).

// MaxMediaDescription is the longest description (alt text), in
// characters, as Mastodon's; the instance configuration reports it.
const MaxMediaDescription = 1500

// UploadLimits are the limits of uploads the configuration sets
// (media_max_image_bytes, media_max_video_bytes, media_max_image_pixels);
// the instance endpoints report them in configuration.media_attachments.
func UploadLimits(cfg *config.Config) media.Limits {
	return media.Limits{MaxImageBytes: cfg.MediaMaxImageBytes, MaxVideoBytes: cfg.MediaMaxVideoBytes, MaxImagePixels: cfg.MediaMaxImagePixels}
}

// mediaKeyKind is the first part of the storage keys of attachments.
const mediaKeyKind = "attachments"

func (h *Handlers) mediaRoutes(r chi.Router) {
	r.Post("/media", h.handler(h.uploadMedia))
	r.Get("/media/{id}", h.handler(h.getMedia))
	r.Put("/media/{id}", h.handler(h.updateMedia))
	r.Delete("/media/{id}", h.handler(h.deleteMedia))
}

func (h *Handlers) mediaV2Routes(r chi.Router) {
	r.Post("/media", h.handler(h.uploadMedia))
}

// uploadMedia is POST /api/v1/media and /api/v2/media: multipart file,
// thumbnail, description and focus.
func (h *Handlers) uploadMedia(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "write:media")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	up, err := h.readUpload(p)
	if err != nil {
		return err
	}
	m, err := h.storeUpload(r.Context(), a.Account.ID, up)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, h.present.Media(m))
	return nil
}

// upload is a processed upload: the file, its optional custom thumbnail
// and its description.
type upload struct {
	file, thumb *media.Processed
	description string
}

// readUpload checks and processes the parameters of an upload.
func (h *Handlers) readUpload(p *Params) (*upload, error) {
	fh := p.File("file")
	if fh == nil {
		return nil, fieldErr("file", "can't be blank")
	}
	description, err := mediaDescription(p)
	if err != nil {
		return nil, err
	}
	focus := p.String("focus")
	if _, err := media.ParseFocus(focus); err != nil {
		return nil, fieldErr("focus", `must be two numbers from -1.0 to 1.0, as "x,y"`)
	}
	file, err := h.processUpload(fh, "file", UploadLimits(h.Config), focus)
	if err != nil {
		return nil, err
	}
	thumb, err := h.readThumbnail(p)
	if err != nil {
		return nil, err
	}
	return &upload{file: file, thumb: thumb, description: description}, nil
}

// storeUpload stores an upload's files and then its row; the files go
// again when the row cannot be written.
func (h *Handlers) storeUpload(ctx context.Context, accountID int64, up *upload) (*db.MediaAttachment, error) {
	f := up.file
	id := h.DB.NewID()
	m := &db.MediaAttachment{ID: id, AccountID: accountID, Kind: string(f.Kind), ContentType: f.ContentType,
		FileSize: int64(len(f.Original)), Description: up.description, Blurhash: f.Blurhash, Meta: dbMeta(f.Meta),
		FileKey: media.Key(mediaKeyKind, db.FormatID(id), "original", f.Ext)}
	var stored []string
	defer func() {
		if stored != nil { // not committed
			h.deleteFiles(h.Media, stored)
		}
	}()
	if err := h.Media.Put(ctx, m.FileKey, f.ContentType, bytes.NewReader(f.Original), int64(len(f.Original))); err != nil {
		return nil, err
	}
	stored = append(stored, m.FileKey)
	preview, previewType := f.Preview, f.PreviewContentType
	if t := up.thumb; t != nil {
		preview, previewType = t.Preview, t.PreviewContentType
		m.Meta.Small = dbDimensions(t.Meta.Small)
		if m.Blurhash == "" {
			m.Blurhash = t.Blurhash
		}
	}
	if len(preview) > 0 {
		m.PreviewKey = media.Key(mediaKeyKind, db.FormatID(id), "small", media.ExtFor(previewType))
		if err := h.Media.Put(ctx, m.PreviewKey, previewType, bytes.NewReader(preview), int64(len(preview))); err != nil {
			return nil, err
		}
		stored = append(stored, m.PreviewKey)
	}
	if err := h.DB.InsertMedia(ctx, m); err != nil {
		return nil, err
	}
	stored = nil
	return m, nil
}

// getMedia is GET /api/v1/media/:id; masto polls it after an upload until
// url is set (which it is at once here).
func (h *Handlers) getMedia(w http.ResponseWriter, r *http.Request) error {
	_, m, ok, err := h.requireOwnMedia(w, r)
	if !ok {
		return err
	}
	render.JSON(w, http.StatusOK, h.present.Media(m))
	return nil
}

// updateMedia is PUT /api/v1/media/:id: description, focus and thumbnail
// of the caller's attachment. Attached ones may change too (Mastodon edits
// those through the status); the change reaches other servers with the
// next edit of the status.
func (h *Handlers) updateMedia(w http.ResponseWriter, r *http.Request) error {
	_, m, ok, err := h.requireOwnMedia(w, r)
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	if p.Has("description") {
		if m.Description, err = mediaDescription(p); err != nil {
			return err
		}
	}
	if p.Has("focus") {
		f, err := media.ParseFocus(p.String("focus"))
		if err != nil {
			return fieldErr("focus", `must be two numbers from -1.0 to 1.0, as "x,y"`)
		}
		m.Meta.Focus = nil
		if f != nil {
			m.Meta.Focus = &db.MediaFocus{X: f.X, Y: f.Y}
		}
	}
	thumb, err := h.readThumbnail(p)
	if err != nil {
		return err
	}
	ctx := r.Context()
	oldPreview := ""
	if thumb != nil {
		// A new key: stored files are cached for a year under theirs.
		key := media.Key(mediaKeyKind, db.FormatID(m.ID), "small-"+db.FormatID(h.DB.NewID()), media.ExtFor(thumb.PreviewContentType))
		if err := h.Media.Put(ctx, key, thumb.PreviewContentType, bytes.NewReader(thumb.Preview), int64(len(thumb.Preview))); err != nil {
			return err
		}
		oldPreview, m.PreviewKey = m.PreviewKey, key
		m.Meta.Small = dbDimensions(thumb.Meta.Small)
		if m.Kind != string(media.KindImage) {
			m.Blurhash = thumb.Blurhash
		}
	}
	if err := h.DB.UpdateMediaDetails(ctx, m); err != nil {
		if thumb != nil {
			h.deleteFiles(h.Media, []string{m.PreviewKey})
		}
		return err
	}
	if oldPreview != "" && oldPreview != m.FileKey {
		h.deleteFiles(h.Media, []string{oldPreview})
	}
	render.JSON(w, http.StatusOK, h.present.Media(m))
	return nil
}

// deleteMedia is DELETE /api/v1/media/:id: only an attachment of no status.
func (h *Handlers) deleteMedia(w http.ResponseWriter, r *http.Request) error {
	a, m, ok, err := h.requireOwnMedia(w, r)
	if !ok {
		return err
	}
	gone, err := h.DB.DeleteUnattachedMedia(r.Context(), a.Account.ID, m.ID)
	if errors.Is(err, db.ErrMediaInUse) {
		return unprocessable("Media attachment is currently used by a status")
	}
	if err != nil {
		return err
	}
	h.deleteFiles(h.Media, nonEmptyKeys(gone.FileKey, gone.PreviewKey))
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// requireOwnMedia is requireID with write:media, then the attachment of
// the path's id if the caller owns it: anyone else's, and the caller's
// avatar and header (not attachments to the API), are 404. When ok is
// false the handler returns err.
func (h *Handlers) requireOwnMedia(w http.ResponseWriter, r *http.Request) (a *auth.Caller, m *db.MediaAttachment, ok bool, err error) {
	a, id, ok, err := h.requireID(w, r, "write:media")
	if !ok {
		return nil, nil, false, err
	}
	if m, err = h.DB.MediaByID(r.Context(), id); err != nil {
		return nil, nil, false, err
	}
	acct := a.Account
	if m.AccountID != acct.ID || (acct.AvatarMediaID != nil && *acct.AvatarMediaID == id) || (acct.HeaderMediaID != nil && *acct.HeaderMediaID == id) {
		return nil, nil, false, errNotFound
	}
	return a, m, true, nil
}

// mediaDescription reads and checks the description parameter.
func mediaDescription(p *Params) (string, error) {
	v := strings.TrimSpace(p.String("description"))
	if !utf8.ValidString(v) {
		return "", fieldErr("description", "is not valid UTF-8")
	}
	if utf8.RuneCountInString(v) > MaxMediaDescription {
		return "", fieldErr("description", fmt.Sprintf("is too long (maximum is %d characters)", MaxMediaDescription))
	}
	return v, nil
}

// readThumbnail processes the optional thumbnail (a custom preview, mostly
// for video and audio); it must be an image.
func (h *Handlers) readThumbnail(p *Params) (*media.Processed, error) {
	fh := p.File("thumbnail")
	if fh == nil {
		return nil, nil
	}
	limits := UploadLimits(h.Config)
	limits.MaxVideoBytes = limits.MaxImageBytes
	thumb, err := h.processUpload(fh, "thumbnail", limits, "")
	if err != nil {
		return nil, err
	}
	if thumb.Kind != media.KindImage {
		return nil, fieldErr("thumbnail", "must be an image (JPEG, PNG, GIF or WebP)")
	}
	return thumb, nil
}

// processUpload runs media.Process on an uploaded file and turns a refusal
// into a 422 naming param.
func (h *Handlers) processUpload(fh *multipart.FileHeader, param string, limits media.Limits, focus string) (*media.Processed, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadBody, err)
	}
	defer f.Close()
	out, err := media.Process(f, limits, focus)
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, media.ErrTooLarge):
		return nil, fieldErr(param, fmt.Sprintf("is too big (images up to %s, video and audio up to %s)",
			megabytes(limits.MaxImageBytes), megabytes(limits.MaxVideoBytes)))
	case errors.Is(err, media.ErrTooManyPixels):
		return nil, fieldErr(param, fmt.Sprintf("has too many pixels (at most %d, width times height)", limits.MaxImagePixels))
	case errors.Is(err, media.ErrBadFocus):
		return nil, fieldErr("focus", `must be two numbers from -1.0 to 1.0, as "x,y"`)
	case media.IsInvalid(err):
		return nil, fieldErr(param, "is not a supported file: images (JPEG, PNG, GIF, WebP), video (MP4, MOV, WebM, Matroska, Ogg) or audio (MP3, Ogg, WAV, FLAC, M4A)")
	}
	return nil, err
}

func megabytes(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// dbMeta converts the meta media.Process computed.
func dbMeta(m media.Meta) db.MediaMeta {
	out := db.MediaMeta{Original: dbDimensions(m.Original), Small: dbDimensions(m.Small)}
	if m.Focus != nil {
		out.Focus = &db.MediaFocus{X: m.Focus.X, Y: m.Focus.Y}
	}
	return out
}

func dbDimensions(d *media.Dimensions) *db.MediaDimensions {
	if d == nil {
		return nil
	}
	return &db.MediaDimensions{Width: d.Width, Height: d.Height, Size: d.Size, Aspect: d.Aspect}
}
