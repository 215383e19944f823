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

package crd_test

import (
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	mfav1alpha1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// mutation changes a valid object into the object under test.
type mutation func(u *unstructured.Unstructured)

// set sets the field at a dotted path (for example "spec.baseURL") to v. Numbers must be
// int64, lists []interface{} and objects map[string]interface{}.
func set(path string, v interface{}) mutation {
	return func(u *unstructured.Unstructured) {
		if err := unstructured.SetNestedField(u.Object, v, strings.Split(path, ".")...); err != nil {
			panic(err)
		}
	}
}

// unset removes the field at a dotted path.
func unset(path string) mutation {
	return func(u *unstructured.Unstructured) {
		unstructured.RemoveNestedField(u.Object, strings.Split(path, ".")...)
	}
}

// all applies mutations in order.
func all(ms ...mutation) mutation {
	return func(u *unstructured.Unstructured) {
		for _, m := range ms {
			m(u)
		}
	}
}

func newObject(kind, name string, spec map[string]interface{}) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]interface{}{"spec": spec}}
	u.SetAPIVersion(mfav1alpha1.GroupVersion.String())
	u.SetKind(kind)
	u.SetNamespace(testNamespace)
	u.SetName(name)
	return u
}

func secretRef(name, key string) map[string]interface{} {
	return map[string]interface{}{"name": name, "key": key}
}

// minimalTenant is a valid SailPointTenant with only its required fields.
func minimalTenant() *unstructured.Unstructured {
	return newObject("SailPointTenant", "acme", map[string]interface{}{
		"baseURL":              "https://acme.api.identitynow.com",
		"credentialsSecretRef": map[string]interface{}{"name": "acme-credentials"},
	})
}

// minimalOkta is a valid okta-verify MfaProviderConfig with only its required fields.
func minimalOkta() *unstructured.Unstructured {
	return newObject("MfaProviderConfig", "okta", map[string]interface{}{
		"tenantRef":          map[string]interface{}{"name": "acme"},
		"method":             "okta-verify",
		"host":               "acme.okta.com",
		"identityAttribute":  "email",
		"accessKeySecretRef": secretRef("okta-mfa", "accessKey"),
	})
}

// duoSettings is a valid spec.duo.
func duoSettings() map[string]interface{} {
	return map[string]interface{}{
		"integrationKeySecretRef": secretRef("duo-mfa", "ikey"),
		"secretKeySecretRef":      secretRef("duo-mfa", "skey"),
	}
}

// minimalDuo is a valid duo-web MfaProviderConfig with only its required fields.
func minimalDuo() *unstructured.Unstructured {
	return newObject("MfaProviderConfig", "duo", map[string]interface{}{
		"tenantRef":          map[string]interface{}{"name": "acme"},
		"method":             "duo-web",
		"host":               "api-1234abcd.duosecurity.com",
		"identityAttribute":  "uid",
		"accessKeySecretRef": secretRef("duo-mfa", "accessKey"),
		"duo":                duoSettings(),
	})
}

// answerByID is one spec.answers item naming its question by id.
func answerByID(id string) map[string]interface{} {
	return map[string]interface{}{"questionId": id, "answerSecretRef": secretRef("kba", "q-"+id)}
}

// minimalKba is a valid MfaKbaAnswers with only its required fields.
func minimalKba() *unstructured.Unstructured {
	return newObject("MfaKbaAnswers", "svc-account", map[string]interface{}{
		"tenantRef": map[string]interface{}{"name": "acme"},
		"answers":   []interface{}{answerByID("173421")},
	})
}

// answers returns n valid spec.answers items.
func answers(n int) []interface{} {
	items := make([]interface{}, 0, n)
	for i := 0; i < n; i++ {
		items = append(items, answerByID(strconv.Itoa(173400+i)))
	}
	return items
}
