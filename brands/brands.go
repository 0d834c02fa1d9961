// Package brands runs brand accounts: an account of a company (@acme) that
// a team of local users acts as, each member with a role (owner, editor or
// viewer). It holds the rules every front end follows (the Mastodon API's
// /api/v1/kontor/brands endpoints and the /settings/brands pages): who may
// see and change members, the approval switch, the audit trail and the
// drafts of editors waiting for an owner's approval.
//
// Acting as a brand itself happens elsewhere: a token acting as the brand
// (web/oauth's identity chooser), its role ceiling (web/api), and the audit
// records the engine writes with every change made as a brand
// (activitypub.WithActingMember). The SQL is in db/brands.go.
package brands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kontor-social/kontor/activitypub"
	"github.com/kontor-social/kontor/db"
)

// MaxNote is the longest rejection note, in characters.
const MaxNote = 1000

// Service applies the rules of brand accounts.
type Service struct {
	DB     *db.DB
	Engine *activitypub.Engine
}

// New returns the service.
func New(store *db.DB, engine *activitypub.Engine) *Service {
	return &Service{DB: store, Engine: engine}
}

// Forbidden is an action the user's role does not allow (403).
type Forbidden struct{ Msg string }

func (f *Forbidden) Error() string { return f.Msg }

// Invalid is a request with a bad value (422).
type Invalid struct{ Msg string }

func (e *Invalid) Error() string { return e.Msg }

// ErrNotFound: no such brand or draft, or the user is not a member (a
// stranger learns nothing of a brand's team).
var ErrNotFound = db.ErrNotFound

// Access is what a user may do with a brand.
type Access struct {
	Brand *db.Brand
	User  *db.User
	Role  string // the user's role, "" for an admin who is not a member
	Admin bool   // an instance admin
}

// Owner reports whether the user is an owner of the brand.
func (a *Access) Owner() bool { return a.Role == db.BrandOwner }

// Manages reports whether the user may manage the brand's members and
// settings: its owners and the instance's admins.
func (a *Access) Manages() bool { return a.Owner() || a.Admin }

// Member reports whether the user has a role in the brand.
func (a *Access) Member() bool { return a.Role != "" }

// Handle is the brand's @username.
func (a *Access) Handle() string { return "@" + a.Brand.Account.Username }

// Open loads a brand for a user. Members get their role; instance admins
// who are not members get an Access without a role (they may read the
// audit trail); anyone else gets ErrNotFound.
func (s *Service) Open(ctx context.Context, u *db.User, brandID int64) (*Access, error) {
	b, err := s.DB.BrandByAccountID(ctx, brandID)
	if err != nil {
		return nil, err
	}
	return s.access(ctx, u, b)
}

// OpenByUsername is Open for the brand @username.
func (s *Service) OpenByUsername(ctx context.Context, u *db.User, username string) (*Access, error) {
	a, err := s.DB.LocalAccount(ctx, username)
	if err != nil {
		return nil, err
	}
	return s.Open(ctx, u, a.ID)
}

func (s *Service) access(ctx context.Context, u *db.User, b *db.Brand) (*Access, error) {
	if u == nil || b.Account == nil || b.Account.Suspended() {
		return nil, ErrNotFound
	}
	role, err := s.DB.BrandRole(ctx, b.AccountID, u.ID)
	if err != nil && !errors.Is(err, db.ErrNotMember) {
		return nil, err
	}
	acc := &Access{Brand: b, User: u, Role: role, Admin: u.Role == db.RoleAdmin}
	if !acc.Member() && !acc.Admin {
		return nil, ErrNotFound
	}
	return acc, nil
}

// requireMember refuses admins who are not members.
func requireMember(a *Access) error {
	if !a.Member() {
		return ErrNotFound
	}
	return nil
}

// requireOwner refuses everyone but owners.
func requireOwner(a *Access, what string) error {
	if err := requireMember(a); err != nil {
		return err
	}
	if !a.Owner() {
		return &Forbidden{"Only owners of " + a.Handle() + " may " + what}
	}
	return nil
}

// requireManager refuses everyone but owners and admins.
func requireManager(a *Access, what string) error {
	if a.Manages() {
		return nil
	}
	if err := requireMember(a); err != nil {
		return err
	}
	return &Forbidden{"Only owners of " + a.Handle() + " and administrators may " + what}
}

// Membership is one brand a user belongs to.
type Membership struct {
	Brand   *db.Brand
	Account *db.Account
	Role    string
}

// AllBrands lists every brand with u's role in it ("" where u is not a
// member): the list an instance admin manages.
func (s *Service) AllBrands(ctx context.Context, u *db.User) ([]Membership, error) {
	if u.Role != db.RoleAdmin {
		return s.MyBrands(ctx, u)
	}
	list, err := s.DB.Brands(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Membership, 0, len(list))
	for _, b := range list {
		if b.Account == nil {
			continue
		}
		role, err := s.DB.BrandRole(ctx, b.AccountID, u.ID)
		if err != nil && !errors.Is(err, db.ErrNotMember) {
			return nil, err
		}
		out = append(out, Membership{Brand: b, Account: b.Account, Role: role})
	}
	return out, nil
}

// MyBrands lists the brands u belongs to, with u's role.
func (s *Service) MyBrands(ctx context.Context, u *db.User) ([]Membership, error) {
	members, accounts, err := s.DB.BrandsOfUser(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Membership, 0, len(members))
	for i, m := range members {
		if accounts[i] == nil || accounts[i].Suspended() {
			continue
		}
		b, err := s.DB.BrandByAccountID(ctx, m.BrandAccountID)
		if err != nil {
			return nil, err
		}
		out = append(out, Membership{Brand: b, Account: accounts[i], Role: m.Role})
	}
	return out, nil
}

// Members lists a brand's members (members and admins).
func (s *Service) Members(ctx context.Context, a *Access) ([]*db.BrandMember, error) {
	if !a.Admin {
		if err := requireMember(a); err != nil {
			return nil, err
		}
	}
	return s.DB.BrandMembers(ctx, a.Brand.AccountID)
}

// record is the audit record of a management action by the user.
func record(a *Access, action, detail string) *db.BrandAudit {
	uid := a.User.ID
	return &db.BrandAudit{BrandAccountID: a.Brand.AccountID, UserID: &uid, Action: action, Detail: detail}
}

// SetApproval turns the approval workflow on or off (owners).
func (s *Service) SetApproval(ctx context.Context, a *Access, on bool) error {
	if err := requireManager(a, "change the approval setting"); err != nil {
		return err
	}
	if a.Brand.RequireApproval == on {
		return nil
	}
	action := "approval.off"
	if on {
		action = "approval.on"
	}
	if err := s.DB.SetBrandApproval(ctx, a.Brand.AccountID, on, record(a, action, "")); err != nil {
		return err
	}
	a.Brand.RequireApproval = on
	return nil
}

// UpdateProfile changes the brand's display name, bio and fields (owners
// and admins) through the engine: the followers get the Update, the audit
// trail names the member.
func (s *Service) UpdateProfile(ctx context.Context, a *Access, t activitypub.ProfileText) error {
	if err := requireManager(a, "edit the profile"); err != nil {
		return err
	}
	after := *a.Brand.Account
	if err := s.Engine.ApplyProfileText(ctx, &after, t); err != nil {
		return err
	}
	up := activitypub.ProfileUpdate{Before: a.Brand.Account, CredentialsUpdate: db.CredentialsUpdate{Account: &after}, LinksChanged: t.Fields != nil}
	if err := s.Engine.UpdateProfile(activitypub.WithActingMember(ctx, a.User.ID), up); err != nil {
		return err
	}
	a.Brand.Account = &after
	return nil
}

// memberUser finds the local user to add by username (with or without @
// and the local domain).
func (s *Service) memberUser(ctx context.Context, username string) (*db.User, error) {
	name := strings.TrimPrefix(strings.TrimSpace(username), "@")
	if local, domain, ok := strings.Cut(name, "@"); ok {
		if !strings.EqualFold(domain, s.Engine.URLs().AccountDomain()) && !strings.EqualFold(domain, s.Engine.URLs().Host()) {
			return nil, &Invalid{"Validation failed: username must be a local user"}
		}
		name = local
	}
	if name == "" {
		return nil, &Invalid{"Validation failed: username can't be blank"}
	}
	acct, err := s.DB.LocalAccount(ctx, name)
	if errors.Is(err, db.ErrNotFound) {
		return nil, &Invalid{"Validation failed: username @" + name + " is not a user of this server"}
	} else if err != nil {
		return nil, err
	}
	u, err := s.DB.UserByAccountID(ctx, acct.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, &Invalid{"Validation failed: username @" + name + " has no login (a brand cannot be a member)"}
	} else if err != nil {
		return nil, err
	}
	if u.Disabled || acct.Suspended() {
		return nil, &Invalid{"Validation failed: username @" + name + " cannot sign in"}
	}
	return u, nil
}

func validRole(role string) error {
	if !db.ValidBrandRole(role) {
		return &Invalid{"Validation failed: role must be owner, editor or viewer"}
	}
	return nil
}

// AddMember adds a local user by username with a role (owners).
func (s *Service) AddMember(ctx context.Context, a *Access, username, role string) (*db.BrandMember, error) {
	if err := requireManager(a, "add members"); err != nil {
		return nil, err
	}
	if err := validRole(role); err != nil {
		return nil, err
	}
	u, err := s.memberUser(ctx, username)
	if err != nil {
		return nil, err
	}
	if _, err := s.DB.BrandRole(ctx, a.Brand.AccountID, u.ID); err == nil {
		return nil, &Invalid{"Validation failed: username @" + u.Account.Username + " is already a member"}
	} else if !errors.Is(err, db.ErrNotMember) {
		return nil, err
	}
	if err := s.DB.SetBrandMember(ctx, a.Brand.AccountID, u.ID, role, record(a, "member.add", "@"+u.Account.Username+" as "+role)); err != nil {
		return nil, err
	}
	return s.member(ctx, a.Brand.AccountID, u.ID)
}

func (s *Service) member(ctx context.Context, brandID, userID int64) (*db.BrandMember, error) {
	list, err := s.DB.BrandMembers(ctx, brandID)
	if err != nil {
		return nil, err
	}
	for _, m := range list {
		if m.UserID == userID {
			return m, nil
		}
	}
	return nil, ErrNotFound
}

// SetRole changes a member's role (owners). The last owner stays an owner.
func (s *Service) SetRole(ctx context.Context, a *Access, userID int64, role string) (*db.BrandMember, error) {
	if err := requireManager(a, "change roles"); err != nil {
		return nil, err
	}
	if err := validRole(role); err != nil {
		return nil, err
	}
	m, err := s.member(ctx, a.Brand.AccountID, userID)
	if err != nil {
		return nil, err
	}
	if m.Role == role {
		return m, nil
	}
	detail := "@" + m.User.Account.Username + " from " + m.Role + " to " + role
	err = s.DB.SetBrandMember(ctx, a.Brand.AccountID, userID, role, record(a, "member.role", detail))
	if errors.Is(err, db.ErrLastOwner) {
		return nil, &Invalid{"Validation failed: role " + a.Handle() + " must keep at least one owner"}
	} else if err != nil {
		return nil, err
	}
	m.Role = role
	return m, nil
}

// RemoveMember removes a member (owners; any member may leave). Their
// tokens acting as the brand stop working at once.
func (s *Service) RemoveMember(ctx context.Context, a *Access, userID int64) error {
	if userID != a.User.ID || !a.Member() {
		if err := requireManager(a, "remove other members"); err != nil {
			return err
		}
	}
	m, err := s.member(ctx, a.Brand.AccountID, userID)
	if err != nil {
		return err
	}
	action := "member.remove"
	if userID == a.User.ID {
		action = "member.leave"
	}
	err = s.DB.RemoveBrandMember(ctx, a.Brand.AccountID, userID, record(a, action, "@"+m.User.Account.Username+" ("+m.Role+")"))
	if errors.Is(err, db.ErrLastOwner) {
		return &Invalid{"Validation failed: " + a.Handle() + " must keep at least one owner"}
	}
	return err
}

// AuditLog is the brand's audit trail (owners and instance admins).
func (s *Service) AuditLog(ctx context.Context, a *Access, p db.Page) ([]*db.BrandAudit, error) {
	if !a.Owner() && !a.Admin {
		if !a.Member() {
			return nil, ErrNotFound
		}
		return nil, &Forbidden{"Only owners of " + a.Handle() + " and administrators may read its audit trail"}
	}
	return s.DB.BrandAuditLog(ctx, a.Brand.AccountID, p)
}

// ValidState checks a draft state filter ("" for all).
func ValidState(state string) error {
	switch state {
	case "", db.DraftPending, db.DraftApproved, db.DraftRejected:
		return nil
	}
	return &Invalid{"Validation failed: state must be pending, approved or rejected"}
}

// Drafts lists a brand's drafts: all of them for owners, their own for
// other members.
func (s *Service) Drafts(ctx context.Context, a *Access, state string, p db.Page) ([]*db.BrandDraft, error) {
	if err := requireMember(a); err != nil {
		return nil, err
	}
	if err := ValidState(state); err != nil {
		return nil, err
	}
	var author int64
	if !a.Owner() {
		author = a.User.ID
	}
	return s.DB.BrandDrafts(ctx, a.Brand.AccountID, state, author, p)
}

// Draft returns one draft: owners see any, other members their own.
func (s *Service) Draft(ctx context.Context, a *Access, id int64) (*db.BrandDraft, error) {
	if err := requireMember(a); err != nil {
		return nil, err
	}
	dr, err := s.DB.BrandDraftByID(ctx, a.Brand.AccountID, id)
	if err != nil {
		return nil, err
	}
	if !a.Owner() && dr.AuthorUserID != a.User.ID {
		return nil, ErrNotFound
	}
	return dr, nil
}

// DraftByNumber is Draft for the brand's draft #number.
func (s *Service) DraftByNumber(ctx context.Context, a *Access, number int64) (*db.BrandDraft, error) {
	if err := requireMember(a); err != nil {
		return nil, err
	}
	dr, err := s.DB.BrandDraftByNumber(ctx, a.Brand.AccountID, number)
	if err != nil {
		return nil, err
	}
	if !a.Owner() && dr.AuthorUserID != a.User.ID {
		return nil, ErrNotFound
	}
	return dr, nil
}

// MyDrafts lists u's drafts across brands.
func (s *Service) MyDrafts(ctx context.Context, u *db.User, state string, p db.Page) ([]*db.BrandDraft, error) {
	if err := ValidState(state); err != nil {
		return nil, err
	}
	return s.DB.DraftsByAuthor(ctx, u.ID, state, p)
}

// ErrDecided: the draft was already approved or rejected.
var ErrDecided = &Invalid{"Validation failed: this draft was already approved or rejected"}

// Approve applies a pending draft as the brand (owners): publishes the
// post, applies the edit, the delete or the boost, and returns the status
// (nil for a post scheduled for later). The audit record names the
// approver and the author.
func (s *Service) Approve(ctx context.Context, a *Access, id int64) (*db.Status, error) {
	if err := requireOwner(a, "approve drafts"); err != nil {
		return nil, err
	}
	dr, err := s.DB.BrandDraftByID(ctx, a.Brand.AccountID, id)
	if err != nil {
		return nil, err
	}
	if dr.State != db.DraftPending {
		return nil, ErrDecided
	}
	st, err := s.Engine.ApproveDraft(ctx, a.Brand.Account, dr, a.User, draftAuthor(dr))
	if errors.Is(err, db.ErrDraftDecided) {
		return nil, ErrDecided
	}
	return st, err
}

// Reject returns a pending draft to its author with a note (owners).
func (s *Service) Reject(ctx context.Context, a *Access, id int64, note string) (*db.BrandDraft, error) {
	if err := requireOwner(a, "reject drafts"); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	if !utf8.ValidString(note) || utf8.RuneCountInString(note) > MaxNote {
		return nil, &Invalid{fmt.Sprintf("Validation failed: note must be at most %d characters", MaxNote)}
	}
	dr, err := s.DB.BrandDraftByID(ctx, a.Brand.AccountID, id)
	if err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("draft #%d written by %s", dr.Number, draftAuthor(dr))
	if note != "" {
		detail += ": " + note
	}
	err = s.DB.RejectBrandDraft(ctx, dr, a.User.ID, note, record(a, "draft.reject", detail))
	if errors.Is(err, db.ErrDraftDecided) {
		return nil, ErrDecided
	}
	if err != nil {
		return nil, err
	}
	s.Engine.DraftRejected(ctx, a.Brand.Account, dr, a.User)
	return s.DB.BrandDraftByID(ctx, a.Brand.AccountID, id)
}

// draftAuthor names a draft's author in the audit trail.
func draftAuthor(dr *db.BrandDraft) string {
	if dr.Author != nil && dr.Author.Account != nil {
		return "@" + dr.Author.Account.Username
	}
	return "a former member"
}

// Revise changes and resubmits a pending or rejected draft (its author,
// still a member who may write as the brand); p nil resubmits it as it
// is. The owners are told again.
func (s *Service) Revise(ctx context.Context, u *db.User, id int64, p *activitypub.PostParams) (*db.BrandDraft, error) {
	dr, err := s.DB.BrandDraftAny(ctx, id)
	if err != nil {
		return nil, err
	}
	if dr.AuthorUserID != u.ID {
		return nil, ErrNotFound
	}
	a, err := s.Open(ctx, u, dr.BrandAccountID)
	if err != nil {
		return nil, err
	}
	if db.BrandRoleRank(a.Role) < db.BrandRoleRank(db.BrandEditor) {
		return nil, &Forbidden{"Only editors and owners of " + a.Handle() + " may resubmit drafts"}
	}
	if dr.State == db.DraftApproved {
		return nil, ErrDecided
	}
	err = s.Engine.ReviseDraft(activitypub.WithActingMember(ctx, u.ID), a.Brand.Account, dr, u.ID, p)
	if errors.Is(err, db.ErrDraftDecided) {
		return nil, ErrDecided
	}
	if err != nil {
		return nil, err
	}
	return s.DB.BrandDraftByID(ctx, dr.BrandAccountID, dr.ID)
}

// DraftParams are the stored parameters of a draft.
func DraftParams(dr *db.BrandDraft) (db.ScheduledParams, error) {
	var sp db.ScheduledParams
	err := json.Unmarshal([]byte(dr.Params), &sp)
	return sp, err
}
