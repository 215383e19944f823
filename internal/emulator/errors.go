package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// detailCode values of ErrorResponseDto. The 400.1, 403 and 500.0 ones are the
// reference's examples; the others follow SailPoint's numbering.
const (
	detailBadContent       = "400.1 Bad Request Content"
	detailBadParam         = "400.2 Bad Request Param"
	detailForbidden        = "403 Forbidden"
	detailNotFound         = "404 Not found"
	detailMethodNotAllowed = "405 Method Not Allowed"
	detailUnsupportedMedia = "415 Unsupported Media Type"
	detailInternal         = "500.0 Internal Fault"
)

// Generic message texts (the reference's examples where it has them).
const (
	textBadContent  = "The request was syntactically correct but its content is semantically invalid."
	textBadParam    = "The request could not be parsed: a parameter has an illegal value."
	textForbidden   = "The server understood the request but refuses to authorize it."
	textNotFound    = "The server did not find a current representation for the target resource."
	textNotAllowed  = "The method received in the request-line is known by the origin server but not supported by the target resource."
	textUnsupported = "The origin server is refusing to service the request because the payload is in a format not supported by this method on the target resource."
	textInternal    = "An internal fault occurred."
)

// errorMessageDto is the reference's ErrorMessageDto.
type errorMessageDto struct {
	Locale       *string `json:"locale"`
	LocaleOrigin *string `json:"localeOrigin"`
	Text         string  `json:"text"`
}

// errorResponseDto is the reference's ErrorResponseDto (400, 403, 404, 405, 415, 500).
type errorResponseDto struct {
	DetailCode string            `json:"detailCode"`
	TrackingID string            `json:"trackingId"`
	Messages   []errorMessageDto `json:"messages"`
	Causes     []errorMessageDto `json:"causes"`
}

func message(text string) errorMessageDto {
	locale, origin := "en-US", "DEFAULT"
	return errorMessageDto{Locale: &locale, LocaleOrigin: &origin, Text: text}
}

func genericText(detail string) string {
	switch detail {
	case detailBadContent:
		return textBadContent
	case detailBadParam:
		return textBadParam
	case detailForbidden:
		return textForbidden
	case detailNotFound:
		return textNotFound
	case detailMethodNotAllowed:
		return textNotAllowed
	case detailUnsupportedMedia:
		return textUnsupported
	default:
		return textInternal
	}
}

// errorResponse builds an ErrorResponseDto: messages holds the generic text for the
// detail code, causes the specific reason (if any). Neither ever holds a secret.
func errorResponse(status int, detail, cause string) response {
	dto := errorResponseDto{
		DetailCode: detail,
		TrackingID: randomHex(16),
		Messages:   []errorMessageDto{message(genericText(detail))},
		Causes:     []errorMessageDto{},
	}
	if cause != "" {
		dto.Causes = append(dto.Causes, message(cause))
	}
	return response{status: status, body: dto}
}

func badContent(cause string) response {
	return errorResponse(http.StatusBadRequest, detailBadContent, cause)
}

func badParam(cause string) response {
	return errorResponse(http.StatusBadRequest, detailBadParam, cause)
}

func forbidden(cause string) response {
	return errorResponse(http.StatusForbidden, detailForbidden, cause)
}

func notFound() response {
	return errorResponse(http.StatusNotFound, detailNotFound, "")
}

func internalFault() response {
	return errorResponse(http.StatusInternalServerError, detailInternal, "")
}

// unauthorized is the reference's 401 body.
func unauthorized(text string) response {
	return response{status: http.StatusUnauthorized, body: map[string]string{"error": text}}
}

// 401 texts. The expired one is the reference's example.
const (
	jwtMissing = "JWT validation failed: JWT is missing"
	jwtInvalid = "JWT validation failed: JWT is invalid"
	jwtExpired = "JWT validation failed: JWT is expired"
)

func ok(body any) response { return response{status: http.StatusOK, body: body} }

func writeResponse(w http.ResponseWriter, resp response) {
	if resp.raw != nil {
		resp.raw(w)
		return
	}
	for k, vs := range resp.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return
	}
	data, err := json.Marshal(resp.body)
	if err != nil {
		resp.status = http.StatusInternalServerError
		data, _ = json.Marshal(internalFault().body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	_, _ = w.Write(data)
}

// randomHex returns n random bytes as lowercase hex (2n characters).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
