package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

func brandCommands() []*command {
	return []*command{
		{name: "create", summary: "create a brand account run by a team (--username acme [--display-name \"Acme\"])", run: runBrandCreate},
		{name: "add-member", summary: "add a member or change their role (--brand acme --username jane --role owner|editor|viewer)", run: runBrandAddMember},
		{name: "remove-member", summary: "remove a member; their brand tokens stop working at once", run: runBrandRemoveMember},
		{name: "list", summary: "list brands and their members", run: runBrandList},
		{name: "set", summary: "change a brand (--brand acme [--display-name \"Acme\"] [--note BIO] [--require-approval true|false])", run: runBrandSet},
		{name: "transfer", summary: "make a user the owner; former owners become editors (--brand acme --to USERNAME)", run: runBrandTransfer},
	}
}

// brandArg loads the brand named by --brand.
func (s *adminSession) brandArg(e *env, cmd, name string) (*db.Brand, error) {
	if name == "" {
		return nil, usagef("%s: --brand is required", cmd)
	}
	a, err := s.db.LocalAccount(e.ctx, strings.TrimPrefix(name, "@"))
	if errors.Is(err, db.ErrNotFound) {
		return nil, fmt.Errorf("%s: no local account %q", cmd, name)
	} else if err != nil {
		return nil, err
	}
	b, err := s.db.BrandByAccountID(e.ctx, a.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, fmt.Errorf("%s: @%s is not a brand account", cmd, a.Username)
	}
	return b, err
}

// memberArg loads the local user named by --username.
func (s *adminSession) memberArg(e *env, cmd, name string) (*db.User, error) {
	if name == "" {
		return nil, usagef("%s: --username is required", cmd)
	}
	a, err := s.db.LocalAccount(e.ctx, strings.TrimPrefix(name, "@"))
	if errors.Is(err, db.ErrNotFound) {
		return nil, fmt.Errorf("%s: no local account %q", cmd, name)
	} else if err != nil {
		return nil, err
	}
	u, err := s.db.UserByAccountID(e.ctx, a.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, fmt.Errorf("%s: @%s has no login (brands cannot be members)", cmd, a.Username)
	}
	return u, err
}

func runBrandCreate(e *env, args []string) error {
	fs := newFlags(e, "admin brand create", `kontor admin brand create --username acme [--display-name "Acme"]`)
	username := fs.String("username", "", "username of the brand account")
	displayName := fs.String("display-name", "", "display name")
	approval := fs.Bool("require-approval", false, "posts by editors wait for an owner's approval")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *username == "" {
		return usagef("admin brand create: --username is required")
	}
	if activitypub.ValidateUsername(*username) != nil {
		return usagef("admin brand create: --username %q: %v", *username, activitypub.ErrInvalidUsername)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	acct, _, err := s.engine.CreateLocalAccount(e.ctx, activitypub.NewLocalAccount{Username: *username, DisplayName: *displayName, Brand: true})
	if err != nil {
		return fmt.Errorf("admin brand create: %w", err)
	}
	if *approval {
		if err := s.db.SetBrandApproval(e.ctx, acct.ID, true, cliAudit(acct.ID, "approval.on", "")); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "created brand @%s@%s (id %d); add an owner with: kontor admin brand add-member --brand %s --username USER --role owner\n",
		acct.Username, s.cfg.AccountDomain, acct.ID, acct.Username)
	return nil
}

func runBrandAddMember(e *env, args []string) error {
	fs := newFlags(e, "admin brand add-member", "kontor admin brand add-member --brand acme --username jane --role owner|editor|viewer")
	brand := fs.String("brand", "", "the brand account")
	username := fs.String("username", "", "the member (a local user)")
	role := fs.String("role", "", "owner, editor or viewer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !db.ValidBrandRole(*role) {
		return usagef("admin brand add-member: --role %q: want owner, editor or viewer", *role)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := s.brandArg(e, "admin brand add-member", *brand)
	if err != nil {
		return err
	}
	u, err := s.memberArg(e, "admin brand add-member", *username)
	if err != nil {
		return err
	}
	if err := s.db.SetBrandMember(e.ctx, b.AccountID, u.ID, *role, cliAudit(b.AccountID, "member.set", "@"+u.Account.Username+" as "+*role)); err != nil {
		return fmt.Errorf("admin brand add-member: %w", err)
	}
	fmt.Fprintf(e.stdout, "@%s is now %s of @%s\n", u.Account.Username, *role, b.Account.Username)
	return nil
}

func runBrandRemoveMember(e *env, args []string) error {
	fs := newFlags(e, "admin brand remove-member", "kontor admin brand remove-member --brand acme --username jane")
	brand := fs.String("brand", "", "the brand account")
	username := fs.String("username", "", "the member to remove")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := s.brandArg(e, "admin brand remove-member", *brand)
	if err != nil {
		return err
	}
	u, err := s.memberArg(e, "admin brand remove-member", *username)
	if err != nil {
		return err
	}
	if err := s.db.RemoveBrandMember(e.ctx, b.AccountID, u.ID, cliAudit(b.AccountID, "member.remove", "@"+u.Account.Username)); err != nil {
		return fmt.Errorf("admin brand remove-member: %w", err)
	}
	fmt.Fprintf(e.stdout, "removed @%s from @%s; their brand tokens are revoked\n", u.Account.Username, b.Account.Username)
	return nil
}

func runBrandList(e *env, args []string) error {
	s, err := e.openAdminNoFlags("admin brand list", args)
	if err != nil {
		return err
	}
	defer s.Close()
	brands, err := s.db.Brands(e.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BRAND\tAPPROVAL\tMEMBERS")
	for _, b := range brands {
		members, err := s.db.BrandMembers(e.ctx, b.AccountID)
		if err != nil {
			return err
		}
		var names []string
		for _, m := range members {
			names = append(names, m.User.Account.Username+" ("+m.Role+")")
		}
		approval := "off"
		if b.RequireApproval {
			approval = "on"
		}
		fmt.Fprintf(tw, "@%s\t%s\t%s\n", b.Account.Username, approval, strings.Join(names, ", "))
	}
	return tw.Flush()
}

// cliAudit is the audit record of a change made with the admin CLI: it
// names no member.
func cliAudit(brandID int64, action, detail string) *db.BrandAudit {
	if detail != "" {
		detail += " "
	}
	return &db.BrandAudit{BrandAccountID: brandID, Action: action, Detail: detail + "(admin command line)"}
}
