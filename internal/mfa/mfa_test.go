package mfa

import (
	"context"
	"reflect"
	"testing"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// questions of a tenant: one answered, one with white space around its text, one translated.
var questions = []sailpoint.KbaQuestion{
	{ID: "173421", Text: "What was the make and model of your first car?", HasAnswer: true},
	{ID: "173423", Text: "  What was the name of your first pet?  "},
	{ID: "143cfd3b", Text: `[{"text":"Quel était le nom de votre école primaire ?","locale":"fr"},{"text":"What was the name of your elementary school?","locale":""}]`},
}

func byID(id string) mfav1.KbaAnswer     { return mfav1.KbaAnswer{QuestionID: id} }
func byText(text string) mfav1.KbaAnswer { return mfav1.KbaAnswer{QuestionText: text} }

func TestResolveQuestionsFindsIDsByIDAndByTextInAnyLocale(t *testing.T) {
	tests := []struct {
		name        string
		answers     []mfav1.KbaAnswer
		wantIDs     []string
		wantMissing []string
		byText      bool
	}{
		{"an id", []mfav1.KbaAnswer{byID("173421")}, []string{"173421"}, nil, false},
		{"a plain text, white space around it ignored", []mfav1.KbaAnswer{byText("What was the name of your first pet?")}, []string{"173423"}, nil, false},
		{"the default-locale text of a translated question", []mfav1.KbaAnswer{byText("What was the name of your elementary school?")}, []string{"143cfd3b"}, nil, false},
		{"another locale's text of a translated question", []mfav1.KbaAnswer{byText("Quel était le nom de votre école primaire ?")}, []string{"143cfd3b"}, nil, false},
		{"an unknown id", []mfav1.KbaAnswer{byID("999"), byID("173421")}, []string{"", "173421"}, []string{`question "999"`}, false},
		{"an unknown text", []mfav1.KbaAnswer{byText("What is your favourite colour?")}, []string{""}, []string{`question "What is your favourite colour?"`}, true},
		{"a text that differs in case", []mfav1.KbaAnswer{byText("what was the name of your first pet?")}, []string{""}, []string{`question "what was the name of your first pet?"`}, true},
		{"an id given as text", []mfav1.KbaAnswer{byText("173421")}, []string{""}, []string{`question "173421"`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := matchQuestions(tt.answers, questions)
			var missing []string
			for i, a := range tt.answers {
				if ids[i] == "" {
					missing = append(missing, a.QuestionName())
				}
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) || !reflect.DeepEqual(missing, tt.wantMissing) {
				t.Errorf("matchQuestions = %q, %q; want %q, %q", ids, missing, tt.wantIDs, tt.wantMissing)
			}
			if got := missingByText(tt.answers, ids); got != tt.byText {
				t.Errorf("missingByText = %v, want %v", got, tt.byText)
			}
		})
	}
}

// questionLister answers GET /v3/mfa/kba/config from two lists: the plain one and the
// allLanguages one, and counts the calls.
type questionLister struct {
	sailpoint.API
	plain, all []sailpoint.KbaQuestion
	calls      []bool
}

func (q *questionLister) GetKbaConfig(_ context.Context, allLanguages bool) ([]sailpoint.KbaQuestion, error) {
	q.calls = append(q.calls, allLanguages)
	if allLanguages {
		return q.all, nil
	}
	return q.plain, nil
}

func TestResolveKbaQuestionsAsksForAllLanguagesOnlyWhenATextIsNotFound(t *testing.T) {
	plain := []sailpoint.KbaQuestion{{ID: "1", Text: "What was the name of your first pet?"}}
	all := []sailpoint.KbaQuestion{{ID: "1", Text: `[{"text":"Quel était le nom de votre premier animal ?","locale":"fr"},{"text":"What was the name of your first pet?","locale":""}]`}}
	tests := []struct {
		name      string
		answers   []mfav1.KbaAnswer
		wantIDs   []string
		wantCalls []bool
	}{
		{"a default-locale text is found in the plain list", []mfav1.KbaAnswer{byText("What was the name of your first pet?")}, []string{"1"}, []bool{false}},
		{"another locale's text needs the allLanguages list", []mfav1.KbaAnswer{byText("Quel était le nom de votre premier animal ?")}, []string{"1"}, []bool{false, true}},
		{"an unknown id does not ask for all languages", []mfav1.KbaAnswer{byID("9")}, []string{""}, []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &questionLister{plain: plain, all: all}
			_, ids, err := ResolveKbaQuestions(context.Background(), api, tt.answers)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) || !reflect.DeepEqual(api.calls, tt.wantCalls) {
				t.Errorf("ids = %q, calls (allLanguages) = %v; want %q, %v", ids, api.calls, tt.wantIDs, tt.wantCalls)
			}
		})
	}
}
