package emulator

import (
	"bytes"
	"cmp"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Level is the user level of an identity, as SailPoint's x-sailpoint-userLevels names it.
type Level string

// User levels the emulator knows. An identity with an empty Level is a USER.
const (
	LevelOrgAdmin Level = "ORG_ADMIN"
	LevelUser     Level = "USER"
)

// Identity is a tenant identity that owns a personal access token (PAT).
type Identity struct {
	// ClientID and ClientSecret are the PAT credentials exchanged at /oauth/token.
	ClientID, ClientSecret string
	// IdentityID is the SailPoint identity id, e.g. "2c9180835d2e5168015d32f890ca1581".
	IdentityID string
	// Name is the identity's name (the userAlias of the MFA controller), e.g. "admin".
	Name string
	// Level is the user level; empty means USER.
	Level Level
	// Scopes are the token's scopes. Empty means sp:scopes:all, which grants every
	// endpoint the user level allows.
	Scopes []string
}

// Question is a KBA question of the tenant.
type Question struct {
	// ID is the question id: a numeric string ("173421") or a UUID.
	ID string
	// Text is plain text, or a JSON-encoded list of {"text","locale"} objects for a
	// question translated into several languages (locale "" is the default locale).
	Text string
}

// Config configures an Emulator. The zero value is usable: every field has a default.
type Config struct {
	// Identities that can obtain tokens. Default: DefaultIdentities().
	Identities []Identity
	// TokenLifetime is the lifetime of issued access tokens. Default: 749s (the reference example).
	TokenLifetime time.Duration
	// Questions are the tenant's KBA questions, in display order. Default: DefaultQuestions().
	Questions []Question
	// ValidAccessKeys, if non-empty, lists the only Okta access keys and Duo secret keys
	// (skey) that pass GET /mfa/{method}/test. If empty, any non-empty key passes unless
	// it starts with "invalid" (any case) or is a masked value (contains "******").
	ValidAccessKeys []string
	// PendingPolls is the number of polls that still answer PENDING before a verification
	// reaches its final state. 0 means the default, 1; a negative value means none (the
	// first poll already returns the final state).
	PendingPolls int
	// TenantID is the tenant_id of issued tokens. Default: TenantID. Two emulators with
	// different TenantIDs are two SailPoint tenants, even behind one address.
	TenantID string
	// Logf, if set, receives one line per served request: method, path, identity name,
	// status and duration. It never receives a secret, token or answer.
	Logf func(format string, args ...any)
	// Now is the clock used for token expiry and the request log. Default: time.Now.
	Now func() time.Time
}

// Default values of Config.
const (
	DefaultTokenLifetime = 749 * time.Second
	DefaultPendingPolls  = 1
)

// Credentials of the default identities. These are fake demo credentials, documented on
// purpose so that local runs and tests can use them.
const (
	DefaultAdminClientID     = "emulator-admin"
	DefaultAdminClientSecret = "emulator-admin-secret"
	DefaultAdminIdentityID   = "2c9180835d2e5168015d32f890ca1581"
	DefaultAdminName         = "admin"

	DefaultUserClientID     = "emulator-user"
	DefaultUserClientSecret = "emulator-user-secret"
	DefaultUserIdentityID   = "2c9180947f0ef465017f215cbcfd004b"
	DefaultUserName         = "will.albin"
)

// Fixed tenant facts reported in token responses.
const (
	TenantID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	OrgName  = "emulator"
	PodName  = "emulator01"
)

// DefaultIdentities returns an ORG_ADMIN identity ("admin", client id "emulator-admin",
// secret "emulator-admin-secret") and a USER identity ("will.albin", client id
// "emulator-user", secret "emulator-user-secret"), both with sp:scopes:all.
func DefaultIdentities() []Identity {
	return []Identity{
		{
			ClientID:     DefaultAdminClientID,
			ClientSecret: DefaultAdminClientSecret,
			IdentityID:   DefaultAdminIdentityID,
			Name:         DefaultAdminName,
			Level:        LevelOrgAdmin,
		},
		{
			ClientID:     DefaultUserClientID,
			ClientSecret: DefaultUserClientSecret,
			IdentityID:   DefaultUserIdentityID,
			Name:         DefaultUserName,
			Level:        LevelUser,
		},
	}
}

// DefaultQuestions returns the 8 seeded KBA questions: four with numeric ids
// ("173421".."173424") and four with UUIDs, two of which are translated (their Text is a
// JSON-encoded list of {"text","locale"}).
func DefaultQuestions() []Question {
	return []Question{
		{ID: "173421", Text: "What was the make and model of your first car?"},
		{ID: "173422", Text: "In what city were you born?"},
		{ID: "173423", Text: "What was the name of your first pet?"},
		{ID: "173424", Text: "What is your mother's maiden name?"},
		{ID: "143cfd3b-c23f-426b-ae5f-d3db06fa5919", Text: `[{"text":"Quel était le nom de votre école primaire ?","locale":"fr"},{"text":"What was the name of your elementary school?","locale":""}]`},
		{ID: "c54fee53-2d63-4fc5-9259-3e93b9994135", Text: "What is the name of the street you grew up on?"},
		{ID: "8e3b6c1a-5f2d-4c7e-9a41-2b7d3e9f0c55", Text: `[{"text":"Wie hieß Ihr erster Lehrer?","locale":"de"},{"text":"Quel était le nom de votre premier professeur ?","locale":"fr"},{"text":"What was the name of your first teacher?","locale":""}]`},
		{ID: "d2a7f4e0-91b3-4c6d-8e25-7f0a1b3c5d99", Text: "In what city did your parents meet?"},
	}
}

// Emulator is an in-memory SailPoint Identity Security Cloud tenant serving the token
// endpoint, the 14 v3 MFA endpoints and the 7 /mfa/v1 configuration endpoints, on one
// state. It is safe for concurrent use.
type Emulator struct {
	cfg Config

	mu sync.Mutex
	st state
	// tokens outlive Reset on purpose: a running operator keeps its token.
	tokens   map[string]*issuedToken
	faults   Faults
	requests []Request
	// unhang is closed to let go the requests hanging by a fault.
	unhang chan struct{}
}

// state is everything Reset restores.
type state struct {
	okta     *OktaConfig
	duo      *DuoConfig
	qs       []Question
	answers  map[string]map[string]string // identity id -> question id -> answer
	kbaFails map[string]int               // identity id -> consecutive failures (>= 3: locked out)
	sent     map[string]*sentToken        // user alias -> last token/send
	verifs   map[string]*verification     // request id -> push verification
}

// New returns an Emulator with cfg's defaults filled in.
func New(cfg Config) *Emulator {
	if len(cfg.Identities) == 0 {
		cfg.Identities = DefaultIdentities()
	} else {
		cfg.Identities = append([]Identity(nil), cfg.Identities...)
	}
	for i := range cfg.Identities {
		if cfg.Identities[i].Level == "" {
			cfg.Identities[i].Level = LevelUser
		}
	}
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = DefaultTokenLifetime
	}
	if len(cfg.Questions) == 0 {
		cfg.Questions = DefaultQuestions()
	} else {
		cfg.Questions = append([]Question(nil), cfg.Questions...)
	}
	cfg.TenantID = cmp.Or(cfg.TenantID, TenantID)
	switch {
	case cfg.PendingPolls == 0:
		cfg.PendingPolls = DefaultPendingPolls
	case cfg.PendingPolls < 0:
		cfg.PendingPolls = 0
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	e := &Emulator{cfg: cfg, tokens: map[string]*issuedToken{}}
	e.resetLocked()
	return e
}

// resetLocked restores the initial tenant state. The caller holds e.mu (or owns e).
func (e *Emulator) resetLocked() {
	e.st = state{
		qs:       append([]Question(nil), e.cfg.Questions...),
		answers:  map[string]map[string]string{},
		kbaFails: map[string]int{},
		sent:     map[string]*sentToken{},
		verifs:   map[string]*verification{},
	}
	e.faults = Faults{}
	e.releaseHangsLocked()
	e.requests = nil
}

// Reset restores the initial state: no Okta or Duo config, the configured questions, no
// KBA answers, lockouts, sent tokens or verifications, no faults and an empty request
// log. Issued access tokens stay valid (use ExpireTokens to invalidate them).
func (e *Emulator) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.resetLocked()
}

func (e *Emulator) now() time.Time { return e.cfg.Now() }

// maxBody bounds request bodies; SailPoint's MFA bodies are tiny.
const maxBody = 1 << 20

// Handler returns the HTTP handler serving /oauth/token, /v3/mfa/..., /mfa/v1/... and
// /admin/....
func (e *Emulator) Handler() http.Handler { return http.HandlerFunc(e.serveHTTP) }

// call is one request being served.
type call struct {
	r        *http.Request
	body     []byte
	identity *Identity // authenticated caller (or the token endpoint's client)
	param    string    // the {method} path value, if the route has one
	notes    []string  // extra request-log facts, never secret values
}

// response is what a handler wants written.
type response struct {
	status int
	body   any // JSON-encoded; nil writes no body
	header http.Header
	// raw, when set, answers instead (fault injection: raw bodies, resets, hangs).
	raw func(http.ResponseWriter)
}

func (e *Emulator) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/admin" || strings.HasPrefix(r.URL.Path, "/admin/") {
		serveAdmin(e, w, r)
		return
	}
	start := time.Now()
	c := &call{r: r}
	resp := e.handle(c)
	e.markDeprecated(r.URL.Path, &resp)
	writeResponse(w, resp)
	e.record(c, resp.status, time.Since(start))
}

func (e *Emulator) handle(c *call) response {
	r := c.r
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return errorResponse(http.StatusBadRequest, detailBadContent, "The request body could not be read.")
	}
	c.body = body
	r.Body = io.NopCloser(bytes.NewReader(body))

	e.identifyForLog(c)
	if isV1Path(r.URL.Path) && e.versionFaults().V1Disabled {
		return notFound()
	}
	if resp, faulted := e.applyFaults(r); faulted {
		return resp
	}
	switch {
	case r.URL.Path == "/oauth/token":
		return e.handleToken(c)
	case isV3Path(r.URL.Path):
		return e.handleAPI(c, "/v3/mfa/")
	case isV1Path(r.URL.Path):
		return e.handleAPI(c, v1Prefix)
	default:
		return notFound()
	}
}

// identifyForLog names the caller in the request log even when the request is then
// refused (fault, expired token). It grants nothing.
func (e *Emulator) identifyForLog(c *call) {
	if c.r.URL.Path == "/oauth/token" {
		id, secret := clientCredentials(c.r, c.body)
		if ident := e.findClient(id, secret); ident != nil {
			c.identity = ident
		}
		return
	}
	tok, ok := bearerToken(c.r)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if t := e.tokens[tok]; t != nil {
		ident := t.identity
		c.identity = &ident
	}
}

func (e *Emulator) findClient(id, secret string) *Identity {
	if id == "" {
		return nil
	}
	for i := range e.cfg.Identities {
		ident := e.cfg.Identities[i]
		if ident.ClientID == id && ident.ClientSecret == secret {
			return &ident
		}
	}
	return nil
}

func (e *Emulator) findByName(name string) *Identity {
	for i := range e.cfg.Identities {
		if e.cfg.Identities[i].Name == name {
			ident := e.cfg.Identities[i]
			return &ident
		}
	}
	return nil
}
