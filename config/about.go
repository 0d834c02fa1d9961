package config

// PrivacyPolicyText is the configured privacy policy, or a short and true
// default: what Kontor stores and where it sends it.
func (c *Config) PrivacyPolicyText() string {
	if c.PrivacyPolicy != "" {
		return c.PrivacyPolicy
	}
	text := c.InstanceTitle + " stores what you post and share with it to run your account, " +
		"and sends your public posts, and posts you address to others, to the servers of their recipients."
	if c.ContactEmail != "" {
		text += "\n\nQuestions: " + c.ContactEmail
	}
	return text
}
