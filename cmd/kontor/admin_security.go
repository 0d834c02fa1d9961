package main

import (
	"errors"
	"fmt"

	"github.com/kontor-social/kontor/db"
)

// runAccountDisable2FA removes a person's second factor and recovery codes
// (they lost their phone and their codes); they sign in with the password
// alone and may enrol again on /settings/2fa.
func runAccountDisable2FA(e *env, args []string) error {
	const name = "admin account disable-2fa"
	fs := newFlags(e, name, "kontor admin account disable-2fa USERNAME")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("%s: want exactly one USERNAME", name)
	}
	s, err := e.openAdmin()
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.accountArg(e, name, fs)
	if err != nil {
		return err
	}
	u, err := s.db.UserByAccountID(e.ctx, a.ID)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("%s: @%s has no login (a brand account)", name, a.Username)
	} else if err != nil {
		return err
	}
	if err := s.db.DisableOTP(e.ctx, u.ID); errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("%s: @%s has no two-factor authentication", name, a.Username)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "two-factor authentication of @%s turned off\n", a.Username)
	return nil
}
