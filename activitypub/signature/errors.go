package signature

// Error is returned by Verify for every rejected request. Reason is short and
// safe to show to the remote server (the inbox puts it in its 401 body); Err,
// if set, carries detail for logs and is not meant for clients.
type Error struct {
	Reason string
	Err    error
}

// Error returns the reason and, for logs, the cause.
func (e *Error) Error() string {
	if e.Err != nil {
		return "http signature: " + e.Reason + ": " + e.Err.Error()
	}
	return "http signature: " + e.Reason
}

// Unwrap gives errors.Is/As access to the cause, e.g. a resolver's error.
func (e *Error) Unwrap() error { return e.Err }

// Reasons used by Verify. They describe the request, never echo its contents.
const (
	reasonNoSignature      = "no signature"
	reasonMalformed        = "malformed signature header"
	reasonMultiple         = "multiple signature headers"
	reasonUnsupportedAlg   = "unsupported algorithm"
	reasonPseudoHeader     = "(created) and (expires) not allowed with rsa-sha256"
	reasonMissingHeader    = "signed header missing from request"
	reasonMissingSigned    = "missing signed header: "
	reasonMissingComponent = "missing signed component: "
	reasonBadComponent     = "unsupported signed component"
	reasonMissingKeyID     = "missing keyid"
	reasonMissingCreated   = "missing created"
	reasonInvalidDate      = "invalid date"
	reasonExpired          = "signature expired"
	reasonFuture           = "signature date in the future"
	reasonNoDigest         = "missing digest"
	reasonDigestAlg        = "unsupported digest algorithm"
	reasonDigestMalformed  = "malformed digest"
	reasonDigestMismatch   = "digest mismatch"
	reasonUnknownKey       = "unknown key"
	reasonInvalid          = "invalid signature"
)

func fail(reason string, err error) *Error { return &Error{Reason: reason, Err: err} }
