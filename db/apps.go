package db

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// App is the public part of an OAuth application (shown on statuses).
type App struct {
	bun.BaseModel `bun:"table:oauth_apps,alias:app"`

	ID           int64     `bun:"id,pk"`
	Name         string    `bun:"name"`
	Website      string    `bun:"website"`
	RedirectURIs string    `bun:"redirect_uris"`
	Scopes       string    `bun:"scopes"`
	ClientID     string    `bun:"client_id"`
	ClientSecret string    `bun:"client_secret"`
	CreatedAt    time.Time `bun:"created_at"`
}

// AppsByIDs loads applications keyed by ID.
func (d *DB) AppsByIDs(ctx context.Context, ids []int64) (map[int64]*App, error) {
	out := map[int64]*App{}
	if len(ids) == 0 {
		return out, nil
	}
	// Every post a page shows names its app: a handful of rows, kept.
	d.freshen(ctx)
	var missing []int64
	for _, id := range ids {
		if a, ok := d.reads.apps.get(id); ok {
			out[id] = &a
		} else if _, dup := out[id]; !dup {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	gen := d.reads.apps.generation()
	var list []*App
	if err := d.r.NewSelect().Model(&list).Where("id IN (?)", bun.List(missing)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: apps: %w", err)
	}
	for _, a := range list {
		out[a.ID] = a
		d.reads.apps.put(a.ID, *a, gen)
	}
	return out, nil
}

// ErrCodeUsed is returned when an authorization code is redeemed twice.
var ErrCodeUsed = errors.New("authorization code already used")

// NewApp describes an application to register.
type NewApp struct {
	Name         string
	Website      string
	RedirectURIs string // newline-separated, as Mastodon stores them
	Scopes       string // space-separated
}

// RegisteredApp is an application as handed to its client, once: with the
// plaintext secret.
type RegisteredApp struct {
	*App
	ClientSecret string
}

// CreateApp registers an application with a fresh client id and secret.
// Only the secret's hash is stored (in App.ClientSecret).
func (d *DB) CreateApp(ctx context.Context, n NewApp) (*RegisteredApp, error) {
	secret := NewSecret()
	a := &App{
		ID:           d.NewID(),
		Name:         n.Name,
		Website:      n.Website,
		RedirectURIs: n.RedirectURIs,
		Scopes:       n.Scopes,
		ClientID:     NewSecret(),
		ClientSecret: HashSecret(secret),
		CreatedAt:    now(),
	}
	if _, err := d.w.NewInsert().Model(a).Exec(ctx); err != nil {
		return nil, fmt.Errorf("db: create app: %w", err)
	}
	return &RegisteredApp{App: a, ClientSecret: secret}, nil
}

// AppByClientID returns the application with this client id.
func (d *DB) AppByClientID(ctx context.Context, clientID string) (*App, error) {
	a := new(App)
	err := d.r.NewSelect().Model(a).Where("client_id = ?", clientID).Scan(ctx)
	return a, notFound(err)
}

// AppByID returns an application by ID.
func (d *DB) AppByID(ctx context.Context, id int64) (*App, error) {
	a := new(App)
	err := d.r.NewSelect().Model(a).Where("id = ?", id).Scan(ctx)
	return a, notFound(err)
}

// AppSecretMatches reports whether secret is the application's client
// secret (constant-time).
func AppSecretMatches(a *App, secret string) bool {
	return secret != "" && subtle.ConstantTimeCompare([]byte(HashSecret(secret)), []byte(a.ClientSecret)) == 1
}
