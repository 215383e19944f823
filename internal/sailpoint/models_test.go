package sailpoint

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestKbaAuthResponseDecodesTheSchemaAndTheExampleNames(t *testing.T) {
	tests := []struct {
		name string
		body string
		want KbaAuthResponse
	}{
		{
			name: "schema names",
			body: `{"kbaAuthResponseItems":[{"questionId":"089899f13a8f4da7824996191587bab9","isVerified":false}],"status":"PENDING"}`,
			want: KbaAuthResponse{Status: VerificationPending, KbaAuthResponseItems: []KbaAuthResponseItem{{QuestionID: "089899f13a8f4da7824996191587bab9", IsVerified: ptr(false)}}},
		},
		{
			name: "example names",
			body: `{"kbaAuthResponseItem":[{"questionId":"089899f13a8f4da7824996191587bab9","IsVerified":true}],"status":"SUCCESS"}`,
			want: KbaAuthResponse{Status: VerificationSuccess, KbaAuthResponseItems: []KbaAuthResponseItem{{QuestionID: "089899f13a8f4da7824996191587bab9", IsVerified: ptr(true)}}},
		},
		{
			name: "a single item object",
			body: `{"kbaAuthResponseItem":{"questionId":"q1","isVerified":true},"status":"SUCCESS"}`,
			want: KbaAuthResponse{Status: VerificationSuccess, KbaAuthResponseItems: []KbaAuthResponseItem{{QuestionID: "q1", IsVerified: ptr(true)}}},
		},
		{
			name: "null isVerified stays unknown",
			body: `{"kbaAuthResponseItems":[{"questionId":"q1","isVerified":null},{"questionId":"q2"}],"status":"NOT_ENOUGH_DATA"}`,
			want: KbaAuthResponse{Status: VerificationNotEnoughData, KbaAuthResponseItems: []KbaAuthResponseItem{{QuestionID: "q1"}, {QuestionID: "q2"}}},
		},
		{
			name: "no items",
			body: `{"kbaAuthResponseItems":null,"status":"LOCKOUT"}`,
			want: KbaAuthResponse{Status: VerificationLockout},
		},
		{
			name: "schema names win over example names",
			body: `{"kbaAuthResponseItems":[{"questionId":"a"}],"kbaAuthResponseItem":[{"questionId":"b"}]}`,
			want: KbaAuthResponse{KbaAuthResponseItems: []KbaAuthResponseItem{{QuestionID: "a"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got KbaAuthResponse
			if err := json.Unmarshal([]byte(tt.body), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestKbaAuthResponseEncodesTheSchemaNames(t *testing.T) {
	out, err := json.Marshal(KbaAuthResponse{Status: VerificationSuccess, KbaAuthResponseItems: []KbaAuthResponseItem{{QuestionID: "q1", IsVerified: ptr(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	assertJSONEqual(t, out, `{"kbaAuthResponseItems":[{"questionId":"q1","isVerified":true}],"status":"SUCCESS"}`)
}

func TestParseLocalizedText(t *testing.T) {
	tests := []struct {
		in   string
		want []LocalizedText
	}{
		{kbaMultiLanguageText, []LocalizedText{{Text: "Nouvelle question MFA -1 ?", Locale: "fr"}, {Text: "MFA new question -1 ?", Locale: ""}}},
		{"What is your mother's maiden name?", []LocalizedText{{Text: "What is your mother's maiden name?"}}},
		{"[Work] What was your first employer?", []LocalizedText{{Text: "[Work] What was your first employer?"}}},
		{"[]", []LocalizedText{{Text: "[]"}}},
		{`[1, 2]`, []LocalizedText{{Text: `[1, 2]`}}},
		{"", []LocalizedText{{Text: ""}}},
	}
	for _, tt := range tests {
		if got := ParseLocalizedText(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseLocalizedText(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	q := KbaQuestion{Text: kbaMultiLanguageText}
	if got := q.Texts(); len(got) != 2 || got[0].Locale != "fr" {
		t.Errorf("KbaQuestion.Texts = %+v", got)
	}
	item := KbaAnswerResponseItem{Question: "Pet?"}
	if got := item.Texts(); len(got) != 1 || got[0].Text != "Pet?" {
		t.Errorf("KbaAnswerResponseItem.Texts = %+v", got)
	}
}

func TestDuoConfigKeepsUnknownPropertiesAndExposesKeys(t *testing.T) {
	var cfg MfaDuoConfig
	body := `{"mfaMethod":"duo-web","enabled":true,"configProperties":{"skey":"6******B","ikey":"Q123WE45R6TY7890ZXCV","apiHostname":"api-1.duosecurity.com"}}`
	if err := json.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.IKey() != "Q123WE45R6TY7890ZXCV" || cfg.SKey() != "6******B" {
		t.Errorf("IKey = %q, SKey = %q", cfg.IKey(), cfg.SKey())
	}
	out, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	assertJSONEqual(t, out, body)

	empty := MfaDuoConfig{ConfigProperties: map[string]any{"ikey": 7}}
	if empty.IKey() != "" || empty.SKey() != "" {
		t.Error("non-string or missing keys should read as empty")
	}
}

func TestEnabledIsAlwaysSent(t *testing.T) {
	for _, v := range []any{MfaOktaConfig{}, MfaDuoConfig{}} {
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		assertJSONEqual(t, out, `{"enabled":false}`)
	}
}

func TestNullStringsDecodeAsEmpty(t *testing.T) {
	var cfg MfaOktaConfig
	if err := json.Unmarshal([]byte(`{"mfaMethod":null,"enabled":false,"host":null,"accessKey":null,"identityAttribute":null}`), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg != (MfaOktaConfig{}) {
		t.Errorf("got %+v", cfg)
	}
}

func TestStringMethodsHideSecrets(t *testing.T) {
	values := []any{
		testOktaConfig,
		testDuoConfig,
		MfaConfig{MfaOktaConfig: testOktaConfig, ConfigProperties: testDuoConfig.ConfigProperties},
		testAnswers,
		TokenAuthRequest{Token: secretOTP, UserAlias: "will.albin"},
	}
	for _, v := range values {
		for _, format := range []string{"%v", "%+v", "%s"} {
			text := fmt.Sprintf(format, v)
			for _, secret := range secretValues {
				if strings.Contains(text, secret) {
					t.Errorf("%s of %T = %q shows a secret", format, v, text)
				}
			}
			if !strings.Contains(text, redacted) {
				t.Errorf("%s of %T = %q", format, v, text)
			}
		}
	}
}
