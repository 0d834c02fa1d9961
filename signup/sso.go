package signup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

// Identity is what the company's identity provider says about a person
// who signed in through single sign-on (from a verified ID token).
type Identity struct {
	Issuer            string
	Subject           string
	Email             string
	EmailVerified     bool
	PreferredUsername string
	Name              string
	Locale            string
}

// Refusals of single sign-on.
const (
	ErrEmailUnverified Refusal = "Your identity provider did not confirm your email address, so it cannot be used here. Verify it there and try again."
	ErrNoEmail         Refusal = "Your identity provider did not tell us your email address (the email scope is needed)."
)

// DomainRefusal is a single sign-on by someone whose email address is not
// at one of the company's domains.
type DomainRefusal struct{ Email, Domains string }

func (e *DomainRefusal) Error() string {
	return fmt.Sprintf("%s is not a company address. Only people with an address at %s can join this server.", e.Email, e.Domains)
}

// SignInSSO finds the user an identity signs in as: the one linked to it;
// else the one with its (verified) email address, which gets linked. A
// nil user and no error mean a new person who may join (sign-ups not
// closed, an address at an allowed domain): they choose their handle
// (SuggestUsername) and CreateSSOAccount makes the account.
func (s *Service) SignInSSO(ctx context.Context, id Identity) (*db.User, error) {
	if id.Issuer == "" || id.Subject == "" {
		return nil, errors.New("signup: identity without issuer or subject")
	}
	u, err := s.DB.UserBySSO(ctx, id.Issuer, id.Subject)
	if err == nil {
		return u, nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	id.Email = strings.TrimSpace(id.Email)
	if id.Email == "" {
		return nil, ErrNoEmail
	}
	if !id.EmailVerified {
		return nil, ErrEmailUnverified
	}
	u, err = s.DB.UserByEmail(ctx, id.Email)
	if err == nil {
		if u.SSOIssuer != "" && (u.SSOIssuer != id.Issuer || u.SSOSubject != id.Subject) {
			return nil, ErrSSOConflict
		}
		if err := s.DB.LinkSSO(ctx, u.ID, id.Issuer, id.Subject); err != nil {
			return nil, err
		}
		return s.DB.UserByID(ctx, u.ID)
	} else if !errors.Is(err, db.ErrNotFound) {
		return nil, err
	}
	return nil, s.mayJoinSSO(ctx, id)
}

// mayJoinSSO checks that a new person may join through single sign-on.
func (s *Service) mayJoinSSO(ctx context.Context, id Identity) error {
	if open, err := s.Open(ctx); err != nil {
		return err
	} else if !open {
		return ErrClosed
	}
	if !s.Config.EmailDomainAllowed(id.Email) {
		return &DomainRefusal{Email: id.Email, Domains: s.DomainList()}
	}
	if activitypub.ValidateEmail(id.Email) != nil {
		return ErrNoEmail
	}
	return nil
}

// SuggestUsername is the handle offered to a new person: from
// preferred_username, else the email's local part, made valid, not
// reserved and free.
func (s *Service) SuggestUsername(ctx context.Context, id Identity) (string, error) {
	local, _, _ := strings.Cut(id.Email, "@")
	base := usernameFrom(id.PreferredUsername)
	if base == "" {
		base = usernameFrom(local)
	}
	if base == "" {
		base = "user"
	}
	return s.freeUsername(ctx, base, 0)
}

// UsernameError is a handle a person chose that cannot be had, with the
// reason in words for the page.
type UsernameError struct{ Reason string }

func (e *UsernameError) Error() string { return e.Reason }

// CreateSSOAccount makes the account of a new person who signed in
// through single sign-on, under the handle they chose; the identity
// provider vouches for them, so it is confirmed and approved. A
// *UsernameError when the handle is invalid, reserved or taken.
func (s *Service) CreateSSOAccount(ctx context.Context, id Identity, username string) (*db.User, error) {
	if err := s.mayJoinSSO(ctx, id); err != nil {
		return nil, err
	}
	username = strings.TrimPrefix(strings.TrimSpace(username), "@")
	switch {
	case activitypub.ValidateUsername(username) != nil:
		return nil, &UsernameError{"A handle has 1 to 30 letters (a to z), digits or underscores."}
	case Reserved(username):
		return nil, &UsernameError{"@" + username + " is reserved. Choose another handle."}
	}
	a, u, err := s.Engine.CreateLocalAccount(ctx, activitypub.NewLocalAccount{
		Username: username, DisplayName: displayName(id.Name), Email: id.Email, Confirmed: true, Approved: true,
		Locale: localeOf(id.Locale), SSOIssuer: id.Issuer, SSOSubject: id.Subject,
	})
	switch {
	case errors.Is(err, db.ErrUsernameTaken):
		return nil, &UsernameError{"@" + username + " is taken. Choose another handle."}
	case errors.Is(err, db.ErrEmailTaken):
		// Another sign-in of the same person won the race: that account.
		if u, err := s.DB.UserBySSO(ctx, id.Issuer, id.Subject); err == nil {
			return u, nil
		}
		return nil, ErrSSOConflict
	case err != nil:
		return nil, err
	}
	u.Account = a
	if err := s.Engine.AnnounceSignUp(ctx, a); err != nil {
		s.Logger.Error("signup: tell admins", "account", a.ID, "err", err)
	}
	s.Logger.Info("signup: account created by single sign-on", "username", a.Username, "issuer", id.Issuer)
	return u, nil
}

// freeUsername returns base, or base with a number, that is valid, not
// reserved and not taken. attempt skips candidates already tried.
func (s *Service) freeUsername(ctx context.Context, base string, attempt int) (string, error) {
	for n := attempt + 1; n < attempt+1000; n++ {
		cand := base
		if n > 1 || Reserved(base) {
			suffix := fmt.Sprint(n)
			cand = base[:min(len(base), 30-len(suffix))] + suffix
		}
		if Reserved(cand) || activitypub.ValidateUsername(cand) != nil {
			continue
		}
		_, err := s.DB.LocalAccount(ctx, cand)
		if errors.Is(err, db.ErrNotFound) {
			return cand, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("signup: no free username for %q", base)
}

// usernameFrom turns a name into a username: letters and digits kept
// (ASCII), other characters become one underscore, at most 30 characters.
func usernameFrom(s string) string {
	var b strings.Builder
	under := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
			under = false
		case !under && b.Len() > 0:
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.TrimRight(b.String(), "_")
	if len(out) > 30 {
		out = strings.TrimRight(out[:30], "_")
	}
	return out
}

func displayName(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 30 {
		s = string(r[:30])
	}
	return s
}

func localeOf(s string) string {
	if localeTag.MatchString(s) {
		return strings.ReplaceAll(s, "_", "-")
	}
	return ""
}
