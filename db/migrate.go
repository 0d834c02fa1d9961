package db

import (
	"context"
	"fmt"

	"github.com/uptrace/bun/migrate"

	"github.com/kontor-social/kontor/migrations"
)

// migrationLockKey is the PostgreSQL advisory lock taken while migrating, so
// several processes starting at once migrate one after the other.
const migrationLockKey = 0x6b6f6e746f72 // "kontor"

// MigrationState is one migration and whether it has been applied.
type MigrationState struct {
	Name    string
	Comment string
	Applied bool
}

func (d *DB) migrator() (*migrate.Migrator, error) {
	ms, err := migrations.All()
	if err != nil {
		return nil, err
	}
	data, err := migrations.TemplateData(d.dialect)
	if err != nil {
		return nil, err
	}
	return migrate.NewMigrator(d.w, ms, migrate.WithTemplateData(data), migrate.WithMarkAppliedOnSuccess(true)), nil
}

// Migrate applies every pending migration and returns their names.
func (d *DB) Migrate(ctx context.Context) ([]string, error) {
	m, err := d.migrator()
	if err != nil {
		return nil, err
	}
	if d.dialect == Postgres {
		// A session-level advisory lock instead of bun's lock table, which a
		// crashed migration would leave locked forever.
		conn, err := d.w.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("db: migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
			return nil, fmt.Errorf("db: migrate lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrationLockKey) //nolint:errcheck
	}
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("db: migrate init: %w", err)
	}
	defer d.schemaChanged()
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: migrate: %w", err)
	}
	var names []string
	for _, mig := range group.Migrations {
		names = append(names, mig.Name+"_"+mig.Comment)
	}
	return names, nil
}

// MigrationStatus lists every known migration and whether it is applied.
func (d *DB) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	m, err := d.migrator()
	if err != nil {
		return nil, err
	}
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("db: migrate init: %w", err)
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(ms))
	for _, mig := range ms {
		out = append(out, MigrationState{Name: mig.Name, Comment: mig.Comment, Applied: mig.IsApplied()})
	}
	return out, nil
}
