package entity

import "github.com/kontor-social/kontor/db"

// WebPushSubscription is Mastodon's WebPushSubscription entity.
type WebPushSubscription struct {
	ID       string          `json:"id"`
	Endpoint string          `json:"endpoint"`
	Standard bool            `json:"standard"`
	Alerts   map[string]bool `json:"alerts"`
	// ServerKey is the instance's VAPID public key.
	ServerKey string `json:"server_key"`
	Policy    string `json:"policy"`
}

// PushSubscription renders a subscription. Every alert type is listed,
// off unless enabled (Mastodon lists only those the client sent; typed
// clients read them all). Standard is always true: Kontor sends only
// RFC 8291 aes128gcm messages, whatever the client asked for.
func PushSubscription(s *db.PushSubscription, serverKey string) WebPushSubscription {
	alerts := make(map[string]bool, len(db.PushAlertTypes))
	for _, t := range db.PushAlertTypes {
		alerts[t] = s.Alert(t)
	}
	return WebPushSubscription{ID: db.FormatID(s.ID), Endpoint: s.Endpoint, Standard: true, Alerts: alerts,
		ServerKey: serverKey, Policy: s.Policy}
}
