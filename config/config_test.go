package config

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsWithoutFile(t *testing.T) {
	cfg, err := Load(filepath.Join(t.TempDir(), "config.toml"), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "localhost:8080" || cfg.BaseURL() != "http://localhost:8080" || cfg.Database != "sqlite://kontor.db" {
		t.Errorf("defaults: listen %q base %q database %q", cfg.Listen, cfg.BaseURL(), cfg.Database)
	}
	if cfg.AccountDomain != cfg.Host {
		t.Errorf("account_domain %q should default to host %q", cfg.AccountDomain, cfg.Host)
	}
}

func TestExplicitMissingFileIsAnError(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"), true, nil)
	var ce *Error
	if !errors.As(err, &ce) || ce.Key != "--config" {
		t.Fatalf("want a --config error, got %v", err)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	p := writeConfig(t, `
listen = "0.0.0.0:9000"
host = "Social.Example.com"
account_domain = "example.com"
protocol = "https"
database = "postgres://kontor@db:5432/kontor?sslmode=disable"
registrations = "approval"
trusted_proxies = ["10.0.0.0/8"]
shutdown_timeout = "5s"
`)
	cfg, err := Load(p, true, []string{"KONTOR_LISTEN=127.0.0.1:9001", "KONTOR_TRUSTED_PROXIES=127.0.0.1, ::1", "OTHER=1"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9001" {
		t.Errorf("env should override the file: listen %q", cfg.Listen)
	}
	if cfg.Host != "social.example.com" || cfg.AccountDomain != "example.com" {
		t.Errorf("host %q account_domain %q", cfg.Host, cfg.AccountDomain)
	}
	if !slices.Equal(cfg.TrustedProxies, []string{"127.0.0.1", "::1"}) {
		t.Errorf("trusted_proxies %q", cfg.TrustedProxies)
	}
	if cfg.ShutdownTimeout != 5*time.Second || cfg.Registrations != "approval" {
		t.Errorf("shutdown_timeout %v registrations %q", cfg.ShutdownTimeout, cfg.Registrations)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name, file string
		env        []string
		key        string
	}{
		{"bad protocol", `protocol = "ftp"`, nil, "protocol"},
		{"bad listen", `listen = "8080"`, nil, "listen"},
		{"empty host", `host = ""`, nil, "host"},
		{"host with scheme", `host = "https://x.example"`, nil, "host"},
		{"bad account domain", `account_domain = "a b"`, nil, "account_domain"},
		{"empty database", `database = ""`, nil, "database"},
		{"bad registrations", `registrations = "maybe"`, nil, "registrations"},
		{"bad log level", `log_level = "loud"`, nil, "log_level"},
		{"bad log format", `log_format = "xml"`, nil, "log_format"},
		{"unknown key", `lisen = "x:1"`, nil, "lisen"},
		{"wrong type", `max_request_bytes = "big"`, nil, "max_request_bytes"},
		{"bad duration in file", `shutdown_timeout = "soon"`, nil, ""},
		{"tiny body limit", `max_request_bytes = 10`, nil, "max_request_bytes"},
		{"bad proxy", `trusted_proxies = ["nope"]`, nil, "trusted_proxies"},
		{"env bad int", ``, []string{"KONTOR_MAX_REQUEST_BYTES=lots"}, "max_request_bytes"},
		{"env bad duration", ``, []string{"KONTOR_SHUTDOWN_TIMEOUT=10"}, "shutdown_timeout"},
		{"env bad value", ``, []string{"KONTOR_PROTOCOL=gopher"}, "protocol"},
		{"syntax error", "listen = ", nil, ""},
		{"bad email domain", `allowed_email_domains = ["acme example"]`, nil, "allowed_email_domains"},
		{"bad smtp tls", `smtp_tls = "ssl"`, nil, "smtp_tls"},
		{"bad smtp port", `smtp_port = 0`, nil, "smtp_port"},
		{"smtp without from", `smtp_host = "mail.example"`, nil, "smtp_from"},
		{"smtp password without user", `smtp_password = "x"`, nil, "smtp_username"},
		{"oidc issuer not a URL", `oidc_issuer = "idp.example"`, nil, "oidc_issuer"},
		{"oidc without client id", `oidc_issuer = "https://idp.example"`, nil, "oidc_client_id"},
		{"oidc scopes without openid", "oidc_issuer = \"https://idp.example\"\noidc_client_id = \"k\"\noidc_scopes = [\"email\"]", nil, "oidc_scopes"},
		{"sso_only without oidc", `sso_only = true`, nil, "sso_only"},
		{"env bad sso_only", ``, []string{"KONTOR_SSO_ONLY=maybe"}, "sso_only"},
		{"bad media storage", `media_storage = "ftp"`, nil, "media_storage"},
		{"s3 without endpoint", "media_storage = \"s3\"\ns3_bucket = \"b\"", nil, "s3_endpoint"},
		{"s3 without bucket", "media_storage = \"s3\"\ns3_endpoint = \"s3.example\"", nil, "s3_bucket"},
		{"bad s3 public url", `s3_public_url = "files.example"`, nil, "s3_public_url"},
		{"bad s3 endpoint url", `s3_endpoint = "ftp://s3.example"`, nil, "s3_endpoint"},
		{"image limit over request limit", `media_max_image_bytes = 99999999999`, nil, "media_max_image_bytes"},
		{"tiny video limit", ``, []string{"KONTOR_MEDIA_MAX_VIDEO_BYTES=10"}, "media_max_video_bytes"},
		{"no pixels", `media_max_image_pixels = 0`, nil, "media_max_image_pixels"},
		{"tiny remote limit", `media_remote_max_bytes = 1`, nil, "media_remote_max_bytes"},
		{"env bad bool", ``, []string{"KONTOR_MEDIA_CACHE_REMOTE=perhaps"}, "media_cache_remote"},
		{"metrics listen not host:port", `metrics_listen = "9090"`, nil, "metrics_listen"},
		{"metrics on the public listener", "listen = \"127.0.0.1:8080\"\nmetrics_listen = \"127.0.0.1:8080\"", nil, "metrics_listen"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, c.file), true, c.env)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *config.Error, got %v", err)
			}
			if c.key != "" && ce.Key != c.key {
				t.Errorf("error names key %q, want %q (%v)", ce.Key, c.key, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error must be one line: %q", err)
			}
		})
	}
}

// TestExampleDocumentsEveryKey keeps config.toml.example true: it must load,
// and document exactly the keys Config has.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../config.toml.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load("../config.toml.example", true, nil); err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#?\s*([a-z_0-9]+)\s*=`).FindAllStringSubmatch(string(data), -1) {
		documented[m[1]] = true
	}
	for _, k := range Keys() {
		if !documented[k] {
			t.Errorf("config.toml.example does not document %q", k)
		}
		delete(documented, k)
	}
	for k := range documented {
		t.Errorf("config.toml.example documents %q, which Config does not have", k)
	}
}

func TestMediaKeys(t *testing.T) {
	cfg, err := Load("", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MediaStorage != MediaStorageLocal || cfg.MediaCacheRemote || !cfg.S3UseSSL || cfg.MediaMaxVideoBytes > cfg.MaxRequestBytes {
		t.Errorf("media defaults %+v", cfg)
	}
	p := writeConfig(t, `
media_storage = "s3"
s3_endpoint = "minio.internal:9000"
s3_bucket = "kontor"
s3_use_ssl = false
s3_public_url = "https://files.example.com"
media_cache_remote = true
`)
	cfg, err = Load(p, true, []string{"KONTOR_S3_SECRET_KEY=sekret", "KONTOR_MEDIA_MAX_IMAGE_PIXELS=1000000"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MediaStorage != "s3" || cfg.S3Endpoint != "minio.internal:9000" || cfg.S3UseSSL || cfg.S3SecretKey != "sekret" ||
		cfg.MediaMaxImagePixels != 1000000 || !cfg.MediaCacheRemote || cfg.S3PublicURL != "https://files.example.com" {
		t.Errorf("media keys %+v", cfg)
	}
}

func TestSignUpAndSSOKeys(t *testing.T) {
	p := writeConfig(t, `
allowed_email_domains = ["ACME.example", "@acme.test"]
smtp_host = "mail.acme.example"
smtp_from = "Acme Social <noreply@acme.example>"
oidc_issuer = "https://login.acme.example/realms/acme"
oidc_client_id = "kontor"
oidc_display_name = "Acme Login"
sso_only = true
`)
	cfg, err := Load(p, true, []string{"KONTOR_SMTP_PORT=465", "KONTOR_SMTP_TLS=tls"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.AllowedEmailDomains, []string{"acme.example", "acme.test"}) || cfg.SMTPPort != 465 || cfg.SMTPTLS != "tls" ||
		!cfg.SSOOnly || !cfg.OIDCEnabled() || !cfg.SMTPEnabled() || !slices.Equal(cfg.OIDCScopes, []string{"openid", "email", "profile"}) {
		t.Errorf("loaded %+v", cfg)
	}
	for email, ok := range map[string]bool{
		"jane@acme.example": true, "jane@ACME.EXAMPLE": true, "jane@eu.acme.example": true, "jane@acme.test": true,
		"jane@notacme.example": false, "jane@acme.example.evil": false, "jane@gmail.example": false, "acme.example": false,
		"jane@acme.example.": true,
	} {
		if got := cfg.EmailDomainAllowed(email); got != ok {
			t.Errorf("EmailDomainAllowed(%q) = %v, want %v", email, got, ok)
		}
	}
	open := Default()
	if !open.EmailDomainAllowed("anyone@anywhere.example") || open.OIDCEnabled() || open.SMTPEnabled() {
		t.Error("defaults: every domain allowed, no SSO, no mail")
	}
}

func TestAboutKeys(t *testing.T) {
	p := writeConfig(t, `
rules = ["  Be kind ", "No spam"]
privacy_policy = """
We keep little.

Questions: ask."""
terms_of_service = "Use it well."
`)
	cfg, err := Load(p, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Rules) != 2 || cfg.Rules[0] != "Be kind" || cfg.TermsOfService != "Use it well." ||
		cfg.PrivacyPolicyText() != "We keep little.\n\nQuestions: ask." {
		t.Errorf("about keys: %+v", cfg)
	}
	if _, err := Load(writeConfig(t, `rules = ["ok", " "]`), true, nil); err == nil || !strings.Contains(err.Error(), "rules: rule 2 is empty") {
		t.Errorf("empty rule: %v", err)
	}
	cfg, err = Load("", false, []string{"KONTOR_RULES=Be kind, No spam", "KONTOR_CONTACT_EMAIL=a@b.example"})
	if err != nil || len(cfg.Rules) != 2 || cfg.Rules[1] != "No spam" {
		t.Fatalf("rules from the environment: %v %v", cfg, err)
	}
	if got := cfg.PrivacyPolicyText(); !strings.Contains(got, "stores what you post") || !strings.HasSuffix(got, "\n\nQuestions: a@b.example") {
		t.Errorf("default privacy policy %q", got)
	}
}
