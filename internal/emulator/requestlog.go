package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strings"
	"time"
)

// redacted replaces every secret value in the request log.
const redacted = "***"

// maxLoggedRequests bounds the request log; the oldest entries are dropped beyond it.
const maxLoggedRequests = 10000

// Request is one entry of the request log. It never holds a secret value: the body and
// the query have every secret replaced by "***", and no header is kept.
type Request struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Query is the raw query with secret parameters (client_secret, ...) redacted.
	Query string `json:"query,omitempty"`
	// ClientID is the Name of the identity that made the request (known from its valid
	// credentials or token, expired or not), not its client id; empty if unknown.
	ClientID string `json:"identity,omitempty"`
	Status   int    `json:"status"`
	// Body is the request body with every secret value replaced by "***": accessKey,
	// every configProperties value, answer, token, signedResponse, client_secret and
	// client_id (and a few similar names). A body that is neither JSON nor a form is
	// replaced by a placeholder naming its size.
	Body string `json:"body,omitempty"`
	// Notes are facts worth noticing, e.g. "masked value sent for accessKey". They name
	// fields, never values.
	Notes []string `json:"notes,omitempty"`
}

// record appends a served request to the log and prints it with Logf.
func (e *Emulator) record(c *call, status int, d time.Duration) {
	name := ""
	if c.identity != nil {
		name = c.identity.Name
	}
	req := Request{
		Time:     e.now(),
		Method:   c.r.Method,
		Path:     c.r.URL.Path,
		Query:    redactQuery(c.r.URL.RawQuery),
		ClientID: name,
		Status:   status,
		Body:     redactBody(c.r.Header.Get("Content-Type"), c.body),
		Notes:    slices.Clone(c.notes),
	}
	e.mu.Lock()
	e.requests = append(e.requests, req)
	if over := len(e.requests) - maxLoggedRequests; over > 0 {
		e.requests = slices.Delete(e.requests, 0, over)
	}
	logf := e.cfg.Logf
	e.mu.Unlock()

	if logf == nil {
		return
	}
	if name == "" {
		name = "-"
	}
	line := fmt.Sprintf("%s %s identity=%s status=%d duration=%s", c.r.Method, c.r.URL.Path, name, status, d.Round(time.Microsecond))
	for _, n := range c.notes {
		line += fmt.Sprintf(" note=%q", n)
	}
	logf("%s", line)
}

// Requests returns the request log, oldest first.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Request, len(e.requests))
	for i, r := range e.requests {
		r.Notes = slices.Clone(r.Notes)
		out[i] = r
	}
	return out
}

// ResetRequests clears the request log.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests = nil
}

// CountRequests counts logged requests with this path and method ("" = any method).
func (e *Emulator) CountRequests(method, path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, r := range e.requests {
		if r.Path == path && (method == "" || r.Method == method) {
			n++
		}
	}
	return n
}

// secretKeys are JSON properties and form fields whose values are never logged
// (compared case-insensitively, ignoring "_" and "-").
var secretKeys = map[string]bool{
	"accesskey":      true,
	"answer":         true,
	"token":          true,
	"signedresponse": true,
	"clientsecret":   true,
	"clientid":       true,
	"secret":         true,
	"password":       true,
	"refreshtoken":   true,
	"accesstoken":    true,
	"code":           true,
	"ikey":           true,
	"skey":           true,
	"akey":           true,
}

func isSecretKey(k string) bool {
	k = strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(k))
	return secretKeys[k]
}

func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return "<unparsable query>"
	}
	return redactValues(vals).Encode()
}

func redactValues(vals url.Values) url.Values {
	for k, vs := range vals {
		if isSecretKey(k) {
			for i := range vs {
				vs[i] = redacted
			}
		}
	}
	return vals
}

// redactBody returns the body for the log with every secret value replaced.
func redactBody(contentType string, body []byte) string {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return ""
	}
	if ct, _, _ := mime.ParseMediaType(contentType); ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data" {
		if vals := bodyForm(contentType, body); vals != nil {
			return redactValues(vals).Encode()
		}
		return fmt.Sprintf("<unparsable %s body, %d bytes>", ct, len(body))
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.More() {
		return fmt.Sprintf("<body that is not valid JSON, %d bytes>", len(body))
	}
	out, err := json.Marshal(redactJSON(v))
	if err != nil {
		return fmt.Sprintf("<body, %d bytes>", len(body))
	}
	return string(out)
}

// redactJSON replaces, wherever they are, the values of secret keys and everything
// under configProperties by "***" (null stays null).
func redactJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if isSecretKey(k) || strings.EqualFold(k, "configProperties") {
				t[k] = redactAll(val)
			} else {
				t[k] = redactJSON(val)
			}
		}
		return t
	case []any:
		for i := range t {
			t[i] = redactJSON(t[i])
		}
		return t
	default:
		return t
	}
}

// redactAll keeps the shape of v (object keys) but replaces every leaf value.
func redactAll(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			t[k] = redactAll(val)
		}
		return t
	case []any:
		for i := range t {
			t[i] = redactAll(t[i])
		}
		return t
	case nil:
		return nil
	default:
		return redacted
	}
}
