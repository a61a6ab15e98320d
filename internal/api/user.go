package api

import "context"

// TokenUser is who a request made with the API token is, in audit records.
const TokenUser = "api-token"

type userKey struct{}

// WithUser records who makes a request (a signed-in user's name), for route
// sets that keep audit records of what was done by whom.
func WithUser(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, userKey{}, name)
}

// User returns who makes a request: the name WithUser recorded, else
// TokenUser (a route set's own authenticate admits the API token only).
func User(ctx context.Context) string {
	if u, _ := ctx.Value(userKey{}).(string); u != "" {
		return u
	}
	return TokenUser
}
