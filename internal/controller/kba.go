package controller

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// The pure parts of the MfaKbaAnswers reconciler: answer checks, question resolution, what
// changed since the last apply, and the status shown for SailPoint's answers. Nothing here
// returns an answer, or anything derived from one, except answerRequest, whose result goes to
// SailPoint only.

// minAnswerLength is SailPoint's minimum answer length (reference section 9).
const minAnswerLength = 4

// Limits of KbaQuestionStatus in the CRD schema.
const (
	maxStatusQuestions    = 200
	maxStatusQuestionText = 4096
)

func kbaSecretRefs(k *mfav1.MfaKbaAnswers) []mfav1.SecretKeySelector {
	refs := make([]mfav1.SecretKeySelector, 0, len(k.Spec.Answers))
	for _, a := range k.Spec.Answers {
		refs = append(refs, a.AnswerSecretRef)
	}
	return refs
}

// shortAnswers names the questions whose answer is shorter than minAnswerLength characters
// (leading and trailing white space not counted), in spec order.
func shortAnswers(answers []mfav1.KbaAnswer, vals secretValues) []string {
	var names []string
	for _, a := range answers {
		if utf8.RuneCountInString(strings.TrimSpace(vals.get(a.AnswerSecretRef))) < minAnswerLength {
			names = append(names, a.QuestionName())
		}
	}
	return names
}

// answerRequest is the complete answer set for POST /v3/mfa/kba/config/answers and
// /v3/mfa/kba/authenticate; ids are the resolved question ids, in spec order.
func answerRequest(k *mfav1.MfaKbaAnswers, ids []string, vals secretValues) []sailpoint.KbaAnswerRequestItem {
	items := make([]sailpoint.KbaAnswerRequestItem, len(k.Spec.Answers))
	for i, a := range k.Spec.Answers {
		items[i] = sailpoint.KbaAnswerRequestItem{
			ID: ids[i], Answer: k.Spec.GetAnswerFormat().Encode(vals.get(a.AnswerSecretRef)),
		}
	}
	return items
}

// missingQuestions names the answers whose question was not found (ids[i] == "").
func missingQuestions(ids []string, obj *mfav1.MfaKbaAnswers) []string {
	var names []string
	for i, id := range ids {
		if id == "" {
			names = append(names, obj.Spec.Answers[i].QuestionName())
		}
	}
	return names
}

// duplicateQuestions names the questions that more than one answer resolves to; SailPoint
// refuses a set that answers a question twice.
func duplicateQuestions(answers []mfav1.KbaAnswer, ids []string) []string {
	seen := map[string]bool{}
	var dups []string
	for i, id := range ids {
		if seen[id] {
			dups = append(dups, answers[i].QuestionName())
		}
		seen[id] = true
	}
	return dups
}

func questionStatus(id, text string, hasAnswer bool) mfav1.KbaQuestionStatus {
	text = sailpoint.DefaultText(text)
	if len(text) > maxStatusQuestionText {
		text = truncateUTF8(text, maxStatusQuestionText)
	}
	return mfav1.KbaQuestionStatus{ID: id, Text: text, HasAnswer: hasAnswer}
}

func truncateUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// appliedQuestions is status.questions from the answer of POST /v3/mfa/kba/config/answers,
// where hasAnswer is the identity's own.
func appliedQuestions(items []sailpoint.KbaAnswerResponseItem) []mfav1.KbaQuestionStatus {
	out := make([]mfav1.KbaQuestionStatus, 0, min(len(items), maxStatusQuestions))
	for _, it := range items[:min(len(items), maxStatusQuestions)] {
		out = append(out, questionStatus(it.ID, it.Question, it.HasAnswer))
	}
	return out
}

// checkedQuestions is status.questions from GET /v3/mfa/kba/config: the questions as they now
// are. GET's hasAnswer is tenant-wide (some identity answered), so in Manage mode hasAnswer is
// carried from the last apply, which reported the identity's own (a question it did not list
// has no answer of the identity's: the apply replaced the whole set). In Observe mode nothing
// was applied, and the tenant-wide flag is the best SailPoint tells without a write.
func checkedQuestions(questions []sailpoint.KbaQuestion, last []mfav1.KbaQuestionStatus, observe bool) []mfav1.KbaQuestionStatus {
	answered := map[string]bool{}
	for _, q := range last {
		answered[q.ID] = q.HasAnswer
	}
	out := make([]mfav1.KbaQuestionStatus, 0, min(len(questions), maxStatusQuestions))
	for _, q := range questions[:min(len(questions), maxStatusQuestions)] {
		has := answered[q.ID]
		if observe {
			has = q.HasAnswer
		}
		out = append(out, questionStatus(q.ID, q.Text, has))
	}
	return out
}

// notStored names the answers that SailPoint's answer to the apply lists without an answer
// (or not at all).
func notStored(answers []mfav1.KbaAnswer, ids []string, items []sailpoint.KbaAnswerResponseItem) []string {
	stored := map[string]bool{}
	for _, it := range items {
		stored[it.ID] = it.HasAnswer
	}
	var names []string
	for i, id := range ids {
		if !stored[id] {
			names = append(names, answers[i].QuestionName())
		}
	}
	return names
}

// unansweredInTenant names the answers whose question nobody in the tenant has answered,
// according to GET /v3/mfa/kba/config. Its hasAnswer is tenant-wide, so this finds a missing
// answer of the identity only when no other identity answered the question either.
func unansweredInTenant(answers []mfav1.KbaAnswer, ids []string, questions []sailpoint.KbaQuestion) []string {
	answered := map[string]bool{}
	for _, q := range questions {
		answered[q.ID] = q.HasAnswer
	}
	var names []string
	for i, id := range ids {
		if !answered[id] {
			names = append(names, answers[i].QuestionName())
		}
	}
	return names
}

// secretVersionsByName turns the versions secretReader.read returns (by "name/key") into
// status.appliedSecretVersions (by Secret name).
func secretVersionsByName(versions map[string]string) map[string]string {
	out := make(map[string]string, len(versions))
	for k, v := range versions {
		name, _, _ := strings.Cut(k, "/")
		out[name] = v
	}
	return out
}

// changedSinceApply says why the answers must be applied: "new" before the first apply, else
// "spec" when the generation changed and "Secret <name>" for each referenced Secret whose
// resourceVersion changed. Empty when nothing changed since the last apply.
func changedSinceApply(st mfav1.MfaKbaAnswersStatus, generation int64, versions map[string]string) []string {
	if st.AppliedGeneration == 0 {
		return []string{"new"}
	}
	var changed []string
	if st.AppliedGeneration != generation {
		changed = append(changed, "spec")
	}
	for _, name := range slices.Sorted(maps.Keys(versions)) {
		if st.AppliedSecretVersions[name] != versions[name] {
			changed = append(changed, "Secret "+name)
		}
	}
	return changed
}

// verification maps SailPoint's authenticate answer onto the Verified condition and the
// message of status.lastVerification (question ids only).
func verification(res sailpoint.KbaAuthResponse) (condition, string) {
	var refused []string
	for _, it := range res.KbaAuthResponseItems {
		if it.IsVerified != nil && !*it.IsVerified {
			refused = append(refused, it.QuestionID)
		}
	}
	message := ""
	if len(refused) > 0 {
		message = "Not verified: questions " + strings.Join(refused, ", ")
	}
	with := func(s string) string {
		if message == "" {
			return s
		}
		return s + ". " + message
	}
	switch res.Status {
	case sailpoint.VerificationSuccess:
		return trueCondition(mfav1.ReasonVerificationSucceeded, "SailPoint accepted the answers"), message
	case sailpoint.VerificationFailed:
		return falseCondition(mfav1.ReasonVerificationFailed, with("SailPoint refused the answers")), message
	case sailpoint.VerificationLockout:
		return falseCondition(mfav1.ReasonLockout, with(
			"SailPoint locked the identity out of KBA after too many failed attempts; "+
				"the answers are not verified again until the spec or a Secret changes")), message
	case sailpoint.VerificationNotEnoughData:
		return falseCondition(mfav1.ReasonNotEnoughData, with(
			"SailPoint needs answers to more questions to verify (NOT_ENOUGH_DATA)")), message
	default:
		return unknownCondition(mfav1.ReasonVerificationPending,
			fmt.Sprintf("SailPoint answered status %q; the answers are verified again on the next reconcile", res.Status)), message
	}
}

// observedAnswers is Synced in Observe mode. Without a write SailPoint tells only whether
// anyone in the tenant answered a question (GET's hasAnswer is tenant-wide; the identity's own
// view comes only in the answer to a POST), so a missing answer is certain only when nobody
// answered the question. That is reported as DriftDetected; the rest cannot be told apart
// from another identity's answers.
func observedAnswers(k *mfav1.MfaKbaAnswers, ids []string, questions []sailpoint.KbaQuestion) condition {
	if lost := unansweredInTenant(k.Spec.Answers, ids, questions); len(lost) > 0 {
		return falseCondition(mfav1.ReasonDriftDetected, fmt.Sprintf(
			"SailPoint has no answer to %s (managementPolicy Observe: not corrected)", strings.Join(lost, ", ")))
	}
	return trueCondition(mfav1.ReasonObserved,
		"Every question exists and has answers in the tenant (managementPolicy Observe; "+
			"SailPoint tells whether they are this identity's answers only in reply to a write)")
}
