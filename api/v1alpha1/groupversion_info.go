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

// Package v1alpha1 contains the API types of the mfa.identityops.dev/v1alpha1 group:
// SailPointTenant (where and as whom to call SailPoint), MfaProviderConfig (an Okta Verify
// or Duo Web configuration) and MfaKbaAnswers (the KBA answers of the tenant credentials'
// identity).
// +kubebuilder:object:generate=true
// +groupName=mfa.identityops.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group version used to register these objects.
	GroupVersion = schema.GroupVersion{Group: "mfa.identityops.dev", Version: "v1alpha1"}

	// SchemeBuilder adds the Go types of this group-version to a scheme. It uses
	// k8s.io/apimachinery only, so that importing the API package stays cheap.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types in this group-version to the given scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// addKnownTypes registers every kind of this group-version and its list.
func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&SailPointTenant{}, &SailPointTenantList{},
		&MfaProviderConfig{}, &MfaProviderConfigList{},
		&MfaKbaAnswers{}, &MfaKbaAnswersList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
