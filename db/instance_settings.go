package db

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/uptrace/bun"
)

// InstanceSetting is one row of instance_settings: a setting that lives
// with the data rather than in the configuration.
type InstanceSetting struct {
	bun.BaseModel `bun:"table:instance_settings"`

	Name      string    `bun:"name,pk"`
	Value     string    `bun:"value"`
	CreatedAt time.Time `bun:"created_at"`
}

// Names of instance settings.
const (
	SettingHost          = "host"
	SettingAccountDomain = "account_domain"
)

// IdentityError is a configuration that names another host or account
// domain than the database was set up with.
type IdentityError struct {
	Setting    string // SettingHost or SettingAccountDomain
	Configured string
	Stored     string
	// Inferred: the database predates the record and Stored is the host of
	// its oldest local actor.
	Inferred bool
}

func (e *IdentityError) Error() string {
	how := "it was set up with"
	if e.Inferred {
		how = "its local actors live on"
	}
	return fmt.Sprintf("%q does not match this database: %s %s = %q", e.Configured, how, e.Setting, e.Stored)
}

// CheckIdentity records host and account_domain on first use, and
// afterwards returns an *IdentityError when they differ from the recorded
// ones: every local actor ID carries the host and every handle the account
// domain, so a process configured otherwise must not write. A database
// from before the record was kept is checked against the host of its
// oldest local actor before the values are recorded. Processes starting
// together agree on one record.
func (d *DB) CheckIdentity(ctx context.Context, host, accountDomain string) error {
	configured := map[string]string{SettingHost: host, SettingAccountDomain: accountDomain}
	return d.InTx(ctx, func(tx *Tx) error {
		recorded, err := tx.tx.NewSelect().Model((*InstanceSetting)(nil)).Where("name = ?", SettingHost).Exists(ctx)
		if err != nil {
			return fmt.Errorf("db: settings: %w", err)
		}
		if !recorded {
			var uris []string
			if err := tx.tx.NewSelect().Model((*Account)(nil)).Column("uri").Where("domain = ''").
				OrderExpr("id").Limit(1).Scan(ctx, &uris); err != nil {
				return fmt.Errorf("db: first local actor: %w", err)
			}
			if len(uris) == 1 {
				if u, err := url.Parse(uris[0]); err == nil && u.Host != host {
					return &IdentityError{Setting: SettingHost, Configured: host, Stored: u.Host, Inferred: true}
				}
			}
		}
		for _, name := range []string{SettingHost, SettingAccountDomain} {
			row := &InstanceSetting{Name: name, Value: configured[name], CreatedAt: now()}
			if _, err := tx.tx.NewInsert().Model(row).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
				return fmt.Errorf("db: record setting %s: %w", name, err)
			}
			stored := new(InstanceSetting)
			if err := tx.tx.NewSelect().Model(stored).Where("name = ?", name).Scan(ctx); err != nil {
				return fmt.Errorf("db: setting %s: %w", name, err)
			}
			if stored.Value != configured[name] {
				return &IdentityError{Setting: name, Configured: configured[name], Stored: stored.Value}
			}
		}
		return nil
	})
}
