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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1alpha1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// dryRunCreate creates u with a server-side dry run and returns what the server would store.
func dryRunCreate(u *unstructured.Unstructured) *unstructured.Unstructured {
	GinkgoHelper()
	Expect(k8sClient.Create(ctx, u, client.DryRunAll)).To(Succeed())
	return u
}

// field returns the value at a dotted path, failing when it is absent.
func field(u *unstructured.Unstructured, path string) interface{} {
	GinkgoHelper()
	v, ok, err := unstructured.NestedFieldNoCopy(u.Object, strings.Split(path, ".")...)
	Expect(err).NotTo(HaveOccurred())
	Expect(ok).To(BeTrue(), "%s is not set", path)
	return v
}

var _ = Describe("Defaults", func() {
	It("fill in the SailPointTenant credential keys, request rate and configuration API", func() {
		u := dryRunCreate(minimalTenant())
		Expect(field(u, "spec.configurationAPI")).To(Equal("Auto"))
		Expect(field(u, "spec.credentialsSecretRef.clientIDKey")).To(Equal("clientId"))
		Expect(field(u, "spec.credentialsSecretRef.clientSecretKey")).To(Equal("clientSecret"))
		Expect(field(u, "spec.requestsPerSecond")).To(BeEquivalentTo(8))
		_, hasTokenURL, _ := unstructured.NestedString(u.Object, "spec", "tokenURL")
		Expect(hasTokenURL).To(BeFalse(), "tokenURL has no schema default")
	})

	DescribeTable("fill in the MfaProviderConfig policy fields",
		func(build func() *unstructured.Unstructured) {
			u := dryRunCreate(build())
			Expect(field(u, "spec.enabled")).To(BeTrue())
			Expect(field(u, "spec.deletionPolicy")).To(Equal("Delete"))
			Expect(field(u, "spec.managementPolicy")).To(Equal("Manage"))
			Expect(field(u, "spec.suspend")).To(BeFalse())
			Expect(field(u, "spec.interval")).To(Equal("10m"))
		},
		Entry("for okta-verify", minimalOkta),
		Entry("for duo-web", minimalDuo),
	)

	It("fill in the MfaKbaAnswers format, verify and policy fields", func() {
		u := dryRunCreate(minimalKba())
		Expect(field(u, "spec.answerFormat")).To(Equal("Plain"))
		Expect(field(u, "spec.verify")).To(BeFalse())
		Expect(field(u, "spec.deletionPolicy")).To(Equal("Delete"))
		Expect(field(u, "spec.managementPolicy")).To(Equal("Manage"))
		Expect(field(u, "spec.suspend")).To(BeFalse())
		Expect(field(u, "spec.interval")).To(Equal("10m"))
	})

	It("keep values the user set instead of the defaults", func() {
		u := minimalOkta()
		all(
			set("spec.enabled", false),
			set("spec.deletionPolicy", "Orphan"),
			set("spec.managementPolicy", "Observe"),
			set("spec.suspend", true),
			set("spec.interval", "1h"),
		)(u)
		u = dryRunCreate(u)
		Expect(field(u, "spec.enabled")).To(BeFalse())
		Expect(field(u, "spec.deletionPolicy")).To(Equal("Orphan"))
		Expect(field(u, "spec.managementPolicy")).To(Equal("Observe"))
		Expect(field(u, "spec.suspend")).To(BeTrue())
		Expect(field(u, "spec.interval")).To(Equal("1h"))
	})

	It("reach typed Go clients, and a Go object left at its zero values gets them too", func() {
		pc := &mfav1alpha1.MfaProviderConfig{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: "typed"},
			Spec: mfav1alpha1.MfaProviderConfigSpec{
				TenantRef:          mfav1alpha1.TenantReference{Name: "acme"},
				Method:             mfav1alpha1.MfaMethodOktaVerify,
				Host:               "acme.okta.com",
				IdentityAttribute:  "email",
				AccessKeySecretRef: mfav1alpha1.SecretKeySelector{Name: "okta-mfa", Key: "accessKey"},
			},
		}
		Expect(k8sClient.Create(ctx, pc, client.DryRunAll)).To(Succeed())
		Expect(pc.Spec.Enabled).NotTo(BeNil())
		Expect(pc.Spec.IsEnabled()).To(BeTrue())
		Expect(pc.Spec.DeletionPolicy).To(Equal(mfav1alpha1.DeletionPolicyDelete))
		Expect(pc.Spec.ManagementPolicy).To(Equal(mfav1alpha1.ManagementPolicyManage))
		Expect(pc.Spec.Interval).NotTo(BeNil())
		Expect(pc.Spec.Interval.Duration).To(Equal(10 * time.Minute))
		Expect(pc.Spec.GetInterval()).To(Equal(10 * time.Minute))

		kba := &mfav1alpha1.MfaKbaAnswers{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: "typed"},
			Spec: mfav1alpha1.MfaKbaAnswersSpec{
				TenantRef: mfav1alpha1.TenantReference{Name: "acme"},
				Answers: []mfav1alpha1.KbaAnswer{{
					QuestionText:    "What was the name of your first pet?",
					AnswerSecretRef: mfav1alpha1.SecretKeySelector{Name: "kba", Key: "q1"},
				}},
			},
		}
		Expect(k8sClient.Create(ctx, kba, client.DryRunAll)).To(Succeed())
		Expect(kba.Spec.AnswerFormat).To(Equal(mfav1alpha1.AnswerFormatPlain))
		Expect(kba.Spec.GetInterval()).To(Equal(10 * time.Minute))

		spt := &mfav1alpha1.SailPointTenant{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNamespace, Name: "typed"},
			Spec: mfav1alpha1.SailPointTenantSpec{
				BaseURL:              "http://127.0.0.1:18080",
				CredentialsSecretRef: mfav1alpha1.CredentialsSecretReference{Name: "acme-credentials"},
			},
		}
		Expect(k8sClient.Create(ctx, spt, client.DryRunAll)).To(Succeed())
		Expect(spt.Spec.CredentialsSecretRef.ClientIDKey).To(Equal("clientId"))
		Expect(spt.Spec.CredentialsSecretRef.ClientSecretKey).To(Equal("clientSecret"))
		Expect(spt.Spec.RequestsPerSecond).To(BeEquivalentTo(8))
		Expect(spt.Spec.GetTokenURL()).To(Equal("http://127.0.0.1:18080/oauth/token"))
	})
})
