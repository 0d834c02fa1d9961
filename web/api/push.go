package api

import (
	"crypto/ecdh"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/entity"
	"github.com/kontor-social/kontor/web/render"
)

// Web Push subscriptions (Mastodon's /api/v1/push/subscription): one per
// access token; the engine's push job (activitypub/push.go) sends to it.

// pushRoutes registers /api/v1/push/subscription.
func (h *Handlers) pushRoutes(r chi.Router) {
	r.Post("/push/subscription", h.handler(h.subscribePush))
	r.Get("/push/subscription", h.handler(h.showPush))
	r.Put("/push/subscription", h.handler(h.updatePush))
	r.Delete("/push/subscription", h.handler(h.unsubscribePush))
}

// subscribePush stores the token's subscription, replacing any earlier one:
// subscription[endpoint], subscription[keys][p256dh|auth],
// subscription[standard], data[alerts][type], data[policy].
func (h *Handlers) subscribePush(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "push")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	endpoint := strings.TrimSpace(p.String("subscription[endpoint]"))
	if endpoint == "" {
		return fieldErr("endpoint", "can't be blank")
	}
	if err := h.Engine.CheckPushEndpoint(endpoint); err != nil {
		return fieldErr("endpoint", err.Error())
	}
	p256dh, auth := strings.TrimSpace(p.String("subscription[keys][p256dh]")), strings.TrimSpace(p.String("subscription[keys][auth]"))
	if key, err := decodePushKey(p256dh); err != nil || len(key) != 65 {
		return fieldErr("key_p256dh", "is not a base64url P-256 public key")
	} else if _, err := ecdh.P256().NewPublicKey(key); err != nil {
		return fieldErr("key_p256dh", "is not a point of P-256")
	}
	if secret, err := decodePushKey(auth); err != nil || len(secret) != 16 {
		return fieldErr("key_auth", "is not a base64url 16-byte secret")
	}
	standard, err := p.BoolDefault("subscription[standard]", false)
	if err != nil {
		return err
	}
	alerts, policy, err := pushData(p)
	if err != nil {
		return err
	}
	s := &db.PushSubscription{TokenID: a.Token.ID, AccountID: a.Account.ID, Endpoint: endpoint, KeyP256dh: p256dh, KeyAuth: auth,
		AccessToken: tokenOf(r), Alerts: alerts, Policy: policy, Standard: standard}
	if a.User != nil {
		s.UserID = &a.User.ID
	}
	if err := h.DB.SubscribePush(r.Context(), s); err != nil {
		return err
	}
	return h.renderPush(w, r, s)
}

// showPush answers the token's subscription (404 without one).
func (h *Handlers) showPush(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "push")
	if !ok {
		return nil
	}
	s, err := h.DB.PushSubscriptionOfToken(r.Context(), a.Token.ID)
	if err != nil {
		return err
	}
	return h.renderPush(w, r, s)
}

// updatePush replaces the subscription's alerts and policy (data[…]), as
// Mastodon does: alerts left out are off, a missing policy is "all".
func (h *Handlers) updatePush(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "push")
	if !ok {
		return nil
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	alerts, policy, err := pushData(p)
	if err != nil {
		return err
	}
	s, err := h.DB.UpdatePushData(r.Context(), a.Token.ID, alerts, policy)
	if err != nil {
		return err
	}
	return h.renderPush(w, r, s)
}

// unsubscribePush deletes the token's subscription; {} either way.
func (h *Handlers) unsubscribePush(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.require(w, r, "push")
	if !ok {
		return nil
	}
	if err := h.DB.UnsubscribePush(r.Context(), a.Token.ID); err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, map[string]any{})
	return nil
}

func (h *Handlers) renderPush(w http.ResponseWriter, r *http.Request, s *db.PushSubscription) error {
	render.JSON(w, http.StatusOK, entity.PushSubscription(s, h.Engine.VAPIDPublicKey(r.Context())))
	return nil
}

// pushData reads data[alerts][type] (booleans) and data[policy].
func pushData(p *Params) (alerts, policy string, err error) {
	on := map[string]bool{}
	for _, t := range db.PushAlertTypes {
		if on[t], err = p.BoolDefault("data[alerts]["+t+"]", false); err != nil {
			return "", "", err
		}
	}
	policy = strings.TrimSpace(p.String("data[policy]"))
	if policy == "" {
		policy = db.PushPolicyAll
	}
	if !slices.Contains(db.PushPolicies, policy) {
		return "", "", fieldErr("policy", "must be one of all, followed, follower, none")
	}
	return db.JoinAlerts(on), policy, nil
}

// decodePushKey reads a key as browsers give it: base64url, padded or not
// (some clients send standard base64).
func decodePushKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// tokenOf is the access token the request came with, which Mastodon's
// push payload carries.
func tokenOf(r *http.Request) string { return auth.BearerToken(r) }
