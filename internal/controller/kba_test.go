package controller

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

var kbaTestQuestions = []sailpoint.KbaQuestion{
	{ID: "173421", Text: "What was the make and model of your first car?", HasAnswer: true},
	{ID: "173423", Text: "  What was the name of your first pet?  "},
	{ID: "143cfd3b-c23f-426b-ae5f-d3db06fa5919", Text: `[{"text":"Quel était le nom de votre école primaire ?","locale":"fr"},{"text":"What was the name of your elementary school?","locale":""}]`, HasAnswer: true},
}

func kbaItemByID(id string) mfav1.KbaAnswer {
	return mfav1.KbaAnswer{QuestionID: id, AnswerSecretRef: mfav1.SecretKeySelector{Name: "kba", Key: "k-" + id}}
}

func kbaItemByText(text string) mfav1.KbaAnswer {
	return mfav1.KbaAnswer{QuestionText: text, AnswerSecretRef: mfav1.SecretKeySelector{Name: "kba", Key: "k-text"}}
}

func TestAnswerValueSendsPlainValuesOrLowercaseHexSHA256(t *testing.T) {
	tests := []struct {
		format mfav1.AnswerFormat
		plain  string
		want   string
	}{
		{mfav1.AnswerFormatPlain, "Rex the dog", "Rex the dog"},
		{"", "Rex the dog", "Rex the dog"},
		{mfav1.AnswerFormatSHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		// The Secret value is hashed as it is, trailing newline included.
		{mfav1.AnswerFormatSHA256, "Rex\n", "9f7e64c6fb349dc6001912d3cd481e414d979916e7d502f69d2aa49467d0c4fb"},
		{mfav1.AnswerFormatSHA256, "Rex", "80f1e148f14f3b82aaec65244d7685c1096a8174d748fdc497ecd28ad41ee0b0"},
	}
	for _, tt := range tests {
		k := &mfav1.MfaKbaAnswers{Spec: mfav1.MfaKbaAnswersSpec{AnswerFormat: tt.format}}
		got := k.Spec.GetAnswerFormat().Encode(tt.plain)
		if got != tt.want {
			t.Errorf("%q.Encode(%q) = %q, want %q", tt.format, tt.plain, got, tt.want)
		}
	}
}

func TestShortAnswersNamesQuestionsWithFewerThanFourCharacters(t *testing.T) {
	answers := []mfav1.KbaAnswer{kbaItemByID("1"), kbaItemByID("2"), kbaItemByID("3"), kbaItemByID("4"), kbaItemByText("Where?")}
	vals := secretValues{values: map[mfav1.SecretKeySelector][]byte{
		answers[0].AnswerSecretRef: []byte("abc"),
		answers[1].AnswerSecretRef: []byte("abcd"),
		answers[2].AnswerSecretRef: []byte("  ab \n"),
		answers[3].AnswerSecretRef: []byte("éèêë"),
		answers[4].AnswerSecretRef: []byte(""),
	}}
	got := shortAnswers(answers, vals)
	want := []string{`question "1"`, `question "3"`, `question "Where?"`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("shortAnswers = %q, want %q", got, want)
	}
	for _, name := range got {
		if strings.Contains(name, "abc") {
			t.Errorf("message %q contains an answer", name)
		}
	}
}

func TestChangedSinceApplySaysWhetherToPost(t *testing.T) {
	applied := mfav1.MfaKbaAnswersStatus{AppliedGeneration: 2, AppliedSecretVersions: map[string]string{"kba": "100", "more": "7"}}
	tests := []struct {
		name     string
		status   mfav1.MfaKbaAnswersStatus
		gen      int64
		versions map[string]string
		want     []string
	}{
		{"never applied", mfav1.MfaKbaAnswersStatus{}, 1, map[string]string{"kba": "100"}, []string{"new"}},
		{"nothing changed", applied, 2, map[string]string{"kba": "100", "more": "7"}, nil},
		{"the spec changed", applied, 3, map[string]string{"kba": "100", "more": "7"}, []string{"spec"}},
		{"a Secret changed", applied, 2, map[string]string{"kba": "101", "more": "7"}, []string{"Secret kba"}},
		{"the spec and Secrets changed", applied, 3, map[string]string{"kba": "101", "more": "8"}, []string{"spec", "Secret kba", "Secret more"}},
		{"a new Secret is referenced", applied, 3, map[string]string{"kba": "100", "more": "7", "new": "1"}, []string{"spec", "Secret new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := changedSinceApply(tt.status, tt.gen, tt.versions); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("changedSinceApply = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSecretVersionsByNameKeepsOneVersionPerSecret(t *testing.T) {
	got := secretVersionsByName(map[string]string{"kba/q1": "5", "kba/q2": "5", "other/x": "9"})
	want := map[string]string{"kba": "5", "other": "9"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("secretVersionsByName = %v, want %v", got, want)
	}
}

func TestDuplicateQuestionsNamesQuestionsAnsweredTwice(t *testing.T) {
	answers := []mfav1.KbaAnswer{kbaItemByID("173423"), kbaItemByText("What was the name of your first pet?"), kbaItemByID("173421")}
	got := duplicateQuestions(answers, []string{"173423", "173423", "173421"})
	if want := []string{`question "What was the name of your first pet?"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("duplicateQuestions = %q, want %q", got, want)
	}
	if got := duplicateQuestions(answers, []string{"1", "2", "3"}); got != nil {
		t.Errorf("duplicateQuestions = %q, want none", got)
	}
}

func TestDefaultTextPicksTheDefaultLocale(t *testing.T) {
	tests := map[string]string{
		"Plain question?": "Plain question?",
		`[{"text":"Frage?","locale":"de"},{"text":"Question?","locale":""}]`:    "Question?",
		`[{"text":"Frage?","locale":"de"},{"text":"English?","locale":"EN"}]`:   "English?",
		`[{"text":"Frage?","locale":"de"},{"text":"Question ?","locale":"fr"}]`: "Frage?",
		`[not json`: "[not json",
	}
	for raw, want := range tests {
		if got := sailpoint.DefaultText(raw); got != want {
			t.Errorf("sailpoint.DefaultText(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestAppliedQuestionsShowsSailPointsAnswerWithDefaultLocaleTexts(t *testing.T) {
	got := appliedQuestions([]sailpoint.KbaAnswerResponseItem{
		{ID: "173421", Question: "What was the make and model of your first car?", HasAnswer: true},
		{ID: "143cfd3b", Question: `[{"text":"Quel ?","locale":"fr"},{"text":"Which?","locale":""}]`},
	})
	want := []mfav1.KbaQuestionStatus{
		{ID: "173421", Text: "What was the make and model of your first car?", HasAnswer: true},
		{ID: "143cfd3b", Text: "Which?"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("appliedQuestions = %+v, want %+v", got, want)
	}
	long := appliedQuestions([]sailpoint.KbaAnswerResponseItem{{ID: "1", Question: strings.Repeat("é", 3000)}})
	if n := len(long[0].Text); n > maxStatusQuestionText || !strings.HasPrefix(strings.Repeat("é", 3000), long[0].Text) {
		t.Errorf("a long text is not cut at a character boundary within the limit: %d bytes", n)
	}
}

func TestCheckedQuestionsCarriesTheIdentitysAnswersInManageMode(t *testing.T) {
	last := []mfav1.KbaQuestionStatus{{ID: "173421", HasAnswer: true}, {ID: "173423", HasAnswer: false}, {ID: "gone", HasAnswer: true}}
	manage := checkedQuestions(kbaTestQuestions, last, false)
	want := []mfav1.KbaQuestionStatus{
		{ID: "173421", Text: "What was the make and model of your first car?", HasAnswer: true},
		{ID: "173423", Text: "  What was the name of your first pet?  ", HasAnswer: false},
		{ID: "143cfd3b-c23f-426b-ae5f-d3db06fa5919", Text: "What was the name of your elementary school?", HasAnswer: false},
	}
	if !reflect.DeepEqual(manage, want) {
		t.Errorf("checkedQuestions(manage) = %+v, want %+v", manage, want)
	}
	observe := checkedQuestions(kbaTestQuestions, nil, true)
	if !observe[0].HasAnswer || observe[1].HasAnswer || !observe[2].HasAnswer {
		t.Errorf("checkedQuestions(observe) does not use SailPoint's hasAnswer: %+v", observe)
	}
}

func TestNotStoredNamesAnswersSailPointReportsWithoutAnswer(t *testing.T) {
	answers := []mfav1.KbaAnswer{kbaItemByID("1"), kbaItemByID("2"), kbaItemByID("3")}
	got := notStored(answers, []string{"1", "2", "3"}, []sailpoint.KbaAnswerResponseItem{
		{ID: "1", HasAnswer: true}, {ID: "2", HasAnswer: false}, {ID: "4", HasAnswer: true},
	})
	if want := []string{`question "2"`, `question "3"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("notStored = %q, want %q", got, want)
	}
}

func TestUnansweredInTenantNamesQuestionsNobodyAnswered(t *testing.T) {
	answers := []mfav1.KbaAnswer{kbaItemByID("173421"), kbaItemByText("What was the name of your first pet?")}
	got := unansweredInTenant(answers, []string{"173421", "173423"}, kbaTestQuestions)
	if want := []string{`question "What was the name of your first pet?"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("unansweredInTenant = %q, want %q", got, want)
	}
}

func TestVerificationMapsEveryAuthenticateStatus(t *testing.T) {
	no, yes := false, true
	items := []sailpoint.KbaAuthResponseItem{{QuestionID: "173421", IsVerified: &yes}, {QuestionID: "173423", IsVerified: &no}, {QuestionID: "x"}}
	tests := []struct {
		status     sailpoint.VerificationStatus
		wantStatus metav1.ConditionStatus
		wantReason string
	}{
		{sailpoint.VerificationSuccess, metav1.ConditionTrue, mfav1.ReasonVerificationSucceeded},
		{sailpoint.VerificationFailed, metav1.ConditionFalse, mfav1.ReasonVerificationFailed},
		{sailpoint.VerificationLockout, metav1.ConditionFalse, mfav1.ReasonLockout},
		{sailpoint.VerificationNotEnoughData, metav1.ConditionFalse, mfav1.ReasonNotEnoughData},
		{sailpoint.VerificationPending, metav1.ConditionUnknown, mfav1.ReasonVerificationPending},
		{"SOMETHING_NEW", metav1.ConditionUnknown, mfav1.ReasonVerificationPending},
	}
	for _, tt := range tests {
		c, message := verification(sailpoint.KbaAuthResponse{Status: tt.status, KbaAuthResponseItems: items})
		if c.Status != tt.wantStatus || c.Reason != tt.wantReason {
			t.Errorf("verification(%s) = %s/%s, want %s/%s", tt.status, c.Status, c.Reason, tt.wantStatus, tt.wantReason)
		}
		if message != "Not verified: questions 173423" {
			t.Errorf("verification(%s) message = %q", tt.status, message)
		}
	}
	if _, message := verification(sailpoint.KbaAuthResponse{Status: sailpoint.VerificationSuccess}); message != "" {
		t.Errorf("message without refused questions = %q", message)
	}
}

func TestVerificationDueOnlyUntilAFinalAnswer(t *testing.T) {
	for reason, want := range map[string]bool{
		"":                                true,
		mfav1.ReasonVerificationPending:   true,
		mfav1.ReasonVerificationSucceeded: false,
		mfav1.ReasonVerificationFailed:    false,
		mfav1.ReasonLockout:               false,
		mfav1.ReasonNotEnoughData:         false,
	} {
		k := &mfav1.MfaKbaAnswers{}
		if reason != "" {
			k.Status.Conditions = []metav1.Condition{{Type: mfav1.TypeVerified, Status: metav1.ConditionFalse, Reason: reason}}
		}
		if got := verificationDue(k); got != want {
			t.Errorf("verificationDue(%q) = %v, want %v", reason, got, want)
		}
	}
}

func TestKbaRemoteFailureNamesTheScopeOnForbidden(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &sailpoint.APIError{StatusCode: 403, Operation: "set kba answers"})
	o := (&pass{}).remoteFailure("set the KBA answers", kbaKind{}.forbiddenHint(stepApply), err, time.Minute)
	if o.Synced.Reason != mfav1.ReasonForbidden || o.Progress != stalled || o.err != nil || o.result.RequeueAfter < time.Minute {
		t.Fatalf("remoteFailure = %+v, %+v, %v", o.outcome, o.result, o.err)
	}
	if !strings.Contains(o.Synced.Message, "idn:mfa-kba:authenticate") || strings.Contains(o.Synced.Message, "ORG_ADMIN") {
		t.Errorf("message = %q", o.Synced.Message)
	}
	if got := (kbaKind{}).forbiddenHint(stepObserve); !strings.Contains(got, scopeKbaRead) {
		t.Errorf("the hint for reading the questions is %q", got)
	}
	o = (&pass{}).remoteFailure("read", kbaKind{}.forbiddenHint(stepObserve), &sailpoint.APIError{StatusCode: 400}, time.Minute)
	if o.Synced.Reason != mfav1.ReasonBadRequest {
		t.Errorf("400 → %s", o.Synced.Reason)
	}
}
