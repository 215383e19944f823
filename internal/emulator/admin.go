package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
)

// adminTarget is what the admin endpoints act on: one Emulator, or every tenant of a Set.
type adminTarget interface {
	Requests() []Request
	ResetRequests()
	CurrentFaults() Faults
	SetFaults(Faults)
	ExpireTokens()
	Reset()
}

// serveAdmin serves the unauthenticated test and demo endpoints of e. They answer only
// clients on a loopback address, are neither logged nor subject to faults or latency,
// and never return a secret value.
//
//	GET    /admin/requests       the redacted request log, oldest first (JSON array of Request)
//	DELETE /admin/requests       clear the request log (204)
//	GET    /admin/faults         the faults still to be injected
//	PUT    /admin/faults         replace the faults (see faultsJSON); answers the new faults
//	POST   /admin/expire-tokens  every issued token becomes expired (204)
//	POST   /admin/reset          Reset: back to the initial state, tokens kept (204)
func serveAdmin(e adminTarget, w http.ResponseWriter, r *http.Request) {
	if !isLoopback(r.RemoteAddr) {
		writeResponse(w, forbidden("Admin endpoints answer loopback clients only."))
		return
	}
	allowed := map[string][]string{
		"/admin/requests":      {http.MethodGet, http.MethodDelete},
		"/admin/faults":        {http.MethodGet, http.MethodPut},
		"/admin/expire-tokens": {http.MethodPost},
		"/admin/reset":         {http.MethodPost},
	}
	methods, known := allowed[r.URL.Path]
	if !known {
		writeResponse(w, notFound())
		return
	}
	noContent := response{status: http.StatusNoContent}
	switch r.Method + " " + r.URL.Path {
	case "GET /admin/requests":
		writeResponse(w, ok(e.Requests()))
	case "DELETE /admin/requests":
		e.ResetRequests()
		writeResponse(w, noContent)
	case "GET /admin/faults":
		writeResponse(w, ok(toFaultsJSON(e.CurrentFaults())))
	case "PUT /admin/faults":
		writeResponse(w, putFaults(e, r))
	case "POST /admin/expire-tokens":
		e.ExpireTokens()
		writeResponse(w, noContent)
	case "POST /admin/reset":
		e.Reset()
		writeResponse(w, noContent)
	default:
		resp := errorResponse(http.StatusMethodNotAllowed, detailMethodNotAllowed, "")
		resp.header = http.Header{"Allow": methods}
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
