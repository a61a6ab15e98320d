package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWebValidate(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("EWOM_TEST_WEB_PW", "from-env")
	c := Default()
	c.Web.Users = []WebUser{{Name: "anna", Role: "admin", PasswordEnv: "EWOM_TEST_WEB_PW"}, {Name: "team", Role: "viewer", PasswordFile: pw}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"from-env", "secret"} {
		if got, err := c.Web.Users[i].Password(); err != nil || got != want {
			t.Errorf("user %d password %q, %v", i, got, err)
		}
	}
	c.Web = Web{SessionTTL: time.Second, SecureCookies: "sometimes", TimelineAuthors: 0, Users: []WebUser{
		{Name: "a b", Role: "admin", PasswordEnv: "EWOM_TEST_WEB_PW"}, {Name: "x", Role: "root"}, {Name: "x", Role: "viewer", PasswordEnv: "EWOM_UNSET_PW"}}}
	err := c.Validate()
	if err == nil {
		t.Fatal("bad web section accepted")
	}
	for _, want := range []string{"web.session_ttl", "web.secure_cookies", "web.timeline_authors", "web.users[0].name", "web.users[1].role",
		"web.users[1]: set password_env or password_file", `web.users[2].name: "x" is already`, "web.users[2].password: environment variable EWOM_UNSET_PW is empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
