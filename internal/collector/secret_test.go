package collector

import (
	"errors"
	"strings"
	"testing"
)

func TestLoadSecret(t *testing.T) {
	t.Setenv("EWOM_TEST_TOKEN", "t0ken")
	s, err := LoadSecret("bearer_token_env", "", "EWOM_TEST_TOKEN")
	if err != nil || s.Value() != "t0ken" || s.String() != "$EWOM_TEST_TOKEN (bearer_token_env)" || s.Bearer().Get("Authorization") != "Bearer t0ken" {
		t.Fatalf("%v %v", s, err)
	}
	for _, tc := range []struct{ configured, def, want string }{
		{"EWOM_NO_SUCH_VAR", "EWOM_TEST_TOKEN", "key_env: $EWOM_NO_SUCH_VAR is not set (set key_env to read another variable)"},
		{"", "", "key_env: required"},
	} {
		if _, err := LoadSecret("key_env", tc.configured, tc.def); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v", tc, err)
		}
	}
	se := &StatusError{Method: "GET", URL: "https://api.example/x", Status: 401, Body: "Unauthorized"}
	err = s.Refused(se)
	var auth *AuthError
	if !errors.As(err, &auth) || !errors.Is(err, se) || strings.Contains(err.Error(), "t0ken") ||
		err.Error() != "the credential in $EWOM_TEST_TOKEN (bearer_token_env) was refused: GET https://api.example/x: HTTP 401: Unauthorized" {
		t.Errorf("refused: %v", err)
	}
}
