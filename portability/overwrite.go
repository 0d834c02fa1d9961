package portability

import (
	"context"
	"strings"

	"github.com/kontor-social/kontor/db"
)

// removeUnnamed is the second half of an overwrite: what the account has
// of kind that no row names is removed, through the same calls as the API.
// Rows are compared by what they say (address, domain, URL, list), so a
// row that failed to resolve still keeps its entry.
func (r *rowRunner) removeUnnamed(ctx context.Context, kind Kind, rows []Row) (int, error) {
	named := map[string]bool{}
	for _, row := range rows {
		named[rowKey(kind, row.Fields)] = true
		if kind == Lists {
			named[strings.ToLower(row.Fields[0])] = true // the list itself
		}
	}
	store, removed := r.e.DB(), 0
	acct := func(a *db.Account) string {
		if a.Local() {
			return strings.ToLower(a.Username + "@" + r.e.URLs().AccountDomain())
		}
		return strings.ToLower(a.Acct())
	}
	count := func(err error) error {
		if err == nil {
			removed++
		}
		return err
	}
	switch kind {
	case Follows:
		list, err := store.AllFollowing(ctx, r.account.ID)
		if err != nil {
			return 0, err
		}
		for _, f := range list {
			if !named[acct(f.Account)] {
				if err := count(r.e.Unfollow(ctx, r.account, f.Account)); err != nil {
					return removed, err
				}
			}
		}
	case Blocks:
		list, err := store.AllBlocked(ctx, r.account.ID)
		if err != nil {
			return 0, err
		}
		for _, a := range list {
			if !named[acct(a)] {
				if err := count(r.e.Unblock(ctx, r.account, a)); err != nil {
					return removed, err
				}
			}
		}
	case Mutes:
		list, err := store.AllMuted(ctx, r.account.ID)
		if err != nil {
			return 0, err
		}
		for _, m := range list {
			if !named[acct(m.Account)] {
				if err := count(store.UnmuteAccount(ctx, r.account.ID, m.Account.ID)); err != nil {
					return removed, err
				}
			}
		}
	case DomainBlocks:
		list, err := store.AllAccountDomainBlocks(ctx, r.account.ID)
		if err != nil {
			return 0, err
		}
		for _, d := range list {
			if !named[d] {
				if err := count(store.RemoveAccountDomainBlock(ctx, r.account.ID, d)); err != nil {
					return removed, err
				}
			}
		}
	case Bookmarks:
		list, err := store.AllBookmarkURIs(ctx, r.account.ID)
		if err != nil {
			return 0, err
		}
		for _, uri := range list {
			if named[uri] {
				continue
			}
			s, err := store.StatusByURI(ctx, uri)
			if err != nil {
				return removed, err
			}
			if err := count(store.Unbookmark(ctx, r.account.ID, s.ID)); err != nil {
				return removed, err
			}
		}
	case Lists:
		return r.removeUnnamedListEntries(ctx, named, acct)
	}
	return removed, nil
}

func (r *rowRunner) removeUnnamedListEntries(ctx context.Context, named map[string]bool, acct func(*db.Account) string) (int, error) {
	store, removed := r.e.DB(), 0
	lists, err := store.Lists(ctx, r.account.ID)
	if err != nil {
		return 0, err
	}
	for _, l := range lists {
		if !named[strings.ToLower(l.Title)] {
			if err := store.DeleteList(ctx, r.account.ID, l.ID); err != nil {
				return removed, err
			}
			removed++
		}
	}
	members, err := store.AllListMemberships(ctx, r.account.ID)
	if err != nil {
		return removed, err
	}
	for _, m := range members {
		if named[strings.ToLower(m.ListTitle)] && !named[rowKey(Lists, []string{m.ListTitle, acct(m.Account)})] {
			if err := store.RemoveListMembers(ctx, m.ListID, []int64{m.Account.ID}); err != nil {
				return removed, err
			}
			removed++
		}
	}
	return removed, nil
}

// rowKey is what a row names, compared case-insensitively for addresses
// and domains.
func rowKey(kind Kind, f []string) string {
	switch kind {
	case Bookmarks:
		return f[0]
	case Lists:
		if len(f) < 2 {
			return "\x00"
		}
		return strings.ToLower(f[0]) + "\x00" + strings.ToLower(strings.TrimPrefix(f[1], "@"))
	case DomainBlocks:
		return strings.ToLower(strings.TrimPrefix(f[0], "*."))
	}
	return strings.ToLower(strings.TrimPrefix(f[0], "@"))
}
