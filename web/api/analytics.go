package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/analytics"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/auth"
	"github.com/kontor-social/kontor/web/render"
)

// Kontor's analytics API (not Mastodon's): what a local account's posts
// achieved, as JSON, for the account's own user and admins (the rule is
// analytics.MayView). The numbers and their meaning are package analytics';
// web/pages shows the same as HTML and CSV.
//
//	GET /api/v1/kontor/analytics/accounts/:id   summary, followers by day, top posts, reach by host
//	GET /api/v1/kontor/analytics/statuses/:id   one post: counts, time series, reach by host
//
// Both take since and until (a day YYYY-MM-DD, included, or an ISO 8601
// time; default: the last 30 days) and need a token with read or
// read:statuses of a user allowed to view: 401 without one, 403 for
// others, 404 for unknown IDs, remote accounts, boosts and direct messages.

// analyticsRoutes registers the analytics endpoints.
func (h *Handlers) analyticsRoutes(r chi.Router) {
	an := analytics.New(h.DB)
	r.Get("/kontor/analytics/accounts/{id}", h.handler(func(w http.ResponseWriter, r *http.Request) error {
		return h.accountAnalytics(w, r, an)
	}))
	r.Get("/kontor/analytics/statuses/{id}", h.handler(func(w http.ResponseWriter, r *http.Request) error {
		return h.statusAnalytics(w, r, an)
	}))
}

// readAnalyticsPeriod reads the parameters, since and until among them
// (422 naming the parameter).
func readAnalyticsPeriod(r *http.Request) (*Params, analytics.Period, error) {
	p, err := ReadParams(r)
	if err != nil {
		return nil, analytics.Period{}, err
	}
	period, err := analytics.ParsePeriod(p.String("since"), p.String("until"), time.Now())
	var pe *analytics.PeriodError
	if errors.As(err, &pe) {
		return nil, period, fieldErr(pe.Param, pe.Msg)
	}
	return p, period, err
}

// mayViewAnalytics answers 403 unless the caller's user may see the
// analytics of account.
func mayViewAnalytics(ctx context.Context, an *analytics.Service, a *auth.Caller, account *db.Account) error {
	ok, err := an.MayView(ctx, a.User, account)
	if err != nil {
		return err
	}
	if !ok {
		return errForbidden
	}
	return nil
}

func (h *Handlers) accountAnalytics(w http.ResponseWriter, r *http.Request, an *analytics.Service) error {
	a, id, ok, err := h.requireID(w, r, "read:statuses")
	if !ok {
		return err
	}
	ctx := r.Context()
	account, err := h.DB.AccountByID(ctx, id)
	if err != nil {
		return err
	}
	if !account.Local() {
		return errNotFound
	}
	if err := mayViewAnalytics(ctx, an, a, account); err != nil {
		return err
	}
	p, period, err := readAnalyticsPeriod(r)
	if err != nil {
		return err
	}
	top := analytics.DefaultTopPosts
	if n, ok, err := p.Int("limit"); err != nil {
		return err
	} else if ok {
		top = int(max(1, min(n, analytics.MaxTopPosts)))
	}
	rep, err := an.Account(ctx, account, period, top, a.Account.ID)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, presentAccountReport(account, period, rep))
	return nil
}

func (h *Handlers) statusAnalytics(w http.ResponseWriter, r *http.Request, an *analytics.Service) error {
	a, id, ok, err := h.requireID(w, r, "read:statuses")
	if !ok {
		return err
	}
	ctx := r.Context()
	s, err := h.DB.StatusByIDAny(ctx, id)
	if err != nil {
		return err
	}
	if !s.Local || s.ReblogOfID != nil || s.Visibility == db.Direct || s.Account == nil {
		return errNotFound
	}
	if err := mayViewAnalytics(ctx, an, a, s.Account); err != nil {
		// Refusing to show the numbers of a post the caller cannot even
		// see would tell that it exists.
		if _, verr := h.DB.StatusByID(ctx, id, db.ViewerOf(a.Account.ID)); errors.Is(verr, db.ErrNotFound) {
			return errNotFound
		}
		return err
	}
	p, period, err := readAnalyticsPeriod(r)
	if err != nil {
		return err
	}
	if !p.Has("since") && !p.Has("until") {
		// A post's series starts when it was published, whatever its age.
		period.Since = s.CreatedAt.UTC().Truncate(time.Hour)
	}
	rep, err := an.Status(ctx, id, period, a.Account.ID)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, presentStatusReport(period, rep))
	return nil
}
