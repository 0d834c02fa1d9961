package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// UpsertRemoteAccount stores a fetched remote actor by its URI: inserted the
// first time, refreshed afterwards (counters and local relations are kept).
// On return a.ID is the stored ID.
func (d *DB) UpsertRemoteAccount(ctx context.Context, a *Account) error {
	t, err := prepareRemoteAccount(a)
	if err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *Tx) error {
		existing := new(Account)
		err := tx.tx.NewSelect().Model(existing).Where("uri = ?", a.URI).Scan(ctx)
		switch {
		case err == nil:
			wctx := ctx // a local row by this URI is written as any other
			if existing.Domain != "" {
				wctx = remoteAccountWrites(ctx)
			}
			a.ID = existing.ID
			if a.CreatedAt.IsZero() {
				a.CreatedAt = existing.CreatedAt
			}
			if !strings.EqualFold(a.Username, existing.Username) || a.Domain != existing.Domain {
				if err := tx.freeHandle(wctx, a); err != nil {
					return err
				}
			}
			a.FollowersCount, a.FollowingCount, a.StatusesCount = existing.FollowersCount, existing.FollowingCount, existing.StatusesCount
			a.LastStatusAt, a.SuspendedAt = existing.LastStatusAt, existing.SuspendedAt
			a.SilencedAt, a.SensitizedAt = existing.SilencedAt, existing.SensitizedAt // moderation is ours, not the actor's
			if a.MovedToAccountID == nil {
				a.MovedToAccountID = existing.MovedToAccountID
			}
			_, err := tx.tx.NewUpdate().Model(a).WherePK().
				ExcludeColumn("id", "followers_count", "following_count", "statuses_count", "last_status_at", "suspended_at", "silenced_at", "sensitized_at", "private_key_pem").
				Exec(wctx)
			if err != nil {
				return fmt.Errorf("db: refresh remote account: %w", err)
			}
			return nil
		case !errors.Is(notFound(err), ErrNotFound):
			return fmt.Errorf("db: remote account: %w", err)
		}
		return tx.insertRemoteAccount(remoteAccountWrites(ctx), a, t)
	})
}

// InsertRemoteAccount stores a fetched remote actor that the caller has
// just looked up by its URI and not found: UpsertRemoteAccount without
// reading the row again. ErrConflict when it was stored meanwhile.
func (d *DB) InsertRemoteAccount(ctx context.Context, a *Account) error {
	t, err := prepareRemoteAccount(a)
	if err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *Tx) error { return tx.insertRemoteAccount(remoteAccountWrites(ctx), a, t) })
}

// prepareRemoteAccount fills in what every store of a fetched actor sets
// and returns the time of the store.
func prepareRemoteAccount(a *Account) (time.Time, error) {
	if a.Domain == "" {
		return time.Time{}, errors.New("db: remote account without domain")
	}
	a.Domain = strings.ToLower(a.Domain)
	t := now()
	a.FetchedAt, a.UpdatedAt = &t, t
	if a.Fields == nil {
		a.Fields = []Field{}
	}
	if a.AlsoKnownAs == nil {
		a.AlsoKnownAs = []string{}
	}
	return t, nil
}

// insertRemoteAccount is the insert of UpsertRemoteAccount, at time at.
func (t *Tx) insertRemoteAccount(ctx context.Context, a *Account, at time.Time) error {
	if err := t.freeHandle(ctx, a); err != nil {
		return err
	}
	a.ID = t.d.NewID()
	if err := t.limitIfDomainSilenced(ctx, a); err != nil {
		return err
	}
	if a.CreatedAt.IsZero() || a.CreatedAt.After(at) {
		a.CreatedAt = at
	}
	if _, err := t.tx.NewInsert().Model(a).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return ErrConflict
		}
		return fmt.Errorf("db: insert remote account: %w", err)
	}
	return nil
}

// freeHandle renames any other account holding a's handle on its domain:
// an actor may reuse the handle of one that moved or was recreated, and the
// handle goes to the newest.
func (t *Tx) freeHandle(ctx context.Context, a *Account) error {
	q := t.tx.NewUpdate().Model((*Account)(nil)).Set("username = username || '.' || id").
		Where("lower(username) = lower(?) AND domain = ?", a.Username, a.Domain)
	if a.ID != 0 {
		q = q.Where("id <> ?", a.ID)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("db: free handle: %w", err)
	}
	return nil
}

// AccountKey is what checking a signature takes from a stored key.
type AccountKey struct {
	PEM      string // public_key_pem
	OwnerURI string // the account's actor id
}

// KeyByID returns the stored key keyID (ErrNotFound). Every signed inbox
// POST asks for it: it is kept in memory like the rows every API request
// reads (readcache.go), until a write of account rows — never for a key
// not found — so a changed or removed key is read afresh (bench/inbox: the
// row's read and scan were a tenth of a stored Create's CPU).
func (d *DB) KeyByID(ctx context.Context, keyID string) (AccountKey, error) {
	d.freshen(ctx)
	if k, ok := d.reads.keys.get(keyID); ok {
		return k, nil
	}
	gen := d.reads.keys.generation()
	a, err := d.AccountByKeyID(ctx, keyID)
	if err != nil {
		return AccountKey{}, err
	}
	k := AccountKey{PEM: a.PublicKeyPEM, OwnerURI: a.URI}
	d.reads.keys.put(keyID, k, gen)
	return k, nil
}

// AccountByKeyID finds the account that owns a public key id.
func (d *DB) AccountByKeyID(ctx context.Context, keyID string) (*Account, error) {
	a := new(Account)
	err := d.r.NewSelect().Model(a).Where("public_key_id = ?", keyID).Limit(1).Scan(ctx)
	return a, notFound(err)
}

// DeleteRemoteAccountContent removes a deleted remote actor's statuses and
// relations and suspends the account row (kept so its URI stays refused).
func (d *DB) DeleteRemoteAccountContent(ctx context.Context, id int64) error {
	return d.InTx(ctx, func(tx *Tx) error {
		var follows []Follow
		if err := tx.tx.NewSelect().Model(&follows).Where("account_id = ? OR target_account_id = ?", id, id).Scan(ctx); err != nil {
			return err
		}
		for _, f := range follows {
			if _, err := tx.DeleteFollow(ctx, f.AccountID, f.TargetAccountID); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		// Replies to its statuses lose their count; counters of others are
		// recomputed for the statuses it had favourited or boosted.
		if _, err := tx.tx.NewRaw(`UPDATE statuses SET favourites_count = favourites_count - 1
			WHERE id IN (SELECT status_id FROM favourites WHERE account_id = ?) AND favourites_count > 0`, id).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.tx.NewRaw(`UPDATE statuses SET reblogs_count = reblogs_count - 1
			WHERE id IN (SELECT reblog_of_id FROM statuses WHERE account_id = ? AND reblog_of_id IS NOT NULL) AND reblogs_count > 0`, id).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.tx.NewDelete().TableExpr("favourites").Where("account_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.tx.NewRaw(`INSERT INTO tombstones (uri, account_id, created_at)
			SELECT uri, account_id, ? FROM statuses WHERE account_id = ? ON CONFLICT (uri) DO NOTHING`, now(), id).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.tx.NewDelete().Model((*Status)(nil)).Where("account_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.tx.NewUpdate().Model((*Account)(nil)).Set("suspended_at = COALESCE(suspended_at, ?)", now()).
			Set("statuses_count = 0").Set("followers_count = 0").Set("following_count = 0").Where("id = ?", id).Exec(ctx)
		return err
	})
}

// SetMovedTo records that an account moved to another.
func (d *DB) SetMovedTo(ctx context.Context, id, targetID int64) error {
	_, err := d.w.NewUpdate().Model((*Account)(nil)).Set("moved_to_account_id = ?", targetID).Set("updated_at = ?", now()).
		Where("id = ?", id).Exec(ctx)
	return err
}
