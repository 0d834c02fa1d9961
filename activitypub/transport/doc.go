// Package transport is the one HTTP client Kontor uses to talk to other
// servers: signed GETs of actors and objects, unsigned GETs of WebFinger and
// NodeInfo, and signed POSTs to inboxes.
//
// Every connection passes an SSRF guard that looks at the IP address actually
// dialled (after DNS resolution, so a name that later resolves elsewhere
// cannot slip past it) and refuses loopback, private, link-local, CGNAT,
// multicast and other non-public ranges unless Options.AllowedNetworks lists
// them. Redirects are followed by hand, each hop re-checked and re-signed.
package transport
