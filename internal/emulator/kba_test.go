package emulator

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

const translatedID = "143cfd3b-c23f-426b-ae5f-d3db06fa5919"

type answer = map[string]string

func questionsByID(t *testing.T, r reply) map[string]map[string]any {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	out := map[string]map[string]any{}
	for _, item := range r.array(t) {
		m, _ := item.(map[string]any)
		out[field(m, "id")] = m
	}
	return out
}

func TestDefaultQuestionsAreEightWithNumericAndUUIDIdsAndATranslation(t *testing.T) {
	qs := DefaultQuestions()
	if len(qs) != 8 {
		t.Fatalf("%d questions", len(qs))
	}
	numeric, uuid, translated := 0, 0, 0
	for _, q := range qs {
		if strings.Count(q.ID, "-") == 4 {
			uuid++
		} else {
			numeric++
		}
		if _, ok := translations(q.Text); ok {
			translated++
		}
	}
	if numeric == 0 || uuid == 0 || translated == 0 {
		t.Errorf("numeric %d, uuid %d, translated %d", numeric, uuid, translated)
	}
}

func TestKBAConfigListsQuestionsInOneOrAllLanguages(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.userToken()
	english := "What was the name of your elementary school?"
	cases := []struct {
		name, query, acceptLanguage, want string
	}{
		{"default locale", "", "", english},
		{"allLanguages=false", "?allLanguages=false", "", english},
		{"caller's language", "", "fr-CH, en;q=0.5", "Quel était le nom de votre école primaire ?"},
		{"unknown language falls back to the default", "", "ja", english},
		{"allLanguages=true", "?allLanguages=true", "fr", DefaultQuestions()[4].Text},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			qs := questionsByID(t, h.send(http.MethodGet, "/v3/mfa/kba/config"+tc.query, tok, nil, "Accept-Language", tc.acceptLanguage))
			if len(qs) != 8 {
				t.Fatalf("%d questions", len(qs))
			}
			if got := field(qs[translatedID], "text"); got != tc.want {
				t.Errorf("text = %q, want %q", got, tc.want)
			}
			if got := field(qs["173423"], "text"); got != "What was the name of your first pet?" {
				t.Errorf("plain text = %q", got)
			}
			for id, q := range qs {
				if q["hasAnswer"] != false || q["numAnswers"] != float64(0) {
					t.Errorf("%s: %v", id, q)
				}
			}
		})
	}
	t.Run("multi-locale text is a JSON-encoded list", func(t *testing.T) {
		qs := questionsByID(t, h.send(http.MethodGet, "/v3/mfa/kba/config?allLanguages=true", tok, nil))
		var list []struct{ Text, Locale string }
		if err := json.Unmarshal([]byte(field(qs[translatedID], "text")), &list); err != nil || len(list) != 2 {
			t.Errorf("text %q: %v", field(qs[translatedID], "text"), err)
		}
	})
	t.Run("invalid allLanguages", func(t *testing.T) {
		expectErrorDto(t, h.send(http.MethodGet, "/v3/mfa/kba/config?allLanguages=maybe", tok, nil), 400, "400.2 Bad Request Param")
	})
}

func TestKBAAnswersReplaceTheCallersWholeSet(t *testing.T) {
	h := newHarness(t, Config{})
	admin, user := h.adminToken(), h.userToken()

	r := h.send(http.MethodPost, "/v3/mfa/kba/config/answers", user, []answer{
		{"id": "173421", "answer": "blue civic"},
		{"id": translatedID, "answer": "822cd15d6c15aa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0859a2fea34"},
	})
	expectStatus(t, r, http.StatusOK)
	items := r.array(t)
	if len(items) != 8 {
		t.Fatalf("%d items, want all 8 questions", len(items))
	}
	for _, item := range items {
		m := item.(map[string]any)
		id := field(m, "id")
		wantHas := id == "173421" || id == translatedID
		if m["hasAnswer"] != wantHas || field(m, "question") == "" {
			t.Errorf("%s: %v", id, m)
		}
		if id == translatedID && field(m, "question") != DefaultQuestions()[4].Text {
			t.Errorf("question text = %q", field(m, "question"))
		}
	}
	if got := h.e.Answers(DefaultUserIdentityID); !reflect.DeepEqual(got, map[string]string{
		"173421": "blue civic", translatedID: "822cd15d6c15aa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0859a2fea34",
	}) {
		t.Errorf("stored %v", got)
	}

	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", admin, []answer{{"id": "173421", "answer": "red golf"}}), http.StatusOK)
	qs := questionsByID(t, h.send(http.MethodGet, "/v3/mfa/kba/config", admin, nil))
	if qs["173421"]["numAnswers"] != float64(2) || qs["173421"]["hasAnswer"] != true || qs[translatedID]["numAnswers"] != float64(1) || qs["173422"]["hasAnswer"] != false {
		t.Errorf("counts: %v / %v / %v", qs["173421"], qs[translatedID], qs["173422"])
	}

	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", user, []answer{{"id": "173424", "answer": "Smith"}}), http.StatusOK)
	if got := h.e.Answers(DefaultUserIdentityID); !reflect.DeepEqual(got, map[string]string{"173424": "Smith"}) {
		t.Errorf("after replacement: %v", got)
	}

	r = h.send(http.MethodPost, "/v3/mfa/kba/config/answers", user, []answer{})
	expectStatus(t, r, http.StatusOK)
	if got := h.e.Answers(DefaultUserIdentityID); len(got) != 0 {
		t.Errorf("after empty list: %v", got)
	}
	if got := h.e.Answers(DefaultAdminIdentityID); !reflect.DeepEqual(got, map[string]string{"173421": "red golf"}) {
		t.Errorf("another identity's answers changed: %v", got)
	}
}

func TestKBAAnswersAreRefusedWithout400sLeakingTheAnswer(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.userToken()
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", tok, []answer{{"id": "173421", "answer": "keep me"}}), http.StatusOK)
	cases := []struct {
		name      string
		body      any
		wantCause string
	}{
		{"answer shorter than 4 characters", []answer{{"id": "173422", "answer": "abc"}}, "at least 4 characters"},
		{"spaces do not count", []answer{{"id": "173422", "answer": "  ab  "}}, "at least 4 characters"},
		{"unknown question id", []answer{{"id": "999999", "answer": "long enough"}}, `"999999"`},
		{"question given twice", []answer{{"id": "173422", "answer": "first one"}, {"id": "173422", "answer": "second one"}}, "more than once"},
		{"missing id", []answer{{"answer": "long enough"}}, "id is required"},
		{"not a list", map[string]string{"id": "173422"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.send(http.MethodPost, "/v3/mfa/kba/config/answers", tok, tc.body)
			m := expectErrorDto(t, r, http.StatusBadRequest, "400.1 Bad Request Content")
			if !strings.Contains(causeText(m), tc.wantCause) {
				t.Errorf("cause %q does not contain %q", causeText(m), tc.wantCause)
			}
			for _, secret := range []string{"abc", "first one", "long enough"} {
				if strings.Contains(string(r.body), secret) {
					t.Errorf("error body quotes an answer: %s", r.body)
				}
			}
		})
	}
	if got := h.e.Answers(DefaultUserIdentityID); !reflect.DeepEqual(got, map[string]string{"173421": "keep me"}) {
		t.Errorf("a refused request changed the answers: %v", got)
	}
}

func TestQuestionHelpersAddAndRemoveQuestions(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.userToken()
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", tok, []answer{{"id": "173421", "answer": "blue civic"}, {"id": "173422", "answer": "Lyon"}}), http.StatusOK)
	h.e.RemoveQuestion("173421")
	h.e.AddQuestion(Question{ID: "42", Text: "Favourite number?"})
	qs := questionsByID(t, h.send(http.MethodGet, "/v3/mfa/kba/config", tok, nil))
	if _, found := qs["173421"]; found {
		t.Error("removed question still listed")
	}
	if field(qs["42"], "text") != "Favourite number?" || len(qs) != 8 {
		t.Errorf("questions: %v", qs)
	}
	if got := h.e.Answers(DefaultUserIdentityID); !reflect.DeepEqual(got, map[string]string{"173422": "Lyon"}) {
		t.Errorf("answers after RemoveQuestion: %v", got)
	}
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", tok, []answer{{"id": "173421", "answer": "blue civic"}}), http.StatusBadRequest)
}

func TestKBAAuthenticateStatuses(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.userToken()
	auth := func(items []answer) (string, []any) {
		t.Helper()
		r := h.send(http.MethodPost, "/v3/mfa/kba/authenticate", tok, items)
		expectStatus(t, r, http.StatusOK)
		m := r.object(t)
		list, found := m["kbaAuthResponseItems"].([]any)
		if !found {
			t.Fatalf("no kbaAuthResponseItems list in %s", r.body)
		}
		return field(m, "status"), list
	}

	if status, _ := auth([]answer{{"id": "173421", "answer": "blue civic"}}); status != "NOT_ENOUGH_DATA" {
		t.Errorf("without stored answers: %s", status)
	}
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", tok, []answer{{"id": "173421", "answer": "blue civic"}, {"id": "173422", "answer": "Lyon"}}), http.StatusOK)

	steps := []struct {
		name       string
		items      []answer
		wantStatus string
		wantItems  []any
	}{
		{"nothing sent", []answer{}, "NOT_ENOUGH_DATA", []any{}},
		{"all correct", []answer{{"id": "173421", "answer": "blue civic"}, {"id": "173422", "answer": "Lyon"}}, "SUCCESS",
			[]any{map[string]any{"questionId": "173421", "isVerified": true}, map[string]any{"questionId": "173422", "isVerified": true}}},
		{"one correct is enough", []answer{{"id": "173422", "answer": "Lyon"}}, "SUCCESS", []any{map[string]any{"questionId": "173422", "isVerified": true}}},
		{"first failure", []answer{{"id": "173421", "answer": "blue civic"}, {"id": "173422", "answer": "Paris"}}, "FAILED",
			[]any{map[string]any{"questionId": "173421", "isVerified": true}, map[string]any{"questionId": "173422", "isVerified": false}}},
		{"unanswered question fails", []answer{{"id": "173423", "answer": "Rex the dog"}}, "FAILED", []any{map[string]any{"questionId": "173423", "isVerified": false}}},
		{"third failure locks out", []answer{{"id": "173421", "answer": "BLUE CIVIC"}}, "LOCKOUT", []any{map[string]any{"questionId": "173421", "isVerified": false}}},
		{"locked out even when correct", []answer{{"id": "173421", "answer": "blue civic"}}, "LOCKOUT", []any{map[string]any{"questionId": "173421", "isVerified": false}}},
	}
	for _, s := range steps {
		status, items := auth(s.items)
		if status != s.wantStatus || !reflect.DeepEqual(items, s.wantItems) {
			t.Errorf("%s: status %s items %v, want %s %v", s.name, status, items, s.wantStatus, s.wantItems)
		}
	}

	h.e.Reset()
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", tok, []answer{{"id": "173421", "answer": "blue civic"}}), http.StatusOK)
	if status, _ := auth([]answer{{"id": "173421", "answer": "blue civic"}}); status != "SUCCESS" {
		t.Errorf("after Reset: %s", status)
	}
}

func TestKBAAuthenticateSuccessResetsTheFailureCount(t *testing.T) {
	h := newHarness(t, Config{})
	tok := h.userToken()
	expectStatus(t, h.send(http.MethodPost, "/v3/mfa/kba/config/answers", tok, []answer{{"id": "173421", "answer": "blue civic"}}), http.StatusOK)
	for i, a := range []string{"wrong", "wrong", "blue civic", "wrong", "wrong"} {
		r := h.send(http.MethodPost, "/v3/mfa/kba/authenticate", tok, []answer{{"id": "173421", "answer": a}})
		if got := field(r.object(t), "status"); got == "LOCKOUT" {
			t.Fatalf("attempt %d locked out although failures were not consecutive", i+1)
		}
	}
}
