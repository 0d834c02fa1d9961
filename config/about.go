package config

// PrivacyPolicyText is the configured privacy policy, or the default one.
func (c *Config) PrivacyPolicyText() string {
	if c.PrivacyPolicy != "" {
		return c.PrivacyPolicy
	}
	return DefaultPrivacyPolicy(c.InstanceTitle, c.ContactEmail)
}

// DefaultPrivacyPolicy is the policy of an instance that wrote none: short
// and true, what Kontor stores and where it sends it (Markdown).
func DefaultPrivacyPolicy(title, contactEmail string) string {
	text := title + " stores what you post and share with it to run your account, " +
		"and sends your public posts, and posts you address to others, to the servers of their recipients."
	if contactEmail != "" {
		text += "\n\nQuestions: " + contactEmail
	}
	return text
}
