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
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestGettersFallBackToTheSchemaDefaults(t *testing.T) {
	var m ManagedResourceSpec
	if got := m.GetInterval(); got != DefaultInterval {
		t.Errorf("GetInterval() = %v, want %v", got, DefaultInterval)
	}
	if got := m.GetDeletionPolicy(); got != DeletionPolicyDelete {
		t.Errorf("GetDeletionPolicy() = %q, want Delete", got)
	}
	if got := m.GetManagementPolicy(); got != ManagementPolicyManage {
		t.Errorf("GetManagementPolicy() = %q, want Manage", got)
	}
	var spec SailPointTenantSpec
	if got := spec.GetConfigurationAPI(); got != ConfigurationAPIAuto {
		t.Errorf("GetConfigurationAPI() = %q, want Auto", got)
	}
	spec.ConfigurationAPI = ConfigurationAPIV1
	if got := spec.GetConfigurationAPI(); got != ConfigurationAPIV1 {
		t.Errorf("GetConfigurationAPI() = %q, want V1", got)
	}
	m.Interval = &metav1.Duration{Duration: 2 * time.Minute}
	if got := m.GetInterval(); got != 2*time.Minute {
		t.Errorf("GetInterval() = %v, want 2m", got)
	}

	var p MfaProviderConfigSpec
	if !p.IsEnabled() {
		t.Error("IsEnabled() = false for an unset enabled, want true")
	}
	disabled := false
	p.Enabled = &disabled
	if p.IsEnabled() {
		t.Error("IsEnabled() = true for enabled: false")
	}

	var k MfaKbaAnswersSpec
	if got := k.GetAnswerFormat(); got != AnswerFormatPlain {
		t.Errorf("GetAnswerFormat() = %q, want Plain", got)
	}

	var r CredentialsSecretReference
	if r.GetClientIDKey() != "clientId" || r.GetClientSecretKey() != "clientSecret" {
		t.Errorf("credential keys = %q, %q", r.GetClientIDKey(), r.GetClientSecretKey())
	}
}

func TestGetTokenURL(t *testing.T) {
	tests := []struct {
		name string
		spec SailPointTenantSpec
		want string
	}{
		{"defaults to baseURL + /oauth/token", SailPointTenantSpec{BaseURL: "https://acme.api.identitynow.com"}, "https://acme.api.identitynow.com/oauth/token"},
		{"drops trailing slashes of baseURL", SailPointTenantSpec{BaseURL: "http://127.0.0.1:18080/"}, "http://127.0.0.1:18080/oauth/token"},
		{"uses tokenURL when set", SailPointTenantSpec{BaseURL: "https://a.example", TokenURL: "https://b.example/token"}, "https://b.example/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.GetTokenURL(); got != tt.want {
				t.Errorf("GetTokenURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEveryKindExposesItsConditions(t *testing.T) {
	cond := []metav1.Condition{{Type: TypeReady, Status: metav1.ConditionTrue, Reason: ReasonAvailable, ObservedGeneration: 3}}
	for _, obj := range []Object{&SailPointTenant{}, &MfaProviderConfig{}, &MfaKbaAnswers{}} {
		obj.SetConditions(cond)
		if got := obj.GetCommonStatus().GetCondition(TypeReady); got == nil || got.Reason != ReasonAvailable {
			t.Errorf("%T: Ready condition = %v", obj, got)
		}
		if !obj.GetCommonStatus().IsReady(3) || obj.GetCommonStatus().IsReady(4) {
			t.Errorf("%T: IsReady does not follow observedGeneration", obj)
		}
	}
}
