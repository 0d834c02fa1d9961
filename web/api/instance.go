package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

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
		r.Get("/extended_description", h.handler(h.instanceExtendedDescription))
		r.Get("/privacy_policy", h.handler(h.instancePrivacyPolicy))
		r.Get("/terms_of_service", h.handler(h.instanceTermsOfService))
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

func (h *Handlers) registrationsOpen() bool {
	return h.Config.Registrations == config.RegistrationsOpen || h.Config.Registrations == config.RegistrationsApproval
}

// instanceConfiguration is the configuration object; every part is always
// sent (Elk reads several of them without a null check).
func (h *Handlers) instanceConfiguration(ctx context.Context, v2 bool) map[string]any {
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
			"privacy_policy": base + "/about#privacy-policy", "terms_of_service": h.termsURL(base),
		}
		cfg["vapid"] = map[string]any{"public_key": h.Engine.VAPIDPublicKey(ctx)}
	}
	return cfg
}

// instanceState is what the instance endpoints report that changes: the
// usage counts and the contact account.
func (h *Handlers) instanceState(ctx context.Context) (db.Usage, *entity.Account, error) {
	usage, err := h.DB.InstanceUsage(ctx)
	if err != nil {
		return usage, nil, err
	}
	contact, err := h.contactAccount(ctx)
	return usage, contact, err
}

// contactAccount renders the first administrator, or nil.
func (h *Handlers) contactAccount(ctx context.Context) (*entity.Account, error) {
	a, err := h.DB.ContactAccount(ctx)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e := h.present.Account(ctx, a)
	return &e, nil
}

func (h *Handlers) thumbnailURL() string { return h.Config.BaseURL() + entity.DefaultHeaderPath }

// instanceV1 is the v1 Instance entity (megalodon and go-mastodon read only this one).
func (h *Handlers) instanceV1(w http.ResponseWriter, r *http.Request) error {
	usage, contact, err := h.instanceState(r.Context())
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, map[string]any{
		"uri":               h.Config.AccountDomain,
		"title":             h.Config.InstanceTitle,
		"short_description": h.Config.InstanceDescription,
		"description":       h.Config.InstanceDescription,
		"email":             h.Config.ContactEmail,
		"version":           h.versionString(),
		"urls":              map[string]string{"streaming_api": h.streamingURL()},
		"stats": map[string]int64{
			"user_count": usage.Users, "status_count": usage.LocalPosts, "domain_count": usage.Domains,
		},
		"thumbnail":         h.thumbnailURL(),
		"languages":         []string{"en"},
		"registrations":     h.registrationsOpen(),
		"approval_required": h.Config.Registrations == config.RegistrationsApproval,
		"invites_enabled":   h.Config.Registrations == config.RegistrationsInvite,
		"configuration":     h.instanceConfiguration(r.Context(), false),
		"contact_account":   contact,
		"rules":             h.rules(),
	})
	return nil
}

// instanceV2 is the v2 Instance entity that Elk, Phanpy and Tusky read first.
func (h *Handlers) instanceV2(w http.ResponseWriter, r *http.Request) error {
	usage, contact, err := h.instanceState(r.Context())
	if err != nil {
		return err
	}
	thumb := h.thumbnailURL()
	render.JSON(w, http.StatusOK, map[string]any{
		"domain":      h.Config.AccountDomain,
		"title":       h.Config.InstanceTitle,
		"version":     h.versionString(),
		"source_url":  instanceSourceURL,
		"description": h.Config.InstanceDescription,
		"usage":       map[string]any{"users": map[string]int64{"active_month": usage.ActiveMonth}},
		"thumbnail": map[string]any{
			"url": thumb, "blurhash": nil, "versions": map[string]string{"@1x": thumb, "@2x": thumb},
		},
		"icon":          []any{},
		"languages":     []string{"en"},
		"configuration": h.instanceConfiguration(r.Context(), true),
		"registrations": map[string]any{
			"enabled": h.registrationsOpen(), "approval_required": h.Config.Registrations == config.RegistrationsApproval,
			"message": nil, "url": nil,
		},
		"api_versions": map[string]int{"mastodon": 2},
		"contact":      map[string]any{"email": h.Config.ContactEmail, "account": contact},
		"rules":        h.rules(),
	})
	return nil
}

// termsURL is where /about shows the terms of service, or nil without any.
func (h *Handlers) termsURL(base string) any {
	if strings.TrimSpace(h.Config.TermsOfService) == "" {
		return nil
	}
	return base + "/about#terms-of-service"
}

func (h *Handlers) instanceRules(w http.ResponseWriter, r *http.Request) error {
	render.JSON(w, http.StatusOK, h.rules())
	return nil
}

// rule is Mastodon's Rule entity; ids are the rules' positions.
type rule struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Hint string `json:"hint"`
}

// rules are the configured rules, in order.
func (h *Handlers) rules() []rule {
	out := make([]rule, 0, len(h.Config.Rules))
	for i, text := range h.Config.Rules {
		out = append(out, rule{ID: strconv.Itoa(i + 1), Text: text})
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

// textHTML turns configured plain text into paragraphs.
func textHTML(s string) string { return string(render.Paragraphs(s)) }

// configuredAt dates texts that come from the configuration: when the
// instance was set up (its instance actor was created).
func (h *Handlers) configuredAt(ctx context.Context) (string, error) {
	a, err := h.DB.LocalAccount(ctx, activitypub.InstanceActorUsername)
	if err != nil {
		return "", err
	}
	return entity.Time(a.CreatedAt), nil
}

func (h *Handlers) instanceExtendedDescription(w http.ResponseWriter, r *http.Request) error {
	at, err := h.configuredAt(r.Context())
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, map[string]any{"updated_at": at, "content": textHTML(h.Config.InstanceDescription)})
	return nil
}

// instancePrivacyPolicy is privacy_policy, or a short, true default.
func (h *Handlers) instancePrivacyPolicy(w http.ResponseWriter, r *http.Request) error {
	at, err := h.configuredAt(r.Context())
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, map[string]any{"updated_at": at, "content": textHTML(h.Config.PrivacyPolicyText())})
	return nil
}

// instanceTermsOfService is terms_of_service; without any, Mastodon answers 404.
func (h *Handlers) instanceTermsOfService(w http.ResponseWriter, r *http.Request) error {
	if strings.TrimSpace(h.Config.TermsOfService) == "" {
		return errNotFound
	}
	at, err := h.configuredAt(r.Context())
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, map[string]any{"updated_at": at, "content": textHTML(h.Config.TermsOfService)})
	return nil
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
