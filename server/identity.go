package server

import (
	"context"
	"errors"
	"log/slog"

	"github.com/kontor-social/kontor/config"
	"github.com/kontor-social/kontor/db"
	"github.com/kontor-social/kontor/web/render"
)

// OpenDB opens and migrates the configured database and checks that it
// belongs to the configured host and account_domain (db.CheckIdentity: a
// mismatch is a *config.Error, one line and exit code 2, before anything is
// written). The server and every admin command open it this way. log may
// be nil (no report of applied migrations).
func OpenDB(ctx context.Context, cfg *config.Config, log *slog.Logger) (*db.DB, error) {
	store, err := db.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	applied, err := store.Migrate(ctx)
	if err != nil {
		store.Close()
		return nil, err
	}
	if len(applied) > 0 && log != nil {
		log.Info("applied migrations", "migrations", applied)
	}
	if err := store.CheckIdentity(ctx, cfg.Host, cfg.AccountDomain); err != nil {
		store.Close()
		var ie *db.IdentityError
		if errors.As(err, &ie) {
			env := map[string]string{db.SettingHost: "KONTOR_HOST", db.SettingAccountDomain: "KONTOR_ACCOUNT_DOMAIN"}[ie.Setting]
			return nil, &config.Error{Key: ie.Setting, Msg: ie.Error() + " (set " + ie.Setting + " or " + env + " to it, or use another database)"}
		}
		return nil, err
	}
	if err := seedInstanceTexts(ctx, store, cfg); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// seedInstanceTexts gives the database the configured instance texts and
// sign-up mode until an admin edits them on /admin/settings (then the
// database wins and the configuration's values are first values only).
func seedInstanceTexts(ctx context.Context, store *db.DB, cfg *config.Config) error {
	t := db.SiteText{Description: cfg.InstanceDescription, ContactEmail: cfg.ContactEmail,
		PrivacyPolicy: cfg.PrivacyPolicy, TermsOfService: cfg.TermsOfService, Registrations: cfg.Registrations}
	render.RenderPolicies(&t, cfg.InstanceTitle)
	rules := make([]db.SiteRule, len(cfg.Rules))
	for i, text := range cfg.Rules {
		rules[i].Text = text
	}
	return store.SeedInstanceTexts(ctx, t, rules)
}
