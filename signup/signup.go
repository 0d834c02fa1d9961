// Package signup holds the rules of joining an instance, shared by the
// sign-up page (web/oauth), the Mastodon API's POST /api/v1/accounts
// (web/api) and the admin CLI: registration modes, invites, the company
// email domains, username and password rules, email confirmation, approval,
// and accounts that single sign-on creates or links.
package signup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/mail"
)

// ConfirmationLifetime is how long a confirmation link works.
const ConfirmationLifetime = 24 * time.Hour

// Limits.
const (
	maxReason   = 500
	maxPassword = 72 // bcrypt's limit, in bytes
)

// Refusal is a refusal that is not about one field (HTTP 403 in the API);
// its text is shown to the person signing up.
type Refusal string

func (r Refusal) Error() string { return string(r) }

// Refusals.
const (
	ErrClosed         Refusal = "Sign-ups are closed on this server."
	ErrInviteRequired Refusal = "This server accepts new accounts only through an invitation link."
	ErrPasswordSignUp Refusal = "This server accepts new accounts only through single sign-on."
	ErrSSOConflict    Refusal = "An account with this email address is already linked to another single sign-on identity. Contact the administrators of this server."
)

var errMailUnavailable = errors.New("signup: mail is not configured")

// reserved are usernames nobody may sign up with: they look official.
var reserved = map[string]bool{
	"admin": true, "administrator": true, "root": true, "support": true, "help": true, "postmaster": true,
	"webmaster": true, "hostmaster": true, "abuse": true, "security": true, "noreply": true, "no_reply": true,
	"mod": true, "moderator": true, "moderators": true, "staff": true, "system": true, "owner": true,
	"info": true, "contact": true, "mailer_daemon": true, "kontor": true, "mastodon": true, "instance": true,
	"api": true, "auth": true, "oauth": true, "www": true, "about": true, "settings": true, "everyone": true,
}

// Reserved reports whether a username is kept back from sign-ups.
func Reserved(username string) bool { return reserved[strings.ToLower(username)] }

// Deps are what the rules need.
type Deps struct {
	Config *config.Config
	DB     *db.DB
	Engine *activitypub.Engine
	Logger *slog.Logger
	Now    func() time.Time // nil: time.Now
}

// Service applies the rules.
type Service struct {
	Deps
	mailer *mail.Sender // nil without smtp_host
}

// New builds the service; a broken mail configuration is logged and mail
// stays off (config validation has already caught the usual mistakes).
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Service{Deps: d}
	if c := d.Config; c.SMTPEnabled() {
		m, err := mail.New(mail.Config{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername,
			Password: c.SMTPPassword, From: c.SMTPFrom, TLS: c.SMTPTLS})
		if err != nil {
			d.Logger.Error("signup: mail disabled", "err", err)
		} else {
			s.mailer = m
		}
	}
	return s
}

// Mode is the sign-up mode (config.RegistrationsOpen …): the instance
// settings' (db.InstanceTexts, edited on /admin/settings), read afresh for
// every sign-up through the store's cache, so a change holds at once.
func (s *Service) Mode(ctx context.Context) (string, error) {
	t, err := s.DB.InstanceTexts(ctx)
	if err != nil {
		return "", err
	}
	return t.Registrations, nil
}

// Open reports whether sign-ups of any kind (password or single sign-on)
// are possible.
func (s *Service) Open(ctx context.Context) (bool, error) {
	mode, err := s.Mode(ctx)
	return mode != config.RegistrationsClosed && err == nil, err
}

// PasswordSignUps reports whether the sign-up form and API accept new
// accounts with a password (not closed, not SSO-only).
func (s *Service) PasswordSignUps(ctx context.Context) (bool, error) {
	open, err := s.Open(ctx)
	return open && !s.Config.SSOOnly, err
}

// MailEnabled reports whether confirmation mails are sent.
func (s *Service) MailEnabled() bool { return s.mailer != nil }

// Detail is one problem with a field, as Mastodon's 422 "details" carry.
type Detail struct {
	Error       string `json:"error"`
	Description string `json:"description"`
}

// ValidationError lists what is wrong with a sign-up, per field.
type ValidationError struct {
	Fields map[string][]Detail
	order  []string
}

func (e *ValidationError) add(field, code, desc string) {
	if e.Fields == nil {
		e.Fields = map[string][]Detail{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.order = append(e.order, field)
	}
	e.Fields[field] = append(e.Fields[field], Detail{Error: code, Description: desc})
}

// Error is Mastodon's message: "Validation failed: Email has already been
// taken, Username is reserved".
func (e *ValidationError) Error() string {
	var parts []string
	for _, f := range e.order {
		for _, d := range e.Fields[f] {
			name := strings.ReplaceAll(f, "_", " ")
			parts = append(parts, strings.ToUpper(name[:1])+name[1:]+" "+d.Description)
		}
	}
	return "Validation failed: " + strings.Join(parts, ", ")
}

// Message is the first problem with a field, for the sign-up page.
func (e *ValidationError) Message(field string) string {
	if ds := e.Fields[field]; len(ds) > 0 {
		return ds[0].Description
	}
	return ""
}

func (e *ValidationError) empty() bool { return len(e.Fields) == 0 }

// Request is a sign-up, from the form or the API.
type Request struct {
	Username   string
	Email      string
	Password   string
	Agreement  bool
	Locale     string
	Reason     string
	InviteCode string
	IP         string // the client's address (IP blocks; kept for admins)
	AppID      *int64 // the OAuth app of an API sign-up (nil: the web form)
}

// Result is a new account and what it still needs before it can sign in.
type Result struct {
	Account *db.Account
	User    *db.User
	// NeedsConfirmation: the email address is not confirmed yet. MailSent
	// says whether a confirmation link went out (else an admin confirms).
	NeedsConfirmation bool
	MailSent          bool
	// NeedsApproval: an admin must approve the account first.
	NeedsApproval bool
}

var localeTag = regexp.MustCompile(`^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$`)

// Register creates an account with a password under the instance's rules.
// It returns ErrClosed, ErrPasswordSignUp or ErrInviteRequired when no
// account may be made this way, a *ValidationError naming the fields that
// are wrong, or the new account.
func (s *Service) Register(ctx context.Context, req Request) (*Result, error) {
	mode, err := s.Mode(ctx)
	if err != nil {
		return nil, err
	}
	if mode == config.RegistrationsClosed {
		return nil, ErrClosed
	}
	if s.Config.SSOOnly {
		return nil, ErrPasswordSignUp
	}
	req.Username = strings.TrimSpace(req.Username)
	req.Email = strings.TrimSpace(req.Email)
	req.InviteCode = strings.TrimSpace(req.InviteCode)
	req.Reason = strings.TrimSpace(req.Reason)
	if mode == config.RegistrationsInvite && req.InviteCode == "" {
		return nil, ErrInviteRequired
	}
	verr := &ValidationError{}
	var invite *db.Invite
	if req.InviteCode != "" {
		inv, err := s.DB.InviteByCode(ctx, req.InviteCode)
		switch {
		case errors.Is(err, db.ErrNotFound):
			verr.add("invite_code", "ERR_INVALID", "is invalid")
		case err != nil:
			return nil, err
		case !inv.Usable(s.Now()):
			verr.add("invite_code", "ERR_INVALID", "has expired or was used up")
		default:
			invite = inv
		}
	}
	if err := s.checkUsername(ctx, req.Username, verr); err != nil {
		return nil, err
	}
	if err := s.checkEmail(ctx, req.Email, verr); err != nil {
		return nil, err
	}
	ipNeedsApproval, err := s.checkBlocks(ctx, req, verr)
	if err != nil {
		return nil, err
	}
	switch {
	case req.Password == "":
		verr.add("password", "ERR_BLANK", "can't be blank")
	case len(req.Password) < db.MinPasswordLength:
		verr.add("password", "ERR_TOO_SHORT", fmt.Sprintf("is too short (minimum is %d characters)", db.MinPasswordLength))
	case len(req.Password) > maxPassword:
		verr.add("password", "ERR_TOO_LONG", fmt.Sprintf("is too long (maximum is %d bytes)", maxPassword))
	}
	if !req.Agreement {
		verr.add("agreement", "ERR_ACCEPTED", "must be accepted")
	}
	if req.Locale != "" && !localeTag.MatchString(req.Locale) {
		verr.add("locale", "ERR_INCLUSION", "is not included in the list")
	}
	if !utf8.ValidString(req.Reason) || utf8.RuneCountInString(req.Reason) > maxReason {
		verr.add("reason", "ERR_TOO_LONG", fmt.Sprintf("is too long (maximum is %d characters)", maxReason))
	}
	if !verr.empty() {
		return nil, verr
	}
	// Invited people skip approval, as on Mastodon: someone vouched for them.
	approved := (mode != config.RegistrationsApproval || invite != nil) && !ipNeedsApproval
	n := activitypub.NewLocalAccount{
		Username: req.Username, Email: req.Email, Password: req.Password, Approved: approved,
		Reason: req.Reason, Locale: strings.ReplaceAll(req.Locale, "_", "-"), SignUpIP: req.IP, AppID: req.AppID,
	}
	if invite != nil {
		n.InviteID = &invite.ID
	}
	a, u, err := s.Engine.CreateLocalAccount(ctx, n)
	switch {
	case errors.Is(err, db.ErrUsernameTaken):
		verr.add("username", "ERR_TAKEN", "has already been taken")
		return nil, verr
	case errors.Is(err, db.ErrEmailTaken):
		verr.add("email", "ERR_TAKEN", "has already been taken")
		return nil, verr
	case errors.Is(err, db.ErrInviteInvalid):
		verr.add("invite_code", "ERR_INVALID", "has expired or was used up")
		return nil, verr
	case err != nil:
		return nil, err
	}
	u.Account = a
	if err := s.Engine.AnnounceSignUp(ctx, a); err != nil {
		s.Logger.Error("signup: tell admins", "account", a.ID, "err", err)
	}
	res := &Result{Account: a, User: u, NeedsConfirmation: true, NeedsApproval: !approved}
	if s.mailer != nil {
		if err := s.SendConfirmation(ctx, u); err != nil {
			s.Logger.Error("signup: confirmation mail", "user", u.ID, "err", err)
		} else {
			res.MailSent = true
		}
	}
	s.Logger.Info("signup: new account", "username", a.Username, "approved", approved, "invite", invite != nil)
	if !approved {
		s.tellAdmins(ctx, u)
	}
	return res, nil
}

// checkUsername adds the username's problems to verr.
func (s *Service) checkUsername(ctx context.Context, name string, verr *ValidationError) error {
	switch {
	case name == "":
		verr.add("username", "ERR_BLANK", "can't be blank")
		return nil
	case utf8.RuneCountInString(name) > 30:
		verr.add("username", "ERR_TOO_LONG", "is too long (maximum is 30 characters)")
		return nil
	case activitypub.ValidateUsername(name) != nil:
		verr.add("username", "ERR_INVALID", "must contain only letters, numbers and underscores")
		return nil
	case Reserved(name):
		verr.add("username", "ERR_RESERVED", "is reserved")
		return nil
	}
	_, err := s.DB.LocalAccount(ctx, name)
	switch {
	case err == nil:
		verr.add("username", "ERR_TAKEN", "has already been taken")
	case !errors.Is(err, db.ErrNotFound):
		return err
	}
	return nil
}

// checkEmail adds the email address's problems to verr.
func (s *Service) checkEmail(ctx context.Context, email string, verr *ValidationError) error {
	switch {
	case email == "":
		verr.add("email", "ERR_BLANK", "can't be blank")
		return nil
	case activitypub.ValidateEmail(email) != nil || len(email) > 254:
		verr.add("email", "ERR_INVALID", "is invalid")
		return nil
	case !s.Config.EmailDomainAllowed(email):
		verr.add("email", "ERR_BLOCKED", "is not a company address: use an address at "+s.DomainList())
		return nil
	}
	_, err := s.DB.UserByEmail(ctx, email)
	switch {
	case err == nil:
		verr.add("email", "ERR_TAKEN", "has already been taken")
	case !errors.Is(err, db.ErrNotFound):
		return err
	}
	return nil
}

// DomainList names the allowed email domains for messages ("acme.example
// or acme.test").
func (s *Service) DomainList() string {
	d := s.Config.AllowedEmailDomains
	switch len(d) {
	case 0:
		return "any domain"
	case 1:
		return d[0]
	}
	return strings.Join(d[:len(d)-1], ", ") + " or " + d[len(d)-1]
}

// SendConfirmation mails a new confirmation link to a user (replacing any
// earlier link).
func (s *Service) SendConfirmation(ctx context.Context, u *db.User) error {
	if s.mailer == nil {
		return errMailUnavailable
	}
	token := db.NewSecret()
	if err := s.DB.SetConfirmationToken(ctx, u.ID, db.HashSecret(token)); err != nil {
		return err
	}
	link := s.Config.BaseURL() + "/auth/confirmation?token=" + url.QueryEscape(token)
	title := s.Config.InstanceTitle
	body := fmt.Sprintf("Welcome to %s!\n\nTo confirm your email address, open this link within 24 hours:\n\n%s\n\n"+
		"If you did not sign up at %s, ignore this message: no account will be activated.\n",
		title, link, s.Config.BaseURL())
	return s.mailer.Send(ctx, mail.Message{To: u.Email, Subject: "Confirm your email address for " + title, Body: body})
}

// Confirm confirms the address of the user whose link carried token. The
// link works once, for ConfirmationLifetime. db.ErrNotFound: unknown, used
// or expired.
func (s *Service) Confirm(ctx context.Context, token string) (*db.User, error) {
	return s.DB.ConfirmByToken(ctx, token, ConfirmationLifetime)
}

// Invite is a new invite with its link.
type Invite struct {
	*db.Invite
	Code string
	URL  string
}

// CreateInvite makes an invite link: by the admin CLI (createdBy nil) and,
// later, by brand owners (the caller checks who may invite). maxUses 0 is
// unlimited, expiresIn 0 never expires.
func (s *Service) CreateInvite(ctx context.Context, createdBy *int64, maxUses int64, expiresIn time.Duration) (*Invite, error) {
	if maxUses < 0 || expiresIn < 0 {
		return nil, errors.New("signup: max uses and lifetime must not be negative")
	}
	n := db.NewInvite{CreatedByUserID: createdBy, MaxUses: maxUses}
	if expiresIn > 0 {
		t := s.Now().Add(expiresIn)
		n.ExpiresAt = &t
	}
	code, inv, err := s.DB.CreateInvite(ctx, n)
	if err != nil {
		return nil, err
	}
	return &Invite{Invite: inv, Code: code, URL: s.InviteURL(code)}, nil
}

// InviteURL is the link that opens the sign-up page with an invite.
func (s *Service) InviteURL(code string) string {
	return s.Config.BaseURL() + "/invite/" + url.PathEscape(code)
}

// CheckInvite tells whether an invite code may be used now.
func (s *Service) CheckInvite(ctx context.Context, code string) (bool, error) {
	inv, err := s.DB.InviteByCode(ctx, code)
	if errors.Is(err, db.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return inv.Usable(s.Now()), nil
}

// tellAdmins emails the admins of a sign-up that waits for their approval
// (when SMTP is set and they want it).
func (s *Service) tellAdmins(ctx context.Context, u *db.User) {
	admins, err := s.DB.Admins(ctx)
	if err != nil {
		s.Logger.Warn("signup: admins", "err", err)
		return
	}
	s.Engine.MailNotice(ctx, mail.KindSignup, admins, map[string]any{"Account": u.Account.Username, "Email": u.Email,
		"Reason": u.SignUpReason, "Link": s.Engine.URLs().Base() + "/admin/sign-ups#account-" + db.FormatID(u.Account.ID)})
}
