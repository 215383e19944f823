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
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AnswerFormat is how an answer's Secret value is sent to SailPoint.
// +kubebuilder:validation:Enum=Plain;SHA256
type AnswerFormat string

const (
	// AnswerFormatPlain sends the Secret value as it is.
	AnswerFormatPlain AnswerFormat = "Plain"
	// AnswerFormatSHA256 sends the lowercase hex SHA-256 digest of the Secret value.
	AnswerFormatSHA256 AnswerFormat = "SHA256"
)

// Encode returns what is sent to SailPoint for an answer in this format: the Secret value as
// it is, or the lowercase hex SHA-256 digest of it.
func (f AnswerFormat) Encode(plain string) string {
	if f == AnswerFormatSHA256 {
		sum := sha256.Sum256([]byte(plain))
		return hex.EncodeToString(sum[:])
	}
	return plain
}

// QuestionName names the question of an answer the way the spec does, by id or by text, for
// messages; it never includes the answer.
func (a KbaAnswer) QuestionName() string {
	if a.QuestionID != "" {
		return fmt.Sprintf("question %q", a.QuestionID)
	}
	return fmt.Sprintf("question %q", a.QuestionText)
}

// KbaAnswer is the answer to one KBA question, named by exactly one of questionId or
// questionText.
// +kubebuilder:validation:XValidation:rule="has(self.questionId) != has(self.questionText)",message="exactly one of questionId or questionText must be set"
type KbaAnswer struct {
	// questionId is the id of the question, as listed by GET /v3/mfa/kba/config (a numeric
	// string or a UUID). Mutually exclusive with questionText.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	QuestionID string `json:"questionId,omitempty"`

	// questionText is the exact text of the question, resolved to its id with
	// GET /v3/mfa/kba/config. Mutually exclusive with questionId.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	QuestionText string `json:"questionText,omitempty"`

	// answerSecretRef selects the Secret key, in the same namespace, holding the answer.
	// Answers must be at least 4 characters long.
	// +required
	AnswerSecretRef SecretKeySelector `json:"answerSecretRef"`
}

// MfaKbaAnswersSpec is the desired set of KBA answers of the identity that owns the
// tenant's credentials. deletionPolicy Disable is refused: KBA answers have no enabled
// switch, so there is nothing to disable.
// +kubebuilder:validation:XValidation:rule="!has(self.deletionPolicy) || self.deletionPolicy != 'Disable'",message="deletionPolicy Disable exists for MfaProviderConfig only: MfaKbaAnswers takes Delete (remove the identity's answers) or Orphan (leave them)"
type MfaKbaAnswersSpec struct {
	// tenantRef names the SailPointTenant, in the same namespace, whose credentials'
	// identity gets the answers. Only one MfaKbaAnswers may refer to a given tenant.
	// +required
	TenantRef TenantReference `json:"tenantRef"`

	// answers is the complete answer set, 1 to 50 items: SailPoint replaces the identity's
	// whole set with it, so questions not listed here lose their answers.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	Answers []KbaAnswer `json:"answers"`

	// answerFormat is how each Secret value is sent: Plain (the default) as it is, SHA256
	// as the lowercase hex SHA-256 digest of it.
	// +optional
	// +kubebuilder:default=Plain
	AnswerFormat AnswerFormat `json:"answerFormat,omitempty"`

	// verify, when true, checks the answers after each apply with
	// POST /v3/mfa/kba/authenticate and reports the result in the Verified condition.
	// Default false.
	// +optional
	// +kubebuilder:default=false
	Verify bool `json:"verify,omitempty"`

	ManagedResourceSpec `json:",inline"`
}

// GetAnswerFormat returns spec.answerFormat, or Plain when it is not set.
func (s *MfaKbaAnswersSpec) GetAnswerFormat() AnswerFormat {
	if s.AnswerFormat == "" {
		return AnswerFormatPlain
	}
	return s.AnswerFormat
}

// KbaQuestionStatus is a KBA question of the identity as SailPoint returned it.
type KbaQuestionStatus struct {
	// id of the question.
	// +required
	// +kubebuilder:validation:MaxLength=128
	ID string `json:"id"`

	// text of the question, as SailPoint returned it (possibly a JSON-encoded list of
	// localized texts).
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Text string `json:"text,omitempty"`

	// hasAnswer says whether the identity has an answer to this question.
	// +required
	HasAnswer bool `json:"hasAnswer"`
}

// VerificationStatus is a status returned by POST /v3/mfa/kba/authenticate.
type VerificationStatus string

const (
	// VerificationStatusPending means the verification is not finished.
	VerificationStatusPending VerificationStatus = "PENDING"
	// VerificationStatusSuccess means the answers were accepted.
	VerificationStatusSuccess VerificationStatus = "SUCCESS"
	// VerificationStatusFailed means the answers were refused.
	VerificationStatusFailed VerificationStatus = "FAILED"
	// VerificationStatusLockout means the identity is locked out after too many failures.
	VerificationStatusLockout VerificationStatus = "LOCKOUT"
	// VerificationStatusNotEnoughData means not enough answers for the tenant's KBA settings.
	VerificationStatusNotEnoughData VerificationStatus = "NOT_ENOUGH_DATA"
)

// VerificationResult is the outcome of the last KBA verification.
type VerificationResult struct {
	// status is SailPoint's authenticate status: PENDING, SUCCESS, FAILED, LOCKOUT or
	// NOT_ENOUGH_DATA.
	// +required
	// +kubebuilder:validation:MaxLength=64
	Status VerificationStatus `json:"status"`

	// message gives details, for example which questions were not verified (by id, never
	// by answer).
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Message string `json:"message,omitempty"`

	// time is when the verification ran.
	// +required
	Time metav1.Time `json:"time"`
}

// MfaKbaAnswersStatus is the observed state of an MfaKbaAnswers. It holds no answer and no
// hash of one.
type MfaKbaAnswersStatus struct {
	CommonStatus `json:",inline"`

	// answerCount is the number of answers in spec.answers, for the Answers printer column.
	// +optional
	AnswerCount int32 `json:"answerCount,omitempty"`

	// questions lists the identity's KBA questions as SailPoint returned them after the
	// last apply or check.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=200
	Questions []KbaQuestionStatus `json:"questions,omitempty"`

	// lastVerification is the outcome of the last POST /v3/mfa/kba/authenticate, when
	// spec.verify is true.
	// +optional
	LastVerification *VerificationResult `json:"lastVerification,omitempty"`

	// appliedGeneration is the metadata.generation whose spec was last applied to SailPoint.
	// +optional
	AppliedGeneration int64 `json:"appliedGeneration,omitempty"`

	// appliedSecretVersions maps the name of each referenced Secret to its
	// metadata.resourceVersion when the answers were last applied, so that a change of a
	// Secret is detected without storing anything derived from its data.
	// +optional
	AppliedSecretVersions map[string]string `json:"appliedSecretVersions,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=mfakbaanswers,singular=mfakbaanswers,scope=Namespaced,shortName=kba,categories={sailpoint,mfa}
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Answers",type=integer,JSONPath=`.status.answerCount`
// +kubebuilder:printcolumn:name="Tenant",type=string,JSONPath=`.spec.tenantRef.name`,priority=1
// +kubebuilder:printcolumn:name="Suspended",type=boolean,JSONPath=`.spec.suspend`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// MfaKbaAnswers is the complete set of knowledge-based authentication answers of the
// identity that owns a SailPointTenant's credentials (POST /v3/mfa/kba/config/answers).
// It is applied only when the spec or a referenced Secret changed, its questions are
// checked every interval, and on deletion the identity's answers are removed unless
// deletionPolicy is Orphan.
type MfaKbaAnswers struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// spec is the desired answer set.
	// +required
	Spec MfaKbaAnswersSpec `json:"spec"`

	// status is the observed state.
	// +optional
	// The default gives a new object status.observedGeneration 0, so that kstatus (Flux,
	// kubectl wait) reads it as not yet reconciled rather than as Current.
	// +kubebuilder:default={observedGeneration: 0}
	Status MfaKbaAnswersStatus `json:"status,omitempty,omitzero"`
}

// GetConditions returns status.conditions.
func (k *MfaKbaAnswers) GetConditions() []metav1.Condition { return k.Status.Conditions }

// SetConditions replaces status.conditions.
func (k *MfaKbaAnswers) SetConditions(c []metav1.Condition) { k.Status.Conditions = c }

// GetCommonStatus returns the status fields shared by every kind.
func (k *MfaKbaAnswers) GetCommonStatus() *CommonStatus { return &k.Status.CommonStatus }

// +kubebuilder:object:root=true

// MfaKbaAnswersList contains a list of MfaKbaAnswers.
type MfaKbaAnswersList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items is the list of MfaKbaAnswers.
	Items []MfaKbaAnswers `json:"items"`
}

// GetManagedSpec returns the spec fields shared by the managed kinds.
func (k *MfaKbaAnswers) GetManagedSpec() *ManagedResourceSpec { return &k.Spec.ManagedResourceSpec }

// GetTenantName returns spec.tenantRef.name.
func (k *MfaKbaAnswers) GetTenantName() string { return k.Spec.TenantRef.Name }
