package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Job states.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// PortabilityJob is an import or archive made in the background.
type PortabilityJob struct {
	bun.BaseModel `bun:"table:portability_jobs,alias:pj"`

	ID           int64      `bun:"id,pk"`
	AccountID    int64      `bun:"account_id"`
	Kind         string     `bun:"kind"` // an import kind ("follows" …) or "archive"
	Mode         string     `bun:"mode"`
	State        string     `bun:"state"`
	Input        []byte     `bun:"input"`
	Total        int        `bun:"total"`
	Progress     int        `bun:"progress"`
	Result       string     `bun:"result"`
	FileKey      string     `bun:"file_key"`
	Attempts     int        `bun:"attempts"`
	ClaimedUntil *time.Time `bun:"claimed_until"`
	CreatedAt    time.Time  `bun:"created_at"`
	UpdatedAt    time.Time  `bun:"updated_at"`
}

// InsertPortabilityJob queues a job; ID and times are set here.
func (d *DB) InsertPortabilityJob(ctx context.Context, j *PortabilityJob) error {
	j.ID, j.State, j.CreatedAt, j.UpdatedAt = d.NewID(), JobQueued, now(), now()
	if _, err := d.w.NewInsert().Model(j).Exec(ctx); err != nil {
		return fmt.Errorf("db: insert portability job: %w", err)
	}
	return nil
}

// ClaimPortabilityJob takes the oldest job that is queued, or running
// under a lease that ran out (its process died), for lease; nil when none.
func (d *DB) ClaimPortabilityJob(ctx context.Context, lease time.Duration) (*PortabilityJob, error) {
	t := now()
	lock := ""
	if d.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var id int64
	err := d.w.NewRaw(`UPDATE portability_jobs SET state = ?, claimed_until = ?, attempts = attempts + 1, updated_at = ? WHERE id IN (
		SELECT id FROM portability_jobs WHERE state = ? OR (state = ? AND claimed_until < ?)
		ORDER BY id LIMIT 1`+lock+`) RETURNING id`, JobRunning, t.Add(lease), t, JobQueued, JobRunning, t).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && id == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("db: claim portability job: %w", err)
	}
	j := new(PortabilityJob)
	if err := d.w.NewSelect().Model(j).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: claim portability job: %w", err)
	}
	return j, nil
}

// PortabilityJobProgress records progress and extends the lease.
func (d *DB) PortabilityJobProgress(ctx context.Context, id int64, progress, total int, lease time.Duration) error {
	_, err := d.w.NewUpdate().Model((*PortabilityJob)(nil)).Set("progress = ?", progress).Set("total = ?", total).
		Set("claimed_until = ?", now().Add(lease)).Set("updated_at = ?", now()).Where("id = ?", id).Exec(ctx)
	return err
}

// FinishPortabilityJob stores a job's outcome (done or failed) and drops
// its input, which is not needed any more.
func (d *DB) FinishPortabilityJob(ctx context.Context, j *PortabilityJob) error {
	j.UpdatedAt = now()
	_, err := d.w.NewUpdate().Model(j).Column("state", "progress", "total", "result", "file_key", "updated_at").
		Set("input = NULL").Set("claimed_until = NULL").WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("db: finish portability job: %w", err)
	}
	return nil
}

// PortabilityJobs lists an account's recent jobs, newest first (without
// their input).
func (d *DB) PortabilityJobs(ctx context.Context, accountID int64, kinds []string, limit int) ([]*PortabilityJob, error) {
	var list []*PortabilityJob
	err := d.r.NewSelect().Model(&list).ExcludeColumn("input").Where("account_id = ? AND kind IN (?)", accountID, bun.List(kinds)).
		OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: portability jobs: %w", err)
	}
	return list, nil
}

// PortabilityJob returns one of an account's jobs (without its input).
func (d *DB) PortabilityJob(ctx context.Context, accountID, id int64) (*PortabilityJob, error) {
	j := new(PortabilityJob)
	err := d.r.NewSelect().Model(j).ExcludeColumn("input").Where("id = ? AND account_id = ?", id, accountID).Scan(ctx)
	return j, notFound(err)
}

// OlderArchiveFiles lists the stored archive files of an account's jobs
// before keepID, and forgets them (the caller deletes the files): only
// the newest archive is kept.
func (d *DB) OlderArchiveFiles(ctx context.Context, accountID, keepID int64, kind string) ([]string, error) {
	var jobs []*PortabilityJob
	err := d.w.NewSelect().Model(&jobs).Column("id", "file_key").
		Where("account_id = ? AND kind = ? AND id < ? AND file_key <> ''", accountID, kind, keepID).Scan(ctx)
	if err != nil || len(jobs) == 0 {
		return nil, err
	}
	ids, keys := make([]int64, len(jobs)), make([]string, len(jobs))
	for i, j := range jobs {
		ids[i], keys[i] = j.ID, j.FileKey
	}
	_, err = d.w.NewUpdate().Model((*PortabilityJob)(nil)).Set("file_key = ''").Where("id IN (?)", bun.List(ids)).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: older archives: %w", err)
	}
	return keys, nil
}
