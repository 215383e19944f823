package emulator

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// deliveryTypes are SendTokenRequest.deliveryType's enum values.
var deliveryTypes = []string{"SMS_PERSONAL", "VOICE_PERSONAL", "SMS_WORK", "VOICE_WORK", "EMAIL_WORK", "EMAIL_PERSONAL"}

// Verification statuses (VerificationResponse.status and friends).
const (
	statusPending       = "PENDING"
	statusSuccess       = "SUCCESS"
	statusFailed        = "FAILED"
	statusLockout       = "LOCKOUT"
	statusNotEnoughData = "NOT_ENOUGH_DATA"
)

// tokenLockoutAfter is the number of wrong codes in a row that lock a sent token.
const tokenLockoutAfter = 3

// Texts of VerificationResponse.error for final states.
const (
	errDenied  = "The user denied the verification request."
	errLockout = "The user is locked out."
)

// sentToken is the last one-time code sent to a user alias.
type sentToken struct {
	requestID    string
	code         string
	deliveryType string
	failures     int
	status       string // PENDING until authenticated, then SUCCESS or LOCKOUT
}

// verification is a push verification (Okta Verify, Duo Web) waiting to be polled.
type verification struct {
	method    string
	remaining int    // polls that still answer PENDING
	final     string // status after that
	finalErr  string
}

// sendTokenRequest is SendTokenRequest.
type sendTokenRequest struct {
	UserAlias    string `json:"userAlias"`
	DeliveryType string `json:"deliveryType"`
}

// sendTokenResponse is SendTokenResponse.
type sendTokenResponse struct {
	RequestID    *string `json:"requestId"`
	Status       string  `json:"status"`
	ErrorMessage *string `json:"errorMessage"`
}

// tokenAuthRequest is TokenAuthRequest.
type tokenAuthRequest struct {
	Token        string `json:"token"`
	UserAlias    string `json:"userAlias"`
	DeliveryType string `json:"deliveryType"`
}

// tokenAuthResponse is TokenAuthResponse.
type tokenAuthResponse struct {
	Status string `json:"status"`
}

// verificationResponse is VerificationResponse.
type verificationResponse struct {
	RequestID *string `json:"requestId"`
	Status    string  `json:"status"`
	Error     string  `json:"error"`
}

// oktaVerificationRequest is OktaVerificationRequest.
type oktaVerificationRequest struct {
	UserID string `json:"userId"`
}

// duoVerificationRequest is DuoVerificationRequest.
type duoVerificationRequest struct {
	UserID         string `json:"userId"`
	SignedResponse string `json:"signedResponse"`
}

// verificationPollRequest is VerificationPollRequest.
type verificationPollRequest struct {
	RequestID string `json:"requestId"`
}

func checkDeliveryType(alias, deliveryType string) *response {
	var cause string
	switch {
	case alias == "":
		cause = "userAlias is required."
	case deliveryType == "":
		cause = "deliveryType is required."
	case !slices.Contains(deliveryTypes, deliveryType):
		cause = fmt.Sprintf("Illegal value %q for deliveryType; expected one of: %s.", truncate(deliveryType, 40), strings.Join(deliveryTypes, ", "))
	}
	if cause == "" {
		return nil
	}
	resp := badContent(cause)
	return &resp
}

// sendToken "sends" a 6-digit one-time code to a known identity (see LastSentToken).
func (e *Emulator) sendToken(c *call) response {
	var req sendTokenRequest
	if resp := decodeBody(c, &req); resp != nil {
		return *resp
	}
	if resp := checkDeliveryType(req.UserAlias, req.DeliveryType); resp != nil {
		return *resp
	}
	if e.findByName(req.UserAlias) == nil {
		msg := fmt.Sprintf("Unable to find identity with alias %q.", truncate(req.UserAlias, 64))
		return ok(sendTokenResponse{Status: statusFailed, ErrorMessage: &msg})
	}
	id := randomHex(16)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.sent[req.UserAlias] = &sentToken{requestID: id, code: randomCode(), deliveryType: req.DeliveryType, status: statusPending}
	return ok(sendTokenResponse{RequestID: &id, Status: statusSuccess})
}

// randomCode returns a 6-digit code.
func randomCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil {
		return "000000"
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// authenticateToken checks a code against the last token/send for the alias: SUCCESS
// once (the code is then used up), FAILED for a wrong code, delivery type, or no sent
// code, LOCKOUT from the third wrong attempt until a new token/send.
func (e *Emulator) authenticateToken(c *call) response {
	var req tokenAuthRequest
	if resp := decodeBody(c, &req); resp != nil {
		return *resp
	}
	if req.Token == "" {
		return badContent("token is required.")
	}
	if resp := checkDeliveryType(req.UserAlias, req.DeliveryType); resp != nil {
		return *resp
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.st.sent[req.UserAlias]
	switch {
	case s == nil || s.status == statusSuccess:
		return ok(tokenAuthResponse{Status: statusFailed})
	case s.status == statusLockout:
		return ok(tokenAuthResponse{Status: statusLockout})
	case req.Token == s.code && req.DeliveryType == s.deliveryType:
		s.status = statusSuccess
		return ok(tokenAuthResponse{Status: statusSuccess})
	}
	s.failures++
	if s.failures >= tokenLockoutAfter {
		s.status = statusLockout
		return ok(tokenAuthResponse{Status: statusLockout})
	}
	return ok(tokenAuthResponse{Status: statusFailed})
}

// verifyOkta starts an Okta Verify push. It needs the slpt-forwarding header and an
// enabled Okta config; the final state depends on userId (see finalFor).
func (e *Emulator) verifyOkta(c *call) response {
	if strings.TrimSpace(c.r.Header.Get("slpt-forwarding")) == "" {
		return badParam("Header slpt-forwarding (the remote IP address of the caller) is required.")
	}
	var req oktaVerificationRequest
	if resp := decodeBody(c, &req); resp != nil {
		return *resp
	}
	if req.UserID == "" {
		return badContent("userId is required.")
	}
	return e.startVerification(MethodOkta, req.UserID)
}

// verifyDuo starts a Duo Web verification. signedResponse must look like
// "AUTH|...|...:APP|...|..."; otherwise the answer is FAILED at once.
func (e *Emulator) verifyDuo(c *call) response {
	var req duoVerificationRequest
	if resp := decodeBody(c, &req); resp != nil {
		return *resp
	}
	switch {
	case req.UserID == "":
		return badContent("userId is required.")
	case req.SignedResponse == "":
		return badContent("signedResponse is required.")
	}
	e.mu.Lock()
	problem := e.methodUsableLocked(MethodDuo)
	e.mu.Unlock()
	if problem == "" && !validSignedResponse(req.SignedResponse) {
		return ok(verificationResponse{Status: statusFailed, Error: msgInvalidSignedResp})
	}
	return e.startVerification(MethodDuo, req.UserID)
}

// validSignedResponse checks the shape of a Duo Web signed response:
// AUTH|<payload>|<signature>:APP|<payload>|<signature>.
func validSignedResponse(s string) bool {
	auth, app, found := strings.Cut(s, ":")
	if !found {
		return false
	}
	return signedPart(auth, "AUTH") && signedPart(app, "APP")
}

func signedPart(s, prefix string) bool {
	parts := strings.Split(s, "|")
	if len(parts) != 3 || parts[0] != prefix {
		return false
	}
	return parts[1] != "" && parts[2] != ""
}

func (e *Emulator) startVerification(method, userID string) response {
	e.mu.Lock()
	defer e.mu.Unlock()
	if problem := e.methodUsableLocked(method); problem != "" {
		return ok(verificationResponse{Status: statusFailed, Error: problem})
	}
	final, finalErr := finalFor(userID)
	id := randomHex(16)
	e.st.verifs[id] = &verification{method: method, remaining: e.cfg.PendingPolls, final: final, finalErr: finalErr}
	return ok(verificationResponse{RequestID: &id, Status: statusPending})
}

// finalFor decides how a push verification ends: a userId containing "deny" is FAILED,
// one containing "lockout" is LOCKOUT (any case), any other SUCCESS.
func finalFor(userID string) (status, errText string) {
	u := strings.ToLower(userID)
	switch {
	case strings.Contains(u, "lockout"):
		return statusLockout, errLockout
	case strings.Contains(u, "deny"):
		return statusFailed, errDenied
	}
	return statusSuccess, ""
}

// poll reports a verification's state: PENDING for Config.PendingPolls polls, then the
// final state. For method "token" it reports the state of a token/send request. An id
// unknown for that method (always the case for kba and rsa) is a 400.
func (e *Emulator) poll(c *call) response {
	var req verificationPollRequest
	if resp := decodeBody(c, &req); resp != nil {
		return *resp
	}
	if req.RequestID == "" {
		return badContent("requestId is required.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	id := req.RequestID
	if c.param == MethodToken {
		for _, s := range e.st.sent {
			if s.requestID == id {
				errText := ""
				if s.status == statusLockout {
					errText = errLockout
				}
				return ok(verificationResponse{RequestID: &id, Status: s.status, Error: errText})
			}
		}
	}
	v := e.st.verifs[id]
	if v == nil || v.method != c.param {
		return badContent(fmt.Sprintf("Unknown requestId %q for method %s.", truncate(id, 64), c.param))
	}
	if v.remaining > 0 {
		v.remaining--
		return ok(verificationResponse{RequestID: &id, Status: statusPending})
	}
	return ok(verificationResponse{RequestID: &id, Status: v.final, Error: v.finalErr})
}

// LastSentToken returns the one-time code of the last token/send to userAlias.
func (e *Emulator) LastSentToken(userAlias string) (code string, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.st.sent[userAlias]
	if s == nil {
		return "", false
	}
	return s.code, true
}

// SentToken is a one-time code the emulator "sent" with POST /v3/mfa/token/send. A real
// tenant delivers it by SMS, voice or e-mail and never shows it; the emulator shows it on
// GET /admin/sent-tokens so that kubectl mfa token verify can be tried locally.
type SentToken struct {
	UserAlias    string `json:"userAlias"`
	DeliveryType string `json:"deliveryType"`
	RequestID    string `json:"requestId"`
	Code         string `json:"code"`
	// Status is PENDING until the code is checked, then SUCCESS (used up) or LOCKOUT.
	Status string `json:"status"`
}

// SentTokens returns the last code sent to each user alias, by alias.
func (e *Emulator) SentTokens() []SentToken {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]SentToken, 0, len(e.st.sent))
	for alias, s := range e.st.sent {
		out = append(out, SentToken{UserAlias: alias, DeliveryType: s.deliveryType, RequestID: s.requestID, Code: s.code, Status: s.status})
	}
	slices.SortFunc(out, func(a, b SentToken) int { return strings.Compare(a.UserAlias, b.UserAlias) })
	return out
}
