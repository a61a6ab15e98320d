package collector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// Secret is a credential read from the environment variable that one of a
// source's *_env keys names. It prints as where it came from, never as its
// value, so that errors can say which credential a service refused.
type Secret struct {
	key, env, value string
}

// LoadSecret reads the credential of the configuration key key (such as
// bearer_token_env) from the variable it names, configured, or from def
// when the key is not set. An unset or empty variable is an error naming
// both.
func LoadSecret(key, configured, def string) (Secret, error) {
	name := configured
	if name == "" {
		name = def
	}
	if name == "" {
		return Secret{}, fmt.Errorf("%s: required: the environment variable that holds the credential", key)
	}
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return Secret{}, fmt.Errorf("%s: $%s is not set (set %s to read another variable)", key, name, key)
	}
	return Secret{key: key, env: name, value: v}, nil
}

// Value is the credential itself.
func (s Secret) Value() string { return s.value }

// String names where the credential came from: "$VAR (key)".
func (s Secret) String() string { return "$" + s.env + " (" + s.key + ")" }

// Bearer returns an Authorization header carrying the credential as a
// bearer token.
func (s Secret) Bearer() http.Header {
	return http.Header{"Authorization": {"Bearer " + s.value}}
}

// Refused wraps err, an answer that refused the credential in the
// service's own words (an invalid or expired token), in an *AuthError
// naming where the credential came from.
func (s Secret) Refused(err error) error { return &AuthError{Credential: s.String(), Err: err} }

// RefusedCredential wraps an HTTP 401 or 403 answer in an *AuthError naming
// the configuration that holds the credential; other errors pass
// unchanged.
func RefusedCredential(err error, credential string) error {
	var se *StatusError
	if errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden) {
		return &AuthError{Credential: credential, Err: err}
	}
	return err
}

// AuthError is a service refusing a configured credential.
type AuthError struct {
	// Credential names the variable and key it was read from.
	Credential string
	Err        error
}

func (e *AuthError) Error() string {
	return "the credential in " + e.Credential + " was refused: " + e.Err.Error()
}

func (e *AuthError) Unwrap() error { return e.Err }

// EndsPass reports whether err, met on one feed of a source that reads
// several, should end the whole pass rather than only that feed: the
// service asks to wait (a *RateLimitError), refuses the credential (an
// *AuthError), or the pass is stopping.
func EndsPass(ctx context.Context, err error) bool {
	var auth *AuthError
	_, limited := RetryAfter(err, time.Now())
	return limited || errors.As(err, &auth) || ctx.Err() != nil
}
