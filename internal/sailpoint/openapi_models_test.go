package sailpoint_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// modelsBySchema maps each schema of the v3 document to the client's model (a function
// returning a pointer to a new zero value). The v1 document inlines the same schemas
// (TestV1SchemasAreTheV3Ones), so this covers both.
var modelsBySchema = map[string]func() any{
	"MfaOktaConfig":           func() any { return &sailpoint.MfaOktaConfig{} },
	"MfaDuoConfig":            func() any { return &sailpoint.MfaDuoConfig{} },
	"MfaConfigTestResponse":   func() any { return &sailpoint.MfaConfigTestResponse{} },
	"KbaQuestion":             func() any { return &sailpoint.KbaQuestion{} },
	"KbaAnswerRequestItem":    func() any { return &sailpoint.KbaAnswerRequestItem{} },
	"KbaAnswerResponseItem":   func() any { return &sailpoint.KbaAnswerResponseItem{} },
	"SendTokenRequest":        func() any { return &sailpoint.SendTokenRequest{} },
	"SendTokenResponse":       func() any { return &sailpoint.SendTokenResponse{} },
	"TokenAuthRequest":        func() any { return &sailpoint.TokenAuthRequest{} },
	"TokenAuthResponse":       func() any { return &sailpoint.TokenAuthResponse{} },
	"KbaAuthResponse":         func() any { return &sailpoint.KbaAuthResponse{} },
	"KbaAuthResponseItem":     func() any { return &sailpoint.KbaAuthResponseItem{} },
	"VerificationResponse":    func() any { return &sailpoint.VerificationResponse{} },
	"VerificationPollRequest": func() any { return &sailpoint.VerificationPollRequest{} },
	"DuoVerificationRequest":  func() any { return &sailpoint.DuoVerificationRequest{} },
	"OktaVerificationRequest": func() any { return &sailpoint.OktaVerificationRequest{} },
	"ErrorResponseDto":        func() any { return &sailpoint.ErrorResponseDto{} },
	"ErrorMessageDto":         func() any { return &sailpoint.ErrorMessageDto{} },
}

// checkModel proves that model has exactly the fields of schema, with their JSON names
// and types: a document with every property of the schema set decodes into the model
// with no unknown field, and the model encodes back to the same document, which the
// closed schema accepts. A renamed field fails the decode (or, with a custom decoder,
// the round trip); a field of another type fails the decode; an extra field fails the
// schema.
func checkModel(schema *openapi3.Schema, model any) error {
	full := fullValue(schema)
	data, err := json.Marshal(full)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(model); err != nil {
		return fmt.Errorf("decode %s: %w", data, err)
	}
	encoded, err := json.Marshal(model)
	if err != nil {
		return err
	}
	var back any
	if err := json.Unmarshal(encoded, &back); err != nil {
		return err
	}
	if err := schema.VisitJSON(back); err != nil {
		return fmt.Errorf("encoded model %s does not match the schema: %w", encoded, err)
	}
	var want any
	_ = json.Unmarshal(data, &want)
	if !reflect.DeepEqual(back, want) {
		return fmt.Errorf("round trip lost or changed fields:\n sent %s\n got  %s", data, encoded)
	}
	return nil
}

// fullValue is a JSON value for schema with every property set to a non-zero value of
// its type (the first non-null enum value for enums).
func fullValue(schema *openapi3.Schema) any {
	if len(schema.AllOf) > 0 {
		return fullValue(schema.AllOf[0].Value)
	}
	for _, v := range schema.Enum {
		if v != nil {
			return v
		}
	}
	switch {
	case schema.Type.Is("boolean"):
		return true
	case schema.Type.Is("integer"):
		return 7.0
	case schema.Type.Is("number"):
		return 7.5
	case schema.Type.Is("array"):
		return []any{fullValue(schema.Items.Value)}
	case schema.Type.Is("object") || len(schema.Properties) > 0:
		obj := map[string]any{}
		for name, prop := range schema.Properties {
			obj[name] = fullValue(prop.Value)
		}
		if len(schema.Properties) == 0 { // free-form object (Duo's configProperties)
			obj["ikey"] = "free-form"
		}
		return obj
	default: // string, or a property without a type
		return "value"
	}
}

func TestEveryModelHasTheFieldsNamesAndTypesOfItsSchema(t *testing.T) {
	doc := loadDocument(t, v3Document)
	for name := range doc.Components.Schemas {
		if _, ok := modelsBySchema[name]; !ok && name != "LocaleOrigin" { // LocaleOrigin is a string type
			t.Errorf("schema %s has no model in the test: add it to modelsBySchema", name)
		}
	}
	for name, newModel := range modelsBySchema {
		t.Run(name, func(t *testing.T) {
			ref := doc.Components.Schemas[name]
			if ref == nil {
				t.Fatalf("the document has no schema %s", name)
			}
			if err := checkModel(ref.Value, newModel()); err != nil {
				t.Error(err)
			}
		})
	}
	// The inline 401 and 429 bodies of components.responses.
	for code, model := range map[string]any{"401": &sailpoint.UnauthorizedResponse{}, "429": &sailpoint.RateLimitedResponse{}} {
		t.Run("response "+code, func(t *testing.T) {
			schema := doc.Components.Responses[code].Value.Content.Get("application/json").Schema.Value
			if err := checkModel(schema, model); err != nil {
				t.Error(err)
			}
		})
	}
}

// Drifted copies of models: the check must refuse each of them, which proves it would
// catch the same drift in the real models.
type (
	renamedField struct { // accessKey spelt access_key
		MfaMethod         string `json:"mfaMethod,omitempty"`
		Enabled           bool   `json:"enabled"`
		Host              string `json:"host,omitempty"`
		AccessKey         string `json:"access_key,omitempty"`
		IdentityAttribute string `json:"identityAttribute,omitempty"`
	}
	retypedField struct { // numAnswers as a string
		ID         string `json:"id"`
		Text       string `json:"text"`
		HasAnswer  bool   `json:"hasAnswer"`
		NumAnswers string `json:"numAnswers"`
	}
	extraField struct { // a field the schema does not have
		ID     string `json:"id"`
		Answer string `json:"answer"`
		Locale string `json:"locale"`
	}
	droppedField struct { // a field the model lost: its value would be lost on decode
		State string `json:"state,omitempty"`
	}
)

// droppedFieldModel decodes leniently (like the custom decoders of KbaAuthResponse) but
// keeps only state.
func (d *droppedField) UnmarshalJSON(data []byte) error {
	var wire struct {
		State string `json:"state"`
	}
	err := json.Unmarshal(data, &wire)
	d.State = wire.State
	return err
}

func TestTheModelCheckFailsWhenAFieldDrifts(t *testing.T) {
	doc := loadDocument(t, v3Document)
	for _, tc := range []struct {
		name, schema string
		model        any
	}{
		{"a renamed field", "MfaOktaConfig", &renamedField{}},
		{"a field of another type", "KbaQuestion", &retypedField{}},
		{"an extra field", "KbaAnswerRequestItem", &extraField{}},
		{"a field missing behind a lenient decoder", "MfaConfigTestResponse", &droppedField{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkModel(doc.Components.Schemas[tc.schema].Value, tc.model); err == nil {
				t.Errorf("checkModel accepted %T for %s", tc.model, tc.schema)
			}
		})
	}
}

// TestV1SchemasAreTheV3Ones proves the README's statement that the v1 operations use
// the v3 schemas, so the model check above covers the v1 API too.
func TestV1SchemasAreTheV3Ones(t *testing.T) {
	v3, v1 := loadDocument(t, v3Document), loadDocument(t, v1Document)
	for path, item := range v1.Paths.Map() {
		v3Item := v3.Paths.Value("/mfa" + strings.TrimPrefix(path, "/mfa/v1"))
		if v3Item == nil {
			t.Errorf("%s has no v3 counterpart", path)
			continue
		}
		for method, op := range item.Operations() {
			v3Op := v3Item.GetOperation(method)
			if v3Op == nil {
				t.Errorf("%s %s has no v3 counterpart", method, path)
				continue
			}
			if op.RequestBody != nil {
				sameSchema(t, method+" "+path+" request", op.RequestBody.Value.Content.Get("application/json").Schema, v3Op.RequestBody.Value.Content.Get("application/json").Schema)
			}
			codes := slices.Sorted(func(yield func(string) bool) {
				for code := range op.Responses.Map() {
					if !yield(code) {
						return
					}
				}
			})
			for _, code := range codes {
				sameSchema(t, method+" "+path+" "+code, op.Responses.Value(code).Value.Content.Get("application/json").Schema,
					v3Op.Responses.Value(code).Value.Content.Get("application/json").Schema)
			}
		}
	}
}

func sameSchema(t *testing.T, what string, a, b *openapi3.SchemaRef) {
	t.Helper()
	inline(a)
	inline(b)
	ja, err := json.Marshal(a.Value)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b.Value)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ja, jb) {
		t.Errorf("%s: the v1 schema differs from v3's:\n v1 %s\n v3 %s", what, ja, jb)
	}
}

// inline drops the $ref names below ref, so that it encodes as the schema itself (the v1
// document is dereferenced, the v3 one refers to its components).
func inline(ref *openapi3.SchemaRef) {
	if ref == nil || ref.Value == nil {
		return
	}
	ref.Ref = ""
	for _, p := range ref.Value.Properties {
		inline(p)
	}
	inline(ref.Value.Items)
}
