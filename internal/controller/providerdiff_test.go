package controller

import (
	"slices"
	"strings"
	"testing"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

func TestMaskedMatches(t *testing.T) {
	tests := []struct {
		name     string
		observed string
		secret   string
		want     bool
	}{
		{"a clear value equal to the secret matches", "okta-access-key-0001", "okta-access-key-0001", true},
		{"a clear value different from the secret does not match", "okta-access-key-0002", "okta-access-key-0001", false},
		{"an empty value (never configured) does not match a secret", "", "okta-access-key-0001", false},
		{"an empty value matches an empty secret", "", "", true},
		{"a masked value matches a secret with the same first and last characters", "o******1", "okta-access-key-0001", true},
		{"a masked value with another last character does not match", "o******2", "okta-access-key-0001", false},
		{"a masked value with another first character does not match", "x******1", "okta-access-key-0001", false},
		{"a masked value showing more characters matches when they all fit", "ok******01", "okta-access-key-0001", true},
		{"a masked value showing more characters does not match when one differs", "ok******11", "okta-access-key-0001", false},
		{"a fully masked value (short secret) matches any secret", "******", "ab", true},
		{"a masked value cannot match a secret shorter than its visible characters", "ab******ba", "aba", false},
		{"a masked value matches a two-character secret only by its visible characters", "a******b", "ab", true},
		{"a masked value is compared byte-wise, including multi-byte characters", "é******ü", "éclair-ü", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskedMatches(tt.observed, tt.secret); got != tt.want {
				t.Errorf("maskedMatches(%q, %q) = %v, want %v", tt.observed, tt.secret, got, tt.want)
			}
		})
	}
}

func TestDiffProvider(t *testing.T) {
	okta := providerState{Enabled: true, Host: "acme.okta.com", IdentityAttribute: "email", AccessKey: "okta-access-key-0001"}
	oktaRemote := providerState{Enabled: true, Host: "acme.okta.com", IdentityAttribute: "email", AccessKey: "o******1"}
	duo := providerState{
		Enabled: true, Host: "api-1234abcd.duosecurity.com", IdentityAttribute: "email", AccessKey: "duo-access-key-0001",
		IKey: "DIWJ8X6AEYOR5OMC6TQ1", SKey: "duo-secret-key-0001-abcdef",
	}
	duoRemote := providerState{
		Enabled: true, Host: "api-1234abcd.duosecurity.com", IdentityAttribute: "email", AccessKey: "d******1",
		IKey: "DIWJ8X6AEYOR5OMC6TQ1", SKey: "d******f",
	}
	with := func(s providerState, mutate func(*providerState)) providerState {
		mutate(&s)
		return s
	}

	tests := []struct {
		name     string
		desired  providerState
		observed providerState
		duo      bool
		want     []string
	}{
		{"an okta config equal to the remote one, key masked, has no difference", okta, oktaRemote, false, nil},
		{"a host that differs only in case is the same host", okta, with(oktaRemote, func(s *providerState) { s.Host = "ACME.Okta.com" }), false, nil},
		{"another host is named", okta, with(oktaRemote, func(s *providerState) { s.Host = "evil.okta.com" }), false, []string{"host"}},
		{"a disabled remote config is named as enabled", okta, with(oktaRemote, func(s *providerState) { s.Enabled = false }), false, []string{"enabled"}},
		{"another identity attribute is named", okta, with(oktaRemote, func(s *providerState) { s.IdentityAttribute = "uid" }), false, []string{"identityAttribute"}},
		{"another access key, as far as the mask shows, is named", okta, with(oktaRemote, func(s *providerState) { s.AccessKey = "x******9" }), false, []string{"accessKey"}},
		{"a remote config that was never set differs in every field", okta, providerState{}, false, []string{"enabled", "host", "identityAttribute", "accessKey"}},
		{"several differences are all named, in a fixed order", okta, providerState{Enabled: true, Host: "x", IdentityAttribute: "uid", AccessKey: "o******1"}, false, []string{"host", "identityAttribute"}},
		{"a duo config equal to the remote one, skey masked and ikey in clear, has no difference", duo, duoRemote, true, nil},
		{"another duo integration key is named", duo, with(duoRemote, func(s *providerState) { s.IKey = "DIOTHERIKEY000000000" }), true, []string{"ikey"}},
		{"a missing duo integration key is named", duo, with(duoRemote, func(s *providerState) { s.IKey = "" }), true, []string{"ikey"}},
		{"another duo secret key, as far as the mask shows, is named", duo, with(duoRemote, func(s *providerState) { s.SKey = "x******f" }), true, []string{"skey"}},
		{"duo keys are not compared for okta-verify", okta, with(oktaRemote, func(s *providerState) { s.IKey, s.SKey = "a", "b" }), false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diffProvider(tt.desired, tt.observed, tt.duo)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("diffProvider() = %q, want %q", got, tt.want)
			}
			joined := strings.Join(got, ",")
			for _, v := range []string{tt.desired.AccessKey, tt.desired.IKey, tt.desired.SKey, tt.observed.AccessKey, tt.observed.IKey, tt.observed.SKey} {
				if len(v) > 2 && strings.Contains(joined, v) {
					t.Errorf("diffProvider() = %q contains the value %q", got, v)
				}
			}
		})
	}
}

func TestProviderStateRoundTrip(t *testing.T) {
	s := providerState{Enabled: true, Host: "h", IdentityAttribute: "email", AccessKey: "ak", IKey: "ik", SKey: "sk"}

	d := s.duo()
	if d.MfaMethod != string(sailpoint.MethodDuoWeb) || d.IKey() != "ik" || d.SKey() != "sk" || d.AccessKey != "ak" {
		t.Errorf("duo() = %+v, want the keys in configProperties", d)
	}
	if got := duoState(d); got != s {
		t.Errorf("duoState(duo()) = %+v, want %+v", got, s)
	}

	o := s.okta()
	if o.MfaMethod != string(sailpoint.MethodOktaVerify) || o.AccessKey != "ak" || o.Host != "h" || !o.Enabled {
		t.Errorf("okta() = %+v", o)
	}
	want := s
	want.IKey, want.SKey = "", ""
	if got := oktaState(o); got != want {
		t.Errorf("oktaState(okta()) = %+v, want %+v", got, want)
	}
}
