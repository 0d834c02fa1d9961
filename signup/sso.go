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
// else the one with its (verified) email address, which gets linked; else
// a new account, confirmed and approved (the identity provider vouches for
// the person), when sign-ups are not closed and the address is at an
// allowed domain. created reports a new account.
func (s *Service) SignInSSO(ctx context.Context, id Identity) (u *db.User, created bool, err error) {
	if id.Issuer == "" || id.Subject == "" {
		return nil, false, errors.New("signup: identity without issuer or subject")
	}
	u, err = s.DB.UserBySSO(ctx, id.Issuer, id.Subject)
	if err == nil {
		return u, false, nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return nil, false, err
	}
	id.Email = strings.TrimSpace(id.Email)
	if id.Email == "" {
		return nil, false, ErrNoEmail
	}
	if !id.EmailVerified {
		return nil, false, ErrEmailUnverified
	}
	u, err = s.DB.UserByEmail(ctx, id.Email)
	if err == nil {
		if u.SSOIssuer != "" && (u.SSOIssuer != id.Issuer || u.SSOSubject != id.Subject) {
			return nil, false, ErrSSOConflict
		}
		if err := s.DB.LinkSSO(ctx, u.ID, id.Issuer, id.Subject); err != nil {
			return nil, false, err
		}
		u, err = s.DB.UserByID(ctx, u.ID)
		return u, false, err
	} else if !errors.Is(err, db.ErrNotFound) {
		return nil, false, err
	}
	if !s.Open() {
		return nil, false, ErrClosed
	}
	if !s.Config.EmailDomainAllowed(id.Email) {
		return nil, false, &DomainRefusal{Email: id.Email, Domains: s.DomainList()}
	}
	if activitypub.ValidateEmail(id.Email) != nil {
		return nil, false, ErrNoEmail
	}
	u, err = s.createSSOAccount(ctx, id)
	return u, err == nil, err
}

// createSSOAccount makes the account of a first single sign-on, under a
// username derived from preferred_username or the email's local part.
func (s *Service) createSSOAccount(ctx context.Context, id Identity) (*db.User, error) {
	local, _, _ := strings.Cut(id.Email, "@")
	base := usernameFrom(id.PreferredUsername)
	if base == "" {
		base = usernameFrom(local)
	}
	if base == "" {
		base = "user"
	}
	for attempt := range 50 {
		name, err := s.freeUsername(ctx, base, attempt)
		if err != nil {
			return nil, err
		}
		a, u, err := s.Engine.CreateLocalAccount(ctx, activitypub.NewLocalAccount{
			Username: name, DisplayName: displayName(id.Name), Email: id.Email, Confirmed: true, Approved: true,
			Locale: localeOf(id.Locale), SSOIssuer: id.Issuer, SSOSubject: id.Subject,
		})
		if errors.Is(err, db.ErrUsernameTaken) {
			continue // taken meanwhile: next candidate
		}
		if errors.Is(err, db.ErrEmailTaken) {
			// Another sign-in of the same person won the race: link that one.
			return s.DB.UserBySSO(ctx, id.Issuer, id.Subject)
		}
		if err != nil {
			return nil, err
		}
		u.Account = a
		if err := s.Engine.AnnounceSignUp(ctx, a); err != nil {
			s.Logger.Error("signup: tell admins", "account", a.ID, "err", err)
		}
		s.Logger.Info("signup: account created by single sign-on", "username", a.Username, "issuer", id.Issuer)
		return u, nil
	}
	return nil, fmt.Errorf("signup: no free username for %q", base)
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
