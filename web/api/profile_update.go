package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/render"
)

// The profile editor: PATCH /api/v1/accounts/update_credentials and the
// removal of avatar and header. Everything is checked before anything is
// stored; a refused request changes nothing.

// Limits of a profile, as Mastodon's.
// (The texts' limits are activitypub's, which applies them.)
const maxProfileImageBytes = 8 << 20

// profileImageKinds are the image params of update_credentials and the
// storage key prefix of each.
var profileImageKinds = []struct{ param, kind string }{{"avatar", "avatars"}, {"header", "headers"}}

func (h *Handlers) updateCredentials(w http.ResponseWriter, r *http.Request) error {
	auth, ok := h.require(w, r, "write:accounts")
	if !ok {
		return nil
	}
	ctx := r.Context()
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	upd, err := h.applyCredentials(ctx, auth, p)
	if err != nil {
		return err
	}
	out, err := h.present.CredentialAccount(ctx, upd.Account, upd.User)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// applyCredentials checks and saves a profile change of the caller's own
// account (update_credentials' parameters), images included.
func (h *Handlers) applyCredentials(ctx context.Context, auth *auth.Caller, p *Params) (activitypub.ProfileUpdate, error) {
	upd, err := h.profileUpdate(ctx, auth)
	if err != nil {
		return upd, err
	}
	a, user := upd.Account, upd.User
	if err := h.applyProfileParams(ctx, p, a, user); err != nil {
		return upd, err
	}
	upd.LinksChanged = p.Has("fields_attributes") || len(p.Indexed("fields_attributes")) > 0
	images := map[string]*media.Processed{}
	for _, k := range profileImageKinds {
		img, err := readProfileImage(p, k.param)
		if err != nil {
			return upd, err
		}
		if img != nil {
			images[k.param] = img
		}
	}
	stored, err := h.storeProfileImages(ctx, images, &upd.CredentialsUpdate)
	if err != nil {
		return upd, err
	}
	if err := h.saveProfile(ctx, upd); err != nil {
		h.deleteFiles(h.Media, stored) // not committed
		return upd, err
	}
	return upd, nil
}

// profileUpdate starts a profile change of the authenticated account: a
// copy of the account (and of its own user's preferences) to change, and
// the account as it is.
func (h *Handlers) profileUpdate(ctx context.Context, auth *auth.Caller) (activitypub.ProfileUpdate, error) {
	a, err := h.DB.AccountByID(ctx, auth.Account.ID)
	if err != nil {
		return activitypub.ProfileUpdate{}, err
	}
	before := *a
	upd := activitypub.ProfileUpdate{Before: &before, CredentialsUpdate: db.CredentialsUpdate{Account: a}}
	if u := ownUser(auth); u != nil {
		cp := *u
		upd.User = &cp
	}
	return upd, nil
}

// saveProfile hands a profile change to the engine, then removes the files
// of the images it replaced.
func (h *Handlers) saveProfile(ctx context.Context, upd activitypub.ProfileUpdate) error {
	old, err := h.DB.MediaByIDs(ctx, upd.OldMedia)
	if err != nil {
		return err
	}
	if err := h.Engine.UpdateProfile(ctx, upd); err != nil {
		return err
	}
	for _, m := range old {
		h.deleteFiles(h.Media, nonEmptyKeys(m.FileKey, m.PreviewKey))
	}
	return nil
}

// storeProfileImages writes new avatar and header files and puts their
// rows into upd (the replaced ones to be deleted). It returns the files
// written, which the caller removes if the change is not saved; on an
// error it removes them itself.
func (h *Handlers) storeProfileImages(ctx context.Context, images map[string]*media.Processed, upd *db.CredentialsUpdate) ([]string, error) {
	a := upd.Account
	var stored []string
	for _, k := range profileImageKinds {
		img := images[k.param]
		if img == nil {
			continue
		}
		m, keys, err := h.storeProfileImage(ctx, h.Media, a.ID, k.kind, img)
		stored = append(stored, keys...)
		if err != nil {
			h.deleteFiles(h.Media, stored)
			return nil, err
		}
		upd.NewMedia = append(upd.NewMedia, m)
		slot := &a.AvatarMediaID
		if k.param == "header" {
			slot = &a.HeaderMediaID
		}
		if *slot != nil {
			upd.OldMedia = append(upd.OldMedia, **slot)
		}
		*slot = &m.ID
	}
	return stored, nil
}

// applyProfileParams checks every sent parameter and sets it on a and u;
// it answers 422 naming the first field that breaks a limit.
func (h *Handlers) applyProfileParams(ctx context.Context, p *Params, a *db.Account, u *db.User) error {
	var text activitypub.ProfileText
	if p.Has("display_name") {
		text.DisplayName = ptr(p.String("display_name"))
	}
	if p.Has("note") {
		text.Note = ptr(p.String("note"))
	}
	if groups := p.Indexed("fields_attributes"); len(groups) > 0 || p.Has("fields_attributes") {
		if p.String("fields_attributes") != "" {
			return fieldErr("fields_attributes", "must be a list of name and value pairs")
		}
		fields := make([]activitypub.FieldInput, len(groups))
		for i, g := range groups {
			fields[i] = activitypub.FieldInput{Name: g["name"], Value: g["value"]}
		}
		text.Fields = &fields
	}
	if err := h.Engine.ApplyProfileText(ctx, a, text); err != nil {
		return err
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{{"locked", &a.Locked}, {"bot", &a.Bot}, {"discoverable", &a.Discoverable}, {"indexable", &a.Indexable}, {"hide_collections", &a.HideCollections}} {
		v, ok, err := p.Bool(b.key)
		if err != nil {
			return err
		}
		if ok {
			*b.dst = v
		}
	}
	// Mastodon marks bots with the actor type Service (groups and brands
	// keep theirs).
	if p.Has("bot") && (a.ActorType == "Person" || a.ActorType == "Service" || a.ActorType == "Application" || a.ActorType == "") {
		a.ActorType = "Person"
		if a.Bot {
			a.ActorType = "Service"
		}
	}
	if u == nil {
		return nil
	}
	return applyPreferenceParams(p, u)
}

// applyPreferenceParams sets the user's posting defaults (source[…]).
func applyPreferenceParams(p *Params, u *db.User) error {
	if p.Has("source[privacy]") {
		v := p.String("source[privacy]")
		if v != "public" && v != "unlisted" && v != "private" {
			return fieldErr("source[privacy]", "must be public, unlisted or private")
		}
		u.DefaultPrivacy = v
	}
	v, ok, err := p.Bool("source[sensitive]")
	if err != nil {
		return err
	}
	if ok {
		u.DefaultSensitive = v
	}
	if p.Has("source[language]") {
		l := strings.TrimSpace(p.String("source[language]"))
		if l != "" && !validLanguage(l) {
			return fieldErr("source[language]", "is not a language code")
		}
		u.DefaultLanguage = l
	}
	return nil
}

// readProfileImage reads an avatar or header: a multipart file, or a data
// URI or bare base64 string (go-mastodon sends those in a form field).
// It returns nil when none was sent.
func readProfileImage(p *Params, param string) (*media.Processed, error) {
	limits := media.Limits{MaxImageBytes: maxProfileImageBytes}
	var img *media.Processed
	var err error
	if fh := p.File(param); fh != nil {
		f, ferr := fh.Open()
		if ferr != nil {
			return nil, fmt.Errorf("%w: %v", errBadBody, ferr)
		}
		defer f.Close()
		img, err = media.Process(f, limits, "")
	} else if s := strings.TrimSpace(p.String(param)); s != "" {
		data, derr := decodeDataURI(s)
		if derr != nil {
			return nil, fieldErr(param, "is not an image file")
		}
		img, err = media.Process(bytes.NewReader(data), limits, "")
	} else {
		return nil, nil
	}
	if err != nil {
		if media.IsInvalid(err) {
			if errors.Is(err, media.ErrTooLarge) {
				return nil, fieldErr(param, fmt.Sprintf("is too big (maximum is %d MB)", maxProfileImageBytes>>20))
			}
			return nil, fieldErr(param, "is not a supported image (PNG, JPEG, GIF or WebP)")
		}
		return nil, err
	}
	if img.Kind != media.KindImage {
		return nil, fieldErr(param, "must be an image")
	}
	return img, nil
}

// decodeDataURI decodes data:[type][;base64],payload, or plain base64.
func decodeDataURI(s string) ([]byte, error) {
	payload, isBase64 := s, true
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		meta, data, found := strings.Cut(rest, ",")
		if !found {
			return nil, errors.New("data URI without payload")
		}
		payload, isBase64 = data, strings.HasSuffix(meta, ";base64")
	}
	if !isBase64 {
		out, err := url.PathUnescape(payload)
		return []byte(out), err
	}
	payload = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, payload)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if out, err := enc.DecodeString(payload); err == nil {
			return out, nil
		}
	}
	return nil, errors.New("invalid base64")
}

// storeProfileImage writes an image and its preview and returns the
// attachment row to insert; keys are the files written so far (to remove
// when a later step fails).
func (h *Handlers) storeProfileImage(ctx context.Context, store media.Store, accountID int64, kind string, img *media.Processed) (*db.MediaAttachment, []string, error) {
	id := h.DB.NewID()
	sid := db.FormatID(id)
	m := &db.MediaAttachment{ID: id, AccountID: accountID, Kind: string(img.Kind), ContentType: img.ContentType,
		FileKey: media.Key(kind, sid, "original", img.Ext), FileSize: int64(len(img.Original)), Blurhash: img.Blurhash}
	var keys []string
	if err := store.Put(ctx, m.FileKey, img.ContentType, bytes.NewReader(img.Original), int64(len(img.Original))); err != nil {
		return nil, keys, err
	}
	keys = append(keys, m.FileKey)
	if len(img.Preview) > 0 {
		m.PreviewKey = media.Key(kind, sid, "small", media.ExtFor(img.PreviewContentType))
		if err := store.Put(ctx, m.PreviewKey, img.PreviewContentType, bytes.NewReader(img.Preview), int64(len(img.Preview))); err != nil {
			return nil, keys, err
		}
		keys = append(keys, m.PreviewKey)
	}
	if o := img.Meta.Original; o != nil {
		m.Meta.Original = &db.MediaDimensions{Width: o.Width, Height: o.Height, Size: o.Size, Aspect: o.Aspect}
	}
	if s := img.Meta.Small; s != nil {
		m.Meta.Small = &db.MediaDimensions{Width: s.Width, Height: s.Height, Size: s.Size, Aspect: s.Aspect}
	}
	return m, keys, nil
}

// deleteFiles removes stored files, best effort (a leftover file is only
// wasted space).
func (h *Handlers) deleteFiles(store media.Store, keys []string) {
	for _, k := range keys {
		if err := store.Delete(context.Background(), k); err != nil {
			h.Log.Warn("delete media file", "key", k, "err", err)
		}
	}
}

func nonEmptyKeys(keys ...string) []string {
	out := keys[:0]
	for _, k := range keys {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

// deleteProfileImage removes the avatar or header
// (DELETE /api/v1/profile/avatar, /header) and answers the CredentialAccount.
func (h *Handlers) deleteProfileImage(param string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		auth, ok := h.require(w, r, "write:accounts")
		if !ok {
			return nil
		}
		ctx := r.Context()
		upd, err := h.profileUpdate(ctx, auth)
		if err != nil {
			return err
		}
		upd.User = nil // preferences stay as they are
		a := upd.Account
		slot := &a.AvatarMediaID
		if param == "header" {
			slot = &a.HeaderMediaID
		}
		if *slot != nil {
			upd.OldMedia = []int64{**slot}
			*slot = nil
			if err := h.saveProfile(ctx, upd); err != nil {
				return err
			}
		}
		out, err := h.present.CredentialAccount(ctx, a, ownUser(auth))
		if err != nil {
			return err
		}
		render.JSON(w, http.StatusOK, out)
		return nil
	}
}
