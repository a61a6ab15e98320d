package collector

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// GoogleTokenURL is Google's OAuth 2.0 token endpoint.
const GoogleTokenURL = "https://oauth2.googleapis.com/token"

// TokenSource gets OAuth 2.0 access tokens from a token endpoint through a
// source's guarded client and keeps each until a minute before it expires.
// The grant (a refresh token, a service account's signed assertion) is its
// only difference between providers.
type TokenSource struct {
	http     *HTTP
	tokenURL string
	// grant returns the form posted to the token endpoint.
	grant func(now time.Time) (url.Values, error)
	// credentials names the configuration keys that hold the grant's
	// secrets, for errors.
	credentials string

	mu     sync.Mutex
	token  string
	expiry time.Time
}

// NewRefreshTokenSource returns a token source for the refresh-token grant
// of an OAuth client (RFC 6749 §6). credentials names the keys that hold the
// client id, secret and refresh token, for errors.
func NewRefreshTokenSource(h *HTTP, tokenURL, clientID, clientSecret, refreshToken, credentials string) *TokenSource {
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {clientID}, "client_secret": {clientSecret}, "refresh_token": {refreshToken}}
	return &TokenSource{http: h, tokenURL: tokenURL, credentials: credentials,
		grant: func(time.Time) (url.Values, error) { return form, nil }}
}

// NewServiceAccountSource returns a token source for a Google service
// account: a JWT signed with the account's key (RS256) exchanged for an
// access token (the JWT bearer grant, RFC 7523). tokenURL is where the
// assertion is posted ("" for the key's own token_uri); the assertion's
// audience is always the key's token_uri, as Google requires.
func NewServiceAccountSource(h *HTTP, tokenURL string, key *ServiceAccountKey, scope, credentials string) *TokenSource {
	if tokenURL == "" {
		tokenURL = key.TokenURI
	}
	return &TokenSource{http: h, tokenURL: tokenURL, credentials: credentials,
		grant: func(now time.Time) (url.Values, error) {
			jwt, err := key.assertion(scope, now)
			if err != nil {
				return nil, err
			}
			return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {jwt}}, nil
		}}
}

// Token returns a valid access token, fetching a new one when the cached one
// is missing or about to expire. A refusal names the credentials' keys.
func (t *TokenSource) Token(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if t.token != "" && now.Before(t.expiry) {
		return t.token, nil
	}
	form, err := t.grant(now)
	if err != nil {
		return "", fmt.Errorf("%s: %w", t.credentials, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("%s: token URL: %w", t.credentials, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("getting an access token with %s: %w", t.credentials, err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		Error       string `json:"error"`
	}
	if err := DecodeJSON(resp, &tok); err != nil {
		return "", fmt.Errorf("getting an access token with %s: %w", t.credentials, err)
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("getting an access token with %s: POST %s: no access_token in the answer (error %q)", t.credentials, RedactURL(req.URL), tok.Error)
	}
	t.token = tok.AccessToken
	t.expiry = now.Add(time.Duration(max(tok.ExpiresIn-60, 30)) * time.Second)
	return t.token, nil
}

// forget drops the cached token if it is still tok (the API refused it).
func (t *TokenSource) forget(tok string) {
	t.mu.Lock()
	if t.token == tok {
		t.token = ""
	}
	t.mu.Unlock()
}

// GetJSON is HTTP.GetJSON with the access token as bearer. A token the API
// refuses (401) is replaced once; a second refusal, or a 403, is an error
// naming the credentials' keys.
func (t *TokenSource) GetJSON(ctx context.Context, rawURL string, v any) (http.Header, error) {
	for attempt := 0; ; attempt++ {
		tok, err := t.Token(ctx)
		if err != nil {
			return nil, err
		}
		hdr, err := t.http.GetJSON(ctx, rawURL, http.Header{"Authorization": {"Bearer " + tok}}, v)
		var se *StatusError
		if errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			t.forget(tok)
			if attempt == 0 {
				continue
			}
		}
		return hdr, RefusedCredential(err, t.credentials)
	}
}

// ServiceAccountKey is the part of a Google service account's JSON key file
// that signing needs.
type ServiceAccountKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
	TokenURI     string `json:"token_uri"`

	rsa *rsa.PrivateKey
}

// ParseServiceAccountKey reads a service account's JSON key file (as the
// Google Cloud console downloads it).
func ParseServiceAccountKey(b []byte) (*ServiceAccountKey, error) {
	var k ServiceAccountKey
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("not a service account JSON key: %w", err)
	}
	if k.Type != "service_account" || k.ClientEmail == "" || k.PrivateKey == "" {
		return nil, fmt.Errorf("not a service account JSON key (type %q, client_email %q, private_key set: %v)", k.Type, k.ClientEmail, k.PrivateKey != "")
	}
	block, _ := pem.Decode([]byte(k.PrivateKey))
	if block == nil {
		return nil, errors.New("private_key: not PEM")
	}
	var parsed any
	var err error
	if parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		if parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return nil, fmt.Errorf("private_key: neither PKCS #8 nor PKCS #1: %w", err)
		}
	}
	var ok bool
	if k.rsa, ok = parsed.(*rsa.PrivateKey); !ok {
		return nil, fmt.Errorf("private_key: a %T, want RSA", parsed)
	}
	if k.TokenURI == "" {
		k.TokenURI = GoogleTokenURL
	}
	return &k, nil
}

// assertion is the signed JWT of the JWT bearer grant, valid for an hour.
func (k *ServiceAccountKey) assertion(scope string, now time.Time) (string, error) {
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": k.PrivateKeyID})
	claims, _ := json.Marshal(map[string]any{
		"iss": k.ClientEmail, "scope": scope, "aud": k.TokenURI,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("signing the token request: %w", err)
	}
	return signed + "." + enc.EncodeToString(sig), nil
}
