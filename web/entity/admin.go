package entity

import (
	"context"

	"github.com/kontor-social/kontor/db"
)

// AdminAccount is Mastodon's Admin::Account: an account as admins and
// moderators see it, with its login's state.
type AdminAccount struct {
	ID            string    `json:"id"`
	Username      string    `json:"username"`
	Domain        *string   `json:"domain"`
	CreatedAt     string    `json:"created_at"`
	Email         string    `json:"email"`
	IP            *string   `json:"ip"`
	IPs           []AdminIP `json:"ips"`
	Locale        string    `json:"locale"`
	InviteRequest *string   `json:"invite_request"`
	Role          *Role     `json:"role"`
	Confirmed     bool      `json:"confirmed"`
	Approved      bool      `json:"approved"`
	Disabled      bool      `json:"disabled"`
	Silenced      bool      `json:"silenced"`
	Suspended     bool      `json:"suspended"`
	Sensitized    bool      `json:"sensitized"`
	Account       Account   `json:"account"`
}

// AdminIP is Mastodon's Admin::Ip: an address a user used.
type AdminIP struct {
	IP     string `json:"ip"`
	UsedAt string `json:"used_at"`
}

// AdminAccounts renders accounts for admins (their images in one query).
func (p *Presenter) AdminAccounts(ctx context.Context, list []db.AdminAccount) []AdminAccount {
	accounts := make([]*db.Account, len(list))
	for i, a := range list {
		accounts[i] = a.Account
	}
	rendered := p.Accounts(ctx, accounts)
	out := make([]AdminAccount, len(list))
	for i, a := range list {
		out[i] = adminAccount(a, rendered[i])
	}
	return out
}

func adminAccount(aa db.AdminAccount, rendered Account) AdminAccount {
	a, u := aa.Account, aa.User
	out := AdminAccount{
		ID: db.FormatID(a.ID), Username: a.Username, CreatedAt: Time(a.CreatedAt), IPs: []AdminIP{},
		Silenced: a.SilencedAt != nil, Suspended: a.Suspended(), Sensitized: a.SensitizedAt != nil, Account: rendered,
	}
	if !a.Local() {
		out.Domain = ptr(a.Domain)
	}
	if u == nil {
		// Remote and brand accounts have no login: nothing to confirm or approve.
		out.Approved, out.Confirmed = true, !a.Local() || a.IsBrand
		return out
	}
	out.Email, out.Locale, out.Role = u.Email, u.Locale, UserRole(u.Role)
	out.Confirmed, out.Approved, out.Disabled = u.ConfirmedAt != nil, u.Approved, u.Disabled
	if u.SignUpReason != "" {
		out.InviteRequest = ptr(u.SignUpReason)
	}
	if u.SignUpIP != "" {
		out.IP = ptr(u.SignUpIP)
		out.IPs = append(out.IPs, AdminIP{IP: u.SignUpIP, UsedAt: Time(u.CreatedAt)})
	}
	return out
}
