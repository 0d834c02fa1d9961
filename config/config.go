// Package config reads Kontor's configuration once, at start: defaults, then
// config.toml, then KONTOR_<KEY> environment variables, then validation.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is every setting of an instance. The toml tag is the key users write
// in config.toml; the environment variable is KONTOR_ plus the key in capitals.
type Config struct {
	Listen string `toml:"listen"`
	// MetricsListen serves Prometheus metrics on their own address; empty: off.
	MetricsListen string `toml:"metrics_listen"`
	Host          string `toml:"host"`
	AccountDomain string `toml:"account_domain"`
	Protocol      string `toml:"protocol"`
	Database      string `toml:"database"`
	MediaDir      string `toml:"media_dir"`
	Registrations string `toml:"registrations"`
	LogLevel      string `toml:"log_level"`
	LogFormat     string `toml:"log_format"`

	InstanceTitle       string `toml:"instance_title"`
	InstanceDescription string `toml:"instance_description"`
	ContactEmail        string `toml:"contact_email"`
	// The server's rules, privacy policy and terms (plain text; a blank
	// line starts a paragraph), on /about and in the instance API.
	Rules          []string `toml:"rules"`
	PrivacyPolicy  string   `toml:"privacy_policy"`
	TermsOfService string   `toml:"terms_of_service"`

	MaxRequestBytes int64         `toml:"max_request_bytes"`
	ShutdownTimeout time.Duration `toml:"shutdown_timeout"`
	TrustedProxies  []string      `toml:"trusted_proxies"`

	InboxMaxBytes          int64    `toml:"inbox_max_bytes"`
	AuthorizedFetch        bool     `toml:"authorized_fetch"`
	AllowedPrivateNetworks []string `toml:"allowed_private_networks"`
	DomainBlocks           []string `toml:"domain_blocks"`
	// FederationMode: "blocklist" (everyone but blocked domains) or
	// "allowlist" (only the domains admins allow federate).
	FederationMode      string `toml:"federation_mode"`
	DeliveryConcurrency int    `toml:"delivery_concurrency"`
	InboxWorkers        int    `toml:"inbox_workers"`
	MaxStatusCharacters int    `toml:"max_status_characters"`

	APIRateLimit   int `toml:"api_rate_limit"`
	APIRateLimitIP int `toml:"api_rate_limit_ip"`

	AllowedEmailDomains []string `toml:"allowed_email_domains"`

	SMTPHost     string `toml:"smtp_host"`
	SMTPPort     int    `toml:"smtp_port"`
	SMTPUsername string `toml:"smtp_username"`
	SMTPPassword string `toml:"smtp_password"`
	SMTPFrom     string `toml:"smtp_from"`
	SMTPTLS      string `toml:"smtp_tls"`

	OIDCIssuer       string   `toml:"oidc_issuer"`
	OIDCClientID     string   `toml:"oidc_client_id"`
	OIDCClientSecret string   `toml:"oidc_client_secret"`
	OIDCDisplayName  string   `toml:"oidc_display_name"`
	OIDCScopes       []string `toml:"oidc_scopes"`
	SSOOnly          bool     `toml:"sso_only"`

	MediaStorage        string `toml:"media_storage"`
	S3Endpoint          string `toml:"s3_endpoint"`
	S3Region            string `toml:"s3_region"`
	S3Bucket            string `toml:"s3_bucket"`
	S3AccessKey         string `toml:"s3_access_key"`
	S3SecretKey         string `toml:"s3_secret_key"`
	S3UseSSL            bool   `toml:"s3_use_ssl"`
	S3PublicURL         string `toml:"s3_public_url"`
	MediaMaxImageBytes  int64  `toml:"media_max_image_bytes"`
	MediaMaxVideoBytes  int64  `toml:"media_max_video_bytes"`
	MediaMaxImagePixels int    `toml:"media_max_image_pixels"`
	MediaCacheRemote    bool   `toml:"media_cache_remote"`
	MediaRemoteMaxBytes int64  `toml:"media_remote_max_bytes"`
}

// Media storage backends (media_storage).
const (
	MediaStorageLocal = "local"
	MediaStorageS3    = "s3"
)

// SMTP TLS modes.
const (
	SMTPStartTLS = "starttls"
	SMTPTLS      = "tls"
	SMTPNoTLS    = "none"
)

// Registration modes.
const (
	RegistrationsClosed   = "closed"
	RegistrationsInvite   = "invite"
	RegistrationsApproval = "approval"
	RegistrationsOpen     = "open"
)

// Default is the configuration of `kontor serve` on a fresh machine with no
// config file: plain HTTP on localhost with an SQLite file beside it.
func Default() Config {
	return Config{
		Listen:          "localhost:8080",
		Host:            "localhost:8080",
		Protocol:        "http",
		Database:        "sqlite://kontor.db",
		MediaDir:        "kontor-media",
		Registrations:   RegistrationsClosed,
		LogLevel:        "info",
		LogFormat:       "text",
		InstanceTitle:   "Kontor",
		MaxRequestBytes: 40 << 20,
		ShutdownTimeout: 20 * time.Second,

		InboxMaxBytes:       1 << 20,
		DeliveryConcurrency: 256,
		InboxWorkers:        16,
		MaxStatusCharacters: 500,
		APIRateLimit:        300,
		APIRateLimitIP:      7500,

		SMTPPort:        587,
		SMTPTLS:         SMTPStartTLS,
		OIDCDisplayName: "single sign-on",
		OIDCScopes:      []string{"openid", "email", "profile"},

		MediaStorage:        MediaStorageLocal,
		S3UseSSL:            true,
		MediaMaxImageBytes:  16 << 20,
		MediaMaxVideoBytes:  40 << 20,
		MediaMaxImagePixels: 33_177_600, // 7680x4320, Mastodon's image_matrix_limit
		MediaRemoteMaxBytes: 40 << 20,
	}
}

// Error names the key whose value is wrong, so the CLI can print one clear line.
type Error struct {
	Key string
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Key, e.Msg) }

func keyError(key, format string, args ...any) error {
	return &Error{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Load builds the configuration. path is the config file; when explicit is
// false a missing file is fine (defaults apply), when true it is an error.
// environ is the process environment (os.Environ() in production).
func Load(path string, explicit bool, environ []string) (*Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			md, err := toml.Decode(string(data), &cfg)
			if err != nil {
				return nil, tomlError(path, err)
			}
			if undecoded := md.Undecoded(); len(undecoded) > 0 {
				return nil, keyError(undecoded[0].String(), "unknown key in %s", path)
			}
		case errors.Is(err, fs.ErrNotExist) && !explicit:
		default:
			return nil, &Error{Key: "--config", Msg: err.Error()}
		}
	}
	if err := applyEnv(&cfg, environ); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

var lastKeyPattern = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]+)"\):(.*)$`)

func tomlError(path string, err error) error {
	var perr toml.ParseError
	if errors.As(err, &perr) {
		key := perr.LastKey
		if key == "" {
			key = path
		}
		return &Error{Key: key, Msg: strings.ReplaceAll(perr.Message, "\n", " ") + fmt.Sprintf(" (line %d)", perr.Position.Line)}
	}
	// Type mismatches name the key only in the message:
	// toml: line 3 (last key "listen"): incompatible types: …
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if m := lastKeyPattern.FindStringSubmatch(msg); m != nil {
		return &Error{Key: m[2], Msg: strings.TrimPrefix(m[3], " ") + " (line " + m[1] + ")"}
	}
	return &Error{Key: path, Msg: msg}
}

// EnvName is the environment variable that overrides a key.
func EnvName(key string) string { return "KONTOR_" + strings.ToUpper(key) }

// Keys lists every key, in declaration order (used by the docs test).
func Keys() []string {
	t := reflect.TypeOf(Config{})
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		keys = append(keys, t.Field(i).Tag.Get("toml"))
	}
	return keys
}

func applyEnv(cfg *Config, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "KONTOR_") {
			env[k] = v
		}
	}
	v := reflect.ValueOf(cfg).Elem()
	t := v.Type()
	for i := range t.NumField() {
		key := t.Field(i).Tag.Get("toml")
		raw, ok := env[EnvName(key)]
		if !ok {
			continue
		}
		if err := setFromString(v.Field(i), raw); err != nil {
			return keyError(key, "%s=%q: %v", EnvName(key), raw, err)
		}
	}
	return nil
}

var durationType = reflect.TypeOf(time.Duration(0))

func setFromString(f reflect.Value, raw string) error {
	if f.Type() == durationType {
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("not a duration (e.g. 30s, 5m)")
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("not a boolean (true or false)")
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return errors.New("not a whole number")
		}
		f.SetInt(n)
	case reflect.Slice:
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		f.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}

func (c *Config) validate() error {
	if c.Listen == "" {
		return keyError("listen", "must not be empty (e.g. \"127.0.0.1:8080\")")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return keyError("listen", "%q is not host:port", c.Listen)
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			return keyError("metrics_listen", "%q is not host:port (e.g. \"127.0.0.1:9090\")", c.MetricsListen)
		}
		if c.MetricsListen == c.Listen {
			return keyError("metrics_listen", "must differ from listen: metrics never go on the public listener")
		}
	}
	c.Host = strings.ToLower(strings.TrimSpace(c.Host))
	if err := validHost(c.Host); err != nil {
		return keyError("host", "%v", err)
	}
	c.AccountDomain = strings.ToLower(strings.TrimSpace(c.AccountDomain))
	if c.AccountDomain == "" {
		c.AccountDomain = c.Host
	} else if err := validHost(c.AccountDomain); err != nil {
		return keyError("account_domain", "%v", err)
	}
	if c.Protocol != "http" && c.Protocol != "https" {
		return keyError("protocol", "%q: want \"https\" (or \"http\" for local use)", c.Protocol)
	}
	if strings.TrimSpace(c.Database) == "" {
		return keyError("database", "must not be empty (sqlite://path/to.db or postgres://user@host:5432/db)")
	}
	if c.MediaDir == "" {
		return keyError("media_dir", "must not be empty")
	}
	switch c.FederationMode {
	case "":
		c.FederationMode = "blocklist"
	case "blocklist", "allowlist":
	default:
		return keyError("federation_mode", "%q: want blocklist or allowlist", c.FederationMode)
	}
	switch c.Registrations {
	case RegistrationsClosed, RegistrationsInvite, RegistrationsApproval, RegistrationsOpen:
	default:
		return keyError("registrations", "%q: want closed, invite, approval or open", c.Registrations)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return keyError("log_level", "%q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return keyError("log_format", "%q: want text or json", c.LogFormat)
	}
	if c.ContactEmail != "" && !strings.Contains(c.ContactEmail, "@") {
		return keyError("contact_email", "%q is not an email address", c.ContactEmail)
	}
	for i, rule := range c.Rules {
		if c.Rules[i] = strings.TrimSpace(rule); c.Rules[i] == "" {
			return keyError("rules", "rule %d is empty", i+1)
		}
	}
	if c.MaxRequestBytes < 1<<10 {
		return keyError("max_request_bytes", "%d is too small (at least 1024)", c.MaxRequestBytes)
	}
	if c.ShutdownTimeout <= 0 {
		return keyError("shutdown_timeout", "must be positive (e.g. \"20s\")")
	}
	for _, p := range c.TrustedProxies {
		if _, err := parseCIDROrIP(p); err != nil {
			return keyError("trusted_proxies", "%q is not an IP address or CIDR range", p)
		}
	}
	for _, p := range c.AllowedPrivateNetworks {
		if _, err := parseCIDROrIP(p); err != nil {
			return keyError("allowed_private_networks", "%q is not an IP address or CIDR range", p)
		}
	}
	if c.InboxMaxBytes < 1<<10 || c.InboxMaxBytes > c.MaxRequestBytes {
		return keyError("inbox_max_bytes", "%d: want between 1024 and max_request_bytes", c.InboxMaxBytes)
	}
	for i, d := range c.DomainBlocks {
		d = strings.ToLower(strings.TrimSpace(d))
		if err := validHost(d); err != nil || strings.Contains(d, ":") {
			return keyError("domain_blocks", "%q is not a domain", c.DomainBlocks[i])
		}
		c.DomainBlocks[i] = d
	}
	if c.DeliveryConcurrency < 1 || c.DeliveryConcurrency > 4096 {
		return keyError("delivery_concurrency", "%d: want 1 to 4096", c.DeliveryConcurrency)
	}
	if c.InboxWorkers < 1 || c.InboxWorkers > 256 {
		return keyError("inbox_workers", "%d: want 1 to 256", c.InboxWorkers)
	}
	if c.APIRateLimit < 0 {
		return keyError("api_rate_limit", "must not be negative (0 turns it off)")
	}
	if c.APIRateLimitIP < 0 {
		return keyError("api_rate_limit_ip", "must not be negative (0 turns it off)")
	}
	if c.MaxStatusCharacters < 1 || c.MaxStatusCharacters > 100000 {
		return keyError("max_status_characters", "%d: want 1 to 100000", c.MaxStatusCharacters)
	}
	for i, d := range c.AllowedEmailDomains {
		d = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "@")
		if err := validHost(d); err != nil || strings.Contains(d, ":") {
			return keyError("allowed_email_domains", "%q is not a domain", c.AllowedEmailDomains[i])
		}
		c.AllowedEmailDomains[i] = d
	}
	if err := c.validateMailAndSSO(); err != nil {
		return err
	}
	return c.validateMedia()
}

// validateMailAndSSO checks the SMTP and OpenID Connect keys.
func (c *Config) validateMailAndSSO() error {
	switch c.SMTPTLS {
	case SMTPStartTLS, SMTPTLS, SMTPNoTLS:
	default:
		return keyError("smtp_tls", "%q: want starttls, tls or none", c.SMTPTLS)
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		return keyError("smtp_port", "%d: want 1 to 65535", c.SMTPPort)
	}
	if c.SMTPHost != "" && !strings.Contains(c.SMTPFrom, "@") {
		return keyError("smtp_from", "must be an email address when smtp_host is set (e.g. \"Kontor <noreply@example.com>\")")
	}
	if c.SMTPPassword != "" && c.SMTPUsername == "" {
		return keyError("smtp_username", "must be set when smtp_password is")
	}
	if c.OIDCIssuer != "" {
		u, err := url.Parse(c.OIDCIssuer)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return keyError("oidc_issuer", "%q is not an http(s) URL", c.OIDCIssuer)
		}
		if c.OIDCClientID == "" {
			return keyError("oidc_client_id", "must be set when oidc_issuer is")
		}
		if !slices.Contains(c.OIDCScopes, "openid") {
			return keyError("oidc_scopes", "must contain \"openid\"")
		}
	}
	if c.SSOOnly && c.OIDCIssuer == "" {
		return keyError("sso_only", "needs oidc_issuer (nobody could sign in)")
	}
	return nil
}

// SMTPEnabled reports whether mail is sent (smtp_host is set).
func (c *Config) SMTPEnabled() bool { return c.SMTPHost != "" }

// OIDCEnabled reports whether single sign-on is configured.
func (c *Config) OIDCEnabled() bool { return c.OIDCIssuer != "" }

// EmailDomainAllowed reports whether an email address may sign up under
// allowed_email_domains: its domain is one of them or a subdomain of one.
// An empty list allows every domain.
func (c *Config) EmailDomainAllowed(email string) bool {
	if len(c.AllowedEmailDomains) == 0 {
		return true
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	domain := strings.TrimSuffix(strings.ToLower(email[at+1:]), ".")
	for _, d := range c.AllowedEmailDomains {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

// validateMedia checks the media storage and limit keys.
func (c *Config) validateMedia() error {
	switch c.MediaStorage {
	case MediaStorageLocal:
	case MediaStorageS3:
		if strings.TrimSpace(c.S3Endpoint) == "" {
			return keyError("s3_endpoint", "must be set when media_storage is \"s3\" (host[:port], e.g. \"s3.eu-central-1.amazonaws.com\")")
		}
		if strings.TrimSpace(c.S3Bucket) == "" {
			return keyError("s3_bucket", "must be set when media_storage is \"s3\"")
		}
	default:
		return keyError("media_storage", "%q: want \"local\" or \"s3\"", c.MediaStorage)
	}
	if c.S3Endpoint != "" && strings.Contains(c.S3Endpoint, "://") {
		if u, err := url.Parse(c.S3Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return keyError("s3_endpoint", "%q: want host[:port] (or an http:// or https:// URL)", c.S3Endpoint)
		}
	}
	if c.S3PublicURL != "" {
		if u, err := url.Parse(c.S3PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return keyError("s3_public_url", "%q: want an http:// or https:// URL", c.S3PublicURL)
		}
	}
	for _, l := range []struct {
		key string
		v   int64
	}{{"media_max_image_bytes", c.MediaMaxImageBytes}, {"media_max_video_bytes", c.MediaMaxVideoBytes}} {
		if l.v < 1<<10 {
			return keyError(l.key, "%d is too small (at least 1024)", l.v)
		}
		if l.v > c.MaxRequestBytes {
			return keyError(l.key, "%d is larger than max_request_bytes (%d): uploads that large would be refused; raise max_request_bytes too", l.v, c.MaxRequestBytes)
		}
	}
	if c.MediaMaxImagePixels < 1 {
		return keyError("media_max_image_pixels", "must be positive (e.g. 33177600 for 7680x4320)")
	}
	if c.MediaRemoteMaxBytes < 1<<10 {
		return keyError("media_remote_max_bytes", "%d is too small (at least 1024)", c.MediaRemoteMaxBytes)
	}
	return nil
}

func validHost(h string) error {
	if h == "" {
		return errors.New("must not be empty (the public host[:port] of the instance, e.g. \"social.example.com\")")
	}
	if strings.ContainsAny(h, "/ @?#") {
		return fmt.Errorf("%q: want a bare host[:port], without scheme or path", h)
	}
	u, err := url.Parse("http://" + h)
	if err != nil || u.Host != h || u.Hostname() == "" {
		return fmt.Errorf("%q is not a valid host[:port]", h)
	}
	return nil
}

func parseCIDROrIP(s string) (*net.IPNet, error) {
	if _, n, err := net.ParseCIDR(s); err == nil {
		return n, nil
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return nil, errors.New("bad address")
	}
	bits := 32
	if ip.To4() == nil {
		bits = 128
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
}

// ParseNetworks parses a list of IPs and CIDR ranges (already validated).
func ParseNetworks(list []string) []*net.IPNet {
	var out []*net.IPNet
	for _, s := range list {
		if n, err := parseCIDROrIP(s); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// BaseURL is the public URL of the instance, e.g. https://social.example.com.
func (c *Config) BaseURL() string { return c.Protocol + "://" + c.Host }
