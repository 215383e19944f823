package controller

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/mfa"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

const kindMfaKbaAnswers = "MfaKbaAnswers"

// The scopes of the KBA endpoints (reference section 2.1), named in Forbidden messages. The
// answers are always those of the identity that owns the tenant's credentials, so no user
// level helps: its token needs the scope (or sp:scopes:all).
const (
	scopeKbaRead         = "idn:mfa-kba:read"
	scopeKbaAuthenticate = "idn:mfa-kba:authenticate"
)

// MfaKbaAnswersReconciler sets the KBA answers of the identity that owns a tenant's
// credentials from an MfaKbaAnswers, optionally verifies them, and checks every interval that
// their questions still exist. The order of the steps is the managed reconcile's; what is
// specific to KBA answers is below (and the pure parts in kba.go).
type MfaKbaAnswersReconciler struct {
	managedReconciler[*mfav1.MfaKbaAnswers]
}

// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfakbaanswers,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfakbaanswers/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mfa.identityops.dev,resources=mfakbaanswers/finalizers,verbs=update

// kbaKind is what the managed reconcile needs to know about MfaKbaAnswers.
type kbaKind struct{ c client.Reader }

func (kbaKind) newObject() *mfav1.MfaKbaAnswers { return &mfav1.MfaKbaAnswers{} }
func (kbaKind) kindName() string                { return kindMfaKbaAnswers }
func (kbaKind) newList() client.ObjectList      { return &mfav1.MfaKbaAnswersList{} }

// peerMatters: any two answer sets on one SailPoint tenant may be of the same identity.
func (kbaKind) peerMatters(_, _ client.Object) bool { return true }

// checkWrites: failed authentications count towards SailPoint's lockout.
func (kbaKind) checkWrites() bool { return true }

func (kbaKind) secretRefs(k *mfav1.MfaKbaAnswers) []mfav1.SecretKeySelector { return kbaSecretRefs(k) }
func (kbaKind) deletionSecretRefs(*mfav1.MfaKbaAnswers) []mfav1.SecretKeySelector {
	return nil
}

func (kbaKind) describe(_ *mfav1.MfaKbaAnswers, s step) string {
	return map[step]string{
		stepObserve: "read the KBA questions", stepApply: "set the KBA answers",
		stepCheck: "verify the KBA answers", stepDelete: "remove the KBA answers",
	}[s]
}

// forbiddenHint: the answers are those of the identity that owns the tenant credentials, and
// its token lacks a scope.
func (kbaKind) forbiddenHint(s step) string {
	scope := scopeKbaAuthenticate
	if s == stepObserve {
		scope = scopeKbaRead
	}
	return "The identity that owns the tenant credentials needs the " + scope +
		" scope (or sp:scopes:all) on its personal access token"
}

func (kbaKind) readyMessage(k *mfav1.MfaKbaAnswers) string {
	switch {
	case observeOnly(k):
		return "Every question exists and has answers in the tenant (managementPolicy Observe)"
	case k.Spec.Verify:
		return "The KBA answers are in place and SailPoint verified them"
	}
	return "The KBA answers are in place"
}

func observeOnly(k *mfav1.MfaKbaAnswers) bool {
	return k.Spec.GetManagementPolicy() == mfav1.ManagementPolicyObserve
}

// validate refuses answers shorter than SailPoint accepts, before any call.
func (kbaKind) validate(k *mfav1.MfaKbaAnswers, vals secretValues) *condition {
	if short := shortAnswers(k.Spec.Answers, vals); len(short) > 0 {
		c := falseCondition(mfav1.ReasonInvalidAnswer, fmt.Sprintf(
			"Answers must be at least %d characters long; too short: the answer to %s",
			minAnswerLength, strings.Join(short, ", ")))
		return &c
	}
	return nil
}

// checkType is Verified when the answers are to be verified. Verification is a POST whose
// failures count towards SailPoint's lockout, so Observe mode, which never posts, does not
// verify and has no Verified condition.
func (kbaKind) checkType(k *mfav1.MfaKbaAnswers) string {
	if k.Spec.Verify && !observeOnly(k) {
		return mfav1.TypeVerified
	}
	return ""
}

// checkPlan: verify after each apply, and until a verification got a final answer.
func (kbaKind) checkPlan(k *mfav1.MfaKbaAnswers, applied bool, _ time.Time) (bool, *condition) {
	return applied || verificationDue(k), nil
}

// verificationDue reports whether the last verification has no final answer from SailPoint
// yet (never ran, PENDING, or the call failed). A final answer (SUCCESS, FAILED, LOCKOUT,
// NOT_ENOUGH_DATA) stands until the next apply: repeating a refused authenticate would only
// lead to a lockout.
func verificationDue(k *mfav1.MfaKbaAnswers) bool {
	c := k.Status.GetCondition(mfav1.TypeVerified)
	if c == nil {
		return true
	}
	switch c.Reason {
	case mfav1.ReasonVerificationSucceeded, mfav1.ReasonVerificationFailed, mfav1.ReasonLockout, mfav1.ReasonNotEnoughData:
		return false
	}
	return true
}

// owner returns namespace/name of an older MfaKbaAnswers that sets the answers of the same
// identity, or "". POST /v3/mfa/kba/config/answers replaces the whole set of the identity that
// owns the credentials, so two objects for one identity would overwrite each other. The same
// identity is: the same SailPointTenant, or a tenant of the same SailPoint tenant whose
// status.identityID (known once it obtained a token) is the same.
func (k kbaKind) owner(ctx context.Context, obj *mfav1.MfaKbaAnswers, tenant *mfav1.SailPointTenant) (string, error) {
	tenants, err := sameSailPointTenants(ctx, k.c, tenant)
	if err != nil {
		return "", err
	}
	var peers []*mfav1.MfaKbaAnswers
	for i, t := range tenants {
		// The same SailPointTenant (tenants[0]), or another one with the same identity.
		if i > 0 && (tenant.Status.IdentityID == "" || t.Status.IdentityID != tenant.Status.IdentityID) {
			continue
		}
		list := &mfav1.MfaKbaAnswersList{}
		if err := k.c.List(ctx, list, client.InNamespace(t.Namespace), client.MatchingFields{indexTenantName: t.Name},
			client.UnsafeDisableDeepCopy); err != nil {
			return "", err
		}
		for j := range list.Items {
			peers = append(peers, &list.Items[j])
		}
	}
	return oldestPeer(obj, peers), nil
}

func (kbaKind) conflictMessage(_ *mfav1.MfaKbaAnswers, tenant *mfav1.SailPointTenant, other string) string {
	return fmt.Sprintf("MfaKbaAnswers %s already sets the KBA answers of the identity of SailPointTenant %s/%s; this one makes no remote call",
		other, tenant.Namespace, tenant.Name)
}

// nextStatus records the questions, the apply and the verification of the pass.
func (kbaKind) nextStatus(k *mfav1.MfaKbaAnswers, p *pass) {
	k.Status.AnswerCount = int32(len(k.Spec.Answers))
	if p.observed != nil && p.observed.Questions != nil {
		k.Status.Questions = p.observed.Questions
	}
	if p.applied != nil {
		k.Status.AppliedGeneration = p.generation
		k.Status.AppliedSecretVersions = secretVersionsByName(p.applied.SecretVersions)
		k.Status.Questions = p.applied.Questions
	}
	if p.checked != nil {
		k.Status.LastVerification = &mfav1.VerificationResult{
			Status: mfav1.VerificationStatus(p.checked.State), Message: p.checked.Message,
			Time: metav1.NewTime(p.now.Truncate(time.Second)),
		}
	}
}

func (kbaKind) connect(k *mfav1.MfaKbaAnswers, tenant *mfav1.SailPointTenant, api sailpoint.API, vals secretValues) external {
	return &kbaExternal{obj: k, tenant: tenant, api: api, vals: vals}
}

// kbaExternal talks to SailPoint about the answers of one identity.
type kbaExternal struct {
	obj    *mfav1.MfaKbaAnswers
	tenant *mfav1.SailPointTenant
	api    sailpoint.API
	vals   secretValues
	// ids are the resolved question ids, one per spec.answers item; lost names the answers
	// SailPoint no longer has.
	ids  []string
	lost []string
}

// Observe resolves every answer's question and says whether the answers must be posted: the
// spec or a Secret changed since the last apply, or SailPoint lost an answer.
func (e *kbaExternal) Observe(ctx context.Context) (observation, error) {
	k := e.obj
	questions, ids, err := mfa.ResolveKbaQuestions(ctx, e.api, k.Spec.Answers)
	if err != nil {
		return observation{}, err
	}
	e.ids = ids
	var obs observation
	if observeOnly(k) || k.Status.LastAppliedTime != nil {
		obs.Questions = checkedQuestions(questions, k.Status.Questions, observeOnly(k))
	}
	if missing := missingQuestions(ids, k); len(missing) > 0 {
		c := falseCondition(mfav1.ReasonQuestionNotFound, fmt.Sprintf(
			"Not among the tenant's KBA questions: %s; nothing was sent", strings.Join(missing, ", ")))
		obs.Problem = &c
		return obs, nil
	}
	if dups := duplicateQuestions(k.Spec.Answers, ids); len(dups) > 0 {
		c := falseCondition(mfav1.ReasonInvalidAnswer, fmt.Sprintf(
			"More than one answer is given to %s; nothing was sent", strings.Join(dups, ", ")))
		obs.Problem = &c
		return obs, nil
	}
	if observeOnly(k) {
		obs.UpToDate, obs.Synced = true, observedAnswers(k, ids, questions)
		return obs, nil
	}
	obs.Diff = changedSinceApply(k.Status, k.Generation, secretVersionsByName(e.vals.versions))
	if len(obs.Diff) == 0 {
		e.lost = unansweredInTenant(k.Spec.Answers, ids, questions)
	}
	obs.UpToDate = len(obs.Diff) == 0 && len(e.lost) == 0
	obs.Synced = trueCondition(mfav1.ReasonSynced, fmt.Sprintf(
		"The %d answers are in place and every question still exists", len(k.Spec.Answers)))
	return obs, nil
}

// Apply posts the complete answer set. It counts as applied only when SailPoint's answer
// lists every answer as stored; otherwise it is an error, retried with backoff.
func (e *kbaExternal) Apply(ctx context.Context, obs observation) (applyResult, error) {
	resp, err := e.api.SetKbaAnswers(ctx, answerRequest(e.obj, e.ids, e.vals))
	if err != nil {
		return applyResult{}, err
	}
	if refused := notStored(e.obj.Spec.Answers, e.ids, resp); len(refused) > 0 {
		return applyResult{}, fmt.Errorf("sailpoint did not store the answer to %s", strings.Join(refused, ", "))
	}
	n := len(e.ids)
	ev := action{mfav1.EventReasonApplied, fmt.Sprintf("Applied %d KBA answers (changed: %s)", n, strings.Join(obs.Diff, ", "))}
	if len(obs.Diff) == 0 {
		ev = action{mfav1.EventReasonDriftCorrected, fmt.Sprintf(
			"Applied %d KBA answers again: SailPoint had no answer to %s", n, strings.Join(e.lost, ", "))}
	}
	return applyResult{
		Synced:         trueCondition(mfav1.ReasonSynced, fmt.Sprintf("Applied %d answers to SailPoint", n)),
		Event:          ev,
		SecretVersions: e.vals.versions,
		Questions:      appliedQuestions(resp),
	}, nil
}

// Check authenticates with the answers and reports SailPoint's status.
func (e *kbaExternal) Check(ctx context.Context) (checkResult, error) {
	res, err := e.api.AuthenticateKba(ctx, answerRequest(e.obj, e.ids, e.vals))
	if err != nil {
		return checkResult{}, err
	}
	c, message := verification(*res)
	return checkResult{Condition: c, State: string(res.Status), Message: message}, nil
}

// Delete posts an empty answer list, which removes the identity's answers.
func (e *kbaExternal) Delete(ctx context.Context, _ mfav1.DeletionPolicy) (string, error) {
	if _, err := e.api.SetKbaAnswers(ctx, []sailpoint.KbaAnswerRequestItem{}); err != nil {
		return "", err
	}
	return fmt.Sprintf("Removed the KBA answers of the identity of SailPointTenant %s/%s", e.tenant.Namespace, e.tenant.Name), nil
}
