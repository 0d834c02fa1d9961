package db

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Process is a running Kontor process that holds leases on delivery rows
// (deliveries.claimed_by). Its heartbeat, and where the operating system
// lets it be checked its pid and start time, say whether it is alive: a
// live process's leases are never taken by others, a dead one's are handed
// back at once (see the delivery queue).
type Process struct {
	bun.BaseModel `bun:"table:processes,alias:pr"`

	ID          int64     `bun:"id,pk"`
	Hostname    string    `bun:"hostname"`
	HostKey     string    `bun:"host_key"`  // the pid namespace on this boot; "" when unknown
	PID         int64     `bun:"pid"`       // in that namespace
	PIDStart    string    `bun:"pid_start"` // the process's start time, as the system tells it
	StartedAt   time.Time `bun:"started_at"`
	HeartbeatAt time.Time `bun:"heartbeat_at"`
}

// RegisterProcess records p (with a new ID when it has none) as alive now;
// registering an ID again (after peers took it for dead) renews it.
func (d *DB) RegisterProcess(ctx context.Context, p *Process) error {
	if p.ID == 0 {
		p.ID = d.NewID()
	}
	t := now()
	if p.StartedAt.IsZero() {
		p.StartedAt = t
	}
	p.HeartbeatAt = t
	_, err := d.w.NewInsert().Model(p).
		On("CONFLICT (id) DO UPDATE").Set("heartbeat_at = excluded.heartbeat_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: register process: %w", err)
	}
	return nil
}

// HeartbeatProcess says process id is still alive. It reports false when
// the row is gone: peers took the process for dead and released its leases.
func (d *DB) HeartbeatProcess(ctx context.Context, id int64) (bool, error) {
	res, err := d.w.NewUpdate().Model((*Process)(nil)).Set("heartbeat_at = ?", now()).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("db: heartbeat: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// DeregisterProcess removes a process that stops normally (it has handed
// its rows back).
func (d *DB) DeregisterProcess(ctx context.Context, id int64) error {
	_, err := d.w.NewDelete().Model((*Process)(nil)).Where("id = ?", id).Exec(ctx)
	return err
}

// Processes lists the registered processes.
func (d *DB) Processes(ctx context.Context) ([]Process, error) {
	var out []Process
	if err := d.r.NewSelect().Model(&out).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: processes: %w", err)
	}
	return out, nil
}

// ReleaseDeadLeases forgets the processes dead and makes the delivery
// rows they held due at once. Rows held by an id no process has (its
// row was removed) are released too, once claimed more than orphanAge ago
// (lease is the length of a claim's lease: claimed_until minus it is when
// the row was claimed), so that a process registering at this instant
// keeps its first claims. It returns the number of rows released.
func (d *DB) ReleaseDeadLeases(ctx context.Context, dead []int64, lease, orphanAge time.Duration) (int, error) {
	var released int
	err := d.InTx(ctx, func(tx *Tx) error {
		if len(dead) > 0 {
			if _, err := tx.tx.NewDelete().Model((*Process)(nil)).Where("id IN (?)", bun.List(dead)).Exec(ctx); err != nil {
				return fmt.Errorf("db: forget dead processes: %w", err)
			}
		}
		// Rows of the dead, and of owners no process row names (claimed
		// long enough ago).
		orphan := `NOT EXISTS (SELECT 1 FROM processes p WHERE p.id = deliveries.claimed_by) AND claimed_until < ?`
		args := []any{now().Add(lease - orphanAge)}
		if len(dead) > 0 {
			orphan = "claimed_by IN (?) OR (" + orphan + ")"
			args = append([]any{bun.List(dead)}, args...)
		}
		res, err := tx.tx.NewRaw(`UPDATE deliveries SET claimed_until = NULL, claimed_by = NULL
			WHERE claimed_by IS NOT NULL AND (`+orphan+`)`, args...).Exec(ctx)
		if err != nil {
			return fmt.Errorf("db: release dead leases: %w", err)
		}
		n, _ := res.RowsAffected()
		released = int(n)
		return nil
	})
	return released, err
}
