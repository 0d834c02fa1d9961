package portability

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
)

// Background jobs: the settings pages queue an import or an archive in
// portability_jobs, and the Runner of any process takes it up. A job's
// lease is extended as it makes progress; a job whose process died is
// taken up again when its lease runs out (imports and archives may run
// twice), at most maxAttempts times.

// ArchiveKind is the kind of an archive job (imports use their Kind).
const ArchiveKind = "archive"

const (
	jobLease     = 2 * time.Minute
	jobPoll      = 2 * time.Second
	maxAttempts  = 3
	progressStep = time.Second
)

// QueueImport stores an uploaded file as an import job for a.
func QueueImport(ctx context.Context, store *db.DB, a *db.Account, kind Kind, mode Mode, file []byte) (*db.PortabilityJob, error) {
	rows, err := Parse(kind, bytes.NewReader(file))
	if err != nil {
		return nil, err
	}
	j := &db.PortabilityJob{AccountID: a.ID, Kind: string(kind), Mode: string(mode), Input: file, Total: len(rows)}
	return j, store.InsertPortabilityJob(ctx, j)
}

// QueueArchive asks for a's archive.
func QueueArchive(ctx context.Context, store *db.DB, a *db.Account) (*db.PortabilityJob, error) {
	j := &db.PortabilityJob{AccountID: a.ID, Kind: ArchiveKind}
	return j, store.InsertPortabilityJob(ctx, j)
}

// ImportKinds names the kinds of import jobs (for listing them).
func ImportKinds() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = string(k)
	}
	return out
}

// Runner runs queued jobs, one at a time per process.
type Runner struct {
	Engine *activitypub.Engine
	Files  media.Store
	Log    *slog.Logger
}

// Run takes up jobs until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTicker(jobPoll)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			j, err := r.Engine.DB().ClaimPortabilityJob(ctx, jobLease)
			if err != nil {
				r.Log.Warn("portability: claim job", "err", err)
				break
			}
			if j == nil {
				break
			}
			r.run(ctx, j)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// run does one job and stores its outcome; a job cut short by shutdown
// keeps its lease and is taken up again later.
func (r *Runner) run(ctx context.Context, j *db.PortabilityJob) {
	store := r.Engine.DB()
	var err error
	a, aerr := store.AccountByID(ctx, j.AccountID)
	switch {
	case aerr != nil:
		err = aerr
	case j.Attempts > maxAttempts:
		err = fmt.Errorf("gave up after %d attempts", maxAttempts)
	case j.Kind == ArchiveKind:
		err = r.archive(ctx, j, a)
	default:
		err = r.importFile(ctx, j, a)
	}
	if ctx.Err() != nil {
		return
	}
	j.State = db.JobDone
	if err != nil {
		r.Log.Warn("portability: job failed", "job", j.ID, "kind", j.Kind, "err", err)
		j.State, j.Result = db.JobFailed, err.Error()
	}
	if err := store.FinishPortabilityJob(context.WithoutCancel(ctx), j); err != nil {
		r.Log.Error("portability: finish job", "job", j.ID, "err", err)
	}
}

// progress returns a callback that records progress at most once a second.
func (r *Runner) progress(ctx context.Context, j *db.PortabilityJob) func(done, total int) {
	var mu sync.Mutex
	var last time.Time
	return func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		j.Progress, j.Total = done, total
		if time.Since(last) < progressStep && done < total {
			return
		}
		last = time.Now()
		if err := r.Engine.DB().PortabilityJobProgress(ctx, j.ID, done, total, jobLease); err != nil {
			r.Log.Warn("portability: job progress", "job", j.ID, "err", err)
		}
	}
}

func (r *Runner) importFile(ctx context.Context, j *db.PortabilityJob, a *db.Account) error {
	kind, err := ParseKind(j.Kind)
	if err != nil {
		return err
	}
	mode, err := ParseMode(j.Mode)
	if err != nil {
		return err
	}
	rows, err := Parse(kind, bytes.NewReader(j.Input))
	if err != nil {
		return err
	}
	im := &Importer{Engine: r.Engine, Progress: r.progress(ctx, j)}
	res, err := im.Import(ctx, a, kind, mode, rows)
	if err != nil {
		return err
	}
	summary, err := json.Marshal(res)
	if err != nil {
		return err
	}
	j.Result, j.Progress, j.Total = string(summary), res.Total, res.Total
	return nil
}

// archive writes the archive to a temporary file, then into the media
// store under a key nobody can guess (the store may serve it by URL; the
// settings page is the way to it).
func (r *Runner) archive(ctx context.Context, j *db.PortabilityJob, a *db.Account) error {
	tmp, err := os.CreateTemp("", "kontor-archive-*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	stats, err := WriteArchive(ctx, r.Engine, r.Files, a, tmp, r.progress(ctx, j))
	if err != nil {
		return err
	}
	size, err := tmp.Seek(0, 1)
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return err
	}
	var secret [16]byte
	rand.Read(secret[:])
	key := "archives/" + db.FormatID(a.ID) + "/" + hex.EncodeToString(secret[:]) + ".zip"
	if err := r.Files.Put(ctx, key, "application/zip", tmp, size); err != nil {
		return err
	}
	summary, _ := json.Marshal(stats)
	j.FileKey, j.Result = key, string(summary)
	// Only the newest archive is kept.
	older, err := r.Engine.DB().OlderArchiveFiles(ctx, a.ID, j.ID, ArchiveKind)
	if err != nil {
		r.Log.Warn("portability: older archives", "err", err)
	}
	for _, k := range older {
		if err := r.Files.Delete(ctx, k); err != nil {
			r.Log.Warn("portability: delete older archive", "key", k, "err", err)
		}
	}
	return nil
}
