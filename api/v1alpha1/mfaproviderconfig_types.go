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

// MfaMethod is an MFA method that SailPoint configures with a provider.
// +kubebuilder:validation:Enum=okta-verify;duo-web
type MfaMethod string

const (
	// MfaMethodOktaVerify is Okta Verify.
	MfaMethodOktaVerify MfaMethod = "okta-verify"
	// MfaMethodDuoWeb is Duo Web.
	MfaMethodDuoWeb MfaMethod = "duo-web"
)

// DuoSpec holds the Duo-only settings of a duo-web MfaProviderConfig.
type DuoSpec struct {
	// integrationKeySecretRef selects the Secret key holding the Duo integration key
	// (sent to SailPoint as configProperties.ikey).
	// +required
	IntegrationKeySecretRef SecretKeySelector `json:"integrationKeySecretRef"`

	// secretKeySecretRef selects the Secret key holding the Duo secret key (sent to
	// SailPoint as configProperties.skey).
	// +required
	SecretKeySecretRef SecretKeySelector `json:"secretKeySecretRef"`
}

// MfaProviderConfigSpec is the desired Okta Verify or Duo Web configuration of a tenant.
// +kubebuilder:validation:XValidation:rule="self.method != 'duo-web' || has(self.duo)",message="duo is required when method is duo-web"
// +kubebuilder:validation:XValidation:rule="self.method != 'okta-verify' || !has(self.duo)",message="duo must not be set when method is okta-verify"
type MfaProviderConfigSpec struct {
	// tenantRef names the SailPointTenant, in the same namespace, to configure.
	// +required
	TenantRef TenantReference `json:"tenantRef"`

	// method is the MFA method to configure: okta-verify or duo-web. Immutable. There is one
	// configuration per tenant and method, so only the oldest MfaProviderConfig for a
	// tenant and method manages it; the others report a Conflict.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="method is immutable"
	Method MfaMethod `json:"method"`

	// enabled turns the MFA method on or off in SailPoint. Default true. When false the
	// configuration is not tested (Tested is Unknown with reason Disabled).
	// +optional
	// +kubebuilder:default=true
	Enabled *bool `json:"enabled,omitempty"`

	// host is the provider host, without scheme or path, for example acme.okta.com or
	// api-1234abcd.duosecurity.com.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="!self.contains('://')",message="host must not include a scheme: give the host name only, e.g. acme.okta.com"
	// +kubebuilder:validation:XValidation:rule="self.contains('://') || !self.contains('/')",message="host must not contain a path or '/': give the host name only, e.g. acme.okta.com"
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\s?#@]')",message="host must not contain whitespace, '?', '#' or '@'"
	Host string `json:"host"`

	// identityAttribute is the SailPoint identity attribute whose value is the user's id
	// at the provider, for example email.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	IdentityAttribute string `json:"identityAttribute"`

	// accessKeySecretRef selects the Secret key, in the same namespace, holding the
	// provider access key (accessKey in SailPoint's configuration).
	// +required
	AccessKeySecretRef SecretKeySelector `json:"accessKeySecretRef"`

	// duo holds the Duo integration and secret keys. Required when method is duo-web;
	// must not be set when method is okta-verify.
	// +optional
	Duo *DuoSpec `json:"duo,omitempty"`

	ManagedResourceSpec `json:",inline"`
}

// IsEnabled returns spec.enabled, true when it is not set.
func (s *MfaProviderConfigSpec) IsEnabled() bool {
	return s.Enabled == nil || *s.Enabled
}

// TestState is the state returned by GET /v3/mfa/{method}/test.
type TestState string

const (
	// TestStateSuccess means the configuration is valid and can authenticate with the provider.
	TestStateSuccess TestState = "SUCCESS"
	// TestStateFailed means the test failed; the error says why.
	TestStateFailed TestState = "FAILED"
)

// TestResult is the outcome of the last configuration test.
type TestResult struct {
	// state is SailPoint's test state: SUCCESS or FAILED.
	// +required
	// +kubebuilder:validation:MaxLength=64
	State TestState `json:"state"`

	// message is SailPoint's error text for a failed test, as it came.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Message string `json:"message,omitempty"`

	// time is when the test ran.
	// +required
	Time metav1.Time `json:"time"`
}

// MfaProviderConfigStatus is the observed state of an MfaProviderConfig. It holds no secret
// value and no hash of one.
type MfaProviderConfigStatus struct {
	CommonStatus `json:",inline"`

	// lastTest is the outcome of the last GET /v3/mfa/{method}/test.
	// +optional
	LastTest *TestResult `json:"lastTest,omitempty"`

	// appliedGeneration is the metadata.generation whose spec was last applied to SailPoint.
	// +optional
	AppliedGeneration int64 `json:"appliedGeneration,omitempty"`

	// appliedSecretVersions maps each referenced Secret key, as "<secret name>/<key>", to the
	// Secret's metadata.resourceVersion when the configuration was last applied, so that a change
	// of a Secret is detected without storing anything derived from its data.
	// +optional
	AppliedSecretVersions map[string]string `json:"appliedSecretVersions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=mfaproviderconfigs,scope=Namespaced,shortName=mfapc,categories={sailpoint,mfa}
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Method",type=string,JSONPath=`.spec.method`
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.spec.tenantRef.name`,priority=1
// +kubebuilder:printcolumn:name="Suspended",type=boolean,JSONPath=`.spec.suspend`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// MfaProviderConfig is the Okta Verify or Duo Web configuration of a SailPoint tenant
// (PUT /v3/mfa/{method}/config). It is applied only when it differs from the remote one,
// tested after each apply and every interval, and removed on deletion unless
// deletionPolicy is Orphan.
type MfaProviderConfig struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// spec is the desired configuration.
	// +required
	Spec MfaProviderConfigSpec `json:"spec"`

	// status is the observed state.
	// +optional
	// The default gives a new object status.observedGeneration 0, so that kstatus (Flux,
	// kubectl wait) reads it as not yet reconciled rather than as Current.
	// +kubebuilder:default={observedGeneration: 0}
	Status MfaProviderConfigStatus `json:"status,omitempty,omitzero"`
}

// GetConditions returns status.conditions.
func (p *MfaProviderConfig) GetConditions() []metav1.Condition { return p.Status.Conditions }

// SetConditions replaces status.conditions.
func (p *MfaProviderConfig) SetConditions(c []metav1.Condition) { p.Status.Conditions = c }

// GetCommonStatus returns the status fields shared by every kind.
func (p *MfaProviderConfig) GetCommonStatus() *CommonStatus { return &p.Status.CommonStatus }

// +kubebuilder:object:root=true

// MfaProviderConfigList contains a list of MfaProviderConfig.
type MfaProviderConfigList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items is the list of MfaProviderConfigs.
	Items []MfaProviderConfig `json:"items"`
}

// GetManagedSpec returns the spec fields shared by the managed kinds.
func (p *MfaProviderConfig) GetManagedSpec() *ManagedResourceSpec { return &p.Spec.ManagedResourceSpec }

// GetTenantName returns spec.tenantRef.name.
func (p *MfaProviderConfig) GetTenantName() string { return p.Spec.TenantRef.Name }
