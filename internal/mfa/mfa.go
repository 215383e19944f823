// Package mfa holds what the reconcilers and the kubectl plugin share about the MFA kinds, so
// that the two cannot drift apart: how a SailPointTenant becomes client options, and how KBA
// answers find their questions.
package mfa

import (
	"context"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// TenantOptions are the client options of tenant with the given credentials. Tenant (the
// metric label) is namespace/name.
func TenantOptions(tenant *mfav1.SailPointTenant, clientID, clientSecret string) sailpoint.Options {
	return sailpoint.Options{
		BaseURL:           tenant.Spec.BaseURL,
		TokenURL:          tenant.Spec.GetTokenURL(),
		ClientID:          clientID,
		ClientSecret:      clientSecret,
		RequestsPerSecond: float64(tenant.Spec.GetRequestsPerSecond()),
		Tenant:            tenant.Namespace + "/" + tenant.Name,
		ConfigurationAPI:  sailpoint.ConfigurationAPI(tenant.Spec.GetConfigurationAPI()),
	}
}

// ResolveKbaQuestions lists the tenant's KBA questions and finds the question id of every
// answer, "" where none matches: questionId must be the id of a question; questionText must
// equal (white space around it aside) one of a question's texts. Texts are looked up in the
// plain list first, and in the allLanguages form (every locale's text) only when a text was
// not found there. It returns the questions of the last list read.
func ResolveKbaQuestions(ctx context.Context, api sailpoint.API, answers []mfav1.KbaAnswer) ([]sailpoint.KbaQuestion, []string, error) {
	questions, err := api.GetKbaConfig(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	ids := matchQuestions(answers, questions)
	if missingByText(answers, ids) {
		if questions, err = api.GetKbaConfig(ctx, true); err != nil {
			return nil, nil, err
		}
		ids = matchQuestions(answers, questions)
	}
	return questions, ids, nil
}

// matchQuestions finds the question id of every answer in questions, "" when not found.
func matchQuestions(answers []mfav1.KbaAnswer, questions []sailpoint.KbaQuestion) []string {
	ids := make([]string, len(answers))
	for i, a := range answers {
		for _, q := range questions {
			if (a.QuestionID != "" && a.QuestionID == q.ID) || (a.QuestionID == "" && q.HasText(a.QuestionText)) {
				ids[i] = q.ID
				break
			}
		}
	}
	return ids
}

// missingByText reports whether an unresolved answer names its question by text, which the
// allLanguages form may still resolve.
func missingByText(answers []mfav1.KbaAnswer, ids []string) bool {
	for i, a := range answers {
		if ids[i] == "" && a.QuestionText != "" {
			return true
		}
	}
	return false
}
