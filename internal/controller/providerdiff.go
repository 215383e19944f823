package controller

import (
	"strings"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// providerState is an Okta Verify or Duo Web configuration in one shape for both methods:
// what the spec and its Secrets ask for, or what SailPoint returned (secrets masked).
type providerState struct {
	Enabled           bool
	Host              string
	IdentityAttribute string
	AccessKey         string
	// IKey and SKey are Duo's integration and secret keys; empty for Okta Verify.
	IKey string
	SKey string
}

// diffProvider names the fields in which observed differs from desired. Secrets come back
// masked ("d******Y"), so for them only the visible characters are compared; the Duo
// integration key comes back in clear and is compared whole. The result holds field names
// only, never values, so it can go into conditions and events.
func diffProvider(desired, observed providerState, duo bool) []string {
	var fields []string
	if desired.Enabled != observed.Enabled {
		fields = append(fields, "enabled")
	}
	if !strings.EqualFold(desired.Host, observed.Host) {
		fields = append(fields, "host")
	}
	if desired.IdentityAttribute != observed.IdentityAttribute {
		fields = append(fields, "identityAttribute")
	}
	if !maskedMatches(observed.AccessKey, desired.AccessKey) {
		fields = append(fields, "accessKey")
	}
	if duo {
		if desired.IKey != observed.IKey {
			fields = append(fields, "ikey")
		}
		if !maskedMatches(observed.SKey, desired.SKey) {
			fields = append(fields, "skey")
		}
	}
	return fields
}

// maskedMatches reports whether a value SailPoint returned, possibly masked as
// first-characters + asterisks + last-characters, can be the secret value. A value returned in
// clear must be equal.
func maskedMatches(observed, secret string) bool {
	first := strings.IndexByte(observed, '*')
	if first < 0 {
		return observed == secret
	}
	last := strings.LastIndexByte(observed, '*')
	prefix, suffix := observed[:first], observed[last+1:]
	return len(secret) >= len(prefix)+len(suffix) &&
		strings.HasPrefix(secret, prefix) && strings.HasSuffix(secret, suffix)
}

func oktaState(c sailpoint.MfaOktaConfig) providerState {
	return providerState{Enabled: c.Enabled, Host: c.Host, IdentityAttribute: c.IdentityAttribute, AccessKey: c.AccessKey}
}

func duoState(c sailpoint.MfaDuoConfig) providerState {
	return providerState{
		Enabled: c.Enabled, Host: c.Host, IdentityAttribute: c.IdentityAttribute, AccessKey: c.AccessKey,
		IKey: c.IKey(), SKey: c.SKey(),
	}
}

func (s providerState) okta() sailpoint.MfaOktaConfig {
	return sailpoint.MfaOktaConfig{
		MfaMethod: string(sailpoint.MethodOktaVerify), Enabled: s.Enabled, Host: s.Host,
		AccessKey: s.AccessKey, IdentityAttribute: s.IdentityAttribute,
	}
}

func (s providerState) duo() sailpoint.MfaDuoConfig {
	return sailpoint.MfaDuoConfig{
		MfaMethod: string(sailpoint.MethodDuoWeb), Enabled: s.Enabled, Host: s.Host,
		AccessKey: s.AccessKey, IdentityAttribute: s.IdentityAttribute,
		ConfigProperties: map[string]any{"ikey": s.IKey, "skey": s.SKey},
	}
}
