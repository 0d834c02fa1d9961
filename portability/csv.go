// Package portability moves a person's data in and out of Kontor in the
// formats Mastodon uses: the CSV files of its import/export page and its
// account archive. The CLI and the settings pages share it; every change
// it makes goes through the engine (or the db calls the API makes).
package portability

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

// Kind names one CSV file: the words of `kontor admin export|import`.
type Kind string

// The kinds, as Mastodon's export page offers them.
const (
	Follows      Kind = "follows"
	Blocks       Kind = "blocks"
	Mutes        Kind = "mutes"
	DomainBlocks Kind = "domain-blocks"
	Bookmarks    Kind = "bookmarks"
	Lists        Kind = "lists"
)

// Kinds lists every kind in the order pages and help show them.
var Kinds = []Kind{Follows, Blocks, Mutes, DomainBlocks, Bookmarks, Lists}

// ParseKind reads a kind's name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown kind %q: want follows, blocks, mutes, domain-blocks, bookmarks or lists", s)
}

// FileName is the name Mastodon gives the export of a kind.
func (k Kind) FileName() string {
	switch k {
	case Follows:
		return "following_accounts.csv"
	case Blocks:
		return "blocked_accounts.csv"
	case Mutes:
		return "muted_accounts.csv"
	case DomainBlocks:
		return "blocked_domains.csv"
	case Bookmarks:
		return "bookmarks.csv"
	}
	return "lists.csv"
}

// Mastodon writes a header line only for the files with more than one
// column of settings; the others are one value (or list,account) a line.
var (
	followsHeader = []string{"Account address", "Show boosts", "Notify on new posts", "Languages"}
	mutesHeader   = []string{"Account address", "Hide notifications"}
)

// Export writes account's data of one kind to w in Mastodon's format.
func Export(ctx context.Context, store *db.DB, urls *activitypub.URLs, account *db.Account, kind Kind, w io.Writer) error {
	cw := csv.NewWriter(w)
	acct := func(a *db.Account) string {
		if a.Local() {
			return a.Username + "@" + urls.AccountDomain()
		}
		return a.Acct()
	}
	switch kind {
	case Follows:
		list, err := store.AllFollowing(ctx, account.ID)
		if err != nil {
			return err
		}
		cw.Write(followsHeader)
		for _, f := range list {
			langs := strings.Join(strings.Split(f.Follow.Languages, ","), ", ")
			cw.Write([]string{acct(f.Account), strconv.FormatBool(f.Follow.ShowReblogs), strconv.FormatBool(f.Follow.Notify), langs})
		}
	case Blocks:
		list, err := store.AllBlocked(ctx, account.ID)
		if err != nil {
			return err
		}
		for _, a := range list {
			cw.Write([]string{acct(a)})
		}
	case Mutes:
		list, err := store.AllMuted(ctx, account.ID)
		if err != nil {
			return err
		}
		cw.Write(mutesHeader)
		for _, m := range list {
			cw.Write([]string{acct(m.Account), strconv.FormatBool(m.Mute.HideNotifications)})
		}
	case DomainBlocks:
		list, err := store.AllAccountDomainBlocks(ctx, account.ID)
		return writeLines(cw, list, err)
	case Bookmarks:
		list, err := store.AllBookmarkURIs(ctx, account.ID)
		return writeLines(cw, list, err)
	case Lists:
		list, err := store.AllListMemberships(ctx, account.ID)
		if err != nil {
			return err
		}
		for _, m := range list {
			cw.Write([]string{m.ListTitle, acct(m.Account)})
		}
	default:
		return fmt.Errorf("portability: unknown kind %q", kind)
	}
	cw.Flush()
	return cw.Error()
}

func writeLines(cw *csv.Writer, values []string, err error) error {
	if err != nil {
		return err
	}
	for _, v := range values {
		cw.Write([]string{v})
	}
	cw.Flush()
	return cw.Error()
}

// Row is one line of an import file: its line number (for reports) and
// its fields, trimmed.
type Row struct {
	Line   int
	Fields []string
}

// maxRows bounds one import, as Mastodon does (its limit is 20,000 for
// follows); a bigger file is refused whole rather than cut.
const maxRows = 20000

// ErrTooManyRows is an import file with more than maxRows rows.
var ErrTooManyRows = fmt.Errorf("portability: the file has more than %d rows", maxRows)

// Parse reads an import file of one kind. A header line (Mastodon writes
// one for follows and mutes, and accepts files without) is skipped; blank
// lines are ignored. Rows may have fewer columns than the header: the
// missing settings take their defaults.
func Parse(kind Kind, r io.Reader) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("portability: not a CSV file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) == 0 || (len(rec) == 1 && rec[0] == "") {
			continue
		}
		if len(rows) == 0 && isHeader(kind, rec) {
			continue
		}
		if len(rows) == maxRows {
			return nil, ErrTooManyRows
		}
		rows = append(rows, Row{Line: line, Fields: rec})
	}
	return rows, nil
}

// isHeader recognizes Mastodon's header lines (and "#domain", which some
// domain block lists start with).
func isHeader(kind Kind, rec []string) bool {
	first := strings.ToLower(rec[0])
	switch kind {
	case Follows, Mutes, Blocks:
		return first == "account address"
	case DomainBlocks:
		return first == "#domain" || first == "domain"
	case Bookmarks:
		return first == "uri"
	}
	return first == "list name" && len(rec) > 1 && strings.ToLower(rec[1]) == "account address"
}
