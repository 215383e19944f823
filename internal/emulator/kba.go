package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// minAnswerLength is SailPoint's documented minimum answer length (reference 9).
const minAnswerLength = 4

// kbaLockoutAfter is the number of consecutive failed KBA authentications that lock an
// identity out (until Reset).
const kbaLockoutAfter = 3

// kbaQuestion is KbaQuestion on the wire.
type kbaQuestion struct {
	ID         string `json:"id"`
	Text       string `json:"text"`
	HasAnswer  bool   `json:"hasAnswer"`
	NumAnswers int32  `json:"numAnswers"`
}

// kbaAnswerRequestItem is KbaAnswerRequestItem.
type kbaAnswerRequestItem struct {
	ID     string `json:"id"`
	Answer string `json:"answer"`
}

// kbaAnswerResponseItem is KbaAnswerResponseItem.
type kbaAnswerResponseItem struct {
	ID        string `json:"id"`
	Question  string `json:"question"`
	HasAnswer bool   `json:"hasAnswer"`
}

// kbaAuthResponse is KbaAuthResponse with the schema's key names.
type kbaAuthResponse struct {
	Items  []kbaAuthResponseItem `json:"kbaAuthResponseItems"`
	Status string                `json:"status"`
}

// kbaAuthResponseItem is KbaAuthResponseItem.
type kbaAuthResponseItem struct {
	QuestionID string `json:"questionId"`
	IsVerified bool   `json:"isVerified"`
}

// localized is one entry of a multi-locale question text.
type localized struct {
	Text   string `json:"text"`
	Locale string `json:"locale"`
}

// translations parses a JSON-encoded multi-locale text; ok is false for plain text.
func translations(text string) (list []localized, ok bool) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "[") {
		return nil, false
	}
	if err := json.Unmarshal([]byte(t), &list); err != nil || len(list) == 0 {
		return nil, false
	}
	return list, true
}

// localize picks the text for the caller's Accept-Language (language tags in order of
// preference, exact tag then primary language), else the default locale entry
// (locale ""), else "en", else the first entry. Plain text is returned as is.
func localize(text, acceptLanguage string) string {
	list, ok := translations(text)
	if !ok {
		return text
	}
	for _, tag := range acceptedLanguages(acceptLanguage) {
		for _, l := range list {
			if l.Locale != "" && strings.EqualFold(l.Locale, tag) {
				return l.Text
			}
		}
		primary, _, _ := strings.Cut(tag, "-")
		for _, l := range list {
			lp, _, _ := strings.Cut(l.Locale, "-")
			if l.Locale != "" && strings.EqualFold(lp, primary) {
				return l.Text
			}
		}
	}
	for _, want := range []string{"", "en"} {
		for _, l := range list {
			if strings.EqualFold(l.Locale, want) {
				return l.Text
			}
		}
	}
	return list[0].Text
}

// acceptedLanguages returns the tags of an Accept-Language header, highest q first
// (q=0 dropped, "*" ignored).
func acceptedLanguages(h string) []string {
	type tagQ struct {
		tag string
		q   float64
	}
	var tags []tagQ
	for part := range strings.SplitSeq(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, found := strings.CutPrefix(strings.TrimSpace(params), "q="); found {
			if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
				q = 0
			}
		}
		if tag == "" || tag == "*" || q <= 0 {
			continue
		}
		tags = append(tags, tagQ{tag, q})
	}
	slices.SortStableFunc(tags, func(a, b tagQ) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.tag
	}
	return out
}

// parseBoolParam parses a Spring-style boolean query value; empty means false.
func parseBoolParam(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "":
		return false, true
	case "true", "on", "yes", "1":
		return true, true
	case "false", "off", "no", "0":
		return false, true
	}
	return false, false
}

// getKBAConfig lists every question with hasAnswer/numAnswers over all identities.
// allLanguages=true gives the stored text (JSON-encoded for translated questions);
// otherwise the text in the caller's language (Accept-Language) or the default locale.
func (e *Emulator) getKBAConfig(c *call) response {
	all := false
	if q := c.r.URL.Query(); q.Has("allLanguages") {
		v, valid := parseBoolParam(q.Get("allLanguages"))
		if !valid {
			return badParam("Illegal value for query parameter allLanguages; expected true or false.")
		}
		all = v
	}
	lang := c.r.Header.Get("Accept-Language")
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]kbaQuestion, 0, len(e.st.qs))
	for _, q := range e.st.qs {
		n := 0
		for _, ans := range e.st.answers {
			if _, found := ans[q.ID]; found {
				n++
			}
		}
		text := q.Text
		if !all {
			text = localize(q.Text, lang)
		}
		out = append(out, kbaQuestion{ID: q.ID, Text: text, HasAnswer: n > 0, NumAnswers: int32(n)})
	}
	return ok(out)
}

func (e *Emulator) questionLocked(id string) (Question, bool) {
	for _, q := range e.st.qs {
		if q.ID == id {
			return q, true
		}
	}
	return Question{}, false
}

// setKBAAnswers replaces the caller's whole answer set. Errors name question ids, never
// answers.
func (e *Emulator) setKBAAnswers(c *call) response {
	var items []kbaAnswerRequestItem
	if resp := decodeBody(c, &items); resp != nil {
		return *resp
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	next, resp := e.validateAnswersLocked(items)
	if resp != nil {
		return *resp
	}
	id := c.identity.IdentityID
	if len(next) == 0 {
		delete(e.st.answers, id)
	} else {
		e.st.answers[id] = next
	}
	out := make([]kbaAnswerResponseItem, 0, len(e.st.qs))
	for _, q := range e.st.qs {
		_, has := next[q.ID]
		out = append(out, kbaAnswerResponseItem{ID: q.ID, Question: q.Text, HasAnswer: has})
	}
	return ok(out)
}

// validateAnswersLocked checks a new answer set: known, distinct question ids and
// answers of at least minAnswerLength characters.
func (e *Emulator) validateAnswersLocked(items []kbaAnswerRequestItem) (map[string]string, *response) {
	next := make(map[string]string, len(items))
	for i, it := range items {
		_, dup := next[it.ID]
		var cause string
		switch {
		case it.ID == "":
			cause = fmt.Sprintf("Item %d: id is required.", i)
		case !e.hasQuestionLocked(it.ID):
			cause = fmt.Sprintf("Unknown KBA question id %q.", truncate(it.ID, 64))
		case dup:
			cause = fmt.Sprintf("KBA question id %q is given more than once.", it.ID)
		case utf8.RuneCountInString(strings.TrimSpace(it.Answer)) < minAnswerLength:
			cause = fmt.Sprintf("The answer to KBA question %q must be at least %d characters long.", it.ID, minAnswerLength)
		}
		if cause != "" {
			resp := badContent(cause)
			return nil, &resp
		}
		next[it.ID] = it.Answer
	}
	return next, nil
}

func (e *Emulator) hasQuestionLocked(id string) bool {
	_, found := e.questionLocked(id)
	return found
}

// authenticateKBA checks the caller's answers: LOCKOUT once locked out, NOT_ENOUGH_DATA
// when the caller has no stored answers or sent none, SUCCESS when every given answer
// matches, else FAILED (the third consecutive failure answers LOCKOUT).
func (e *Emulator) authenticateKBA(c *call) response {
	var items []kbaAnswerRequestItem
	if resp := decodeBody(c, &items); resp != nil {
		return *resp
	}
	for i, it := range items {
		if it.ID == "" {
			return badContent(fmt.Sprintf("Item %d: id is required.", i))
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	id := c.identity.IdentityID
	stored := e.st.answers[id]
	result := make([]kbaAuthResponseItem, 0, len(items))
	allMatch := true
	for _, it := range items {
		want, found := stored[it.ID]
		match := found && want == it.Answer
		allMatch = allMatch && match
		result = append(result, kbaAuthResponseItem{QuestionID: it.ID, IsVerified: match})
	}
	var status string
	switch {
	case e.st.kbaFails[id] >= kbaLockoutAfter:
		status = statusLockout
		for i := range result {
			result[i].IsVerified = false
		}
	case len(stored) == 0 || len(items) == 0:
		status = statusNotEnoughData
	case allMatch:
		status = statusSuccess
		delete(e.st.kbaFails, id)
	default:
		e.st.kbaFails[id]++
		status = statusFailed
		if e.st.kbaFails[id] >= kbaLockoutAfter {
			status = statusLockout
		}
	}
	return ok(kbaAuthResponse{Items: result, Status: status})
}

// Answers returns the stored KBA answers of an identity: question id -> answer.
func (e *Emulator) Answers(identityID string) map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return maps.Clone(e.st.answers[identityID])
}

// RemoveQuestion deletes a question, and every identity's answer to it.
func (e *Emulator) RemoveQuestion(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.qs = slices.DeleteFunc(e.st.qs, func(q Question) bool { return q.ID == id })
	for ident, ans := range e.st.answers {
		delete(ans, id)
		if len(ans) == 0 {
			delete(e.st.answers, ident)
		}
	}
}

// AddQuestion appends a question, or replaces the text of the question with that id.
func (e *Emulator) AddQuestion(q Question) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range e.st.qs {
		if e.st.qs[i].ID == q.ID {
			e.st.qs[i].Text = q.Text
			return
		}
	}
	e.st.qs = append(e.st.qs, q)
}
