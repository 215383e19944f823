package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// MFA method path values (reference section 4).
const (
	MethodOkta  = "okta-verify"
	MethodDuo   = "duo-web"
	MethodKBA   = "kba"
	MethodToken = "token"
	MethodRSA   = "rsa"
)

var (
	configMethods = []string{MethodOkta, MethodDuo}
	pollMethods   = []string{MethodOkta, MethodDuo, MethodKBA, MethodToken, MethodRSA}
)

// Scopes of reference section 2.1.
const (
	scopeConfigRead   = "idn:mfa-configuration:read"
	scopeConfigManage = "idn:mfa-configuration:manage"
	scopeKBARead      = "idn:mfa-kba:read"
	scopeKBAAuth      = "idn:mfa-kba:authenticate"
	scopeSend         = "idn:mfa:send"
	scopePoll         = "idn:mfa:poll"
	scopeVerify       = "idn:mfa:verify"
)

var (
	orgAdminOnly = []Level{LevelOrgAdmin}
	anyLevel     []Level // no x-sailpoint-userLevels: every level may call
)

// route is one of the 14 operations, relative to /v3/mfa/ (and, with v1, to /mfa/v1/).
type route struct {
	path     string   // e.g. "{method}/test"; "{method}" matches one segment
	method   string   // HTTP method
	params   []string // allowed {method} values
	scopes   []string // any one of them (or sp:scopes:all)
	levels   []Level  // nil: any level
	jsonBody bool     // needs an application/json body
	v1       bool     // also served below /mfa/v1/ (the seven configuration operations)
	handle   func(*Emulator, *call) response
}

// routes is the reference's section 4 with the levels and scopes of section 2.1.
// POST kba/config/answers is declared USER but is open to ORG_ADMIN too (a superset).
var routes = []route{
	{path: "{method}/delete", method: http.MethodDelete, params: configMethods, scopes: []string{scopeConfigManage}, levels: orgAdminOnly, handle: (*Emulator).deleteConfig},
	{path: "duo-web/config", method: http.MethodGet, v1: true, scopes: []string{scopeConfigRead, scopeConfigManage}, levels: orgAdminOnly, handle: (*Emulator).getDuoConfig},
	{path: "kba/config", method: http.MethodGet, v1: true, scopes: []string{scopeKBARead}, levels: anyLevel, handle: (*Emulator).getKBAConfig},
	{path: "okta-verify/config", method: http.MethodGet, v1: true, scopes: []string{scopeConfigRead, scopeConfigManage}, levels: orgAdminOnly, handle: (*Emulator).getOktaConfig},
	{path: "duo-web/config", method: http.MethodPut, v1: true, scopes: []string{scopeConfigManage}, levels: orgAdminOnly, jsonBody: true, handle: (*Emulator).putDuoConfig},
	{path: "okta-verify/config", method: http.MethodPut, v1: true, scopes: []string{scopeConfigManage}, levels: orgAdminOnly, jsonBody: true, handle: (*Emulator).putOktaConfig},
	{path: "kba/config/answers", method: http.MethodPost, v1: true, scopes: []string{scopeKBAAuth}, levels: anyLevel, jsonBody: true, handle: (*Emulator).setKBAAnswers},
	{path: "{method}/test", method: http.MethodGet, v1: true, params: configMethods, scopes: []string{scopeConfigRead, scopeConfigManage}, levels: orgAdminOnly, handle: (*Emulator).testConfig},
	{path: "token/send", method: http.MethodPost, scopes: []string{scopeSend}, levels: anyLevel, jsonBody: true, handle: (*Emulator).sendToken},
	{path: "{method}/poll", method: http.MethodPost, params: pollMethods, scopes: []string{scopePoll}, levels: orgAdminOnly, jsonBody: true, handle: (*Emulator).poll},
	{path: "duo-web/verify", method: http.MethodPost, scopes: []string{scopeVerify}, levels: anyLevel, jsonBody: true, handle: (*Emulator).verifyDuo},
	{path: "kba/authenticate", method: http.MethodPost, scopes: []string{scopeKBAAuth}, levels: anyLevel, jsonBody: true, handle: (*Emulator).authenticateKBA},
	{path: "okta-verify/verify", method: http.MethodPost, scopes: []string{scopeVerify}, levels: anyLevel, jsonBody: true, handle: (*Emulator).verifyOkta},
	{path: "token/authenticate", method: http.MethodPost, scopes: []string{scopeVerify}, levels: anyLevel, jsonBody: true, handle: (*Emulator).authenticateToken},
}

// match reports whether segs fit the route's path, and the {method} value.
func (rt *route) match(segs []string) (param string, ok bool) {
	pat := strings.Split(rt.path, "/")
	if len(pat) != len(segs) {
		return "", false
	}
	for i, p := range pat {
		switch {
		case p == "{method}":
			if segs[i] == "" {
				return "", false
			}
			param = segs[i]
		case p != segs[i]:
			return "", false
		}
	}
	return param, true
}

// handleAPI serves /v3/... or /mfa/v1/... (prefix "/v3/mfa/" or v1Prefix):
// authentication (401), routing (404, 405), user level and scopes (403), the {method}
// value (400), the content type (415), then the operation. Below v1Prefix only the
// routes marked v1 exist.
func (e *Emulator) handleAPI(c *call, prefix string) response {
	tok, resp := e.authenticate(c)
	if resp != nil {
		return *resp
	}
	rest, found := strings.CutPrefix(c.r.URL.EscapedPath(), prefix)
	if !found {
		return notFound()
	}
	segs := strings.Split(rest, "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	var rt *route
	var allow []string
	for i := range routes {
		if prefix == v1Prefix && !routes[i].v1 {
			continue
		}
		param, ok := routes[i].match(segs)
		if !ok {
			continue
		}
		allow = append(allow, routes[i].method)
		if routes[i].method == c.r.Method {
			rt, c.param = &routes[i], param
		}
	}
	switch {
	case len(allow) == 0:
		return notFound()
	case rt == nil:
		resp := errorResponse(http.StatusMethodNotAllowed, detailMethodNotAllowed, "Request method '"+truncate(c.r.Method, 20)+"' is not supported by this endpoint.")
		resp.header = http.Header{"Allow": {strings.Join(allow, ", ")}}
		return resp
	}
	if resp := authorize(rt, tok); resp != nil {
		return *resp
	}
	if rt.params != nil && !slices.Contains(rt.params, c.param) {
		return badParam(fmt.Sprintf("Illegal value %q for path parameter method; expected one of: %s.", truncate(c.param, 40), strings.Join(rt.params, ", ")))
	}
	if rt.jsonBody && !isJSON(c.r.Header.Get("Content-Type")) {
		return errorResponse(http.StatusUnsupportedMediaType, detailUnsupportedMedia, "Content-Type must be application/json.")
	}
	return rt.handle(e, c)
}

func isJSON(contentType string) bool {
	ct, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return ct == "application/json" || (strings.HasPrefix(ct, "application/") && strings.HasSuffix(ct, "+json"))
}

// decodeBody decodes the required JSON body of c into v. The 400 it returns never
// quotes the body.
func decodeBody(c *call, v any) *response {
	trimmed := bytes.TrimSpace(c.body)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		resp := badContent("The request body is missing.")
		return &resp
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		resp := badContent(describeJSONError(err))
		return &resp
	}
	if dec.More() {
		resp := badContent("The request body has data after the JSON value.")
		return &resp
	}
	return nil
}

func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("The request body is not valid JSON (error at offset %d).", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("The field %q must be a JSON %s.", typ.Field, jsonKind(typ.Type.Kind().String()))
		}
		return "The request body has the wrong JSON type for this operation."
	default:
		return "The request body is not valid JSON."
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "bool":
		return "boolean"
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	default:
		return "number"
	}
}
