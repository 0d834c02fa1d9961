package activitypub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/kontor-social/kontor/activitypub/content"
	"github.com/kontor-social/kontor/activitypub/transport"
	"github.com/kontor-social/kontor/db"
)

// Web Push: Mastodon's mobile apps learn of notifications only through it.
// tx.Notify queues one push_deliveries row per subscription that wants a
// notification, in the transaction that stores it; this job claims due rows
// with a lease, encrypts Mastodon's payload to the subscription's keys
// (RFC 8291 aes128gcm), signs the request with the instance's VAPID key
// (RFC 8292) and POSTs it through the guarded client. A 404 or 410 ends
// the subscription; a 429, a 5xx or a network error is tried again with
// backoff until the notification is a day old.

// PushOptions tune the push queue; zero values take the defaults.
type PushOptions struct {
	// Contact is the VAPID subject: an email address (the instance's
	// contact_email) or an https URL; default the instance's URL (https),
	// else push@host.
	Contact string
	// Backoff is the wait before attempt n+1 (default 30 s doubled per
	// attempt, at most an hour).
	Backoff func(attempt int) time.Duration
	// GiveUpAfter is the age at which a notification is no longer pushed
	// (default 24 h).
	GiveUpAfter time.Duration
	// Poll is the longest sleep between two looks at the queue (other
	// processes queue pushes too; default 5 s).
	Poll time.Duration
}

// Push delivery constants, as Mastodon sends them.
const (
	pushTTL         = 48 * 60 * 60 // seconds the push service keeps an undelivered message
	pushBodyLength  = 140          // runes of the message body
	pushClaimBatch  = 20
	pushConcurrency = 8
	pushLease       = 2 * time.Minute
	pushSweepEvery  = time.Minute
)

// wakePush tells the push job that pushes may be due (after a commit).
func (e *Engine) wakePush() {
	select {
	case e.pushWake <- struct{}{}:
	default:
	}
}

// PushTokensRevoked removes at once the push subscriptions of tokens that
// were just revoked (an app's revoke, a sign-out, a suspension); the push
// job sweeps every minute for revocations nobody announces (the CLI, a
// refresh that replaced its token), and nothing is queued for them meanwhile.
func (e *Engine) PushTokensRevoked() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := e.db.DeleteDeadPushSubscriptions(ctx); err != nil {
		e.log.Warn("push subscriptions of revoked tokens", "err", err)
	}
}

// VAPIDPublicKey is the key push services check our requests with
// (base64url), for the instance and app entities; "" on a database error.
func (e *Engine) VAPIDPublicKey(ctx context.Context) string {
	k, err := e.db.VAPIDKeys(ctx)
	if err != nil {
		e.log.Warn("vapid keys", "err", err)
		return ""
	}
	return k.Public
}

// CheckPushEndpoint refuses an endpoint the push job would not call: not
// an absolute https URL (http too when the instance runs on http, for
// local testing), or with user information.
func (e *Engine) CheckPushEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" || u.User != nil || len(raw) > 2048 {
		return errors.New("is not a valid URL")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && strings.EqualFold(e.opts.Protocol, "http")) {
		return errors.New("must be an https URL")
	}
	return nil
}

func (e *Engine) pushOptions() PushOptions {
	o := e.opts.Push
	if o.Backoff == nil {
		o.Backoff = func(n int) time.Duration { return min(30*time.Second<<min(n, 7), time.Hour) }
	}
	if o.GiveUpAfter == 0 {
		o.GiveUpAfter = 24 * time.Hour
	}
	if o.Poll == 0 {
		o.Poll = 5 * time.Second
	}
	if o.Contact == "" {
		if strings.HasPrefix(e.urls.Base(), "https:") {
			o.Contact = e.urls.Base()
		} else {
			o.Contact = "push@" + e.urls.Host()
		}
	}
	return o
}

// pushJobs makes the VAPID keys on first start, then sends due pushes until
// ctx ends, and sweeps the subscriptions of revoked tokens.
func (e *Engine) pushJobs(ctx context.Context) {
	o := e.pushOptions()
	var keys db.VAPIDKeys
	for {
		var err error
		if keys, err = e.db.VAPIDKeys(ctx); err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		e.log.Error("vapid keys", "err", err)
		if !sleepCtx(ctx, o.Poll) {
			return
		}
	}
	var lastSweep time.Time
	for ctx.Err() == nil {
		if time.Since(lastSweep) > pushSweepEvery {
			lastSweep = time.Now()
			if n, err := e.db.DeleteDeadPushSubscriptions(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("sweep push subscriptions", "err", err)
			} else if n > 0 {
				e.log.Info("push subscriptions of revoked tokens removed", "count", n)
			}
		}
		// Read first: a claim is a write, and the queue is empty most of the time.
		next, due, err := e.db.NextPushDue(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Warn("push queue", "err", err)
		}
		if due && !next.After(time.Now()) {
			claimed, err := e.db.ClaimPushes(ctx, pushClaimBatch, pushLease)
			if err != nil && ctx.Err() == nil {
				e.log.Warn("claim pushes", "err", err)
			}
			e.sendPushes(ctx, o, keys, claimed)
			if len(claimed) > 0 {
				continue // more may be due
			}
		}
		wait := o.Poll
		if due {
			wait = min(wait, max(time.Until(next), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-e.pushWake:
		case <-t.C:
		}
		t.Stop()
	}
}

// sleepCtx waits d; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// sendPushes sends a claimed batch, a few at once, and settles each.
func (e *Engine) sendPushes(ctx context.Context, o PushOptions, keys db.VAPIDKeys, claimed []db.ClaimedPush) {
	slots := make(chan struct{}, pushConcurrency)
	var wg sync.WaitGroup
	for i := range claimed {
		p := &claimed[i]
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			out, lastErr := e.sendPush(ctx, o, keys, p)
			next := time.Now().Add(o.Backoff(p.Attempts))
			switch {
			case out == db.PushRetry && ctx.Err() != nil:
				// Cut short by shutdown: hand the push back for the next
				// process at once rather than leave it leased.
				next = time.Now()
			case out == db.PushRetry && time.Since(p.Notification.CreatedAt) > o.GiveUpAfter:
				out = db.PushDrop
			}
			if out == db.PushDrop && lastErr != "" {
				e.log.Info("push given up", "subscription", p.Subscription.ID, "notification", p.Notification.ID, "err", lastErr)
			}
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := e.db.SettlePush(sctx, p, out, next, lastErr); err != nil {
				e.log.Warn("settle push", "err", err)
			}
		})
	}
	wg.Wait()
}

// sendPush sends one push and says what became of it.
func (e *Engine) sendPush(ctx context.Context, o PushOptions, keys db.VAPIDKeys, p *db.ClaimedPush) (db.PushOutcome, string) {
	payload, err := e.pushPayload(ctx, p)
	if errors.Is(err, db.ErrNotFound) {
		return db.PushDrop, "" // the sender or the status is gone
	}
	if err != nil {
		return db.PushRetry, err.Error()
	}
	rctx, cancel := context.WithTimeout(ctx, e.opts.FetchTimeout)
	defer cancel()
	sub := &webpush.Subscription{Endpoint: p.Subscription.Endpoint,
		Keys: webpush.Keys{P256dh: p.Subscription.KeyP256dh, Auth: p.Subscription.KeyAuth}}
	resp, err := webpush.SendNotificationWithContext(rctx, payload, sub, &webpush.Options{
		HTTPClient: e.client, Subscriber: o.Contact, TTL: pushTTL, Urgency: webpush.UrgencyNormal,
		VAPIDPublicKey: keys.Public, VAPIDPrivateKey: keys.Private,
	})
	switch {
	case err != nil && transport.IsTemporary(err):
		return db.PushRetry, err.Error()
	case err != nil: // bad keys, a refused address or scheme, a payload too large
		return db.PushDrop, err.Error()
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 16<<10)) //nolint:errcheck
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return db.PushSent, ""
	case code == http.StatusNotFound || code == http.StatusGone:
		return db.PushGone, ""
	case code == http.StatusTooManyRequests || code >= 500:
		return db.PushRetry, fmt.Sprintf("push service answered %d", code)
	default:
		return db.PushDrop, fmt.Sprintf("push service answered %d", code)
	}
}

// PushPayload is the JSON Mastodon pushes (its Web::NotificationSerializer):
// clients find the account by access_token and fetch the notification by id.
type PushPayload struct {
	AccessToken      string `json:"access_token"`
	PreferredLocale  string `json:"preferred_locale"`
	NotificationID   string `json:"notification_id"`
	NotificationType string `json:"notification_type"`
	Icon             string `json:"icon"`
	Title            string `json:"title"`
	Body             string `json:"body"`
}

// pushTitles are Mastodon's English titles, by notification type.
var pushTitles = map[string]string{
	db.NotifyMention:       "%s mentioned you",
	db.NotifyStatus:        "%s just posted",
	db.NotifyReblog:        "%s boosted your post",
	db.NotifyFollow:        "%s followed you",
	db.NotifyFollowRequest: "%s has requested to follow you",
	db.NotifyFavourite:     "%s favorited your post",
	db.NotifyPoll:          "A poll by %s has ended",
	db.NotifyUpdate:        "%s edited a post",
	db.NotifyAdminSignUp:   "%s signed up",
	db.NotifyAdminReport:   "%s submitted a report",
}

// defaultAvatarPath is the image of accounts without an avatar (served by
// web/static, named in web/entity too).
const defaultAvatarPath = "/static/avatar.png"

func (e *Engine) pushPayload(ctx context.Context, p *db.ClaimedPush) ([]byte, error) {
	n := &p.Notification
	// Pushed only while the notification list would show it (not from a
	// suspended account or a blocked domain, about a status still visible).
	if _, err := e.db.NotificationByID(ctx, n.AccountID, n.ID); err != nil {
		return nil, err
	}
	from, err := e.db.AccountByID(ctx, n.FromAccountID)
	if err != nil {
		return nil, err
	}
	name := from.DisplayName
	if strings.TrimSpace(name) == "" {
		name = from.Username
	}
	title := fmt.Sprintf(pushTitles[n.Type], name)
	if _, ok := pushTitles[n.Type]; !ok {
		title = name
	}
	body := content.PlainText(from.Note)
	if n.StatusID != nil {
		s, err := e.db.StatusByIDAny(ctx, *n.StatusID)
		if err != nil {
			return nil, err
		}
		if s.SpoilerText != "" {
			body = s.SpoilerText
		} else {
			body = content.PlainText(s.Content)
		}
	}
	locale := "en"
	if p.Subscription.UserID != nil {
		if u, err := e.db.UserByID(ctx, *p.Subscription.UserID); err == nil && u.Locale != "" {
			locale = u.Locale
		}
	}
	icon := from.AvatarRemoteURL
	if from.AvatarMediaID != nil {
		if m, err := e.db.MediaByID(ctx, *from.AvatarMediaID); err == nil {
			icon = e.MediaURL(m)
		}
	}
	if icon == "" {
		icon = e.urls.Base() + defaultAvatarPath
	}
	return json.Marshal(PushPayload{
		AccessToken: p.Subscription.AccessToken, PreferredLocale: locale,
		NotificationID: db.FormatID(n.ID), NotificationType: n.Type,
		Icon: icon, Title: title, Body: shortenText(strings.TrimSpace(body), pushBodyLength),
	})
}

// shortenText shortens s to at most n runes, the last an ellipsis when
// something was cut.
func shortenText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
