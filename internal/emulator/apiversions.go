package emulator

import (
	"net/http"
	"strings"
)

// v1Prefix is the root of SailPoint's per-service MFA configuration API. It serves the
// seven configuration operations of /v3/mfa (routes with v1 set) with the same schemas.
const v1Prefix = "/mfa/v1/"

// APIVersionFaults switch what the emulator does with SailPoint's two API versions. They
// are part of Faults, so flags, SetFaults and PUT /admin/faults set them, and Reset
// clears them. The zero value serves both versions and marks nothing deprecated.
type APIVersionFaults struct {
	// V1Disabled answers 404 on every /mfa/v1 path, before authentication and before
	// any other fault, as a tenant where the per-service API is not rolled out does.
	V1Disabled bool `json:"v1Disabled"`
	// DeprecatedV3 adds X-Deprecated: true to every /v3 response, as SailPoint does for
	// endpoints it is about to retire.
	DeprecatedV3 bool `json:"deprecatedV3"`
}

func isV1Path(path string) bool { return strings.HasPrefix(path, v1Prefix) }

func isV3Path(path string) bool { return path == "/v3" || strings.HasPrefix(path, "/v3/") }

// versionFaults returns the API version switches in force.
func (e *Emulator) versionFaults() APIVersionFaults {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.faults.APIVersionFaults
}

// markDeprecated adds X-Deprecated: true to a /v3 response when DeprecatedV3 is set.
func (e *Emulator) markDeprecated(path string, resp *response) {
	if !isV3Path(path) || !e.versionFaults().DeprecatedV3 {
		return
	}
	resp.header = resp.header.Clone()
	if resp.header == nil {
		resp.header = http.Header{}
	}
	resp.header.Set("X-Deprecated", "true")
}
