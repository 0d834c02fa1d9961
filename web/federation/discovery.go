package federation

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

type jrdLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

type jrd struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []jrdLink `json:"links"`
}

// errBadResource marks a resource that is not of any form WebFinger takes.
var errBadResource = errors.New("bad resource")

// webfingerUsername finds the local username a WebFinger resource names:
// acct:user@domain (the account domain or the host), or the actor or
// profile URL. ok is false when the resource is well formed but not ours.
func (h *Handlers) webfingerUsername(resource string) (username string, ok bool, err error) {
	scheme, _, hasScheme := strings.Cut(resource, ":")
	if strings.Contains(scheme, "@") {
		hasScheme = false // "user@host:port" has a port, not a scheme
	}
	switch {
	case strings.HasPrefix(resource, "acct:") || !hasScheme && strings.Contains(resource, "@"):
		acct := strings.TrimPrefix(strings.TrimPrefix(resource, "acct:"), "@")
		user, domain, found := strings.Cut(acct, "@")
		if !found || user == "" || domain == "" || strings.ContainsAny(acct, " /?#") {
			return "", false, errBadResource
		}
		domain = strings.ToLower(domain)
		if domain != h.urls.AccountDomain() && domain != h.urls.Host() {
			return "", false, nil
		}
		return user, true, nil
	case strings.HasPrefix(resource, "https://") || strings.HasPrefix(resource, "http://"):
		u, err := url.Parse(resource)
		if err != nil || u.Host == "" {
			return "", false, errBadResource
		}
		if !h.urls.IsLocal(resource) {
			return "", false, nil
		}
		if resource == h.urls.InstanceActor() {
			return activitypub.InstanceActorUsername, true, nil
		}
		if name := h.urls.UsernameFromActor(resource); name != "" {
			return name, true, nil
		}
		if name, found := strings.CutPrefix(resource, h.urls.Base()+"/@"); found && name != "" && !strings.ContainsAny(name, "/?#") {
			return name, true, nil
		}
		return "", false, nil
	}
	return "", false, errBadResource
}

func (h *Handlers) webfinger(w http.ResponseWriter, r *http.Request) {
	resource := strings.TrimSpace(r.URL.Query().Get("resource"))
	if resource == "" {
		render.Error(w, r, http.StatusBadRequest, "The resource parameter is required")
		return
	}
	username, ours, err := h.webfingerUsername(resource)
	if err != nil {
		render.Error(w, r, http.StatusBadRequest, "Malformed resource: expected acct:user@domain or an actor URL")
		return
	}
	if !ours || (username != activitypub.InstanceActorUsername && activitypub.ValidateUsername(username) != nil) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	a, err := h.DB.LocalAccount(r.Context(), username)
	if errors.Is(err, db.ErrNotFound) {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	if err != nil {
		h.Logger.Error("webfinger", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	if a.Suspended() {
		render.Error(w, r, http.StatusGone, "Gone")
		return
	}
	doc := jrd{
		Subject: "acct:" + a.Username + "@" + h.urls.AccountDomain(),
		Aliases: []string{a.URI},
		Links: []jrdLink{
			{Rel: "self", Type: "application/activity+json", Href: a.URI},
		},
	}
	if a.Username != activitypub.InstanceActorUsername {
		doc.Aliases = append(doc.Aliases, a.URL)
		doc.Links = append([]jrdLink{{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: a.URL}}, doc.Links...)
		doc.Links = append(doc.Links, jrdLink{Rel: "http://ostatus.org/schema/1.0/subscribe", Template: h.urls.Base() + "/authorize_interaction?uri={uri}"})
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "max-age=259200, public")
	render.JRD(w, http.StatusOK, doc)
}

func (h *Handlers) hostMeta(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	tmpl := h.urls.Base() + "/.well-known/webfinger?resource={uri}"
	if strings.Contains(r.Header.Get("Accept"), "json") || r.URL.Query().Get("format") == "json" {
		render.JSON(w, http.StatusOK, map[string]any{"links": []jrdLink{{Rel: "lrdd", Template: tmpl}}})
		return
	}
	w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="%s"/>
</XRD>
`, xmlEscape(tmpl))
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func (h *Handlers) nodeinfoIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	render.JSON(w, http.StatusOK, map[string]any{"links": []jrdLink{
		{Rel: "http://nodeinfo.diaspora.software/ns/schema/2.0", Href: h.urls.Base() + "/nodeinfo/2.0"},
		{Rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", Href: h.urls.Base() + "/nodeinfo/2.1"},
	}})
}

func (h *Handlers) nodeinfo(w http.ResponseWriter, r *http.Request) {
	version := chi.URLParam(r, "version")
	if version != "2.0" && version != "2.1" {
		render.Error(w, r, http.StatusNotFound, "Not found")
		return
	}
	usage, err := h.DB.InstanceUsage(r.Context())
	if err != nil {
		h.Logger.Error("nodeinfo usage", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	texts, err := h.DB.InstanceTexts(r.Context())
	if err != nil {
		h.Logger.Error("nodeinfo texts", "err", err)
		render.Error(w, r, http.StatusInternalServerError, "Internal server error")
		return
	}
	software := map[string]any{"name": "kontor", "version": h.Version}
	if version == "2.1" {
		software["repository"] = "https://github.com/kontor-social/kontor"
		software["homepage"] = "https://github.com/kontor-social/kontor"
	}
	doc := map[string]any{
		"version":           version,
		"software":          software,
		"protocols":         []string{"activitypub"},
		"services":          map[string]any{"inbound": []string{}, "outbound": []string{}},
		"openRegistrations": texts.Registrations == config.RegistrationsOpen || texts.Registrations == config.RegistrationsApproval,
		"usage": map[string]any{
			"users":      map[string]int64{"total": usage.Users, "activeMonth": usage.ActiveMonth, "activeHalfyear": usage.ActiveHalfyear},
			"localPosts": usage.LocalPosts,
		},
		"metadata": map[string]any{"nodeName": h.Config.InstanceTitle, "nodeDescription": texts.Description},
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "max-age=1800, public")
	render.TypedJSON(w, http.StatusOK, `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/`+version+`#"; charset=utf-8`, doc)
}
