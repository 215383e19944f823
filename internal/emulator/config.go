package emulator

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// OktaConfig is the emulator's stored Okta Verify configuration, unmasked.
type OktaConfig struct {
	Enabled           bool
	Host              string
	AccessKey         string
	IdentityAttribute string
}

// DuoConfig is the emulator's stored Duo Web configuration, unmasked.
type DuoConfig struct {
	Enabled           bool
	Host              string
	AccessKey         string
	IdentityAttribute string
	// ConfigProperties holds the Duo keys, usually "ikey" (integration key) and "skey"
	// (secret key), as the PUT body carried them.
	ConfigProperties map[string]any
}

// maskMarker is what SailPoint puts between the first and last character of a secret.
const maskMarker = "******"

// mask hides a secret the way the reference examples do: "d******Y". Values of one or
// two characters become "******" alone (nothing of them is shown).
func mask(s string) string {
	if utf8.RuneCountInString(s) <= 2 {
		return maskMarker
	}
	r := []rune(s)
	return string(r[0]) + maskMarker + string(r[len(r)-1])
}

// mfaConfigWire is MfaOktaConfig / MfaDuoConfig on the wire. Empty strings are written
// as null.
type mfaConfigWire struct {
	MfaMethod         *string `json:"mfaMethod"`
	Enabled           bool    `json:"enabled"`
	Host              *string `json:"host"`
	AccessKey         *string `json:"accessKey"`
	IdentityAttribute *string `json:"identityAttribute"`
}

// duoConfigWire adds configProperties.
type duoConfigWire struct {
	mfaConfigWire
	ConfigProperties map[string]any `json:"configProperties"`
}

// configBody is a PUT body: pointers tell absent/null from values.
type configBody struct {
	MfaMethod         *string        `json:"mfaMethod"`
	Enabled           *bool          `json:"enabled"`
	Host              *string        `json:"host"`
	AccessKey         *string        `json:"accessKey"`
	IdentityAttribute *string        `json:"identityAttribute"`
	ConfigProperties  map[string]any `json:"configProperties"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func maskedNullable(s string) *string {
	if s == "" {
		return nil
	}
	m := mask(s)
	return &m
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// wire returns the masked MfaOktaConfig of an Okta config (nil: never configured).
func (o *OktaConfig) wire() mfaConfigWire {
	method := MethodOkta
	if o == nil {
		return mfaConfigWire{MfaMethod: &method}
	}
	return mfaConfigWire{
		MfaMethod:         &method,
		Enabled:           o.Enabled,
		Host:              nullable(o.Host),
		AccessKey:         maskedNullable(o.AccessKey),
		IdentityAttribute: nullable(o.IdentityAttribute),
	}
}

// wire returns the masked MfaDuoConfig of a Duo config (nil: never configured).
func (d *DuoConfig) wire() duoConfigWire {
	method := MethodDuo
	if d == nil {
		return duoConfigWire{mfaConfigWire: mfaConfigWire{MfaMethod: &method}}
	}
	return duoConfigWire{
		mfaConfigWire: mfaConfigWire{
			MfaMethod:         &method,
			Enabled:           d.Enabled,
			Host:              nullable(d.Host),
			AccessKey:         maskedNullable(d.AccessKey),
			IdentityAttribute: nullable(d.IdentityAttribute),
		},
		ConfigProperties: maskProperties(d.ConfigProperties),
	}
}

// maskProperties masks "skey" (and any other key whose name contains "secret"); "ikey"
// and the rest are shown in clear, as in the reference example.
func maskProperties(props map[string]any) map[string]any {
	if props == nil {
		return nil
	}
	out := make(map[string]any, len(props))
	for k, v := range props {
		if isSecretProperty(k) {
			if s, ok := v.(string); ok && s != "" {
				out[k] = mask(s)
			} else if v != nil {
				out[k] = maskMarker
			} else {
				out[k] = nil
			}
			continue
		}
		out[k] = v
	}
	return out
}

func isSecretProperty(name string) bool {
	n := strings.ToLower(name)
	return n == "skey" || strings.Contains(n, "secret")
}

func cloneDuo(d *DuoConfig) *DuoConfig {
	if d == nil {
		return nil
	}
	cp := *d
	cp.ConfigProperties = maps.Clone(d.ConfigProperties)
	return &cp
}

func (e *Emulator) getOktaConfig(*call) response {
	e.mu.Lock()
	defer e.mu.Unlock()
	return ok(e.st.okta.wire())
}

func (e *Emulator) getDuoConfig(*call) response {
	e.mu.Lock()
	defer e.mu.Unlock()
	return ok(e.st.duo.wire())
}

// readConfigBody decodes a PUT body and checks mfaMethod against the path. It notes in
// the request log (by field name only) when a secret field carries a masked value.
func readConfigBody(c *call, method string) (*configBody, *response) {
	var body configBody
	if resp := decodeBody(c, &body); resp != nil {
		return nil, resp
	}
	if body.MfaMethod != nil && *body.MfaMethod != "" && *body.MfaMethod != method {
		resp := badContent(fmt.Sprintf("mfaMethod %q does not match the path method %q.", truncate(*body.MfaMethod, 40), method))
		return nil, &resp
	}
	if strings.Contains(deref(body.AccessKey), maskMarker) {
		c.notes = append(c.notes, "masked value sent for accessKey")
	}
	for _, k := range slices.Sorted(maps.Keys(body.ConfigProperties)) {
		if s, ok := body.ConfigProperties[k].(string); ok && strings.Contains(s, maskMarker) {
			c.notes = append(c.notes, "masked value sent for configProperties."+k)
		}
	}
	return &body, nil
}

// putOktaConfig replaces the whole Okta config: absent fields become empty.
func (e *Emulator) putOktaConfig(c *call) response {
	body, resp := readConfigBody(c, MethodOkta)
	if resp != nil {
		return *resp
	}
	cfg := &OktaConfig{
		Enabled:           body.Enabled != nil && *body.Enabled,
		Host:              deref(body.Host),
		AccessKey:         deref(body.AccessKey),
		IdentityAttribute: deref(body.IdentityAttribute),
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.okta = cfg
	return ok(cfg.wire())
}

// putDuoConfig replaces the whole Duo config: absent fields become empty.
func (e *Emulator) putDuoConfig(c *call) response {
	body, resp := readConfigBody(c, MethodDuo)
	if resp != nil {
		return *resp
	}
	cfg := &DuoConfig{
		Enabled:           body.Enabled != nil && *body.Enabled,
		Host:              deref(body.Host),
		AccessKey:         deref(body.AccessKey),
		IdentityAttribute: deref(body.IdentityAttribute),
		ConfigProperties:  body.ConfigProperties,
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.duo = cfg
	return ok(cfg.wire())
}

// deleteConfig removes a method's config and answers 200 with what was removed, masked,
// in the MfaOktaConfig shape (no configProperties, even for duo-web). Deleting a method
// that has no config answers the never-configured default: DELETE is idempotent.
func (e *Emulator) deleteConfig(c *call) response {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out mfaConfigWire
	switch c.param {
	case MethodOkta:
		out = e.st.okta.wire()
		e.st.okta = nil
	default:
		out = e.st.duo.wire().mfaConfigWire
		e.st.duo = nil
	}
	return ok(out)
}

// testResponse is MfaConfigTestResponse.
type testResponse struct {
	State string  `json:"state"`
	Error *string `json:"error"`
}

// Messages of a FAILED test. "MFA Method is disabled." is the reference's example.
const (
	msgNotConfigured     = "MFA Method is not configured."
	msgDisabled          = "MFA Method is disabled."
	msgNoHost            = "Host is not configured."
	msgBadHost           = "Invalid host: give a host name without scheme or path."
	msgNoAttribute       = "Identity attribute is not configured."
	msgNoAccessKey       = "Access key is not configured."
	msgInvalidAccessKey  = "Invalid access key."
	msgNoIntegrationKey  = "Integration key (ikey) is not configured."
	msgNoSecretKey       = "Secret key (skey) is not configured."
	msgInvalidSecretKey  = "Invalid secret key."
	msgInvalidSignedResp = "Invalid signed response."
)

// testConfig answers 200 with SUCCESS or FAILED and a message, per the stored config.
func (e *Emulator) testConfig(c *call) response {
	e.mu.Lock()
	defer e.mu.Unlock()
	var msg string
	if c.param == MethodOkta {
		msg = e.oktaProblemLocked()
	} else {
		msg = e.duoProblemLocked()
	}
	if msg != "" {
		return ok(testResponse{State: "FAILED", Error: &msg})
	}
	return ok(testResponse{State: "SUCCESS"})
}

// oktaProblemLocked returns why the Okta config would not authenticate ("" = fine).
func (e *Emulator) oktaProblemLocked() string {
	o := e.st.okta
	switch {
	case o == nil:
		return msgNotConfigured
	case !o.Enabled:
		return msgDisabled
	}
	if msg := commonProblem(o.Host, o.IdentityAttribute); msg != "" {
		return msg
	}
	switch {
	case o.AccessKey == "":
		return msgNoAccessKey
	case !e.validKey(o.AccessKey):
		return msgInvalidAccessKey
	}
	return ""
}

// duoProblemLocked returns why the Duo config would not authenticate ("" = fine). The
// top-level accessKey is not checked for Duo; ikey and skey are.
func (e *Emulator) duoProblemLocked() string {
	d := e.st.duo
	switch {
	case d == nil:
		return msgNotConfigured
	case !d.Enabled:
		return msgDisabled
	}
	if msg := commonProblem(d.Host, d.IdentityAttribute); msg != "" {
		return msg
	}
	ikey, _ := d.ConfigProperties["ikey"].(string)
	skey, _ := d.ConfigProperties["skey"].(string)
	switch {
	case ikey == "":
		return msgNoIntegrationKey
	case skey == "":
		return msgNoSecretKey
	case !e.validKey(skey):
		return msgInvalidSecretKey
	}
	return ""
}

func commonProblem(host, attr string) string {
	switch {
	case host == "":
		return msgNoHost
	case strings.ContainsAny(host, "/ \t") || strings.Contains(host, "://"):
		return msgBadHost
	case attr == "":
		return msgNoAttribute
	}
	return ""
}

// validKey applies Config.ValidAccessKeys. A masked value never authenticates.
func (e *Emulator) validKey(key string) bool {
	if key == "" || strings.Contains(key, maskMarker) {
		return false
	}
	if len(e.cfg.ValidAccessKeys) > 0 {
		return slices.Contains(e.cfg.ValidAccessKeys, key)
	}
	return !strings.HasPrefix(strings.ToLower(key), "invalid")
}

// methodUsableLocked returns why a push verification cannot start ("" = it can).
func (e *Emulator) methodUsableLocked(method string) string {
	switch method {
	case MethodOkta:
		if e.st.okta == nil {
			return msgNotConfigured
		}
		if !e.st.okta.Enabled {
			return msgDisabled
		}
	case MethodDuo:
		if e.st.duo == nil {
			return msgNotConfigured
		}
		if !e.st.duo.Enabled {
			return msgDisabled
		}
	}
	return ""
}

// StoredOktaConfig returns the stored Okta config, unmasked (for assertions).
func (e *Emulator) StoredOktaConfig() (cfg OktaConfig, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st.okta == nil {
		return OktaConfig{}, false
	}
	return *e.st.okta, true
}

// StoredDuoConfig returns the stored Duo config, unmasked (for assertions).
func (e *Emulator) StoredDuoConfig() (cfg DuoConfig, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st.duo == nil {
		return DuoConfig{}, false
	}
	return *cloneDuo(e.st.duo), true
}

// SetOktaConfig stores cfg as if someone had changed it in the SailPoint UI (drift).
func (e *Emulator) SetOktaConfig(cfg OktaConfig) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.okta = &cfg
}

// SetDuoConfig stores cfg as if someone had changed it in the SailPoint UI (drift).
func (e *Emulator) SetDuoConfig(cfg DuoConfig) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.duo = cloneDuo(&cfg)
}

// DeleteConfig removes the config of method ("okta-verify" or "duo-web"); other values
// are ignored.
func (e *Emulator) DeleteConfig(method string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch method {
	case MethodOkta:
		e.st.okta = nil
	case MethodDuo:
		e.st.duo = nil
	}
}
