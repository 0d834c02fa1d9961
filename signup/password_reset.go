package signup

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/mail"
)

// PasswordResetLifetime is how long a mailed password-reset link works
// (once).
const PasswordResetLifetime = time.Hour

// SendPasswordReset mails a reset link to the password account with this
// email address. Unknown addresses, accounts without a password (single
// sign-on, brands) and accounts that may not sign in get nothing and no
// error: the caller tells everybody the same, so the page does not reveal
// who has an account.
func (s *Service) SendPasswordReset(ctx context.Context, email string) error {
	if s.mailer == nil {
		return errMailUnavailable
	}
	u, err := s.DB.UserByEmail(ctx, email)
	if errors.Is(err, db.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if u.PasswordHash == "" || u.Disabled || u.Account == nil || u.Account.Suspended() {
		return nil
	}
	token, err := s.DB.CreatePasswordReset(ctx, u.ID, PasswordResetLifetime)
	if err != nil {
		return err
	}
	link := s.Config.BaseURL() + "/auth/password/edit?reset_password_token=" + url.QueryEscape(token)
	title := s.Config.InstanceTitle
	body := fmt.Sprintf("Someone (hopefully you) asked to reset the password of @%s on %s.\n\n"+
		"To choose a new password, open this link within an hour (it works once):\n\n%s\n\n"+
		"Choosing a new password signs you out everywhere. If you did not ask for this, ignore this message: "+
		"your password stays as it is.\n", u.Account.Username, title, link)
	return s.mailer.Send(ctx, mail.Message{To: u.Email, Subject: "Reset your password on " + title, Body: body})
}
