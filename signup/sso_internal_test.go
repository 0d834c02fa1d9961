package signup

import (
	"strings"
	"testing"
)

func TestUsernameFrom(t *testing.T) {
	for in, want := range map[string]string{
		"jane.doe":                    "jane_doe",
		"Jane Doe":                    "Jane_Doe",
		"jürgen-müller":               "j_rgen_m_ller",
		"--x--":                       "x",
		"...":                         "",
		"émile":                       "mile",
		strings.Repeat("abc.", 20):    "abc_abc_abc_abc_abc_abc_abc_ab",
		"a" + strings.Repeat("_", 40): "a",
	} {
		if got := usernameFrom(in); got != want {
			t.Errorf("usernameFrom(%q) = %q, want %q", in, got, want)
		}
		if got := usernameFrom(in); got != "" && (len(got) > 30 || strings.ContainsAny(got, ".- ")) {
			t.Errorf("usernameFrom(%q) = %q is not a valid username", in, got)
		}
	}
}

func TestValidationErrorMessage(t *testing.T) {
	e := &ValidationError{}
	e.add("email", "ERR_TAKEN", "has already been taken")
	e.add("invite_code", "ERR_INVALID", "is invalid")
	e.add("email", "ERR_BLOCKED", "is not allowed")
	if got := e.Error(); got != "Validation failed: Email has already been taken, Email is not allowed, Invite code is invalid" {
		t.Errorf("Error() = %q", got)
	}
	if e.Message("email") != "has already been taken" || e.Message("username") != "" {
		t.Error("Message")
	}
}

func TestReserved(t *testing.T) {
	for _, n := range []string{"admin", "Admin", "ROOT", "support", "postmaster", "webmaster"} {
		if !Reserved(n) {
			t.Errorf("%s is not reserved", n)
		}
	}
	if Reserved("jane") {
		t.Error("jane is reserved")
	}
}
