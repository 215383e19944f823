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
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// expectRefused asserts that err is a 422 Invalid whose message contains want.
func expectRefused(err error, want string) {
	GinkgoHelper()
	Expect(err).To(HaveOccurred(), "the object was accepted")
	Expect(apierrors.IsInvalid(err)).To(BeTrue(), "not an Invalid error: %v", err)
	Expect(err.Error()).To(ContainSubstring(want))
}

var _ = Describe("Validation", func() {
	DescribeTable("refuses an invalid object at create with a clear message",
		func(build func() *unstructured.Unstructured, mutate mutation, want string) {
			u := build()
			mutate(u)
			expectRefused(k8sClient.Create(ctx, u, client.DryRunAll), want)
		},

		// SailPointTenant
		Entry("SailPointTenant: http baseURL for a host that is not loopback",
			minimalTenant, set("spec.baseURL", "http://acme.api.identitynow.com"),
			"baseURL must be an https URL; plain http is allowed only when the host is localhost, 127.0.0.1 or [::1]"),
		Entry("SailPointTenant: http baseURL whose host only starts with localhost",
			minimalTenant, set("spec.baseURL", "http://localhost.example.com"),
			"baseURL must be an https URL"),
		Entry("SailPointTenant: baseURL that is not a URL",
			minimalTenant, set("spec.baseURL", "acme.api.identitynow.com"),
			"baseURL must be an https URL"),
		Entry("SailPointTenant: baseURL with another scheme",
			minimalTenant, set("spec.baseURL", "ftp://acme.api.identitynow.com"),
			"baseURL must be an https URL"),
		Entry("SailPointTenant: baseURL ending in /v3",
			minimalTenant, set("spec.baseURL", "https://acme.api.identitynow.com/v3"),
			"baseURL must not end with /v3"),
		Entry("SailPointTenant: baseURL ending in /v3/",
			minimalTenant, set("spec.baseURL", "https://acme.api.identitynow.com/v3/"),
			"baseURL must not end with /v3"),
		Entry("SailPointTenant: baseURL with a query",
			minimalTenant, set("spec.baseURL", "https://acme.api.identitynow.com/?x=1"),
			"baseURL must not contain a query or a fragment"),
		Entry("SailPointTenant: empty baseURL",
			minimalTenant, set("spec.baseURL", ""),
			"spec.baseURL"),
		Entry("SailPointTenant: missing baseURL",
			minimalTenant, unset("spec.baseURL"),
			"spec.baseURL: Required value"),
		Entry("SailPointTenant: http tokenURL for a host that is not loopback",
			minimalTenant, set("spec.tokenURL", "http://acme.api.identitynow.com/oauth/token"),
			"tokenURL must be an https URL; plain http is allowed only when the host is localhost, 127.0.0.1 or [::1]"),
		Entry("SailPointTenant: requestsPerSecond 0",
			minimalTenant, set("spec.requestsPerSecond", int64(0)),
			"spec.requestsPerSecond in body should be greater than or equal to 1"),
		Entry("SailPointTenant: requestsPerSecond 11",
			minimalTenant, set("spec.requestsPerSecond", int64(11)),
			"spec.requestsPerSecond in body should be less than or equal to 10"),
		Entry("SailPointTenant: configurationAPI not in the enum",
			minimalTenant, set("spec.configurationAPI", "v1"),
			`spec.configurationAPI: Unsupported value: "v1": supported values: "Auto", "V1", "V3"`),
		Entry("SailPointTenant: missing credentialsSecretRef",
			minimalTenant, unset("spec.credentialsSecretRef"),
			"spec.credentialsSecretRef: Required value"),
		Entry("SailPointTenant: Secret name that is not a DNS subdomain",
			minimalTenant, set("spec.credentialsSecretRef.name", "Acme_Credentials"),
			"spec.credentialsSecretRef.name in body should match"),
		Entry("SailPointTenant: Secret key with a slash",
			minimalTenant, set("spec.credentialsSecretRef.clientIDKey", "client/id"),
			"spec.credentialsSecretRef.clientIDKey in body should match"),

		// MfaProviderConfig
		Entry("MfaProviderConfig: method not in the enum",
			minimalOkta, set("spec.method", "sms"),
			`spec.method: Unsupported value: "sms": supported values: "okta-verify", "duo-web"`),
		Entry("MfaProviderConfig: duo-web without duo",
			minimalDuo, unset("spec.duo"),
			"duo is required when method is duo-web"),
		Entry("MfaProviderConfig: okta-verify with duo",
			minimalOkta, set("spec.duo", duoSettings()),
			"duo must not be set when method is okta-verify"),
		Entry("MfaProviderConfig: duo without its secret key",
			minimalDuo, unset("spec.duo.secretKeySecretRef"),
			"spec.duo.secretKeySecretRef: Required value"),
		Entry("MfaProviderConfig: interval 30s",
			minimalOkta, set("spec.interval", "30s"),
			"interval must be at least 1m"),
		Entry("MfaProviderConfig: interval that is not a duration",
			minimalOkta, set("spec.interval", "ten minutes"),
			"spec.interval in body should match"),
		Entry("MfaProviderConfig: host with a scheme",
			minimalOkta, set("spec.host", "https://acme.okta.com"),
			"host must not include a scheme"),
		Entry("MfaProviderConfig: host with a path",
			minimalOkta, set("spec.host", "acme.okta.com/oauth2"),
			"host must not contain a path"),
		Entry("MfaProviderConfig: host with whitespace",
			minimalOkta, set("spec.host", "acme okta.com"),
			"host must not contain whitespace"),
		Entry("MfaProviderConfig: empty identityAttribute",
			minimalOkta, set("spec.identityAttribute", ""),
			"spec.identityAttribute in body should be at least 1 chars long"),
		Entry("MfaProviderConfig: missing accessKeySecretRef",
			minimalOkta, unset("spec.accessKeySecretRef"),
			"spec.accessKeySecretRef: Required value"),
		Entry("MfaProviderConfig: missing tenantRef",
			minimalOkta, unset("spec.tenantRef"),
			"spec.tenantRef: Required value"),
		Entry("MfaProviderConfig: deletionPolicy not in the enum",
			minimalOkta, set("spec.deletionPolicy", "Keep"),
			`spec.deletionPolicy: Unsupported value: "Keep": supported values: "Delete", "Disable", "Orphan"`),
		Entry("MfaProviderConfig: managementPolicy not in the enum",
			minimalOkta, set("spec.managementPolicy", "ReadOnly"),
			`spec.managementPolicy: Unsupported value: "ReadOnly": supported values: "Manage", "Observe"`),

		// MfaKbaAnswers
		Entry("MfaKbaAnswers: no answers",
			minimalKba, set("spec.answers", []interface{}{}),
			"spec.answers in body should have at least 1 items"),
		Entry("MfaKbaAnswers: missing answers",
			minimalKba, unset("spec.answers"),
			"spec.answers: Required value"),
		Entry("MfaKbaAnswers: 51 answers",
			minimalKba, set("spec.answers", answers(51)),
			"must have at most 50 items"),
		Entry("MfaKbaAnswers: an answer with both questionId and questionText",
			minimalKba, set("spec.answers", []interface{}{map[string]interface{}{
				"questionId":      "173421",
				"questionText":    "What was the name of your first pet?",
				"answerSecretRef": secretRef("kba", "q1"),
			}}),
			"exactly one of questionId or questionText must be set"),
		Entry("MfaKbaAnswers: an answer with neither questionId nor questionText",
			minimalKba, set("spec.answers", []interface{}{map[string]interface{}{
				"answerSecretRef": secretRef("kba", "q1"),
			}}),
			"exactly one of questionId or questionText must be set"),
		Entry("MfaKbaAnswers: an answer without answerSecretRef",
			minimalKba, set("spec.answers", []interface{}{map[string]interface{}{
				"questionId": "173421",
			}}),
			"spec.answers[0].answerSecretRef: Required value"),
		Entry("MfaKbaAnswers: answerFormat not in the enum",
			minimalKba, set("spec.answerFormat", "MD5"),
			`spec.answerFormat: Unsupported value: "MD5": supported values: "Plain", "SHA256"`),
		Entry("MfaKbaAnswers: deletionPolicy not in the enum",
			minimalKba, set("spec.deletionPolicy", "Retain"),
			`spec.deletionPolicy: Unsupported value: "Retain"`),
		Entry("MfaKbaAnswers: deletionPolicy Disable, which exists for MfaProviderConfig only",
			minimalKba, set("spec.deletionPolicy", "Disable"),
			"deletionPolicy Disable exists for MfaProviderConfig only: MfaKbaAnswers takes Delete (remove the identity's answers) or Orphan (leave them)"),
		Entry("MfaKbaAnswers: interval 59s",
			minimalKba, set("spec.interval", "59s"),
			"interval must be at least 1m"),
	)

	DescribeTable("accepts valid values at create",
		func(build func() *unstructured.Unstructured, mutate mutation) {
			u := build()
			mutate(u)
			Expect(k8sClient.Create(ctx, u, client.DryRunAll)).To(Succeed())
		},
		Entry("http baseURL on 127.0.0.1", minimalTenant, set("spec.baseURL", "http://127.0.0.1:18080")),
		Entry("http baseURL on [::1]", minimalTenant, set("spec.baseURL", "http://[::1]:8080")),
		Entry("http baseURL on localhost", minimalTenant, set("spec.baseURL", "http://localhost:18080")),
		Entry("https baseURL", minimalTenant, set("spec.baseURL", "https://acme.api.identitynow.com")),
		Entry("https baseURL with a trailing slash", minimalTenant, set("spec.baseURL", "https://acme.api.identitynow.com/")),
		Entry("https baseURL whose path merely contains v3", minimalTenant, set("spec.baseURL", "https://acme.api.identitynow.com/v3x")),
		Entry("https tokenURL", minimalTenant, set("spec.tokenURL", "https://acme.api.identitynow.com/oauth/token")),
		Entry("http tokenURL on [::1]", minimalTenant, set("spec.tokenURL", "http://[::1]:18080/oauth/token")),
		Entry("requestsPerSecond 1", minimalTenant, set("spec.requestsPerSecond", int64(1))),
		Entry("requestsPerSecond 10", minimalTenant, set("spec.requestsPerSecond", int64(10))),
		Entry("interval 1m", minimalOkta, set("spec.interval", "1m")),
		Entry("interval as Go prints it", minimalOkta, set("spec.interval", "1h0m0s")),
		Entry("host with a port", minimalOkta, set("spec.host", "acme.okta.com:443")),
		Entry("configurationAPI V1", minimalTenant, set("spec.configurationAPI", "V1")),
		Entry("configurationAPI V3", minimalTenant, set("spec.configurationAPI", "V3")),
		Entry("deletionPolicy Disable on okta-verify", minimalOkta, set("spec.deletionPolicy", "Disable")),
		Entry("deletionPolicy Disable on duo-web", minimalDuo, set("spec.deletionPolicy", "Disable")),
		Entry("MfaKbaAnswers with deletionPolicy Orphan", minimalKba, set("spec.deletionPolicy", "Orphan")),
		Entry("Observe and Orphan", minimalDuo, all(set("spec.managementPolicy", "Observe"), set("spec.deletionPolicy", "Orphan"))),
		Entry("an answer by question text", minimalKba, set("spec.answers", []interface{}{map[string]interface{}{
			"questionText":    "What was the name of your first pet?",
			"answerSecretRef": secretRef("kba", "q1"),
		}})),
		Entry("50 answers", minimalKba, set("spec.answers", answers(50))),
		Entry("SHA256 answers with verify", minimalKba, all(set("spec.answerFormat", "SHA256"), set("spec.verify", true))),
	)

	Describe("of updates", func() {
		var pc *unstructured.Unstructured

		BeforeEach(func() {
			pc = minimalOkta()
			pc.SetName("okta-update")
			Expect(k8sClient.Create(ctx, pc)).To(Succeed())
			DeferCleanup(func() {
				Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, pc))).To(Succeed())
			})
		})

		// latest reads the stored object again.
		latest := func() *unstructured.Unstructured {
			GinkgoHelper()
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(pc.GroupVersionKind())
			Eventually(func() error {
				return k8sClient.Get(ctx, client.ObjectKeyFromObject(pc), u)
			}).Should(Succeed())
			return u
		}

		It("refuses a change of method", func() {
			u := latest()
			all(set("spec.method", "duo-web"), set("spec.duo", duoSettings()))(u)
			expectRefused(k8sClient.Update(ctx, u), "method is immutable")
		})

		It("accepts a change of the other fields", func() {
			u := latest()
			all(set("spec.host", "acme2.okta.com"), set("spec.enabled", false), set("spec.interval", "5m"))(u)
			Expect(k8sClient.Update(ctx, u)).To(Succeed())
			Eventually(func(g Gomega) {
				g.Expect(field(latest(), "spec.host")).To(Equal("acme2.okta.com"))
			}).Should(Succeed())
		})
	})

	It("accepts only v1 or v3 in SailPointTenant status.configurationAPI", func() {
		spt := minimalTenant()
		spt.SetName("acme-status")
		Expect(k8sClient.Create(ctx, spt)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8sClient.Delete(ctx, spt))).To(Succeed()) })

		Expect(unstructured.SetNestedField(spt.Object, "V3", "status", "configurationAPI")).To(Succeed())
		expectRefused(k8sClient.Status().Update(ctx, spt), `status.configurationAPI: Unsupported value: "V3": supported values: "v1", "v3"`)
		Expect(unstructured.SetNestedField(spt.Object, "v3", "status", "configurationAPI")).To(Succeed())
		Expect(k8sClient.Status().Update(ctx, spt)).To(Succeed())
	})
})
