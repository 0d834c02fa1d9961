package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/media"
	"github.com/kontor-social/kontor/scopes"
	"github.com/kontor-social/kontor/server"
)

func adminCommands() []*command {
	return []*command{
		{name: "account", summary: "create, list, suspend accounts and reset passwords", sub: []*command{
			{name: "create", summary: "create a local account", run: runAccountCreate},
			{name: "list", summary: "list local accounts", run: runAccountList},
			{name: "suspend", summary: "suspend an account (kontor admin account suspend USERNAME)", run: runAccountSuspend},
			{name: "unsuspend", summary: "lift a suspension", run: runAccountUnsuspend},
			{name: "reset-password", summary: "set a new password (printed, or read with --password-stdin); ends sessions and tokens", run: runAccountResetPassword},
			{name: "approve", summary: "approve an account that signed up for approval", run: runAccountApprove},
			{name: "confirm", summary: "confirm an account's email address (when no mail is sent)", run: runAccountConfirm},
			{name: "disable-2fa", summary: "turn off two-factor sign-in of a person locked out (kontor admin account disable-2fa USERNAME)", run: runAccountDisable2FA},
			{name: "disable", summary: "offboard a person: no sign-in, every token (brand tokens too) revoked (kontor admin account disable USERNAME)", run: runAccountDisable},
			{name: "enable", summary: "let a disabled person sign in again", run: runAccountEnable},
		}},
		{name: "backup", summary: "write a backup of the database (--out FILE)", run: runBackup},
		{name: "restore", summary: "restore a backup into an empty instance (kontor admin restore FILE)", run: runRestore},
		{name: "brand", summary: "brand accounts run by a team", sub: brandCommands()},
		{name: "invite", summary: "make and list invite links", sub: inviteCommands()},
		{name: "domain", summary: "block and unblock remote domains", sub: []*command{
			{name: "block", summary: "refuse a domain in both directions (kontor admin domain block example.com)", run: runDomainBlock},
			{name: "unblock", summary: "lift a domain block", run: runDomainUnblock},
			{name: "list", summary: "list blocked domains", run: runDomainList},
		}},
		{name: "archive", summary: "write a user's archive (Mastodon's layout) to a zip file (--username U --out FILE.zip)", run: runArchive},
		{name: "emoji", summary: "add, list and remove custom emoji", sub: emojiCommands()},
		{name: "export", summary: "write a user's follows, blocks, mutes … as Mastodon's CSV (export KIND --username U)", sub: exportCommands()},
		{name: "import", summary: "read a Mastodon CSV for a user (import KIND --username U FILE [--mode merge|overwrite])", sub: importCommands()},
		{name: "media", summary: "manage stored media (prune cached remote copies)", sub: mediaCommands()},
		{name: "report", summary: "list and resolve moderation reports", sub: reportCommands()},
		{name: "token", summary: "issue access tokens for scripts and bots", sub: []*command{
			{name: "create", summary: "print a bearer token (--username U --scopes \"read write\")", run: runTokenCreate},
		}},
	}
}

// adminSession opens the configured, migrated database for an admin command.
type adminSession struct {
	cfg    *config.Config
	db     *db.DB
	media  media.Store
	engine *activitypub.Engine
}

// openAdminNoFlags parses the arguments of a subcommand that takes no flags
// (for --help and stray arguments), then opens the admin session.
func (e *env) openAdminNoFlags(name string, args []string) (*adminSession, error) {
	fs := newFlags(e, name, "kontor "+name)
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("%s: unexpected argument %q", name, fs.Arg(0))
	}
	return e.openAdmin()
}

func (e *env) openAdmin() (*adminSession, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	store, err := server.OpenDB(e.ctx, cfg, nil)
	if err != nil {
		return nil, err
	}
	files, err := server.NewMediaStore(cfg)
	if err != nil {
		store.Close()
		return nil, err
	}
	return &adminSession{cfg: cfg, db: store, media: files, engine: server.NewEngine(cfg, store, files, e.logger(cfg))}, nil
}

func (s *adminSession) Close() { s.db.Close() }

// readPassword reads one line from stdin (for --password-stdin).
func (e *env) readPassword() (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", usagef("--password-stdin: no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func runAccountCreate(e *env, args []string) error {
	fs := newFlags(e, "admin account create",
		"kontor admin account create --username U --email E [--password P | --password-stdin] [--role admin|moderator|user]")
	username := fs.String("username", "", "username (letters, digits, underscores; at most 30)")
	email := fs.String("email", "", "email address of the user")
	password := fs.String("password", "", "password (prefer --password-stdin: arguments show in the process list)")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	role := fs.String("role", db.RoleUser, "role: admin, moderator or user")
	displayName := fs.String("display-name", "", "display name")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *username == "":
		return usagef("admin account create: --username is required")
	case *email == "":
		return usagef("admin account create: --email is required")
	case *password != "" && *passwordStdin:
		return usagef("admin account create: give --password or --password-stdin, not both")
	case !db.ValidRole(*role):
		return usagef("admin account create: --role %q: want admin, moderator or user", *role)
	case activitypub.ValidateUsername(*username) != nil:
		return usagef("admin account create: --username %q: %v", *username, activitypub.ErrInvalidUsername)
	case activitypub.ValidateEmail(*email) != nil:
		return usagef("admin account create: --email %q is not a valid address", *email)
	}
	pw, generated := *password, false
	if *passwordStdin {
		var err error
		if pw, err = e.readPassword(); err != nil {
			return err
		}
	}
	if pw == "" {
		pw, generated = db.NewSecret()[:24], true
	}
	if len(pw) < db.MinPasswordLength || len(pw) > 72 {
		return usagef("admin account create: %v", db.ErrWeakPassword)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	acct, _, err := s.engine.CreateLocalAccount(e.ctx, activitypub.NewLocalAccount{
		Username: *username, Email: *email, Password: pw, Role: *role, DisplayName: *displayName,
		Confirmed: true, Approved: true,
	})
	if err != nil {
		if errors.Is(err, db.ErrConflict) {
			return fmt.Errorf("admin account create: %w", err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "created @%s@%s (id %d, role %s)\n", acct.Username, s.cfg.AccountDomain, acct.ID, *role)
	if generated {
		fmt.Fprintf(e.stdout, "password: %s\n", pw)
	}
	return nil
}

func runAccountList(e *env, args []string) error {
	s, err := e.openAdminNoFlags("admin account list", args)
	if err != nil {
		return err
	}
	defer s.Close()
	accounts, err := s.db.LocalAccounts(e.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tEMAIL\tROLE\tSTATE\tCREATED")
	for _, a := range accounts {
		if a.Username == activitypub.InstanceActorUsername {
			continue
		}
		email, role, state := "-", "-", "active"
		if a.IsBrand {
			role = "brand"
		} else if u, err := s.db.UserByAccountID(e.ctx, a.ID); err == nil {
			email, role = u.Email, u.Role
			switch {
			case u.Disabled:
				state = "disabled"
			case !u.Approved:
				state = "pending-approval"
			case u.ConfirmedAt == nil:
				state = "unconfirmed"
			}
		}
		if a.Suspended() {
			state = "suspended"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Username, email, role, state, a.CreatedAt.Format("2006-01-02"))
	}
	return tw.Flush()
}

// accountArg loads the local account named by the single positional argument.
func (s *adminSession) accountArg(e *env, cmd string, fs interface {
	NArg() int
	Arg(int) string
}) (*db.Account, error) {
	if fs.NArg() != 1 {
		return nil, usagef("%s: want exactly one USERNAME", cmd)
	}
	name := strings.TrimPrefix(fs.Arg(0), "@")
	if at := strings.Index(name, "@"); at >= 0 {
		name = name[:at]
	}
	a, err := s.db.LocalAccount(e.ctx, name)
	if errors.Is(err, db.ErrNotFound) || name == activitypub.InstanceActorUsername {
		return nil, fmt.Errorf("%s: no local account %q", cmd, fs.Arg(0))
	}
	return a, err
}

func runAccountSuspend(e *env, args []string) error {
	return setSuspended(e, args, true)
}

func runAccountUnsuspend(e *env, args []string) error {
	return setSuspended(e, args, false)
}

func setSuspended(e *env, args []string, suspend bool) error {
	name := map[bool]string{true: "suspend", false: "unsuspend"}[suspend]
	fs := newFlags(e, "admin account "+name, "kontor admin account "+name+" USERNAME")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("admin account %s: want exactly one USERNAME", name)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.accountArg(e, "admin account "+name, fs)
	if err != nil {
		return err
	}
	// Through the engine, as the admin API: the followers of the account
	// hear of it, and the audit log keeps it.
	if err := s.engine.ModerateAccount(e.ctx, activitypub.Moderator{}, a, activitypub.AccountAction{Type: name}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%sed @%s\n", name, a.Username)
	return nil
}

func runAccountResetPassword(e *env, args []string) error {
	fs := newFlags(e, "admin account reset-password", "kontor admin account reset-password USERNAME [--password-stdin]")
	passwordStdin := fs.Bool("password-stdin", false, "read the new password from standard input instead of generating one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("admin account reset-password: want exactly one USERNAME")
	}
	pw, generated := "", false
	if *passwordStdin {
		var err error
		if pw, err = e.readPassword(); err != nil {
			return err
		}
	} else {
		pw, generated = db.NewSecret()[:24], true
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.accountArg(e, "admin account reset-password", fs)
	if err != nil {
		return err
	}
	u, err := s.db.UserByAccountID(e.ctx, a.ID)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("admin account reset-password: @%s has no login (a brand account)", a.Username)
	} else if err != nil {
		return err
	}
	// Whoever had the old password, or a token, is out: sessions end and
	// tokens are revoked with the new password.
	if err := s.db.ResetPassword(e.ctx, u.ID, pw); err != nil {
		if errors.Is(err, db.ErrWeakPassword) {
			return usagef("admin account reset-password: %v", err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "password of @%s reset; their web sessions ended and access tokens were revoked\n", a.Username)
	if generated {
		fmt.Fprintf(e.stdout, "password: %s\n", pw)
	}
	return nil
}

func runTokenCreate(e *env, args []string) error {
	fs := newFlags(e, "admin token create", `kontor admin token create --username U [--as BRAND] --scopes "read write follow"`)
	username := fs.String("username", "", "the user the token belongs to")
	as := fs.String("as", "", "a brand the user is a member of: the token acts as the brand, within the member's role")
	scopeList := fs.String("scopes", "read", "space-separated scopes (read, write, follow, push, profile, read:statuses …)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return usagef("admin token create: --username is required")
	}
	list, err := scopes.Parse(*scopeList)
	if err != nil {
		return usagef("admin token create: --scopes: %v", err)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.db.LocalAccount(e.ctx, strings.TrimPrefix(*username, "@"))
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("admin token create: no local account %q", *username)
	} else if err != nil {
		return err
	}
	if a.Suspended() {
		return fmt.Errorf("admin token create: @%s is suspended", a.Username)
	}
	u, err := s.db.UserByAccountID(e.ctx, a.ID)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("admin token create: @%s has no login; use --username MEMBER --as %s", a.Username, a.Username)
	} else if err != nil {
		return err
	}
	if !scopes.RoleMayHold(u.Role, list) {
		return fmt.Errorf("admin token create: @%s is not an admin or moderator: admin scopes are for staff only", a.Username)
	}
	acting, ceiling := a, ""
	if *as != "" {
		b, err := s.brandArg(e, "admin token create", *as)
		if err != nil {
			return err
		}
		role, err := s.db.BrandRole(e.ctx, b.AccountID, u.ID)
		if errors.Is(err, db.ErrNotMember) {
			return fmt.Errorf("admin token create: @%s is not a member of @%s", a.Username, b.Account.Username)
		} else if err != nil {
			return err
		}
		acting, ceiling = b.Account, role
	}
	tok, err := s.db.CreateToken(e.ctx, db.NewToken{UserID: &u.ID, AccountID: &acting.ID, Scopes: list, RoleCeiling: ceiling})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok.AccessToken)
	return nil
}

func domainArg(e *env, fs interface {
	NArg() int
	Arg(int) string
}, cmd string) (string, error) {
	if fs.NArg() != 1 {
		return "", usagef("%s: want exactly one DOMAIN", cmd)
	}
	d := strings.ToLower(strings.TrimSpace(fs.Arg(0)))
	if d == "" || strings.ContainsAny(d, "/@: ") || !strings.Contains(d, ".") && d != "localhost" {
		return "", usagef("%s: %q is not a domain", cmd, fs.Arg(0))
	}
	return d, nil
}

func runDomainBlock(e *env, args []string) error {
	fs := newFlags(e, "admin domain block", "kontor admin domain block DOMAIN [--reason TEXT]")
	reason := fs.String("reason", "", "why (kept for admins)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := domainArg(e, fs, "admin domain block")
	if err != nil {
		return err
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	// Through the engine, as the admin API (audit log included).
	b := &db.DomainBlock{Domain: d, Severity: "suspend", Reason: *reason}
	if err := s.engine.BlockDomain(e.ctx, activitypub.Moderator{}, b, false); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "blocked %s (and its subdomains): nothing is accepted from or delivered to it\n", d)
	return nil
}

func runDomainUnblock(e *env, args []string) error {
	fs := newFlags(e, "admin domain unblock", "kontor admin domain unblock DOMAIN")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := domainArg(e, fs, "admin domain unblock")
	if err != nil {
		return err
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := s.db.DomainBlockByDomain(e.ctx, d)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("admin domain unblock: %s is not blocked", d)
	} else if err != nil {
		return err
	}
	if err := s.engine.UnblockDomain(e.ctx, activitypub.Moderator{}, b); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "unblocked %s\n", d)
	return nil
}

func runDomainList(e *env, args []string) error {
	s, err := e.openAdminNoFlags("admin domain list", args)
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.db.DomainBlocks(e.ctx)
	if err != nil {
		return err
	}
	for _, b := range list {
		fmt.Fprintf(e.stdout, "%s\t%s\t%s\n", b.Domain, b.CreatedAt.Format("2006-01-02"), b.Reason)
	}
	return nil
}
