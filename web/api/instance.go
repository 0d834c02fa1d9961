package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Instance limits that no other package owns, as Mastodon reports them.
const (
	instanceMediaDescriptionLimit = 1500
	instanceVideoFrameRateLimit   = 120
	instanceVideoMatrixLimit      = 8_294_400 // 3840x2160
	instanceMaxFeaturedTags       = 10
	instanceMaxPinnedStatuses     = 5
	instanceMaxProfileFields      = 4
	instanceSourceURL             = "https://github.com/kontor-social/kontor"
	instanceActivityWeeks         = 12
)

// instanceMimeTypes are the upload types the media package accepts (its
// sniffer's list).
var instanceMimeTypes = []string{
	"image/jpeg", "image/png", "image/gif", "image/webp",
	"video/mp4", "video/quicktime", "video/webm", "video/x-matroska", "video/ogg",
	"audio/mpeg", "audio/ogg", "audio/wav", "audio/flac", "audio/mp4",
}

// instanceRoutes registers /api/v1/instance and its parts.
func (h *Handlers) instanceRoutes(r chi.Router) {
	r.Route("/instance", func(r chi.Router) {
		r.Get("/", h.handler(h.instanceV1))
		r.Get("/rules", h.handler(h.instanceRules))
		r.Get("/peers", h.handler(h.instancePeers))
		r.Get("/activity", h.handler(h.instanceActivity))
		r.Get("/extended_description", h.handler(h.instanceText(false, func(t *db.InstanceTexts) string {
			return string(render.Paragraphs(t.Description))
		})))
		r.Get("/privacy_policy", h.handler(h.instanceText(false, func(t *db.InstanceTexts) string { return t.PrivacyPolicyHTML })))
		r.Get("/terms_of_service", h.handler(h.instanceText(true, func(t *db.InstanceTexts) string { return t.TermsOfServiceHTML })))
		r.Get("/translation_languages", h.handler(h.instanceTranslationLanguages))
		r.Get("/domain_blocks", h.handler(h.instanceDomainBlocks))
		r.Get("/languages", h.handler(h.instanceLanguages))
	})
}

// instanceV2Routes registers /api/v2/instance.
func (h *Handlers) instanceV2Routes(r chi.Router) {
	r.Get("/instance", h.handler(h.instanceV2))
}

// versionString is what Phanpy and other clients parse: a Mastodon version
// they know, and ours.
func (h *Handlers) versionString() string {
	return "4.3.0 (compatible; Kontor " + h.Version + ")"
}

// streamingURL is the WebSocket base of the streaming API (same host).
func (h *Handlers) streamingURL() string {
	scheme := "wss"
	if h.Config.Protocol == "http" {
		scheme = "ws"
	}
	return scheme + "://" + h.Config.Host
}

// registrationsOpen: anyone may sign up without an invite (perhaps to be
// approved), as Mastodon's "registrations" says.
func registrationsOpen(t *db.InstanceTexts) bool {
	return t.Registrations == config.RegistrationsOpen || t.Registrations == config.RegistrationsApproval
}

// instanceConfiguration is the configuration object; every part is always
// sent (Elk reads several of them without a null check).
func (h *Handlers) instanceConfiguration(ctx context.Context, v2 bool, texts *db.InstanceTexts) map[string]any {
	limits := UploadLimits(h.Config)
	maxChars := h.Config.MaxStatusCharacters
	if maxChars <= 0 {
		maxChars = h.Engine.MaxStatusCharacters()
	}
	cfg := map[string]any{
		"accounts": map[string]any{
			"max_featured_tags": instanceMaxFeaturedTags, "max_pinned_statuses": instanceMaxPinnedStatuses,
			"max_profile_fields": instanceMaxProfileFields,
		},
		"statuses": map[string]any{
			"max_characters": maxChars, "max_media_attachments": activitypub.MaxMediaAttachments,
			"characters_reserved_per_url": activitypub.CharactersReservedURL,
		},
		"media_attachments": map[string]any{
			"supported_mime_types": instanceMimeTypes, "description_limit": instanceMediaDescriptionLimit,
			"image_size_limit": limits.MaxImageBytes, "image_matrix_limit": limits.MaxImagePixels,
			"video_size_limit": limits.MaxVideoBytes, "video_frame_rate_limit": instanceVideoFrameRateLimit,
			"video_matrix_limit": instanceVideoMatrixLimit,
		},
		"polls": map[string]any{
			"max_options": activitypub.MaxPollOptions, "max_characters_per_option": activitypub.MaxPollOptionChars,
			"min_expiration": int(activitypub.MinPollExpiration.Seconds()), "max_expiration": int(activitypub.MaxPollExpiration.Seconds()),
		},
		"translation": map[string]any{"enabled": false},
	}
	if v2 {
		base := h.Config.BaseURL()
		cfg["urls"] = map[string]any{
			"streaming": h.streamingURL(), "status": nil, "about": base + "/about",
			"privacy_policy": base + "/about#privacy-policy", "terms_of_service": termsURL(base, texts),
		}
		cfg["vapid"] = map[string]any{"public_key": h.Engine.VAPIDPublicKey(ctx)}
	}
	return cfg
}

// renderedInstance is an instance answer (v1 or v2) rendered for one
// version of the instance's state (db.InstanceState): every request with
// the token of an app asks for it, and it changes rarely.
type renderedInstance struct {
	version [4]uint64
	body    []byte
}

// instanceBodies keeps the last rendering of each instance entity.
type instanceBodies struct {
	v1, v2 atomic.Pointer[renderedInstance]
}

// serveInstance answers the v1 or v2 instance entity from its kept
// rendering while the state it was rendered from stands, else renders it
// anew. The state's version changes with every write of what it comes from
// (texts, rules, users, the contact) and at least every few seconds
// (the read caches' TTL), which also bounds how long the parts of a
// rendering no table is watched for (the contact's emojis) may lag.
func (h *Handlers) serveInstance(w http.ResponseWriter, r *http.Request, v2 bool) error {
	st, err := h.DB.InstanceState(r.Context())
	if err != nil {
		return err
	}
	kept := &h.instanceBodies.v1
	if v2 {
		kept = &h.instanceBodies.v2
	}
	if k := kept.Load(); k != nil && k.version == st.Version {
		writeJSONBody(w, k.body)
		return nil
	}
	var contact *entity.Account
	if st.Contact != nil {
		e := h.present.Account(r.Context(), st.Contact)
		contact = &e
	}
	var doc any
	complete := true
	if v2 {
		doc, complete = h.instanceV2Entity(r.Context(), st, contact)
	} else {
		doc = h.instanceV1Entity(r.Context(), st, contact)
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("instance: %w", err)
	}
	if complete {
		kept.Store(&renderedInstance{version: st.Version, body: body})
	}
	writeJSONBody(w, body)
	return nil
}

// writeJSONBody writes an API answer rendered before (as render.JSON would).
func writeJSONBody(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", render.JSONType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func (h *Handlers) thumbnailURL() string { return h.Config.BaseURL() + entity.DefaultHeaderPath }

// instanceV1 is the v1 Instance entity (megalodon and go-mastodon read only this one).
func (h *Handlers) instanceV1(w http.ResponseWriter, r *http.Request) error {
	return h.serveInstance(w, r, false)
}

func (h *Handlers) instanceV1Entity(ctx context.Context, st db.InstanceState, contact *entity.Account) map[string]any {
	texts, usage := st.Texts, st.Usage
	return map[string]any{
		"uri":               h.Config.AccountDomain,
		"title":             h.Config.InstanceTitle,
		"short_description": texts.Description,
		"description":       texts.Description,
		"email":             texts.ContactEmail,
		"version":           h.versionString(),
		"urls":              map[string]string{"streaming_api": h.streamingURL()},
		"stats": map[string]int64{
			"user_count": usage.Users, "status_count": usage.LocalPosts, "domain_count": usage.Domains,
		},
		"thumbnail":         h.thumbnailURL(),
		"languages":         []string{"en"},
		"registrations":     registrationsOpen(texts),
		"approval_required": texts.Registrations == config.RegistrationsApproval,
		"invites_enabled":   texts.Registrations == config.RegistrationsInvite,
		"configuration":     h.instanceConfiguration(ctx, false, texts),
		"contact_account":   contact,
		"rules":             rules(texts),
	}
}

// instanceV2 is the v2 Instance entity that Elk, Phanpy and Tusky read first.
func (h *Handlers) instanceV2(w http.ResponseWriter, r *http.Request) error {
	return h.serveInstance(w, r, true)
}

// instanceV2Entity is the v2 entity, and whether it is complete (the push
// key could be read) and so may be kept.
func (h *Handlers) instanceV2Entity(ctx context.Context, st db.InstanceState, contact *entity.Account) (map[string]any, bool) {
	texts, usage := st.Texts, st.Usage
	thumb := h.thumbnailURL()
	cfg := h.instanceConfiguration(ctx, true, texts)
	complete := cfg["vapid"].(map[string]any)["public_key"] != ""
	return map[string]any{
		"domain":      h.Config.AccountDomain,
		"title":       h.Config.InstanceTitle,
		"version":     h.versionString(),
		"source_url":  instanceSourceURL,
		"description": texts.Description,
		"usage":       map[string]any{"users": map[string]int64{"active_month": usage.ActiveMonth}},
		"thumbnail": map[string]any{
			"url": thumb, "blurhash": nil, "versions": map[string]string{"@1x": thumb, "@2x": thumb},
		},
		"icon":          []any{},
		"languages":     []string{"en"},
		"configuration": cfg,
		"registrations": map[string]any{
			"enabled": registrationsOpen(texts), "approval_required": texts.Registrations == config.RegistrationsApproval,
			"message": nil, "url": nil,
		},
		"api_versions": map[string]int{"mastodon": 2},
		"contact":      map[string]any{"email": texts.ContactEmail, "account": contact},
		"rules":        rules(texts),
	}, complete
}

// termsURL is where /about shows the terms of service, or nil without any.
func termsURL(base string, t *db.InstanceTexts) any {
	if t.TermsOfServiceHTML == "" {
		return nil
	}
	return base + "/about#terms-of-service"
}

func (h *Handlers) instanceRules(w http.ResponseWriter, r *http.Request) error {
	texts, err := h.DB.InstanceTexts(r.Context())
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, rules(texts))
	return nil
}

// rule is Mastodon's Rule entity.
type rule struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Hint string `json:"hint"`
}

// rules are the instance's rules, in order.
func rules(t *db.InstanceTexts) []rule {
	out := make([]rule, 0, len(t.Rules))
	for _, r := range t.Rules {
		out = append(out, rule{ID: strconv.FormatInt(r.ID, 10), Text: r.Text, Hint: r.Hint})
	}
	return out
}

func (h *Handlers) instancePeers(w http.ResponseWriter, r *http.Request) error {
	peers, err := h.DB.KnownPeers(r.Context())
	if err != nil {
		return err
	}
	if peers == nil {
		peers = []string{}
	}
	render.JSON(w, http.StatusOK, peers)
	return nil
}

// instanceActivity reports the last weeks (this one first); every value is
// a string, as Mastodon sends them.
func (h *Handlers) instanceActivity(w http.ResponseWriter, r *http.Request) error {
	weeks, err := h.DB.WeeklyActivity(r.Context(), instanceActivityWeeks)
	if err != nil {
		return err
	}
	out := make([]map[string]string, 0, len(weeks))
	for _, wk := range weeks {
		out = append(out, map[string]string{
			"week": strconv.FormatInt(wk.Week.Unix(), 10), "statuses": strconv.FormatInt(wk.Statuses, 10),
			"logins": strconv.FormatInt(wk.Logins, 10), "registrations": strconv.FormatInt(wk.Registrations, 10),
		})
	}
	render.JSON(w, http.StatusOK, out)
	return nil
}

// instanceText answers one of the instance's texts as HTML, dated by the
// last change of the texts; an empty optional one is a 404 (Mastodon's
// answer without terms of service).
func (h *Handlers) instanceText(optional bool, html func(t *db.InstanceTexts) string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		texts, err := h.DB.InstanceTexts(r.Context())
		if err != nil {
			return err
		}
		content := html(texts)
		if optional && content == "" {
			return errNotFound
		}
		render.JSON(w, http.StatusOK, map[string]any{"updated_at": entity.Time(texts.UpdatedAt), "content": content})
		return nil
	}
}

func (h *Handlers) instanceTranslationLanguages(w http.ResponseWriter, r *http.Request) error {
	render.JSON(w, http.StatusOK, struct{}{})
	return nil
}

// instanceDomainBlocks: the list of blocked domains is not published.
func (h *Handlers) instanceDomainBlocks(w http.ResponseWriter, r *http.Request) error {
	render.JSON(w, http.StatusOK, []any{})
	return nil
}

func (h *Handlers) instanceLanguages(w http.ResponseWriter, r *http.Request) error {
	render.JSON(w, http.StatusOK, []map[string]string{{"code": "en", "name": "English"}})
	return nil
}
