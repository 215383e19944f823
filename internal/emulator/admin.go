package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
)

// adminTarget is what the admin endpoints act on: one Emulator, or every tenant of a Set.
type adminTarget interface {
	Requests() []Request
	ResetRequests()
	CurrentFaults() Faults
	SetFaults(Faults)
	SentTokens() []SentToken
	ExpireTokens()
	Reset()
}

// adminEndpoint is one of the unauthenticated test and demo endpoints.
type adminEndpoint struct {
	Path        string   `json:"path"`
	Methods     []string `json:"methods"`
	Description string   `json:"description"`
}

// adminEndpoints are listed, in this order, by GET /admin/.
var adminEndpoints = []adminEndpoint{
	{"/admin/", []string{http.MethodGet}, "this index"},
	{"/admin/requests", []string{http.MethodGet, http.MethodDelete}, "GET: the redacted request log, oldest first; DELETE: clear it"},
	{"/admin/faults", []string{http.MethodGet, http.MethodPut}, "GET: the faults still to be injected; PUT: replace them (JSON, see docs/emulator.md)"},
	{"/admin/sent-tokens", []string{http.MethodGet}, "the one-time codes that POST /v3/mfa/token/send \"sent\", by user alias (emulator only: a real tenant never shows them)"},
	{"/admin/expire-tokens", []string{http.MethodPost}, "every issued access token becomes expired"},
	{"/admin/reset", []string{http.MethodPost}, "back to the initial state (tokens kept)"},
}

// adminIndex is the body of GET /admin/.
type adminIndex struct {
	Endpoints []adminEndpoint `json:"endpoints"`
	Note      string          `json:"note"`
}

// serveAdmin serves the unauthenticated test and demo endpoints of adminEndpoints. They
// answer only clients on a loopback address, and are neither logged nor subject to faults
// or latency. They never return a credential; /admin/sent-tokens returns the one-time
// codes the emulator made up, which a real tenant sends by SMS or e-mail instead.
func serveAdmin(e adminTarget, w http.ResponseWriter, r *http.Request) {
	if !isLoopback(r.RemoteAddr) {
		writeResponse(w, forbidden("Admin endpoints answer loopback clients only."))
		return
	}
	path := r.URL.Path
	if path == "/admin" {
		path = "/admin/"
	}
	i := slices.IndexFunc(adminEndpoints, func(a adminEndpoint) bool { return a.Path == path })
	if i < 0 {
		writeResponse(w, notFound())
		return
	}
	noContent := response{status: http.StatusNoContent}
	switch r.Method + " " + path {
	case "GET /admin/":
		writeResponse(w, ok(adminIndex{Endpoints: adminEndpoints,
			Note: "Test and demo endpoints of the SailPoint emulator, for loopback clients only; a real SailPoint tenant has none of them."}))
	case "GET /admin/requests":
		writeResponse(w, ok(e.Requests()))
	case "DELETE /admin/requests":
		e.ResetRequests()
		writeResponse(w, noContent)
	case "GET /admin/faults":
		writeResponse(w, ok(toFaultsJSON(e.CurrentFaults())))
	case "PUT /admin/faults":
		writeResponse(w, putFaults(e, r))
	case "GET /admin/sent-tokens":
		writeResponse(w, ok(e.SentTokens()))
	case "POST /admin/expire-tokens":
		e.ExpireTokens()
		writeResponse(w, noContent)
	case "POST /admin/reset":
		e.Reset()
		writeResponse(w, noContent)
	default:
		resp := errorResponse(http.StatusMethodNotAllowed, detailMethodNotAllowed, "")
		resp.header = http.Header{"Allow": adminEndpoints[i].Methods}
		writeResponse(w, resp)
	}
}

func putFaults(e adminTarget, r *http.Request) response {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return badContent("The request body could not be read.")
	}
	var fj faultsJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fj); err != nil {
		return badContent("Invalid faults: " + err.Error())
	}
	f := fj.faults()
	if f.RateLimit < 0 || f.ServerErrors < 0 || f.RetryAfter < 0 || f.Latency < 0 || f.TokenLifetime < 0 {
		return badContent("Invalid faults: counts and durations must not be negative.")
	}
	if err := f.CheckConnectionFaults(); err != nil {
		return badContent("Invalid faults: " + err.Error() + ".")
	}
	e.SetFaults(f)
	return ok(toFaultsJSON(f))
}

func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
