package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// Polls: read one (as visible as its status) and vote. Polls are created
// with their status (POST /api/v1/statuses with poll[…]).

// pollRoutes registers /api/v1/polls.
func (h *Handlers) pollRoutes(r chi.Router) {
	r.Get("/polls/{id}", h.handler(h.getPoll))
	r.Post("/polls/{id}/votes", h.handler(h.votePoll))
}

// getPoll is GET /api/v1/polls/:id (anonymous callers see public polls;
// users see a remote poll's counts refreshed from its server).
func (h *Handlers) getPoll(w http.ResponseWriter, r *http.Request) error {
	a, ok := h.optional(w, r, "read:statuses")
	if !ok {
		return nil
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	viewer := viewerID(a)
	p, s, err := h.Engine.PollStatus(r.Context(), id, db.ViewerOf(viewer))
	if err != nil {
		return err
	}
	if viewer != 0 {
		// A user looking at a remote poll gets fresh counts (as on
		// Mastodon); when its server does not answer, the ones we have.
		if fresh, err := h.Engine.RefreshPoll(r.Context(), p, s); err != nil {
			h.Log.Debug("refresh poll", "poll", p.ID, "err", err)
		} else {
			p = fresh
		}
	}
	return h.renderPoll(w, r, p, viewer)
}

// votePoll is POST /api/v1/polls/:id/votes with choices[] (option indexes).
func (h *Handlers) votePoll(w http.ResponseWriter, r *http.Request) error {
	a, id, ok, err := h.requireID(w, r, "write:statuses")
	if !ok {
		return err
	}
	p, err := ReadParams(r)
	if err != nil {
		return err
	}
	var choices []int
	for _, s := range p.Strings("choices") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fieldErr("choices", "must be option indexes")
		}
		choices = append(choices, n)
	}
	poll, err := h.Engine.Vote(r.Context(), a.Account, id, choices)
	var refused *activitypub.VoteRefused
	if errors.As(err, &refused) {
		return unprocessable("Validation failed: %s", refused.Reason)
	}
	if err != nil {
		return err
	}
	return h.renderPoll(w, r, poll, a.Account.ID)
}

func (h *Handlers) renderPoll(w http.ResponseWriter, r *http.Request, p *db.Poll, viewer int64) error {
	own, err := h.DB.OwnPollChoices(r.Context(), p.ID, viewer)
	if err != nil {
		return err
	}
	render.JSON(w, http.StatusOK, h.present.Poll(p, viewer, own))
	return nil
}
