package signup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/kontor-social/kontor/db"
)

// ErrIPBlocked refuses a sign-up from an address range admins blocked.
const ErrIPBlocked Refusal = "Sign-ups from your network are not allowed on this server."

// CanonicalEmailHash is the hash canonical email blocks keep: the address
// lower-cased, without dots or a +suffix in its local part (as Mastodon
// canonicalizes), as SHA-256 hex.
func CanonicalEmailHash(email string) string {
	local, domain, _ := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	local, _, _ = strings.Cut(local, "+")
	sum := sha256.Sum256([]byte(strings.ReplaceAll(local, ".", "") + "@" + domain))
	return hex.EncodeToString(sum[:])
}

// checkBlocks applies the admins' sign-up blocks: an email domain or
// canonical address block adds a field error; an IP block refuses the
// sign-up or makes it wait for approval (needsApproval).
func (s *Service) checkBlocks(ctx context.Context, req Request, verr *ValidationError) (needsApproval bool, err error) {
	if req.Email != "" {
		blocked, err := s.DB.EmailDomainBlocked(ctx, req.Email)
		if err != nil {
			return false, err
		}
		canonical, err := s.DB.CanonicalEmailBlocksByHash(ctx, CanonicalEmailHash(req.Email))
		if err != nil {
			return false, err
		}
		if blocked || len(canonical) > 0 {
			verr.add("email", "ERR_BLOCKED", "is not allowed to sign up here")
		}
	}
	if req.IP == "" {
		return false, nil
	}
	severities, err := s.DB.IPSeverities(ctx, req.IP)
	if err != nil {
		return false, err
	}
	if slices.Contains(severities, db.IPSignUpBlock) || slices.Contains(severities, db.IPNoAccess) {
		return false, ErrIPBlocked
	}
	return slices.Contains(severities, db.IPSignUpRequiresApproval), nil
}
