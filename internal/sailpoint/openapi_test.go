package sailpoint_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// SailPoint's published OpenAPI documents, copied into openapi/ (see openapi/README.md).
const (
	v3Document = "openapi/sailpoint-v3-mfa.json"
	v1Document = "openapi/sailpoint-mfa-v1.json"
)

// loadDocument loads and validates one of SailPoint's documents, with every object schema
// that lists properties closed (additionalProperties: false). The published documents
// leave them open, so a field the client or the emulator sends under a drifted name would
// pass them unnoticed; closed, it fails.
func loadDocument(t *testing.T, path string) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	// Examples are not validated: the allLanguages parameter's example is the string
	// "allLanguages=true" for a boolean parameter. The test follows the schema (a
	// boolean; the client sends allLanguages=true), as everywhere else.
	if err := doc.Validate(loader.Context, openapi3.DisableExamplesValidation()); err != nil {
		t.Fatalf("%s is not a valid OpenAPI document: %v", path, err)
	}
	closeSchemas(doc)
	return doc
}

// closeSchemas sets additionalProperties: false on every object schema of doc that has
// properties and says nothing about additional ones.
func closeSchemas(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			closed := false
			s.AdditionalProperties.Has = &closed
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, sub := range group {
				walk(sub)
			}
		}
	}
	for _, ref := range doc.Components.Schemas {
		walk(ref)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, resp := range op.Responses.Map() {
				for _, mt := range resp.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
}

// exchange is one HTTP request of the client and the answer it got.
type exchange struct {
	req      *http.Request
	reqBody  []byte
	status   int
	header   http.Header
	respBody []byte
}

// recorder is a RoundTripper that keeps every exchange that passes through it.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	log  []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, exchange{
		req: req.Clone(context.Background()), reqBody: body,
		status: resp.StatusCode, header: resp.Header.Clone(), respBody: respBody,
	})
	return resp, nil
}

// exchanges returns the recorded API exchanges (token requests left out).
func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []exchange
	for _, ex := range r.log {
		if ex.req.URL.Path != "/oauth/token" {
			out = append(out, ex)
		}
	}
	return out
}

// validator checks exchanges against both documents, served at baseURL.
type validator struct {
	v3, v1  routers.Router
	baseURL string
}

func newValidator(t *testing.T, v3, v1 *openapi3.T, baseURL string) *validator {
	t.Helper()
	// The documents' servers are https://{tenant}.api.identitynow.com[/v3]; the
	// emulator runs on a loopback URL, so the routers get that one instead.
	route := func(doc *openapi3.T, server string) routers.Router {
		copied := *doc
		copied.Servers = openapi3.Servers{{URL: server}}
		r, err := gorillamux.NewRouter(&copied)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	return &validator{v3: route(v3, baseURL+"/v3"), v1: route(v1, baseURL), baseURL: baseURL}
}

// operationID is the id of the documented operation at method and path, or "".
func (v *validator) operationID(t *testing.T, method, path string) string {
	t.Helper()
	router := v.v3
	if strings.HasPrefix(path, "/mfa/v1/") {
		router = v.v1
	}
	req, err := http.NewRequest(method, v.baseURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	route, _, err := router.FindRoute(req)
	if err != nil {
		return ""
	}
	return route.Operation.OperationID
}

// bearerOnly is the userAuth security check: an OAuth2 bearer token is present. Whether
// it is valid is the emulator's business (401).
func bearerOnly(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
		return errors.New("no bearer token")
	}
	return nil
}

// check validates the request (unless requestOffSpec: a request deliberately outside the
// document, sent to provoke a 400) and the answer of ex, and returns the operation id.
func (v *validator) check(ex exchange, requestOffSpec bool) (string, error) {
	router := v.v3
	if strings.HasPrefix(ex.req.URL.Path, "/mfa/v1/") {
		router = v.v1
	}
	req := ex.req.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(ex.reqBody))
	route, params, err := router.FindRoute(req)
	if err != nil {
		return "", fmt.Errorf("%s %s is not in the document: %w", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearerOnly, MultiError: true},
	}
	var errs []error
	if !requestOffSpec {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			errs = append(errs, fmt.Errorf("request: %w", err))
		}
		if got := req.Header.Get("Accept"); got != "application/json" {
			errs = append(errs, fmt.Errorf("request: Accept is %q, want application/json", got))
		}
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: ex.status, Header: ex.header,
		Body:    io.NopCloser(bytes.NewReader(ex.respBody)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		errs = append(errs, fmt.Errorf("response %d: %w", ex.status, err))
	}
	// The 429 description promises a Retry-After in seconds.
	if ex.status == http.StatusTooManyRequests && !isDigits(ex.header.Get("Retry-After")) {
		errs = append(errs, fmt.Errorf("response 429: Retry-After %q is not a number of seconds", ex.header.Get("Retry-After")))
	}
	if err := errors.Join(errs...); err != nil {
		return route.Operation.OperationID, fmt.Errorf("%s %s (%s): %w", req.Method, req.URL.Path, route.Operation.OperationID, err)
	}
	return route.Operation.OperationID, nil
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
