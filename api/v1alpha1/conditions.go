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

// Condition types. Every condition is a metav1.Condition with a CamelCase reason from the
// lists below and the object's generation as observedGeneration.
const (
	// TypeReady is the summary that users, Argo CD and Flux read. For SailPointTenant it is
	// True when a token was obtained and carries every reason. For MfaProviderConfig it is
	// True when Synced and (unless enabled is false) Tested are True; for MfaKbaAnswers when
	// Synced and (with verify) Verified are True. When False it has the reason of the
	// condition that is not True.
	TypeReady = "Ready"

	// TypeSynced says whether the remote state equals the desired state as of the last
	// reconcile. Missing tenant, Secret or key, conflicts, remote errors and drift in
	// Observe mode are reported here.
	TypeSynced = "Synced"

	// TypeTested (MfaProviderConfig only) reports the result of GET /v3/mfa/{method}/test.
	TypeTested = "Tested"

	// TypeVerified (MfaKbaAnswers with spec.verify only) reports the result of
	// POST /v3/mfa/kba/authenticate with the configured answers.
	TypeVerified = "Verified"

	// TypeReconciling (kstatus) is True while work is in progress, and removed otherwise.
	TypeReconciling = "Reconciling"

	// TypeStalled (kstatus) is True for errors that only a change by the user can fix
	// (SecretNotFound, InvalidCredentials, Unauthorized, Forbidden, BadRequest, Conflict,
	// TestFailed, InvalidAnswer, QuestionNotFound, DeletionBlocked, and the failed
	// verifications VerificationFailed, Lockout and NotEnoughData), and removed otherwise.
	// Transient errors are never Stalled.
	TypeStalled = "Stalled"
)

// Reasons of the Ready condition of a SailPointTenant (it carries all of them), and the
// Ready=True reason of the other kinds. When Ready is False on MfaProviderConfig or
// MfaKbaAnswers it repeats the reason of the Synced, Tested or Verified condition.
const (
	// ReasonAuthenticated (SailPointTenant, Ready=True): a token was obtained with the
	// credentials.
	ReasonAuthenticated = "Authenticated"

	// ReasonInvalidCredentials (SailPointTenant, Ready=False): the token endpoint refused
	// the credentials (HTTP 400 or 401). Stalled.
	ReasonInvalidCredentials = "InvalidCredentials"

	// ReasonUnreachable (Ready=False or Synced=False): SailPoint (or the token endpoint)
	// could not be reached: DNS, connection or TLS error, or a timeout. Transient.
	ReasonUnreachable = "Unreachable"

	// ReasonAvailable (MfaProviderConfig and MfaKbaAnswers, Ready=True): everything the
	// object asks for is in place (Synced, and Tested or Verified when they apply).
	ReasonAvailable = "Available"

	// ReasonProgressing (Synced=Unknown, Reconciling=True): the reconcile could not finish
	// because of the Kubernetes side (a list or a patch failed); retried with backoff.
	ReasonProgressing = "Progressing"
)

// Reasons of the Synced condition (MfaProviderConfig and MfaKbaAnswers). Ready=False
// repeats the same reason. SecretNotFound is also a Ready reason of SailPointTenant.
const (
	// ReasonSynced (Synced=True, Manage mode): the remote state equals the desired state;
	// it was applied when it differed.
	ReasonSynced = "Synced"

	// ReasonObserved (Synced=True, Observe mode): the remote state was read and equals the
	// desired state; nothing is ever written in Observe mode.
	ReasonObserved = "Observed"

	// ReasonSuspended (Synced=Unknown): spec.suspend is true; no remote call is made.
	ReasonSuspended = "Suspended"

	// ReasonTenantNotReady (Synced=False): the referenced SailPointTenant does not exist or
	// is not Ready. No remote call is made; the object is re-queued when the tenant changes.
	ReasonTenantNotReady = "TenantNotReady"

	// ReasonSecretNotFound (Synced=False, or Ready=False for SailPointTenant): a referenced
	// Secret, or a key in it, does not exist. No remote call is made; the object is
	// re-queued when the Secret appears. Stalled.
	ReasonSecretNotFound = "SecretNotFound"

	// ReasonConflict (Synced=False): another object already owns the same remote state (an
	// older MfaProviderConfig for the same tenant baseURL and method, or another
	// MfaKbaAnswers on the same SailPointTenant). The message names it as namespace/name.
	// No remote call is made. Stalled.
	ReasonConflict = "Conflict"

	// ReasonDriftDetected (Synced=False, Observe mode): the remote state differs from the
	// desired state. The message names the differing fields, never their values.
	ReasonDriftDetected = "DriftDetected"

	// ReasonQuestionNotFound (MfaKbaAnswers, Synced=False): a referenced question id or
	// text is not among the tenant's KBA questions. Stalled.
	ReasonQuestionNotFound = "QuestionNotFound"

	// ReasonInvalidAnswer (MfaKbaAnswers, Synced=False): an answer is shorter than 4
	// characters (or empty); the message names the question, never the answer. Reported
	// before any remote call. Stalled.
	ReasonInvalidAnswer = "InvalidAnswer"

	// ReasonBadRequest (Synced=False): SailPoint answered 400 to the desired state. Stalled.
	ReasonBadRequest = "BadRequest"

	// ReasonForbidden (Synced=False): SailPoint answered 403: the credentials' identity
	// lacks the needed user level (ORG_ADMIN for the MFA configuration) or scope. Stalled.
	ReasonForbidden = "Forbidden"

	// ReasonUnauthorized (Synced=False): SailPoint answered 401 even after a token refresh.
	ReasonUnauthorized = "Unauthorized"

	// ReasonRateLimited (Synced=False): SailPoint answered 429; the object is re-queued
	// after Retry-After. Transient.
	ReasonRateLimited = "RateLimited"

	// ReasonRemoteError (Synced=False): SailPoint answered 5xx or an unexpected response.
	// Retried with backoff. Transient.
	ReasonRemoteError = "RemoteError"

	// ReasonDeleting (Synced=False, Reconciling=True): the object is being deleted and the
	// deletion policy's call failed for a transient reason (429, 5xx, network); retried.
	ReasonDeleting = "Deleting"

	// ReasonDeletionBlocked (Synced=False, Stalled): the object is being deleted, but its
	// deletion policy cannot run without the user: the tenant or a Secret it needs is gone,
	// or SailPoint refused the call (400, 401, 403). Set deletionPolicy to Orphan to let the
	// object go.
	ReasonDeletionBlocked = "DeletionBlocked"
)

// Reasons of the Tested condition (MfaProviderConfig).
const (
	// ReasonTestSucceeded (Tested=True): the test endpoint answered state SUCCESS.
	ReasonTestSucceeded = "TestSucceeded"

	// ReasonTestFailed (Tested=False): the test endpoint answered state FAILED; the
	// message is SailPoint's error text as it came. Stalled.
	ReasonTestFailed = "TestFailed"

	// ReasonDisabled (Tested=Unknown): spec.enabled is false, so the test is not run.
	ReasonDisabled = "Disabled"

	// ReasonTestPending (Tested=Unknown): the configuration has not been tested yet, for
	// example because it is not Synced.
	ReasonTestPending = "TestPending"
)

// Reasons of the Verified condition (MfaKbaAnswers with spec.verify), one per status of
// POST /v3/mfa/kba/authenticate.
const (
	// ReasonVerificationSucceeded (Verified=True): authenticate answered SUCCESS.
	ReasonVerificationSucceeded = "VerificationSucceeded"

	// ReasonVerificationFailed (Verified=False): authenticate answered FAILED.
	ReasonVerificationFailed = "VerificationFailed"

	// ReasonLockout (Verified=False): authenticate answered LOCKOUT: too many failed
	// attempts for the identity.
	ReasonLockout = "Lockout"

	// ReasonNotEnoughData (Verified=False): authenticate answered NOT_ENOUGH_DATA: not
	// enough questions answered for the tenant's KBA settings.
	ReasonNotEnoughData = "NotEnoughData"

	// ReasonVerificationPending (Verified=Unknown): authenticate answered PENDING, or the
	// answers have not been verified yet.
	ReasonVerificationPending = "VerificationPending"
)

// Event reasons, one Event per change of state (never one per retry). Condition reasons
// such as Conflict, SecretNotFound, TestSucceeded and TestFailed are also used as event
// reasons.
const (
	// EventReasonApplied: the desired state was written to SailPoint.
	EventReasonApplied = "Applied"
	// EventReasonDriftCorrected: a difference found by the drift check was corrected.
	EventReasonDriftCorrected = "DriftCorrected"
	// EventReasonDeleted: the remote state was removed on deletion.
	EventReasonDeleted = "Deleted"
	// EventReasonOrphaned: the object was deleted with deletionPolicy Orphan; the remote
	// state was left as it is.
	EventReasonOrphaned = "Orphaned"
	// EventReasonConfigurationAPIFallback (Normal, SailPointTenant): with configurationAPI
	// Auto, SailPoint answered 404 on a /mfa/v1 path, so the tenant's client uses v3 for the
	// configuration operations from then on.
	EventReasonConfigurationAPIFallback = "ConfigurationAPIFallback"
	// EventReasonDeprecatedAPI (Warning, SailPointTenant): a response carried
	// X-Deprecated: true; once per client, naming the operation and the way out.
	EventReasonDeprecatedAPI = "DeprecatedAPI"
)
