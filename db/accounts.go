package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// ErrUsernameTaken and ErrEmailTaken say which unique value clashed.
var (
	ErrUsernameTaken = fmt.Errorf("username %w", ErrConflict)
	ErrEmailTaken    = fmt.Errorf("email %w", ErrConflict)
)

// CreateLocalAccount stores a new local account and, when user is not nil,
// its login, in one transaction. IDs and timestamps are assigned here. A
// user with an InviteID uses up one use of that invite in the same
// transaction (ErrInviteInvalid when it no longer may be used).
func (d *DB) CreateLocalAccount(ctx context.Context, a *Account, u *User) error {
	t := now()
	a.ID = d.NewID()
	a.Domain = ""
	a.CreatedAt, a.UpdatedAt = t, t
	if a.Fields == nil {
		a.Fields = []Field{}
	}
	if a.AlsoKnownAs == nil {
		a.AlsoKnownAs = []string{}
	}
	return d.tx(ctx, func(tx bun.Tx) error {
		exists, err := tx.NewSelect().Model((*Account)(nil)).
			Where("lower(username) = lower(?) AND domain = ''", a.Username).Exists(ctx)
		if err != nil {
			return fmt.Errorf("db: create account: %w", err)
		}
		if exists {
			return ErrUsernameTaken
		}
		if u != nil {
			taken, err := tx.NewSelect().Model((*User)(nil)).Where("lower(email) = lower(?)", u.Email).Exists(ctx)
			if err != nil {
				return fmt.Errorf("db: create account: %w", err)
			}
			if taken {
				return ErrEmailTaken
			}
			if u.InviteID != nil {
				if err := useInvite(ctx, tx, *u.InviteID, t); err != nil {
					return err
				}
			}
		}
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return ErrUsernameTaken
			}
			return fmt.Errorf("db: create account: %w", err)
		}
		if a.IsBrand {
			if _, err := tx.NewInsert().Model(&Brand{AccountID: a.ID, CreatedAt: t}).Exec(ctx); err != nil {
				return fmt.Errorf("db: create brand: %w", err)
			}
		}
		if u == nil {
			return nil
		}
		u.ID = d.NewID()
		u.AccountID = a.ID
		u.CreatedAt, u.UpdatedAt = t, t
		if u.Role == "" {
			u.Role = RoleUser
		}
		if u.DefaultPrivacy == "" {
			u.DefaultPrivacy = "public"
		}
		if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				return ErrEmailTaken
			}
			return fmt.Errorf("db: create user: %w", err)
		}
		return nil
	})
}

// AccountByID returns any account by ID.
func (d *DB) AccountByID(ctx context.Context, id int64) (*Account, error) {
	d.freshen(ctx)
	if a, ok := d.reads.accounts.get(id); ok {
		return &a, nil
	}
	gen := d.reads.accounts.generation()
	a := new(Account)
	err := d.r.NewSelect().Model(a).Where("id = ?", id).Scan(ctx)
	if err != nil {
		return a, notFound(err)
	}
	d.reads.accounts.put(id, *a, gen)
	return a, nil
}

// AccountsByIDs returns the accounts with these IDs, keyed by ID.
func (d *DB) AccountsByIDs(ctx context.Context, ids []int64) (map[int64]*Account, error) {
	out := make(map[int64]*Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	d.freshen(ctx)
	var missing []int64
	for _, id := range ids {
		if a, ok := d.reads.accounts.get(id); ok {
			out[id] = &a
		} else if _, dup := out[id]; !dup {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	gen := d.reads.accounts.generation()
	var list []*Account
	if err := d.r.NewSelect().Model(&list).Where("id IN (?)", bun.List(missing)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: accounts by ids: %w", err)
	}
	for _, a := range list {
		out[a.ID] = a
		d.reads.accounts.put(a.ID, *a, gen)
	}
	return out, nil
}

// LocalAccount returns the local account with this username (case-insensitive).
func (d *DB) LocalAccount(ctx context.Context, username string) (*Account, error) {
	return d.AccountByUsername(ctx, username, "")
}

// LocalActor is LocalAccount for the federation paths that look up the
// local account named by every request or activity (an inbox's owner, a
// Follow's target, the instance actor that signs fetches): the row is kept
// in memory until a write that may touch a local account's row (a profile,
// a suspension, a deletion; not the counters, nor the remote actors stored
// as senders come in). Its counters may therefore be behind: what shows
// them reads AccountByID. A name not found is not kept.
func (d *DB) LocalActor(ctx context.Context, username string) (*Account, error) {
	d.freshen(ctx)
	// Kept by the name as asked: the case folding stays SQL's.
	return d.reads.localActors.through(username, func() (*Account, error) { return d.LocalAccount(ctx, username) })
}

// ActorByURI is AccountByURI for the inbox, which looks up the actor of
// every activity it applies: the row is kept in memory until a write of an
// account's row (a profile stored anew, a suspension, a deletion, a new
// actor; not the counters every post and follow moves). Its counters may
// therefore be behind: what shows them reads AccountByID. An actor not
// found is not kept.
func (d *DB) ActorByURI(ctx context.Context, uri string) (*Account, error) {
	d.freshen(ctx)
	return d.reads.actors.through(uri, func() (*Account, error) { return d.AccountByURI(ctx, uri) })
}

// AccountByUsername returns the account username@domain ("" domain: local).
func (d *DB) AccountByUsername(ctx context.Context, username, domain string) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).
		Where("lower(username) = lower(?) AND domain = ?", username, strings.ToLower(domain)).
		Scan(ctx)
	return a, notFound(err)
}

// AccountByURI returns the account whose actor id is uri.
func (d *DB) AccountByURI(ctx context.Context, uri string) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).Where("uri = ?", uri).Scan(ctx)
	return a, notFound(err)
}

// AccountByURL returns the account whose profile page URL is url (a
// WebFinger resource may name the profile page rather than the actor id).
func (d *DB) AccountByURL(ctx context.Context, url string) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).Where("url = ?", url).Limit(1).Scan(ctx)
	return a, notFound(err)
}

// LocalAccounts lists local accounts, oldest first.
func (d *DB) LocalAccounts(ctx context.Context) ([]*Account, error) {
	var list []*Account
	err := d.r.NewSelect().Model(&list).Where("domain = ''").Order("id ASC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: local accounts: %w", err)
	}
	return list, nil
}

// SuspendAccount marks an account suspended (idempotent) and revokes the
// tokens that act as it.
func (d *DB) SuspendAccount(ctx context.Context, id int64) error {
	t := now()
	return d.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Account)(nil)).
			Set("suspended_at = COALESCE(suspended_at, ?)", t).Set("updated_at = ?", t).
			Where("id = ?", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: suspend: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = tx.NewUpdate().Table("oauth_tokens").Set("revoked_at = ?", t).
			Where("account_id = ? AND revoked_at IS NULL", id).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: suspend: revoke tokens: %w", err)
		}
		return nil
	})
}

// UnsuspendAccount lifts a suspension.
func (d *DB) UnsuspendAccount(ctx context.Context, id int64) error {
	res, err := d.w.NewUpdate().Model((*Account)(nil)).Set("suspended_at = NULL").Set("updated_at = ?", now()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: unsuspend: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// UpdateAccountProfile saves the editable profile of a local account.
func (d *DB) UpdateAccountProfile(ctx context.Context, a *Account) error {
	a.UpdatedAt = now()
	if a.Fields == nil {
		a.Fields = []Field{}
	}
	_, err := d.w.NewUpdate().Model(a).WherePK().
		Column("display_name", "note", "note_source", "fields", "avatar_media_id", "header_media_id", "locked", "bot",
			"discoverable", "indexable", "hide_collections", "actor_type", "also_known_as", "updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: update profile: %w", err)
	}
	return nil
}

// AccountsByURIs returns the stored accounts among uris, keyed by URI.
func (d *DB) AccountsByURIs(ctx context.Context, uris []string) (map[string]*Account, error) {
	out := make(map[string]*Account, len(uris))
	if len(uris) == 0 {
		return out, nil
	}
	var list []*Account
	if err := d.r.NewSelect().Model(&list).Where("uri IN (?)", bun.List(uris)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: accounts by uris: %w", err)
	}
	for _, a := range list {
		out[a.URI] = a
	}
	return out, nil
}

// listedAccount is the condition under which an account is shown by the
// API at all: remote accounts, brand accounts, and local accounts whose
// user is confirmed and approved (not the instance actor, not sign-ups
// waiting for approval — Mastodon answers 404 for those).
const listedAccount = `(a.domain <> '' OR a.is_brand = TRUE
	OR EXISTS (SELECT 1 FROM users lu WHERE lu.account_id = a.id AND lu.confirmed_at IS NOT NULL AND lu.approved = TRUE AND lu.disabled = FALSE))`

// ListedAccountByID returns the account with this ID if the API may show it
// (see listedAccount); suspended accounts are returned, flagged.
func (d *DB) ListedAccountByID(ctx context.Context, id int64) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).Where("a.id = ?", id).Where(listedAccount).Scan(ctx)
	return a, notFound(err)
}

// ListedAccountByUsername returns username@domain ("" domain: local) if the
// API may show it.
func (d *DB) ListedAccountByUsername(ctx context.Context, username, domain string) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).
		Where("lower(a.username) = lower(?) AND a.domain = ?", username, strings.ToLower(domain)).
		Where(listedAccount).Scan(ctx)
	return a, notFound(err)
}

// CredentialsUpdate is one save of the profile editor: the account's new
// profile columns, the user's posting defaults, the new avatar/header rows
// to insert and the replaced ones to delete.
type CredentialsUpdate struct {
	Account  *Account
	User     *User
	NewMedia []*MediaAttachment
	OldMedia []int64
	// Audit is the brand audit record of the change (a brand's profile),
	// written in the same transaction; nil for other accounts.
	Audit *BrandAudit
}

// UpdateCredentials saves a profile edit in one transaction.
func (d *DB) UpdateCredentials(ctx context.Context, u CredentialsUpdate) error {
	t := now()
	a := u.Account
	a.UpdatedAt = t
	if a.Fields == nil {
		a.Fields = []Field{}
	}
	return d.InTx(ctx, func(tx *Tx) error {
		for _, m := range u.NewMedia {
			m.CreatedAt, m.UpdatedAt = t, t
			if _, err := tx.tx.NewInsert().Model(m).Exec(ctx); err != nil {
				return fmt.Errorf("db: insert profile image: %w", err)
			}
		}
		res, err := tx.tx.NewUpdate().Model(a).WherePK().
			Column("display_name", "note", "note_source", "fields", "avatar_media_id", "header_media_id", "locked", "bot",
				"discoverable", "indexable", "hide_collections", "actor_type", "updated_at").Exec(ctx)
		if err := exactlyOne(res, err, "update profile"); err != nil {
			return err
		}
		if u.User != nil {
			u.User.UpdatedAt = t
			res, err := tx.tx.NewUpdate().Model(u.User).WherePK().
				Column("default_privacy", "default_sensitive", "default_language", "updated_at").Exec(ctx)
			if err := exactlyOne(res, err, "update preferences"); err != nil {
				return err
			}
		}
		if len(u.OldMedia) > 0 {
			if _, err := tx.tx.NewDelete().Model((*MediaAttachment)(nil)).
				Where("id IN (?) AND account_id = ? AND status_id IS NULL", bun.List(u.OldMedia), a.ID).Exec(ctx); err != nil {
				return fmt.Errorf("db: delete old profile image: %w", err)
			}
		}
		if u.Audit != nil {
			return tx.RecordBrandAction(ctx, u.Audit)
		}
		return nil
	})
}
