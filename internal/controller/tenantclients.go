package controller

import (
	"context"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/mfa"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// attemptTimeout bounds one request to SailPoint.
const attemptTimeout = 10 * time.Second

// NewAPIFunc builds a SailPoint client. Tests replace it to wrap or fake the client.
type NewAPIFunc func(sailpoint.Options) (sailpoint.API, error)

// NewSailPointAPI is the NewAPIFunc of the real client.
func NewSailPointAPI(o sailpoint.Options) (sailpoint.API, error) { return sailpoint.New(o) }

// TenantClients keeps one SailPoint client per SailPointTenant, shared by every resource that
// references the tenant, so that the token cache and the rate limit are per tenant and not per
// reconcile. A client is rebuilt only when the tenant's spec (its generation) or its
// credentials Secret (its resourceVersion) changes; the one it replaces is closed.
type TenantClients struct {
	newAPI  NewAPIFunc
	secrets secretReader
	// signals reports what a client learns about its tenant (a fallback to v3, deprecated
	// endpoints) as events on the tenant, and wakes the tenant's reconcile.
	signals tenantSignals

	mu      sync.Mutex
	clients map[types.NamespacedName]*tenantClient
}

// tenantClient is the client of one tenant. Its lock is held while it is built, so that
// concurrent reconciles of several kinds build it once.
type tenantClient struct {
	mu sync.Mutex
	// fingerprint identifies what the client was built from: tenant UID and generation and
	// the credentials Secret's resourceVersion; nothing derived from the credentials.
	fingerprint string
	api         sailpoint.API
}

// NewTenantClients returns an empty cache that builds clients with newAPI.
func NewTenantClients(newAPI NewAPIFunc) *TenantClients {
	if newAPI == nil {
		newAPI = NewSailPointAPI
	}
	return &TenantClients{newAPI: newAPI, clients: map[types.NamespacedName]*tenantClient{}}
}

func (c *TenantClients) entry(key types.NamespacedName) *tenantClient {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.clients[key]
	if !ok {
		e = &tenantClient{}
		c.clients[key] = e
	}
	return e
}

// get returns the client of tenant, building it when there is none or it is out of date.
// A missing Secret or key is errSecretNotFound.
func (c *TenantClients) get(ctx context.Context, tenant *mfav1.SailPointTenant) (sailpoint.API, error) {
	key := types.NamespacedName{Namespace: tenant.Namespace, Name: tenant.Name}
	ref := tenant.Spec.CredentialsSecretRef
	rv, err := c.secrets.resourceVersion(ctx, tenant.Namespace, ref.Name)
	if err != nil {
		return nil, err
	}
	fingerprint := func(rv string) string {
		return string(tenant.UID) + "/" + strconv.FormatInt(tenant.Generation, 10) + "/" + rv
	}

	e := c.entry(key)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.api != nil && e.fingerprint == fingerprint(rv) {
		return e.api, nil
	}
	idRef := mfav1.SecretKeySelector{Name: ref.Name, Key: ref.GetClientIDKey()}
	secretRef := mfav1.SecretKeySelector{Name: ref.Name, Key: ref.GetClientSecretKey()}
	vals, err := c.secrets.read(ctx, tenant.Namespace, idRef, secretRef)
	if err != nil {
		return nil, err
	}
	opts := mfa.TenantOptions(tenant, vals.get(idRef), vals.get(secretRef))
	// One attempt gets a third of a reconcile's budget: a timeout holds the client (it is
	// not retried within the call), so the reconcile can still report it.
	opts.Timeout = attemptTimeout
	opts.OnConfigurationAPIFallback, opts.OnDeprecated = c.signals.fallback(tenant), c.signals.deprecated(tenant)
	api, err := c.newAPI(opts)
	if err != nil {
		return nil, err
	}
	closeAPI(e.api)
	// The fingerprint uses the resourceVersion the data was read at, which may be newer than
	// the cache's; a cache that catches up then matches it.
	e.api, e.fingerprint = api, fingerprint(vals.versions[idRef.Name+"/"+idRef.Key])
	return api, nil
}

// forget drops (and closes) the client of a tenant that is gone.
func (c *TenantClients) forget(key types.NamespacedName) {
	c.mu.Lock()
	e, ok := c.clients[key]
	delete(c.clients, key)
	c.mu.Unlock()
	if ok {
		e.mu.Lock()
		closeAPI(e.api)
		e.mu.Unlock()
	}
}

// closeAPI releases what a client holds (idle connections, its share of a rate limit), for
// clients that hold anything.
func closeAPI(api sailpoint.API) {
	switch c := api.(type) {
	case interface{ Close() error }:
		_ = c.Close()
	case interface{ Close() }:
		c.Close()
	}
}
