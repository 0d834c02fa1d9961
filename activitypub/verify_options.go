package activitypub

import "github.com/kontor-social/kontor/activitypub/signature"

// verifyOptions are the checks of signatures on requests to this server:
// the scheme it is reached by, and the names a signature must have been
// made for (host, and account_domain, which peers may address too).
func (e *Engine) verifyOptions(requireDigest bool) signature.VerifyOptions {
	return signature.VerifyOptions{RequireDigest: requireDigest, Scheme: e.opts.Protocol,
		Hosts: []string{e.urls.Host(), e.urls.AccountDomain()}}
}
