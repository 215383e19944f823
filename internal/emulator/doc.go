// Package emulator is an in-memory stand-in for a SailPoint Identity Security Cloud
// tenant: the OAuth token endpoint, the 14 v3 MFA endpoints (configuration and
// controller groups) and the 7 /mfa/v1 configuration endpoints on the same state,
// following shared/reference/sailpoint-mfa-api.md. It serves the
// operator's tests, local runs and demos; cmd/sailpoint-emulator runs it as a server.
//
// It does not import the operator's SailPoint client, so that testing the client against
// it means something.
//
// # Serving
//
// Handler serves:
//
//	POST /oauth/token                     client_credentials grant
//	/v3/mfa/...                           the 14 operations (bearer token required)
//	/mfa/v1/...                           the 7 configuration operations, same rules and state
//	/admin/...                            test and demo controls (loopback clients only)
//
// Default identities (DefaultIdentities), fake credentials documented on purpose:
//
//	name        level      client id        client secret           identity id
//	admin       ORG_ADMIN  emulator-admin   emulator-admin-secret   2c9180835d2e5168015d32f890ca1581
//	will.albin  USER       emulator-user    emulator-user-secret    2c9180947f0ef465017f215cbcfd004b
//
// # Token endpoint
//
// Credentials are read from HTTP basic auth, the form body (urlencoded or multipart) or
// the query. Wrong or missing credentials: 401 {"error":"invalid_client",
// "error_description":"Bad credentials"} (checked first, as Spring does). Then a missing
// grant_type is 400 invalid_request and any grant other than client_credentials (any
// case) is 400 unsupported_grant_type. Only POST is allowed (405 otherwise). The access
// token is JWT-shaped (RS256 header, SailPoint-like claims, exp) but its signature is
// random: the emulator knows its tokens by lookup. expires_in is whole seconds.
//
// # API requests, in order of checks
//
//  0. /mfa/v1 paths with APIVersionFaults.V1Disabled: 404, nothing else happens.
//  1. Latency, then a pending 429 or 500 fault (before authentication).
//  2. Authorization: Bearer <token>: none → 401 "JWT validation failed: JWT is missing";
//     unknown → "... JWT is invalid"; expired (per Config.Now) → "... JWT is expired".
//  3. Routing: an unknown path → 404 ErrorResponseDto ("404 Not found"); a known path with
//     the wrong HTTP method → 405 ErrorResponseDto with an Allow header.
//  4. User level (reference 2.1), then explicit scopes: 403 ErrorResponseDto
//     ("403 Forbidden"). POST kba/config/answers is open to ORG_ADMIN as well as USER.
//  5. {method} path value outside the operation's enum → 400 "400.2 Bad Request Param".
//  6. Operations with a body need Content-Type application/json (or a +json type):
//     415 ErrorResponseDto otherwise.
//  7. Body: missing, null, not JSON, or of the wrong JSON types → 400 "400.1 Bad Request
//     Content"; the same detail code is used for invalid values in a body. Unknown JSON
//     properties are ignored. Error texts never quote secret values.
//
// Every ErrorResponseDto has a fresh 32-hex trackingId, messages with the generic text
// of its detail code (locale en-US, localeOrigin DEFAULT) and causes with the specific
// reason (empty list if none).
//
// # Configuration (Okta Verify, Duo Web)
//
//   - Before anything is stored, GET answers 200 with a disabled config whose string
//     fields (and Duo configProperties) are null; the reference declares no 404.
//   - Stored empty strings are returned as null. Secrets are masked as first rune +
//     "******" + last rune (values of 1 or 2 runes become "******"): accessKey, and in
//     configProperties "skey" and any key containing "secret"; "ikey" is in clear.
//   - PUT replaces the whole object (absent fields become empty/false) and answers the
//     masked stored object. A masked value sent back is stored as sent (such a key never
//     passes the test) and noted in the request log. A mfaMethod in the body that differs
//     from the path is a 400.
//   - DELETE answers 200 with the removed config, masked, in the MfaOktaConfig shape (no
//     configProperties, even for duo-web); deleting a method with no config answers the
//     never-configured default (idempotent).
//   - GET /mfa/{method}/test answers 200 SUCCESS, or FAILED with the first problem of:
//     "MFA Method is not configured.", "MFA Method is disabled.", "Host is not
//     configured.", an invalid host (with a scheme, path or space), "Identity attribute is
//     not configured.", then for Okta "Access key is not configured." / "Invalid access
//     key." and for Duo "Integration key (ikey) is not configured." / "Secret key (skey)
//     is not configured." / "Invalid secret key." (Duo's top-level accessKey is not
//     checked). Key validity follows Config.ValidAccessKeys.
//
// # KBA
//
//   - GET kba/config: hasAnswer/numAnswers count all identities. allLanguages=true gives
//     the stored text (a JSON-encoded list for translated questions); otherwise the text
//     for Accept-Language, else the default locale ("" then "en"). Invalid allLanguages
//     values are a 400.
//   - POST kba/config/answers replaces the caller's set; unknown or repeated ids and
//     answers under 4 characters (after trimming spaces) are 400s; [] removes all
//     answers. The answer list shows the stored (all-language) text of every question
//     with hasAnswer for the caller. Answers are opaque strings, stored as sent.
//   - POST kba/authenticate: LOCKOUT after 3 consecutive failures (until Reset);
//     NOT_ENOUGH_DATA if the caller has no answers or sent none; SUCCESS if every sent
//     answer matches; else FAILED. Keys are kbaAuthResponseItems / isVerified.
//
// # Controller
//
//   - token/send: userAlias must be an identity Name (else 200 FAILED with
//     errorMessage); a new 6-digit code replaces the alias's previous one (LastSentToken).
//   - token/authenticate: the right code and deliveryType → SUCCESS once (the code is then
//     used up); wrong → FAILED; the third wrong attempt and later ones → LOCKOUT until the
//     next token/send. No sent code → FAILED. Codes do not expire.
//   - okta-verify/verify needs a non-empty slpt-forwarding header (400 otherwise; its
//     format is not checked). duo-web/verify needs a signedResponse shaped
//     AUTH|x|y:APP|x|y (else 200 FAILED at once). Both need a stored, enabled config
//     (else 200 FAILED with the test's message) and answer PENDING with a requestId.
//   - {method}/poll: PENDING for Config.PendingPolls polls, then the final state, stable
//     afterwards: userId containing "lockout" → LOCKOUT, "deny" → FAILED, else SUCCESS
//     (for Okta and Duo alike). token/poll reports a token/send request (PENDING until
//     authenticated). Unknown ids for the method (always for kba and rsa) are 400s.
//
// # Faults, logging, admin
//
// Faults (SetFaults, PUT /admin/faults, the command's flags) apply to /v3 requests, or
// with PathPrefix to any non-admin path with that prefix; latency applies to every
// non-admin request. 429s carry Retry-After in whole seconds, rounded up, at least 1,
// and {"message":" Rate Limit Exceeded "}; 500s carry a "500.0 Internal Fault"
// ErrorResponseDto. The rate-limited requests are served first, then the 500s.
//
// Connection faults come after those, in this order: Resets (the connection is reset
// with a TCP RST, no answer), Hangs (no answer until the client goes away), HTMLErrors
// (502 with a proxy's text/html page) and MalformedBodies (200, application/json, invalid
// JSON). NeverAnswer ("hang" or "reset") makes every request, the token endpoint included
// unless PathPrefix says otherwise, go unanswered until the faults are replaced;
// replacing the faults (or Reset) lets hanging requests go by closing their connections.
// The request log shows unanswered requests with status 0.
//
// The request log keeps non-admin requests (the last 10000) with secrets redacted (see
// Request); Logf prints one line per request without query, headers or body.
//
// Admin endpoints answer only loopback clients, need no token, are not logged, are not
// subject to faults and never return a secret value:
//
//	GET    /admin/requests       the redacted request log, oldest first (JSON list of Request)
//	DELETE /admin/requests       clear the log (204)
//	GET    /admin/faults         the faults still to be injected
//	PUT    /admin/faults         replace all faults; answers the new faults
//	POST   /admin/expire-tokens  every issued token becomes expired (204)
//	POST   /admin/reset          Reset (204): issued tokens stay valid
//
// PUT /admin/faults takes, for example, {"rateLimit":2,"retryAfter":"3s",
// "serverErrors":1,"latency":0.05,"tokenLifetime":"2s","pathPrefix":"/v3/mfa/okta-verify",
// "resets":1,"hangs":1,"htmlErrors":1,"malformedBodies":1,"neverAnswer":""}:
// durations are Go duration strings or numbers of seconds, absent fields are zero,
// unknown fields and negative values are a 400.
package emulator
