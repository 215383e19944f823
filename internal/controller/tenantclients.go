package controller

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// NewAPIFunc builds a SailPoint client. Tests replace it to wrap or fake the client.
type NewAPIFunc func(sailpoint.Options) (sailpoint.API, error)

// NewSailPointAPI is the NewAPIFunc of the real client.
func NewSailPointAPI(o sailpoint.Options) (sailpoint.API, error) { return sailpoint.New(o) }

// TenantClients keeps one SailPoint client per SailPointTenant, shared by every resource that
// references the tenant, so that the token cache and the rate limit are per tenant and not per
// reconcile. A client is rebuilt only when the tenant's spec (its generation) or its
// credentials Secret (its resourceVersion) changes.
type TenantClients struct {
	newAPI  NewAPIFunc
	secrets secretReader

	mu      sync.Mutex
	clients map[types.NamespacedName]tenantClient
}

type tenantClient struct {
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
	return &TenantClients{newAPI: newAPI, clients: map[types.NamespacedName]tenantClient{}}
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
	fingerprint := string(tenant.UID) + "/" + itoa(tenant.Generation) + "/" + rv

	c.mu.Lock()
	cached, ok := c.clients[key]
	c.mu.Unlock()
	if ok && cached.fingerprint == fingerprint {
		return cached.api, nil
	}

	idRef := mfav1.SecretKeySelector{Name: ref.Name, Key: defaultString(ref.ClientIDKey, "clientId")}
	secretRef := mfav1.SecretKeySelector{Name: ref.Name, Key: defaultString(ref.ClientSecretKey, "clientSecret")}
	vals, err := c.secrets.read(ctx, tenant.Namespace, idRef, secretRef)
	if err != nil {
		return nil, err
	}
	rps := float64(tenant.Spec.RequestsPerSecond)
	if rps <= 0 {
		rps = mfav1.DefaultRequestsPerSecond
	}
	api, err := c.newAPI(sailpoint.Options{
		BaseURL:           tenant.Spec.BaseURL,
		TokenURL:          tenant.Spec.TokenURL,
		ClientID:          vals.get(idRef),
		ClientSecret:      vals.get(secretRef),
		RequestsPerSecond: rps,
		Tenant:            key.String(),
		ConfigurationAPI:  sailpoint.ConfigurationAPI(tenant.Spec.GetConfigurationAPI()),
	})
	if err != nil {
		return nil, err
	}
	// The fingerprint uses the resourceVersion the data was read at, which may be newer than
	// the cache's; a cache that catches up then matches it.
	fingerprint = string(tenant.UID) + "/" + itoa(tenant.Generation) + "/" + vals.versions[idRef.Name+"/"+idRef.Key]
	c.mu.Lock()
	c.clients[key] = tenantClient{fingerprint: fingerprint, api: api}
	c.mu.Unlock()
	return api, nil
}

// forget drops the client of a tenant that is gone.
func (c *TenantClients) forget(key types.NamespacedName) {
	c.mu.Lock()
	delete(c.clients, key)
	c.mu.Unlock()
}
