package portability

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

// Mode says what happens to what the file does not name.
type Mode string

// Modes of an import: merge adds to what is there; overwrite also removes
// what the file does not name (a row that failed still counts as named,
// so a remote server that is down never costs a follow).
const (
	Merge     Mode = "merge"
	Overwrite Mode = "overwrite"
)

// ParseMode reads a mode's name ("" is merge).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", string(Merge):
		return Merge, nil
	case string(Overwrite):
		return Overwrite, nil
	}
	return "", fmt.Errorf("unknown mode %q: want merge or overwrite", s)
}

// Failure is a row that could not be imported, and why.
type Failure struct {
	Line   int    `json:"line"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// Result sums an import up: Done rows applied, Failed rows with reasons,
// Removed entries an overwrite took away.
type Result struct {
	Total   int       `json:"total"`
	Done    int       `json:"done"`
	Failed  []Failure `json:"failed"`
	Removed int       `json:"removed"`
}

// Importer applies import files through the engine.
type Importer struct {
	Engine *activitypub.Engine
	// Concurrency bounds the rows worked on at once (remote accounts are
	// resolved over the network); 0 means 4.
	Concurrency int
	// Progress, if set, hears each finished row (from one goroutine at a time).
	Progress func(finished, total int)
}

// Import applies rows of kind for account. A failing row is reported in
// the result and never stops the others; the error is for the import as a
// whole (the context ended, the store failed while overwriting).
func (im *Importer) Import(ctx context.Context, account *db.Account, kind Kind, mode Mode, rows []Row) (*Result, error) {
	res := &Result{Total: len(rows), Failed: []Failure{}}
	workers := im.Concurrency
	if workers <= 0 {
		workers = 4
	}
	r := &rowRunner{e: im.Engine, account: account, lists: map[string]*db.List{}}
	var mu sync.Mutex
	finished := 0
	next := make(chan Row)
	var wg sync.WaitGroup
	for range min(workers, max(len(rows), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for row := range next {
				err := r.apply(ctx, kind, row)
				mu.Lock()
				finished++
				if err != nil {
					res.Failed = append(res.Failed, Failure{Line: row.Line, Value: row.Fields[0], Reason: reason(err)})
				} else {
					res.Done++
				}
				if im.Progress != nil {
					im.Progress(finished, len(rows))
				}
				mu.Unlock()
			}
		}()
	}
	for _, row := range rows {
		select {
		case next <- row:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	sortFailures(res.Failed)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if mode == Overwrite {
		n, err := r.removeUnnamed(ctx, kind, rows)
		res.Removed = n
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

func sortFailures(f []Failure) {
	for i := 1; i < len(f); i++ {
		for j := i; j > 0 && f[j].Line < f[j-1].Line; j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
}

// reason words an error for the summary.
func reason(err error) string {
	var ie *activitypub.InputError
	switch {
	case errors.Is(err, db.ErrNotFound):
		return "not found"
	case errors.Is(err, activitypub.ErrForbidden):
		return "not allowed"
	case errors.As(err, &ie):
		return ie.Error()
	}
	return err.Error()
}

// rowRunner applies single rows; lists is the owner's lists by title,
// filled as rows create them (under mu).
type rowRunner struct {
	e       *activitypub.Engine
	account *db.Account
	mu      sync.Mutex
	lists   map[string]*db.List
	loaded  bool
}

func (r *rowRunner) apply(ctx context.Context, kind Kind, row Row) error {
	f := row.Fields
	switch kind {
	case Follows:
		target, err := r.resolve(ctx, f[0])
		if err != nil {
			return err
		}
		o := activitypub.FollowOptions{ShowReblogs: boolField(f, 1, true), Notify: boolField(f, 2, false)}
		if len(f) > 3 {
			for _, l := range strings.Split(f[3], ",") {
				if l = strings.TrimSpace(l); l != "" {
					o.Languages = append(o.Languages, l)
				}
			}
		}
		_, err = r.e.Follow(ctx, r.account, target, o)
		return err
	case Blocks:
		target, err := r.resolve(ctx, f[0])
		if err != nil {
			return err
		}
		return r.e.Block(ctx, r.account, target)
	case Mutes:
		target, err := r.resolve(ctx, f[0])
		if err != nil {
			return err
		}
		return r.e.DB().MuteAccount(ctx, &db.Mute{AccountID: r.account.ID, TargetAccountID: target.ID, HideNotifications: boolField(f, 1, true)})
	case DomainBlocks:
		domain := strings.ToLower(strings.TrimPrefix(f[0], "*."))
		if !validDomain(domain) || domain == r.e.URLs().AccountDomain() {
			return errors.New("not a remote domain")
		}
		return r.e.DB().AddAccountDomainBlock(ctx, r.account.ID, domain)
	case Bookmarks:
		return r.bookmark(ctx, f[0])
	case Lists:
		return r.listMember(ctx, f)
	}
	return fmt.Errorf("unknown kind %q", kind)
}

// boolField reads column i as a boolean, def when absent or empty.
func boolField(f []string, i int, def bool) bool {
	if i >= len(f) || f[i] == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.ToLower(f[i]))
	if err != nil {
		return def
	}
	return b
}

// resolve finds the account of a Mastodon address (user@domain, with or
// without a leading @): a local one from the store, a remote one through
// WebFinger when unknown or stale.
func (r *rowRunner) resolve(ctx context.Context, address string) (*db.Account, error) {
	user, domain, ok := strings.Cut(strings.TrimPrefix(address, "@"), "@")
	if !ok || user == "" || domain == "" {
		return nil, errors.New("not an account address (user@domain)")
	}
	a, err := r.e.Resolver().Handle(ctx, user, domain)
	if err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return nil, errors.New("no such account")
		}
		return nil, fmt.Errorf("could not resolve: %w", err)
	}
	if a.ID == r.account.ID {
		return nil, errors.New("that is this account")
	}
	if a.Suspended() {
		return nil, errors.New("the account is suspended")
	}
	return a, nil
}

// bookmark bookmarks the status at uri, fetched if unknown, if the
// account may see it.
func (r *rowRunner) bookmark(ctx context.Context, uri string) error {
	if !strings.HasPrefix(uri, "https://") && !strings.HasPrefix(uri, "http://") {
		return errors.New("not a status URL")
	}
	s, err := r.e.FetchStatusFor(ctx, uri, r.account.ID)
	if err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return errors.New("no such status")
		}
		return fmt.Errorf("could not fetch: %w", err)
	}
	if s, err = r.e.DB().StatusByID(ctx, s.ID, db.ViewerOf(r.account.ID)); err != nil {
		return err
	}
	id := s.ID
	if s.ReblogOfID != nil {
		id = *s.ReblogOfID
	}
	return r.e.DB().Bookmark(ctx, r.account.ID, id)
}

// maxListTitle is the API's bound on a list title (in bytes).
const maxListTitle = 512

// listMember puts the row's account on the named list, making the list
// and following the account if needed (a list holds followed accounts
// only), as Mastodon's list import does.
func (r *rowRunner) listMember(ctx context.Context, f []string) error {
	if len(f) < 2 || f[0] == "" {
		return errors.New("want a list name and an account address")
	}
	if len(f[0]) > maxListTitle {
		return errors.New("the list name is too long")
	}
	target, err := r.resolve(ctx, f[1])
	if err != nil {
		return err
	}
	l, err := r.list(ctx, f[0])
	if err != nil {
		return err
	}
	if _, err := r.e.DB().FollowBetween(ctx, r.account.ID, target.ID); errors.Is(err, db.ErrNotFound) {
		if _, err := r.e.Follow(ctx, r.account, target, activitypub.FollowOptions{ShowReblogs: true}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	return r.e.DB().AddListMembers(ctx, l, []int64{target.ID})
}

// list finds the owner's list of a title, or makes it.
func (r *rowRunner) list(ctx context.Context, title string) (*db.List, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.loaded {
		lists, err := r.e.DB().Lists(ctx, r.account.ID)
		if err != nil {
			return nil, err
		}
		for _, l := range lists {
			if _, dup := r.lists[l.Title]; !dup {
				r.lists[l.Title] = l
			}
		}
		r.loaded = true
	}
	if l := r.lists[title]; l != nil {
		return l, nil
	}
	l := &db.List{AccountID: r.account.ID, Title: title, RepliesPolicy: "list"}
	if err := r.e.DB().CreateList(ctx, l); err != nil {
		return nil, err
	}
	r.lists[title] = l
	return l, nil
}

// validDomain accepts a host name: dot-separated labels of letters,
// digits and hyphens.
func validDomain(d string) bool {
	if len(d) == 0 || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
