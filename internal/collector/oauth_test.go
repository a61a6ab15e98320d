package collector_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/ewom/ewom/internal/collector"
	"github.com/ewom/ewom/internal/collector/collectortest"
)

func guarded(t *testing.T) *collector.HTTP {
	t.Helper()
	h, err := (&collector.Env{Name: "oauth-test"}).HTTP(collector.HTTPOptions{AllowNetworks: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// api answers 200 to the latest token the endpoint issued, 401 otherwise,
// and counts the requests.
func api(t *testing.T, tokens *collectortest.TokenEndpoint, refuse func() bool) (string, func() int) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		if refuse() || !tokens.Authorized(r) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

func TestRefreshTokenSource(t *testing.T) {
	var forms []url.Values
	tokens := collectortest.NewTokenEndpoint(t, func(f url.Values) error {
		forms = append(forms, f)
		if f.Get("refresh_token") != "1//refresh" {
			return errors.New("Token has been expired or revoked.")
		}
		return nil
	})
	const keys = "client_id_env, client_secret_env and refresh_token_env"
	ts := collector.NewRefreshTokenSource(guarded(t), tokens.URL, "client", "secret", "1//refresh", keys)
	ctx := context.Background()
	a, err := ts.Token(ctx)
	b, _ := ts.Token(ctx)
	if err != nil || a != "token-1" || b != a || tokens.Issued() != 1 {
		t.Fatalf("%q %q %v, %d issued", a, b, err, tokens.Issued())
	}
	want := url.Values{"grant_type": {"refresh_token"}, "client_id": {"client"}, "client_secret": {"secret"}, "refresh_token": {"1//refresh"}}
	if got := forms[0].Encode(); got != want.Encode() {
		t.Errorf("form %s", got)
	}

	// A token the API refuses is replaced once; a second refusal names
	// the credentials.
	refuse := false
	u, requests := api(t, tokens, func() bool { return refuse })
	tokens2 := collector.NewRefreshTokenSource(guarded(t), tokens.URL, "client", "secret", "1//refresh", keys)
	tokens2.Token(ctx) // token-2, made stale by token-3 for another source
	collector.NewRefreshTokenSource(guarded(t), tokens.URL, "client", "secret", "1//refresh", keys).Token(ctx)
	var v struct{ OK bool }
	if _, err := tokens2.GetJSON(ctx, u, &v); err != nil || !v.OK || requests() != 2 || tokens.Issued() != 4 {
		t.Fatalf("stale token: %v %v, %d requests, %d issued", err, v, requests(), tokens.Issued())
	}
	refuse = true
	_, err = tokens2.GetJSON(ctx, u, &v)
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), keys) {
		t.Fatalf("refused: %v", err)
	}

	// A refused grant names the credentials, never the secrets.
	_, err = collector.NewRefreshTokenSource(guarded(t), tokens.URL, "client", "s3cr3t", "1//zz-old-refresh", keys).Token(ctx)
	if err == nil || !strings.Contains(err.Error(), keys) || !strings.Contains(err.Error(), "invalid_grant") || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "zz-old-refresh") {
		t.Fatalf("refused grant: %v", err)
	}
}

func TestTokenSourceAnswersWithoutAToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"error":"unsupported_grant_type"}`))
	}))
	defer srv.Close()
	_, err := collector.NewRefreshTokenSource(guarded(t), srv.URL, "c", "s", "r", "refresh_token_env").Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no access_token") || !strings.Contains(err.Error(), "unsupported_grant_type") || !strings.Contains(err.Error(), "refresh_token_env") {
		t.Fatal(err)
	}
}

func serviceAccountJSON(t *testing.T, pemType string, der []byte) []byte {
	b, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com", "private_key_id": "k1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}))})
	return b
}

func TestServiceAccountSource(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	var claims map[string]any
	tokens := collectortest.NewTokenEndpoint(t, func(f url.Values) error {
		parts := strings.Split(f.Get("assertion"), ".")
		if f.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || len(parts) != 3 {
			return errors.New("not a JWT bearer grant")
		}
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
			return err
		}
		c, _ := base64.RawURLEncoding.DecodeString(parts[1])
		return json.Unmarshal(c, &claims)
	})
	for _, k := range []struct {
		pemType string
		der     []byte
	}{{"PRIVATE KEY", pkcs8}, {"RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)}} {
		sa, err := collector.ParseServiceAccountKey(serviceAccountJSON(t, k.pemType, k.der))
		if err != nil || sa.TokenURI != collector.GoogleTokenURL {
			t.Fatalf("%s: %v %+v", k.pemType, err, sa)
		}
		// Posted to a test endpoint, addressed to Google all the same.
		ts := collector.NewServiceAccountSource(guarded(t), tokens.URL, sa, "https://www.googleapis.com/auth/androidpublisher", "key_file")
		if _, err := ts.Token(context.Background()); err != nil {
			t.Fatalf("%s: %v", k.pemType, err)
		}
		if claims["aud"] != collector.GoogleTokenURL || claims["iss"] != "sa@p.iam.gserviceaccount.com" || claims["exp"].(float64)-claims["iat"].(float64) != 3600 {
			t.Errorf("claims %v", claims)
		}
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	for name, raw := range map[string][]byte{
		"not JSON":          []byte(`{"type":`),
		"user credentials":  []byte(`{"type":"authorized_user","client_id":"x"}`),
		"no PEM":            []byte(`{"type":"service_account","client_email":"a@b","private_key":"MIIEv…"}`),
		"EC key":            serviceAccountJSON(t, "PRIVATE KEY", ecDER),
		"not a private key": serviceAccountJSON(t, "PRIVATE KEY", []byte("junk")),
	} {
		if _, err := collector.ParseServiceAccountKey(raw); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRefusedCredential(t *testing.T) {
	other := &collector.StatusError{Method: "GET", URL: "https://x", Status: 500}
	if got := collector.RefusedCredential(other, "api_key_env"); got != other {
		t.Errorf("a 500 was called a refusal: %v", got)
	}
	got := collector.RefusedCredential(&collector.StatusError{Method: "GET", URL: "https://x", Status: 403}, "$K (api_key_env)")
	var auth *collector.AuthError
	if !errors.As(got, &auth) || !strings.HasPrefix(got.Error(), "the credential in $K (api_key_env) was refused: ") {
		t.Errorf("403: %v", got)
	}
	if !collector.EndsPass(context.Background(), got) {
		t.Error("a refused credential does not end the pass")
	}
}
