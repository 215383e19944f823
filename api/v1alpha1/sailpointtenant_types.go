/*
Copyright 2026 The sailpoint-mfa-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CredentialsSecretReference names the Secret, in the SailPointTenant's namespace, that
// holds the client id and client secret of a SailPoint personal access token.
type CredentialsSecretReference struct {
	// name of the Secret, in the same namespace as the SailPointTenant.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`

	// clientIDKey is the key of the Secret that holds the personal access token's client
	// id. Default "clientId".
	// +optional
	// +kubebuilder:default=clientId
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	ClientIDKey string `json:"clientIDKey,omitempty"`

	// clientSecretKey is the key of the Secret that holds the personal access token's
	// client secret. Default "clientSecret".
	// +optional
	// +kubebuilder:default=clientSecret
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	ClientSecretKey string `json:"clientSecretKey,omitempty"`
}

// GetClientIDKey returns clientIDKey, or "clientId" when it is not set.
func (r *CredentialsSecretReference) GetClientIDKey() string {
	if r.ClientIDKey == "" {
		return "clientId"
	}
	return r.ClientIDKey
}

// GetClientSecretKey returns clientSecretKey, or "clientSecret" when it is not set.
func (r *CredentialsSecretReference) GetClientSecretKey() string {
	if r.ClientSecretKey == "" {
		return "clientSecret"
	}
	return r.ClientSecretKey
}

// SailPointTenantSpec says where and as whom to call SailPoint.
type SailPointTenantSpec struct {
	// baseURL is the tenant's API root, without the /v3 suffix, for example
	// https://acme.api.identitynow.com. It must use https; plain http is accepted only when
	// the host is exactly localhost, 127.0.0.1 or [::1] (for the local emulator). No query
	// or fragment.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getHostname() != '' && (url(self).getScheme() == 'https' || (url(self).getScheme() == 'http' && url(self).getHostname() in ['localhost', '127.0.0.1', '::1']))",message="baseURL must be an https URL; plain http is allowed only when the host is localhost, 127.0.0.1 or [::1]"
	// +kubebuilder:validation:XValidation:rule="!self.matches('/v3/?$')",message="baseURL must not end with /v3: give the tenant's API root, e.g. https://acme.api.identitynow.com"
	// +kubebuilder:validation:XValidation:rule="!self.contains('?') && !self.contains('#')",message="baseURL must not contain a query or a fragment"
	BaseURL string `json:"baseURL"`

	// credentialsSecretRef names the Secret, in the same namespace, holding the client id
	// and client secret of a personal access token, exchanged with the client_credentials
	// grant. The MFA configuration endpoints need an ORG_ADMIN identity; KBA answers are
	// always those of the identity that owns the token.
	// +required
	CredentialsSecretRef CredentialsSecretReference `json:"credentialsSecretRef"`

	// tokenURL is the OAuth2 token endpoint. Optional; default baseURL + "/oauth/token".
	// Same scheme rule as baseURL: https, or http only for localhost, 127.0.0.1 or [::1].
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getHostname() != '' && (url(self).getScheme() == 'https' || (url(self).getScheme() == 'http' && url(self).getHostname() in ['localhost', '127.0.0.1', '::1']))",message="tokenURL must be an https URL; plain http is allowed only when the host is localhost, 127.0.0.1 or [::1]"
	TokenURL string `json:"tokenURL,omitempty"`

	// requestsPerSecond is the client-side request rate limit, in requests per second,
	// shared by every object using this tenant. Default 8, from 1 to 10.
	// +optional
	// +kubebuilder:default=8
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10
	RequestsPerSecond int32 `json:"requestsPerSecond,omitempty"`

	// configurationAPI chooses which SailPoint API serves the seven configuration
	// operations (Okta Verify and Duo Web config read and write, KBA questions, KBA
	// answers, config test). V1 calls the per-service API under /mfa/v1/... that
	// SailPoint's own SDKs use; V3 calls the legacy /v3/mfa/... API, which SailPoint stops
	// serving in Q1 2029; Auto (the default) calls V1 and, when SailPoint answers 404 on a
	// /mfa/v1 path (v1 not rolled out on the tenant), uses V3 for all seven from then on
	// and says so in a Normal event ConfigurationAPIFallback. Deleting a configuration
	// (deletionPolicy Delete) and the MFA controller operations of the kubectl-mfa plugin
	// exist only in v3 and always use it. status.configurationAPI shows what is in use.
	// +optional
	// +kubebuilder:default=Auto
	ConfigurationAPI ConfigurationAPI `json:"configurationAPI,omitempty"`
}

// ConfigurationAPI selects the SailPoint API of the configuration operations.
// +kubebuilder:validation:Enum=Auto;V1;V3
type ConfigurationAPI string

const (
	// ConfigurationAPIAuto uses /mfa/v1, and /v3/mfa after SailPoint answered 404 on a
	// /mfa/v1 path.
	ConfigurationAPIAuto ConfigurationAPI = "Auto"
	// ConfigurationAPIV1 uses only the per-service API /mfa/v1/....
	ConfigurationAPIV1 ConfigurationAPI = "V1"
	// ConfigurationAPIV3 uses only the legacy API /v3/mfa/..., retired in Q1 2029.
	ConfigurationAPIV3 ConfigurationAPI = "V3"
)

// GetTokenURL returns spec.tokenURL, or baseURL (without a trailing slash) + "/oauth/token"
// when it is not set.
func (s *SailPointTenantSpec) GetTokenURL() string {
	if s.TokenURL != "" {
		return s.TokenURL
	}
	base := s.BaseURL
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base + "/oauth/token"
}

// GetRequestsPerSecond returns spec.requestsPerSecond, or DefaultRequestsPerSecond when it
// is not set.
func (s *SailPointTenantSpec) GetRequestsPerSecond() int32 {
	if s.RequestsPerSecond <= 0 {
		return DefaultRequestsPerSecond
	}
	return s.RequestsPerSecond
}

// GetConfigurationAPI returns spec.configurationAPI, or Auto when it is not set.
func (s *SailPointTenantSpec) GetConfigurationAPI() ConfigurationAPI {
	if s.ConfigurationAPI == "" {
		return ConfigurationAPIAuto
	}
	return s.ConfigurationAPI
}

// SailPointTenantStatus is the observed state of a SailPointTenant. No token is ever
// stored here.
type SailPointTenantStatus struct {
	CommonStatus `json:",inline"`

	// identityID is the id of the identity that owns the credentials, as reported by the
	// token endpoint, when known.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	IdentityID string `json:"identityID,omitempty"`

	// tenantID is the id of the SailPoint tenant, as reported by the token endpoint
	// (tenant_id), when known. Two SailPointTenants with the same tenantID are the same
	// SailPoint tenant, whatever their baseURLs look like.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	TenantID string `json:"tenantID,omitempty"`

	// tokenExpiresAt is when the access token currently cached by the operator expires,
	// when known.
	// +optional
	TokenExpiresAt *metav1.Time `json:"tokenExpiresAt,omitempty"`

	// configurationAPI is the API the tenant's client calls for the configuration
	// operations now: v1 (/mfa/v1/...) or v3 (/v3/mfa/...). Set from the time the tenant
	// is Ready; with spec.configurationAPI Auto it is v1, and v3 after a fallback.
	// +optional
	// +kubebuilder:validation:Enum=v1;v3
	ConfigurationAPI string `json:"configurationAPI,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=sailpointtenants,scope=Namespaced,shortName=spt,categories={sailpoint,mfa}
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Base URL",type=string,JSONPath=`.spec.baseURL`
// +kubebuilder:printcolumn:name="API",type=string,JSONPath=`.status.configurationAPI`,priority=1,description="API of the configuration operations: v1 or v3"
// +kubebuilder:printcolumn:name="Identity",type=string,JSONPath=`.status.identityID`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// SailPointTenant says where and as whom to call SailPoint Identity Security Cloud: the
// tenant's API root and the Secret with a personal access token's client credentials.
// Ready is True (reason Authenticated) when a token was obtained; otherwise False with
// reason SecretNotFound, InvalidCredentials or Unreachable.
type SailPointTenant struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// spec is the desired state of the SailPointTenant.
	// +required
	Spec SailPointTenantSpec `json:"spec"`

	// status is the observed state of the SailPointTenant.
	// +optional
	// The default gives a new object status.observedGeneration 0, so that kstatus (Flux,
	// kubectl wait) reads it as not yet reconciled rather than as Current.
	// +kubebuilder:default={observedGeneration: 0}
	Status SailPointTenantStatus `json:"status,omitempty,omitzero"`
}

// GetConditions returns status.conditions.
func (t *SailPointTenant) GetConditions() []metav1.Condition { return t.Status.Conditions }

// SetConditions replaces status.conditions.
func (t *SailPointTenant) SetConditions(c []metav1.Condition) { t.Status.Conditions = c }

// GetCommonStatus returns the status fields shared by every kind.
func (t *SailPointTenant) GetCommonStatus() *CommonStatus { return &t.Status.CommonStatus }

// +kubebuilder:object:root=true

// SailPointTenantList contains a list of SailPointTenant.
type SailPointTenantList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items is the list of SailPointTenants.
	Items []SailPointTenant `json:"items"`
}
