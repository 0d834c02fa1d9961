package oauth

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/web/render"
)

// metadata is GET /.well-known/oauth-authorization-server (RFC 8414).
// Phanpy uses PKCE only when code_challenge_methods_supported lists S256.
func (h *Handlers) metadata(w http.ResponseWriter, r *http.Request) {
	base := h.baseURL()
	grants := []string{"authorization_code", "password", "client_credentials", "refresh_token"}
	if h.Config.SSOOnly {
		grants = []string{"authorization_code", "client_credentials", "refresh_token"}
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	render.JSON(w, http.StatusOK, map[string]any{
		"issuer":                                     base,
		"authorization_endpoint":                     base + "/oauth/authorize",
		"token_endpoint":                             base + "/oauth/token",
		"revocation_endpoint":                        base + "/oauth/revoke",
		"userinfo_endpoint":                          base + "/oauth/userinfo",
		"app_registration_endpoint":                  base + "/api/v1/apps",
		"service_documentation":                      "https://docs.joinmastodon.org/",
		"scopes_supported":                           scopes.All(),
		"response_types_supported":                   []string{"code"},
		"response_modes_supported":                   []string{"query"},
		"grant_types_supported":                      grants,
		"code_challenge_methods_supported":           []string{"S256"},
		"token_endpoint_auth_methods_supported":      []string{"client_secret_basic", "client_secret_post", "none"},
		"revocation_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
	})
}

// userInfo is the OpenID Connect-style profile of the token's identity.
type userInfo struct {
	Iss               string `json:"iss"`
	Sub               string `json:"sub"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"`
	Profile           string `json:"profile"`
	Picture           string `json:"picture"`
}

// userinfo is GET (or POST) /oauth/userinfo: needs a user token with the
// profile or read scope.
func (h *Handlers) userinfo(w http.ResponseWriter, r *http.Request) {
	c, err := h.resolveToken(r.Context(), r)
	if errors.Is(err, errInvalidToken) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		render.JSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "The access token is invalid"})
		return
	} else if err != nil {
		h.Logger.Error("oauth: userinfo", "err", err)
		apiError(w, http.StatusInternalServerError, "Internal server error")
		return
	}
	granted := strings.Fields(c.Token.Scopes)
	if c.Account == nil || !scopes.Allows(granted, "profile") && !scopes.Allows(granted, "read:accounts") {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="profile"`)
		render.JSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope",
			"error_description": "This needs a user token with the profile or read scope"})
		return
	}
	a := c.Account
	name := a.DisplayName
	if name == "" {
		name = a.Username
	}
	profile := a.URL
	if profile == "" {
		profile = a.URI
	}
	picture := h.baseURL() + "/static/avatar.png"
	if a.AvatarMediaID != nil {
		if m, err := h.DB.MediaByID(r.Context(), *a.AvatarMediaID); err == nil {
			picture = h.Engine.MediaURL(m)
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	render.JSON(w, http.StatusOK, userInfo{
		Iss: h.baseURL(), Sub: a.URI, Name: name, PreferredUsername: a.Username, Profile: profile, Picture: picture,
	})
}
