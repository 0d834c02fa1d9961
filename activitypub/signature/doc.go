// Package signature signs and verifies HTTP requests between federated
// servers: draft-cavage-http-signatures-12 (what every ActivityPub server
// reads and sends) and RFC 9421 HTTP Message Signatures (used when a peer
// rejects cavage, and accepted on receipt). It is the only place in Kontor
// that does either.
package signature
