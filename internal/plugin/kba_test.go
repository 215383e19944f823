package plugin

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// KBA answers of the ORG_ADMIN identity used by the tests.
const (
	petAnswer    = "Fluffy the cat"
	maidenAnswer = "Smithson-Jones"
)

// storeAnswers sets the ORG_ADMIN identity's answers to the pet (173423) and maiden name
// (173424) questions, as stored by an MfaKbaAnswers of format.
func (w *world) storeAnswers(format mfav1.AnswerFormat) {
	w.t.Helper()
	_, err := w.adminAPI().SetKbaAnswers(context.Background(), []sailpoint.KbaAnswerRequestItem{
		{ID: "173423", Answer: format.Encode(petAnswer)},
		{ID: "173424", Answer: format.Encode(maidenAnswer)},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, a := range []string{petAnswer, maidenAnswer} {
		w.addSecret(a)
		w.addSecret(mfav1.AnswerFormatSHA256.Encode(a))
	}
}

func TestKbaAuthenticateWithAnswersFromStdin(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	w.storeAnswers(mfav1.AnswerFormatPlain)

	res := w.execFlags(invocation{stdin: petAnswer + "\n" + maidenAnswer + "\n"},
		"kba", "authenticate", "--question", "173423", "--question", "173424", "--answers", "-", "-o", "json")
	expectCode(t, res, CodeOK)
	var got kbaResult
	decodeJSON(t, res, &got)
	if got.Status != "SUCCESS" || len(got.Questions) != 2 || got.Questions[0].ID != "173423" || got.Questions[0].Verified == nil || !*got.Questions[0].Verified {
		t.Errorf("got %+v", got)
	}

	res = w.execFlags(invocation{stdin: petAnswer + "\nwrong answer\n"},
		"kba", "authenticate", "--question", "173423", "--question", "173424", "--answers", "-")
	expectCode(t, res, CodeFailed)
	expectContains(t, res.stdout, "KBA authentication on "+w.url+": FAILED", "173423     true", "173424     false")
}

func TestKbaAuthenticatePromptsForEveryAnsweredQuestion(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	w.storeAnswers(mfav1.AnswerFormatSHA256)

	res := w.execFlags(invocation{inTerminal: true, passwords: []string{petAnswer, maidenAnswer}},
		"kba", "authenticate", "--answer-format", "SHA256")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stderr,
		"What was the name of your first pet? (question 173423; Enter to skip): ",
		"What is your mother's maiden name? (question 173424; Enter to skip): ")
	expectContains(t, res.stdout, ": SUCCESS")

	// Enter skips a question; the others are still checked.
	res = w.execFlags(invocation{inTerminal: true, passwords: []string{"", maidenAnswer}},
		"kba", "authenticate", "--answer-format", "sha256", "-o", "json")
	expectCode(t, res, CodeOK)
	var got kbaResult
	decodeJSON(t, res, &got)
	if len(got.Questions) != 1 || got.Questions[0].ID != "173424" {
		t.Errorf("got %+v, want only 173424", got)
	}
}

func TestKbaAuthenticateUsageErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{})
	cases := map[string][]string{
		"no terminal":         {"kba", "authenticate"},
		"answers on the line": {"kba", "authenticate", "--answers", "secret-ish"},
		"unknown format":      {"kba", "authenticate", "--answers", "-", "--answer-format", "md5"},
		"--from with others":  {"kba", "authenticate", "--from", "x", "--question", "173423"},
	}
	for name, args := range cases {
		res := w.flags(args...)
		if res.code != CodeUsage {
			t.Errorf("%s: exit code %d, want %d; stderr %q", name, res.code, CodeUsage, res.stderr)
		}
	}
	res := w.execFlags(invocation{stdin: "whatever\n"}, "kba", "authenticate", "--question", "999", "--answers", "-")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, `question "999" is not a KBA question of the tenant`)

	res = w.execFlags(invocation{stdin: "\n"}, "kba", "authenticate", "--question", "173423", "--answers", "-")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, "the answer to question 173423 is empty")
}

// createKbaAnswers creates the Secret "kba" with both answers and an MfaKbaAnswers naming
// one question by id and the other by text.
func (w *world) createKbaAnswers(name string, format mfav1.AnswerFormat) {
	w.t.Helper()
	w.create(&mfav1.MfaKbaAnswers{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec: mfav1.MfaKbaAnswersSpec{
			TenantRef: mfav1.TenantReference{Name: "acme"},
			Answers: []mfav1.KbaAnswer{
				{QuestionID: "173423", AnswerSecretRef: mfav1.SecretKeySelector{Name: "kba", Key: "pet"}},
				{QuestionText: "What is your mother's maiden name?", AnswerSecretRef: mfav1.SecretKeySelector{Name: "kba", Key: "maiden"}},
			},
			AnswerFormat: format,
		},
	})
}

func TestKbaAuthenticateFromMfaKbaAnswers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).inCluster()
	w.storeAnswers(mfav1.AnswerFormatPlain)
	w.createSecret("kba", map[string]string{"pet": petAnswer, "maiden": maidenAnswer})
	w.createKbaAnswers("svc-account", mfav1.AnswerFormatPlain)

	res := w.cluster("kba", "authenticate", "--from", "svc-account", "-o", "json")
	expectCode(t, res, CodeOK)
	var got kbaResult
	decodeJSON(t, res, &got)
	if got.Status != "SUCCESS" || got.MfaKbaAnswers != w.ns+"/svc-account" || got.Tenant != w.ns+"/acme" ||
		len(got.Questions) != 2 || got.Questions[1].ID != "173424" {
		t.Errorf("got %+v", got)
	}

	res = w.cluster("kba", "authenticate", "--from", "nothing")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, `MfaKbaAnswers "nothing" not found`)
}

func TestKbaAuthenticateFromMfaKbaAnswersHonoursSHA256(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).inCluster()
	w.storeAnswers(mfav1.AnswerFormatSHA256)
	w.createSecret("kba", map[string]string{"pet": petAnswer, "maiden": maidenAnswer})
	w.createKbaAnswers("hashed", mfav1.AnswerFormatSHA256)
	w.createKbaAnswers("plain", mfav1.AnswerFormatPlain)

	res := w.cluster("kba", "authenticate", "--from", "mfakbaanswers/hashed")
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "KBA authentication on "+w.ns+"/acme: SUCCESS")

	// The same answers sent in plain text do not match the stored hashes.
	res = w.cluster("kba", "authenticate", "--from", "plain")
	expectCode(t, res, CodeFailed)
}

func TestKbaAuthenticateFromMfaKbaAnswersWithoutItsSecret(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Config{}).inCluster()
	w.createKbaAnswers("svc-account", mfav1.AnswerFormatPlain)
	res := w.cluster("kba", "authenticate", "--from", "svc-account")
	expectCode(t, res, CodeError)
	expectContains(t, res.stderr, `Secret "kba" of the answer to question "173423" not found`)
}
