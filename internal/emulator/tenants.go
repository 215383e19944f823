package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// TenantsPath is the path under which a Set serves its named tenants:
// /tenants/{name}/oauth/token, /tenants/{name}/v3/mfa/..., so that tenant's spec.baseURL is
// http://host:port/tenants/{name}.
const TenantsPath = "/tenants/"

// Set is many emulated SailPoint tenants behind one address, for benchmarks and demos
// that need hundreds of tenants without hundreds of processes. The root serves the default
// tenant (exactly as Emulator.Handler does); /tenants/{name}/... serves tenant name, created
// on first use (at most max of them), with its own state, tokens and tenant_id. /admin/...
// acts on every tenant: the request log lists all of them, oldest first, each request with
// its full path; PUT /admin/faults sets the faults of every tenant, and a tenant created
// later starts with the faults set last (counts such as rateLimit are per tenant).
type Set struct {
	cfg  Config
	max  int
	root *Emulator

	mu      sync.Mutex
	tenants map[string]*Emulator
	names   []string // in creation order
	faults  Faults
}

// NewSet returns a Set whose tenants all use cfg (but for their TenantID), with at most
// max named tenants besides the default one.
func NewSet(cfg Config, maxTenants int) *Set {
	return &Set{cfg: cfg, max: maxTenants, root: New(cfg), tenants: map[string]*Emulator{}}
}

// Handler serves the default tenant at the root, the named tenants under TenantsPath and
// the admin endpoints for all of them.
func (s *Set) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Set) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rest, isTenant := strings.CutPrefix(r.URL.Path, TenantsPath)
	if r.URL.Path == "/admin" || strings.HasPrefix(r.URL.Path, "/admin/") {
		serveAdmin(s, w, r)
		return
	}
	if !isTenant {
		s.root.serveHTTP(w, r)
		return
	}
	name, path, _ := strings.Cut(rest, "/")
	e := s.tenant(name)
	if e == nil || strings.HasPrefix(path, "admin") {
		writeResponse(w, notFound())
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + path
	r2.URL.RawPath = ""
	e.serveHTTP(w, r2)
}

// tenant returns the named tenant, creating it on first use; nil for an empty name or
// once max tenants exist.
func (s *Set) tenant(name string) *Emulator {
	if name == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.tenants[name]; ok {
		return e
	}
	if len(s.tenants) >= s.max {
		return nil
	}
	cfg := s.cfg
	cfg.TenantID = tenantID(name)
	if logf := s.cfg.Logf; logf != nil {
		prefix := strings.TrimPrefix(TenantsPath, "/") + name + ": "
		cfg.Logf = func(format string, args ...any) { logf(prefix+format, args...) }
	}
	e := New(cfg)
	e.SetFaults(s.faults)
	s.tenants[name] = e
	s.names = append(s.names, name)
	return e
}

// tenantID is a UUID-shaped tenant_id derived from the name, the same on every run.
func tenantID(name string) string {
	sum := sha256.Sum256([]byte("emulator tenant " + name))
	h := hex.EncodeToString(sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// each calls f on the default tenant and on every named one (prefix is the tenant's path
// prefix, "" for the default tenant).
func (s *Set) each(f func(prefix string, e *Emulator)) {
	s.mu.Lock()
	names := slices.Clone(s.names)
	tenants := make([]*Emulator, len(names))
	for i, n := range names {
		tenants[i] = s.tenants[n]
	}
	s.mu.Unlock()
	f("", s.root)
	for i, e := range tenants {
		f(TenantsPath+names[i], e)
	}
}

// Requests returns every tenant's request log, oldest first, with full paths.
func (s *Set) Requests() []Request {
	var all []Request
	s.each(func(prefix string, e *Emulator) {
		for _, r := range e.Requests() {
			r.Path = prefix + r.Path
			all = append(all, r)
		}
	})
	slices.SortStableFunc(all, func(a, b Request) int { return a.Time.Compare(b.Time) })
	return all
}

// ResetRequests clears every tenant's request log.
func (s *Set) ResetRequests() { s.each(func(_ string, e *Emulator) { e.ResetRequests() }) }

// CurrentFaults returns the default tenant's faults still to be injected.
func (s *Set) CurrentFaults() Faults { return s.root.CurrentFaults() }

// SetFaults replaces the faults of every tenant, and of those created later.
func (s *Set) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	s.each(func(_ string, e *Emulator) { e.SetFaults(f) })
}

// SentTokens returns the one-time codes sent through the default tenant.
func (s *Set) SentTokens() []SentToken { return s.root.SentTokens() }

// ExpireTokens expires every tenant's issued tokens.
func (s *Set) ExpireTokens() { s.each(func(_ string, e *Emulator) { e.ExpireTokens() }) }

// Reset resets every tenant (see Emulator.Reset).
func (s *Set) Reset() {
	s.mu.Lock()
	s.faults = Faults{}
	s.mu.Unlock()
	s.each(func(_ string, e *Emulator) { e.Reset() })
}
