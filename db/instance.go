package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// KnownPeers lists the remote domains this instance knows accounts of,
// without the domains it blocks (and their subdomains), alphabetically.
func (d *DB) KnownPeers(ctx context.Context) ([]string, error) {
	var domains []string
	err := d.r.NewSelect().Model((*Account)(nil)).ColumnExpr("DISTINCT a.domain").
		Where("a.domain <> ''").Where("NOT EXISTS (SELECT 1 FROM domain_blocks pb WHERE a.domain = pb.domain OR a.domain LIKE '%.' || pb.domain OR a.domain LIKE pb.domain || ':%')").
		OrderExpr("a.domain").Scan(ctx, &domains)
	if err != nil {
		return nil, fmt.Errorf("db: peers: %w", err)
	}
	return domains, nil
}

// ContactAccount returns the instance's contact: the local account the
// settings name, else the first administrator (ErrNotFound when there is
// none, or the named account is suspended).
func (d *DB) ContactAccount(ctx context.Context) (*Account, error) {
	d.freshen(ctx)
	a, _, err := d.contactAccount(ctx)
	if err == nil && a == nil {
		return nil, ErrNotFound
	}
	return a, err
}

// contactAccount is ContactAccount (nil: none) with the numbers of the
// reads it comes from (readCache.version): which account it is, and its
// row. Which account does not change with the counters every post moves;
// the row is the accounts cache's, read again after any write of accounts.
func (d *DB) contactAccount(ctx context.Context) (*Account, [2]uint64, error) {
	var seqs [2]uint64
	c, seq, ok := d.reads.contact.version(struct{}{})
	if !ok {
		gen := d.reads.contact.generation()
		rowGen := d.reads.accounts.generation()
		texts, err := d.InstanceTexts(ctx)
		if err != nil {
			return nil, seqs, err
		}
		a := new(Account)
		q := d.r.NewSelect().Model(a).Join("JOIN users AS u ON u.account_id = a.id").
			Where("a.suspended_at IS NULL AND u.disabled = FALSE")
		if texts.ContactUsername != "" {
			q = q.Where("a.domain = '' AND lower(a.username) = lower(?)", texts.ContactUsername)
		} else {
			q = q.Where("u.role = ?", RoleAdmin)
		}
		err = notFound(q.OrderExpr("u.id").Limit(1).Scan(ctx))
		if errors.Is(err, ErrNotFound) {
			// An instance without a contact is common (no admin yet): its
			// answer is kept too, or every GET /api/v1/instance would ask.
			seqs[0] = d.reads.contact.put(struct{}{}, instanceContact{none: true}, gen)
			return nil, seqs, nil
		}
		if err != nil {
			return nil, seqs, err
		}
		seqs[0] = d.reads.contact.put(struct{}{}, instanceContact{id: a.ID}, gen)
		seqs[1] = d.reads.accounts.put(a.ID, *a, rowGen)
		return a, seqs, nil
	}
	seqs[0] = seq
	if c.none {
		return nil, seqs, nil
	}
	a, rowSeq, ok := d.reads.accounts.version(c.id)
	if !ok {
		rowGen := d.reads.accounts.generation()
		if err := notFound(d.r.NewSelect().Model(&a).Where("id = ?", c.id).Scan(ctx)); err != nil {
			// Gone since: a deletion is a write of tableAccountRows, and
			// drops the contact too; ask again next time.
			return nil, seqs, err
		}
		rowSeq = d.reads.accounts.put(c.id, a, rowGen)
	}
	seqs[1] = rowSeq
	return &a, seqs, nil
}

// InstanceState is what the instance endpoints report that changes.
type InstanceState struct {
	Usage   Usage
	Texts   *InstanceTexts // shared: not to be changed
	Contact *Account       // nil: none
	// Version changes whenever one of the above was read anew, so an
	// answer rendered from the state may be kept while it stays the same.
	Version [4]uint64
}

// InstanceState returns the instance's figures, texts and contact, from
// the read caches while no process has written what they come from.
func (d *DB) InstanceState(ctx context.Context) (InstanceState, error) {
	d.freshen(ctx)
	var st InstanceState
	var err error
	if st.Usage, st.Version[0], err = d.instanceUsage(ctx); err != nil {
		return st, err
	}
	if st.Texts, st.Version[1], err = d.instanceTexts(ctx); err != nil {
		return st, err
	}
	var contact [2]uint64
	st.Contact, contact, err = d.contactAccount(ctx)
	st.Version[2], st.Version[3] = contact[0], contact[1]
	return st, err
}

// instanceContact is the cached answer of ContactAccount: an account, or
// none.
type instanceContact struct {
	id   int64
	none bool
}

// WeekActivity is what happened on the instance in one week.
type WeekActivity struct {
	Week          time.Time // Monday 00:00 UTC
	Statuses      int64     // local statuses posted
	Logins        int64     // users whose last sign-in fell in the week
	Registrations int64     // users who signed up
}

// WeeklyActivity counts the last weeks of activity, this week first.
func (d *DB) WeeklyActivity(ctx context.Context, weeks int) ([]WeekActivity, error) {
	today := time.Now().UTC().Truncate(24 * time.Hour)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	out := make([]WeekActivity, weeks)
	var cols []string
	var args []any
	for i := range out {
		start := monday.AddDate(0, 0, -7*i)
		end := start.AddDate(0, 0, 7)
		out[i].Week = start
		// Status IDs are time-ordered: the week is an ID range.
		cols = append(cols,
			"(SELECT count(*) FROM statuses WHERE local = TRUE AND reblog_of_id IS NULL AND id >= ? AND id < ?)",
			"(SELECT count(*) FROM users WHERE last_sign_in_at >= ? AND last_sign_in_at < ?)",
			"(SELECT count(*) FROM users WHERE created_at >= ? AND created_at < ?)")
		args = append(args, MinIDAt(start), MinIDAt(end), start, end, start, end)
	}
	dest := make([]any, 0, 3*weeks)
	for i := range out {
		dest = append(dest, &out[i].Statuses, &out[i].Logins, &out[i].Registrations)
	}
	if err := d.r.NewRaw("SELECT "+strings.Join(cols, ", "), args...).Scan(ctx, dest...); err != nil {
		return nil, fmt.Errorf("db: weekly activity: %w", err)
	}
	return out, nil
}

// DirectoryQuery selects the profile directory.
type DirectoryQuery struct {
	Local  bool   // only this instance's accounts
	Order  string // "active" (most recent post first) or "new" (newest account first)
	Limit  int
	Offset int
}

// Directory lists discoverable accounts for viewer (0: anonymous).
func (d *DB) Directory(ctx context.Context, viewer int64, dq DirectoryQuery) ([]*Account, error) {
	var list []*Account
	q := whereNotBlockedWith(whereListedAccount(d.r.NewSelect().Model(&list)), viewer).
		Where("a.discoverable = TRUE AND a.moved_to_account_id IS NULL")
	if dq.Local {
		q = q.Where("a.domain = ''")
	}
	if dq.Order == "new" {
		q = q.OrderExpr("a.id DESC")
	} else {
		q = q.OrderExpr("CASE WHEN a.last_status_at IS NULL THEN 1 ELSE 0 END, a.last_status_at DESC, a.id DESC")
	}
	if err := q.Limit(int64(dq.Limit)).Offset(int64(dq.Offset)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("db: directory: %w", err)
	}
	return list, nil
}

// Usage is what NodeInfo and the instance endpoints report.
type Usage struct {
	Users          int64
	ActiveMonth    int64
	ActiveHalfyear int64
	LocalPosts     int64
	Domains        int64
}

// InstanceUsage counts local users and posts.
func (d *DB) InstanceUsage(ctx context.Context) (Usage, error) {
	d.freshen(ctx)
	u, _, err := d.instanceUsage(ctx)
	return u, err
}

func (d *DB) instanceUsage(ctx context.Context) (Usage, uint64, error) {
	if u, seq, ok := d.reads.usage.version(struct{}{}); ok {
		return u, seq, nil
	}
	gen := d.reads.usage.generation()
	var u Usage
	err := d.r.NewRaw(`SELECT
		(SELECT count(*) FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.domain = '' AND a.suspended_at IS NULL),
		(SELECT count(*) FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.domain = '' AND a.suspended_at IS NULL AND (a.last_status_at >= ? OR u.last_sign_in_at >= ?)),
		(SELECT count(*) FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.domain = '' AND a.suspended_at IS NULL AND (a.last_status_at >= ? OR u.last_sign_in_at >= ?)),
		(SELECT COALESCE(sum(statuses_count), 0) FROM accounts WHERE domain = ''),
		(SELECT count(DISTINCT domain) FROM accounts WHERE domain <> '')`,
		time.Now().AddDate(0, -1, 0).UTC(), time.Now().AddDate(0, -1, 0).UTC(),
		time.Now().AddDate(0, -6, 0).UTC(), time.Now().AddDate(0, -6, 0).UTC(),
	).Scan(ctx, &u.Users, &u.ActiveMonth, &u.ActiveHalfyear, &u.LocalPosts, &u.Domains)
	if err != nil {
		return u, 0, fmt.Errorf("db: usage: %w", err)
	}
	// The active counts also move with the clock: readCacheTTL bounds that.
	return u, d.reads.usage.put(struct{}{}, u, gen), nil
}

// SetReadCacheClock makes the read caches tell time by now (a test hook:
// their entries' age decides some of what they keep).
func (d *DB) SetReadCacheClock(now func() time.Time) { d.gens.clock.Store(&now) }
