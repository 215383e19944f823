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
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

const (
	// Finalizer is put on MfaProviderConfig and MfaKbaAnswers objects after their first
	// successful remote call, so that the remote state is cleaned up (or orphaned, see
	// DeletionPolicy) before the object goes away.
	Finalizer = "mfa.identityops.dev/finalizer"

	// ReconcileRequestedAtAnnotation forces a reconcile when its value changes; the value
	// handled last is echoed in status.lastHandledReconcileAt (the Flux convention).
	ReconcileRequestedAtAnnotation = "reconcile.fluxcd.io/requestedAt"

	// DefaultInterval is the drift-check and re-test period when spec.interval is not set.
	DefaultInterval = 10 * time.Minute

	// MinimumInterval is the smallest spec.interval the API accepts.
	MinimumInterval = time.Minute

	// DefaultRequestsPerSecond is the client-side request rate for a tenant when
	// spec.requestsPerSecond is not set.
	DefaultRequestsPerSecond = 8
)

// SecretKeySelector selects one key of a Secret in the namespace of the object that
// refers to it. The value of every referenced key is treated as secret: it is never
// logged, shown in status or events, or hashed into status.
type SecretKeySelector struct {
	// name of the Secret, in the same namespace as the referring object.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`

	// key in the Secret's data whose value is used.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// TenantReference names a SailPointTenant in the same namespace as the referring object.
type TenantReference struct {
	// name of the SailPointTenant, in the same namespace as the referring object.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// DeletionPolicy says what happens to the remote state when the object is deleted.
// Disable exists for MfaProviderConfig only; MfaKbaAnswers refuses it.
// +kubebuilder:validation:Enum=Delete;Disable;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete removes the remote state when the object is deleted.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyDisable (MfaProviderConfig only) writes the full configuration once
	// more with enabled false when the object is deleted, instead of deleting it: the one
	// way to turn a configuration off that works on the v1 API, which has no DELETE.
	DeletionPolicyDisable DeletionPolicy = "Disable"
	// DeletionPolicyOrphan leaves the remote state as it is when the object is deleted.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// ManagementPolicy says whether the operator may change the remote state.
// +kubebuilder:validation:Enum=Manage;Observe
type ManagementPolicy string

const (
	// ManagementPolicyManage applies the desired state when the remote state differs.
	ManagementPolicyManage ManagementPolicy = "Manage"
	// ManagementPolicyObserve never changes the remote state; a difference is reported as
	// Synced=False with reason DriftDetected.
	ManagementPolicyObserve ManagementPolicy = "Observe"
)

// ManagedResourceSpec holds the spec fields shared by the kinds that manage remote state
// (MfaProviderConfig and MfaKbaAnswers).
type ManagedResourceSpec struct {
	// deletionPolicy says what happens to the remote state when this object is deleted:
	// Delete (the default) removes it, Orphan leaves it untouched. Disable, for
	// MfaProviderConfig only, writes the configuration once more with enabled false instead
	// of deleting it (DELETE exists only in SailPoint's legacy v3 API, retired in Q1 2029;
	// Disable keeps working on the v1 API); MfaKbaAnswers refuses it. Setting Orphan is also
	// the way out when the tenant or its credentials are gone and deletion cannot proceed.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// managementPolicy says whether the operator may change the remote state: Manage (the
	// default) applies the desired state when it differs; Observe never writes and reports
	// a difference as Synced=False with reason DriftDetected.
	// +optional
	// +kubebuilder:default=Manage
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// suspend, when true, stops all reconciliation: no remote call is made and Synced is
	// Unknown with reason Suspended. Default false.
	// +optional
	// +kubebuilder:default=false
	Suspend bool `json:"suspend,omitempty"`

	// interval is the period of the drift check (and of the re-test or question check),
	// as a Go duration string such as 30m or 1h. Default 10m, minimum 1m.
	// +optional
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^([0-9]+([.][0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="!self.matches('^([0-9]+([.][0-9]+)?(ms|s|m|h))+$') || duration(self) >= duration('1m')",message="interval must be at least 1m"
	Interval *metav1.Duration `json:"interval,omitempty"`
}

// GetInterval returns spec.interval, or DefaultInterval when it is not set (or not positive).
func (s *ManagedResourceSpec) GetInterval() time.Duration {
	if s.Interval == nil || s.Interval.Duration <= 0 {
		return DefaultInterval
	}
	return s.Interval.Duration
}

// GetDeletionPolicy returns spec.deletionPolicy, or Delete when it is not set.
func (s *ManagedResourceSpec) GetDeletionPolicy() DeletionPolicy {
	if s.DeletionPolicy == "" {
		return DeletionPolicyDelete
	}
	return s.DeletionPolicy
}

// GetManagementPolicy returns spec.managementPolicy, or Manage when it is not set.
func (s *ManagedResourceSpec) GetManagementPolicy() ManagementPolicy {
	if s.ManagementPolicy == "" {
		return ManagementPolicyManage
	}
	return s.ManagementPolicy
}

// CommonStatus holds the status fields shared by every kind of this group.
type CommonStatus struct {
	// observedGeneration is the metadata.generation this status was computed for; 0 until
	// the operator has reconciled the object.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions describe the current state: Ready (the summary), Synced, Tested
	// (MfaProviderConfig), Verified (MfaKbaAnswers with verify), and the kstatus conditions
	// Reconciling and Stalled, present only while they hold.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`

	// lastHandledReconcileAt is the value of the reconcile.fluxcd.io/requestedAt annotation
	// that was handled last.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`

	// lastAppliedTime is when the desired state was last written to SailPoint.
	// +optional
	LastAppliedTime *metav1.Time `json:"lastAppliedTime,omitempty"`
}

// GetCondition returns the condition of the given type, or nil.
func (s *CommonStatus) GetCondition(conditionType string) *metav1.Condition {
	return meta.FindStatusCondition(s.Conditions, conditionType)
}

// IsConditionTrue reports whether the condition of the given type is present and True.
func (s *CommonStatus) IsConditionTrue(conditionType string) bool {
	return meta.IsStatusConditionTrue(s.Conditions, conditionType)
}

// IsReady reports whether the Ready condition is True for the current generation
// (observedGeneration of the condition equal to generation).
func (s *CommonStatus) IsReady(generation int64) bool {
	c := s.GetCondition(TypeReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == generation
}

// Conditioned is implemented by objects whose status carries metav1.Conditions.
// +kubebuilder:object:generate=false
type Conditioned interface {
	// GetConditions returns status.conditions.
	GetConditions() []metav1.Condition
	// SetConditions replaces status.conditions.
	SetConditions(conditions []metav1.Condition)
}

// Object is implemented by every kind of this API group, so that status handling
// (conditions, observedGeneration, lastHandledReconcileAt) can be written once.
// +kubebuilder:object:generate=false
type Object interface {
	metav1.Object
	runtime.Object
	Conditioned
	// GetCommonStatus returns a pointer to the status fields shared by every kind.
	GetCommonStatus() *CommonStatus
}

// Managed is implemented by the kinds that manage remote state (MfaProviderConfig and
// MfaKbaAnswers), so that their reconcile can be written once.
// +kubebuilder:object:generate=false
type Managed interface {
	Object
	// GetManagedSpec returns the spec fields shared by the managed kinds.
	GetManagedSpec() *ManagedResourceSpec
	// GetTenantName returns spec.tenantRef.name.
	GetTenantName() string
}
