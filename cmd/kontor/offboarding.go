package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

// Offboarding and running a brand over time: kontor admin account
// disable/enable, kontor admin brand set/transfer.

func runAccountDisable(e *env, args []string) error { return setLoginDisabled(e, args, true) }

func runAccountEnable(e *env, args []string) error { return setLoginDisabled(e, args, false) }

// setLoginDisabled disables a person's login (every token, brand tokens
// too, and web session ends; refused while a brand would be left without
// an owner) or enables it again.
func setLoginDisabled(e *env, args []string, disable bool) error {
	name := map[bool]string{true: "disable", false: "enable"}[disable]
	cmd := "admin account " + name
	fs := newFlags(e, cmd, "kontor admin account "+name+" USERNAME")
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
	a, err := s.accountArg(e, cmd, fs)
	if err != nil {
		return err
	}
	u, err := s.db.UserByAccountID(e.ctx, a.ID)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("%s: @%s has no login", cmd, a.Username)
	} else if err != nil {
		return err
	}
	if !disable {
		if err := s.db.SetUserDisabled(e.ctx, u.ID, false); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "enabled @%s: they can sign in again (their old tokens stay revoked)\n", a.Username)
		return nil
	}
	var sole *db.SoleOwnerError
	err = s.db.DisableUser(e.ctx, u.ID)
	if errors.As(err, &sole) {
		var fix []string
		for _, b := range sole.Brands {
			fix = append(fix, "kontor admin brand transfer --brand "+b+" --to USERNAME")
		}
		return fmt.Errorf("%s: @%s is the only owner of @%s; give each brand a new owner first:\n  %s",
			cmd, a.Username, strings.Join(sole.Brands, ", @"), strings.Join(fix, "\n  "))
	} else if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "disabled @%s: they cannot sign in; their tokens (brand tokens too) and sessions are revoked\n", a.Username)
	return nil
}

func runBrandSet(e *env, args []string) error {
	const cmd = "admin brand set"
	fs := newFlags(e, cmd, `kontor admin brand set --brand acme [--display-name "Acme"] [--note "bio"] [--require-approval true|false]`)
	brand := fs.String("brand", "", "the brand account")
	displayName := fs.String("display-name", "", "new display name")
	note := fs.String("note", "", "new bio")
	approval := fs.String("require-approval", "", "true: posts by editors wait for an owner's approval; false: they go out at once")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var on bool
	if given["require-approval"] {
		var err error
		if on, err = strconv.ParseBool(*approval); err != nil {
			return usagef("%s: --require-approval %q: want true or false", cmd, *approval)
		}
	}
	if !given["display-name"] && !given["note"] && !given["require-approval"] {
		return usagef("%s: nothing to change (--display-name, --note, --require-approval)", cmd)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := s.brandArg(e, cmd, *brand)
	if err != nil {
		return err
	}
	if given["display-name"] || given["note"] {
		after := *b.Account
		if given["display-name"] {
			after.DisplayName = strings.TrimSpace(*displayName)
		}
		if given["note"] {
			after.NoteSource = *note
			after.Note = s.engine.FormatProfileNote(e.ctx, *note)
		}
		// Through the engine: the followers get the Update, the audit
		// trail the change.
		up := activitypub.ProfileUpdate{Before: b.Account, CredentialsUpdate: db.CredentialsUpdate{Account: &after}}
		if err := s.engine.UpdateProfile(e.ctx, up); err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		fmt.Fprintf(e.stdout, "updated the profile of @%s\n", b.Account.Username)
	}
	if given["require-approval"] {
		action := map[bool]string{true: "approval.on", false: "approval.off"}[on]
		if err := s.db.SetBrandApproval(e.ctx, b.AccountID, on, cliAudit(b.AccountID, action, "")); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "approval for @%s is %s\n", b.Account.Username, map[bool]string{true: "on", false: "off"}[on])
	}
	return nil
}

func runBrandTransfer(e *env, args []string) error {
	const cmd = "admin brand transfer"
	fs := newFlags(e, cmd, "kontor admin brand transfer --brand acme --to USERNAME")
	brand := fs.String("brand", "", "the brand account")
	to := fs.String("to", "", "the new owner (a local user)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *to == "" {
		return usagef("%s: --to is required", cmd)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := s.brandArg(e, cmd, *brand)
	if err != nil {
		return err
	}
	u, err := s.memberArg(e, cmd, *to)
	if err != nil {
		return err
	}
	if u.Disabled || u.Account.Suspended() {
		return fmt.Errorf("%s: @%s cannot sign in", cmd, u.Account.Username)
	}
	if err := s.db.TransferBrand(e.ctx, b.AccountID, u.ID, cliAudit(b.AccountID, "owner.transfer", "to @"+u.Account.Username)); err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	fmt.Fprintf(e.stdout, "@%s is now the owner of @%s; its former owners are editors\n", u.Account.Username, b.Account.Username)
	return nil
}
