package pdp

import (
	"context"
	"errors"
	"time"
)

// ErrorKind tells apart the ways a target can fail to decide, so that every
// front end (explorer, CLI, history, exports) can say what to do about it
// (re-enter the key, start the PDP, wait, ...) without reading the message.
//
// The kind is decided once, where the failure happens (the HTTP client
// sees the status, the transport error, the body); everything downstream
// reads it. History stores it beside the message, so a decision read back
// is explained as it was live.
type ErrorKind int

// The kinds of TargetError. The zero value is not used, so a kind nobody set
// is visibly "unknown".
const (
	// ErrorAuth: HTTP 401 or 403, the API key is missing or wrong.
	ErrorAuth ErrorKind = iota + 1
	// ErrorBadRequest: HTTP 400, 413, 415 or 422, the PDP refused the body.
	ErrorBadRequest
	// ErrorRateLimited: HTTP 429 (the cloud PDP); TargetError.Retry holds Retry-After.
	ErrorRateLimited
	// ErrorNotSupported: HTTP 501, or 404/405 for an endpoint this PDP
	// lacks (the cloud PDP has no all-tenants check).
	ErrorNotSupported
	// ErrorServer: HTTP 5xx, the PDP failed or is not ready.
	ErrorServer
	// ErrorRefused: nothing listens at the URL.
	ErrorRefused
	// ErrorTimeout: no complete answer within the time limit.
	ErrorTimeout
	// ErrorCanceled: the caller cancelled the request.
	ErrorCanceled
	// ErrorBadResponse: HTTP 200 that is not a decision (not JSON, no
	// boolean allow, too large, wrong count), a redirect or an unexpected status.
	ErrorBadResponse
	// ErrorNetwork: DNS, TLS and other transport failures.
	ErrorNetwork
	// ErrorNoABAC: the PDP does not evaluate ABAC (the cloud PDP's HTTP 501
	// on a check, or a PDP that says so): a local PDP or the embedded
	// engine can decide the check.
	ErrorNoABAC
)

var errorKindNames = map[ErrorKind]string{
	ErrorAuth:         "auth",
	ErrorBadRequest:   "bad_request",
	ErrorRateLimited:  "rate_limited",
	ErrorNotSupported: "not_supported",
	ErrorServer:       "server",
	ErrorRefused:      "refused",
	ErrorTimeout:      "timeout",
	ErrorCanceled:     "canceled",
	ErrorBadResponse:  "bad_response",
	ErrorNetwork:      "network",
	ErrorNoABAC:       "no_abac",
}

// String is a stable snake_case name: history stores it and exports print
// it, so a name never changes once released.
func (k ErrorKind) String() string {
	if s, ok := errorKindNames[k]; ok {
		return s
	}
	return "unknown"
}

// ParseErrorKind reads a name String wrote. An unknown or empty name is 0
// (a row written before kinds were kept, or by a newer pdpx).
func ParseErrorKind(s string) ErrorKind {
	for k, name := range errorKindNames {
		if name == s {
			return k
		}
	}
	return 0
}

// TargetError is why a target produced no decision. Every field is safe to
// show and store: none holds the API key, and text that came from a PDP has
// been passed through Clean by whoever made the error.
type TargetError struct {
	Kind ErrorKind
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// URL is the PDP's base URL (no credentials).
	URL string
	// Msg is the whole message for a person, naming the URL and what to do.
	Msg string
	// Detail is the PDP's own explanation, cleaned and truncated, if it gave one.
	Detail string
	// Retry is the PDP's Retry-After for ErrorRateLimited, 0 when not given.
	Retry time.Duration
	// Cause is the transport error behind the failure, if any (not shown:
	// Msg already says what a person needs).
	Cause error
}

func (e *TargetError) Error() string { return e.Msg }

// Unwrap returns Cause, so that errors.Is(err, context.Canceled) and
// friends see through the TargetError.
func (e *TargetError) Unwrap() error { return e.Cause }

// ErrorKindOf is the kind of err: a TargetError's own (err may wrap one), or
// for a context that ended before a target could answer (the embedded
// engine's cancelled check), ErrorCanceled or ErrorTimeout; else 0.
func ErrorKindOf(err error) ErrorKind {
	var e *TargetError
	switch {
	case errors.As(err, &e):
		return e.Kind
	case errors.Is(err, context.Canceled):
		return ErrorCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return ErrorTimeout
	}
	return 0
}

// CodeCloudNoABAC is the debug code the cloud PDP puts in the abac block: it
// does not evaluate ABAC. The answer is still a valid deny (RBAC and ReBAC
// were evaluated); the explainer tells the person why ABAC did not count.
const CodeCloudNoABAC = "cloud_pdp_not_supporting_abac"

// ABACUnsupported reports whether d was shaped by a PDP that does not
// evaluate ABAC: a deny carrying CodeCloudNoABAC, or an ErrorNoABAC error.
func ABACUnsupported(d Decision) bool {
	if d.Debug != nil && d.Debug.ABAC != nil && d.Debug.ABAC.Code == CodeCloudNoABAC {
		return true
	}
	return ErrorKindOf(d.Err) == ErrorNoABAC
}
