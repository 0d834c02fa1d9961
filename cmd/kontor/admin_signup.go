package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/signup"
)

// Admin commands of sign-ups: approve and confirm accounts, make and list
// invite links.

func inviteCommands() []*command {
	return []*command{
		{name: "create", summary: "print a new invite link (--max-uses N --expires-in 7d)", run: runInviteCreate},
		{name: "list", summary: "list invite links and their uses", run: runInviteList},
	}
}

// userArg loads the login of the local account named by the one argument.
func (s *adminSession) userArg(e *env, cmd string, fs interface {
	NArg() int
	Arg(int) string
}) (*db.User, error) {
	a, err := s.accountArg(e, cmd, fs)
	if err != nil {
		return nil, err
	}
	u, err := s.db.UserByAccountID(e.ctx, a.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, fmt.Errorf("%s: @%s has no login (a brand account)", cmd, a.Username)
	}
	return u, err
}

func runAccountApprove(e *env, args []string) error {
	return changeUser(e, args, "approve", "approved", func(s *adminSession, u *db.User) error {
		return s.engine.ModerateAccount(e.ctx, activitypub.Moderator{}, u.Account, activitypub.AccountAction{Type: activitypub.ActionApprove})
	})
}

func runAccountConfirm(e *env, args []string) error {
	return changeUser(e, args, "confirm", "confirmed the email address of", func(s *adminSession, u *db.User) error {
		return s.db.ConfirmUser(e.ctx, u.ID)
	})
}

func changeUser(e *env, args []string, name, done string, change func(*adminSession, *db.User) error) error {
	cmd := "admin account " + name
	fs := newFlags(e, cmd, "kontor "+cmd+" USERNAME")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("%s: want exactly one USERNAME", cmd)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.userArg(e, cmd, fs)
	if err != nil {
		return err
	}
	if err := change(s, u); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s @%s\n", done, u.Account.Username)
	return nil
}

// parseLifetime reads 7d, 12h, 30m, 90s (days are not in time.ParseDuration).
func parseLifetime(v string) (time.Duration, error) {
	if v == "" || v == "0" || v == "never" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 3650 {
			return 0, errors.New("want a number of days, hours or minutes, e.g. 7d, 12h, 30m")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, errors.New("want a number of days, hours or minutes, e.g. 7d, 12h, 30m")
	}
	return d, nil
}

func runInviteCreate(e *env, args []string) error {
	fs := newFlags(e, "admin invite create", "kontor admin invite create [--max-uses N] [--expires-in 7d]")
	maxUses := fs.Int64("max-uses", 0, "how many accounts the link may create (0: unlimited)")
	expiresIn := fs.String("expires-in", "7d", "how long the link works (e.g. 7d, 12h; \"never\")")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("admin invite create: unexpected argument %q", fs.Arg(0))
	}
	if *maxUses < 0 {
		return usagef("admin invite create: --max-uses must not be negative")
	}
	life, err := parseLifetime(*expiresIn)
	if err != nil {
		return usagef("admin invite create: --expires-in %q: %v", *expiresIn, err)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	svc := signup.New(signup.Deps{Config: s.cfg, DB: s.db, Engine: s.engine, Logger: e.logger(s.cfg)})
	inv, err := svc.CreateInvite(e.ctx, nil, *maxUses, life)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, inv.URL)
	if open, err := svc.Open(e.ctx); err != nil {
		return err
	} else if !open {
		fmt.Fprintln(e.stderr, "note: sign-ups are closed, so the link cannot be used until they are opened (invite, approval or open) on /admin/settings")
	}
	return nil
}

func runInviteList(e *env, args []string) error {
	s, err := e.openAdminNoFlags("admin invite list", args)
	if err != nil {
		return err
	}
	defer s.Close()
	list, err := s.db.Invites(e.ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tBY\tUSES\tEXPIRES\tSTATE")
	for _, inv := range list {
		uses := fmt.Sprintf("%d/∞", inv.Uses)
		if inv.MaxUses != nil {
			uses = fmt.Sprintf("%d/%d", inv.Uses, *inv.MaxUses)
		}
		expires := "never"
		if inv.ExpiresAt != nil {
			expires = inv.ExpiresAt.Format("2006-01-02 15:04")
		}
		by := "admin"
		if inv.CreatedByUserID != nil {
			by = "user " + strconv.FormatInt(*inv.CreatedByUserID, 10)
			if u, err := s.db.UserByID(e.ctx, *inv.CreatedByUserID); err == nil {
				by = "@" + u.Account.Username
			}
		}
		state := "usable"
		switch {
		case inv.RevokedAt != nil:
			state = "revoked"
		case inv.ExpiresAt != nil && !now.Before(*inv.ExpiresAt):
			state = "expired"
		case inv.MaxUses != nil && inv.Uses >= *inv.MaxUses:
			state = "used up"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", inv.ID, inv.CreatedAt.Format("2006-01-02"), by, uses, expires, state)
	}
	return tw.Flush()
}
