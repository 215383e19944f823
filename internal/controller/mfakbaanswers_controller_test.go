package controller

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

const (
	kbaConfigPath  = "/v3/mfa/kba/config"
	kbaAnswersPath = "/v3/mfa/kba/config/answers"
	kbaAuthPath    = "/v3/mfa/kba/authenticate"

	// Questions of emulator.DefaultQuestions.
	qCar       = "173421"
	qCity      = "173422"
	qPet       = "173423"
	qSchool    = "143cfd3b-c23f-426b-ae5f-d3db06fa5919"
	petText    = "What was the name of your first pet?"
	schoolText = "What was the name of your elementary school?"
	// schoolTextFr is found only with allLanguages=true.
	schoolTextFr = "Quel était le nom de votre école primaire ?"

	kbaTimeout = 30 * time.Second
	kbaPoll    = 50 * time.Millisecond
)

// kbaSecretValues are the answers the current spec put in Secrets; after each spec they must
// appear nowhere the operator writes to.
var kbaSecretValues []string

// kbaAnswerValue returns a fresh answer value and remembers it for the leak check.
func kbaAnswerValue(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	v := prefix + "-" + hex.EncodeToString(b)
	kbaSecretValues = append(kbaSecretValues, v)
	return v
}

func kbaSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// answerSecret creates (or updates) the Secret "kba" with the given answers by key.
func (f *fixture) answerSecret(data map[string]string) {
	for _, v := range data {
		kbaSecretValues = append(kbaSecretValues, v)
	}
	f.createSecret("kba", data)
}

func kbaByID(id, key string) mfav1.KbaAnswer {
	return mfav1.KbaAnswer{QuestionID: id, AnswerSecretRef: mfav1.SecretKeySelector{Name: "kba", Key: key}}
}

func kbaByText(text, key string) mfav1.KbaAnswer {
	return mfav1.KbaAnswer{QuestionText: text, AnswerSecretRef: mfav1.SecretKeySelector{Name: "kba", Key: key}}
}

// kbaAnswers creates an MfaKbaAnswers on the tenant "acme".
func (f *fixture) kbaAnswers(name string, answers []mfav1.KbaAnswer, mutate ...func(*mfav1.MfaKbaAnswers)) *mfav1.MfaKbaAnswers {
	k := &mfav1.MfaKbaAnswers{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: f.ns},
		Spec: mfav1.MfaKbaAnswersSpec{
			TenantRef: mfav1.TenantReference{Name: "acme"},
			Answers:   answers,
		},
	}
	for _, m := range mutate {
		m(k)
	}
	Expect(k8s.Create(context.Background(), k)).To(Succeed())
	return k
}

// tenantAt creates the tenant "acme" for a SailPoint at baseURL (not the fixture's emulator)
// with the given credentials, and waits until it is Ready.
func (f *fixture) tenantAt(baseURL, clientID, clientSecret string) {
	f.createSecret("acme-pat", map[string]string{"clientId": clientID, "clientSecret": clientSecret})
	Expect(k8s.Create(context.Background(), &mfav1.SailPointTenant{
		ObjectMeta: metav1.ObjectMeta{Name: "acme", Namespace: f.ns},
		Spec: mfav1.SailPointTenantSpec{
			BaseURL:              baseURL,
			CredentialsSecretRef: mfav1.CredentialsSecretReference{Name: "acme-pat"},
			RequestsPerSecond:    10,
		},
	})).To(Succeed())
	f.eventuallyCondition(&mfav1.SailPointTenant{}, "acme", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAuthenticated)
}

// reconcileNow forces a reconcile and waits until it is done (its requestedAt is echoed).
func (f *fixture) reconcileNow(name string) *mfav1.MfaKbaAnswers {
	GinkgoHelper()
	obj := &mfav1.MfaKbaAnswers{}
	Expect(k8s.Get(context.Background(), f.key(name), obj)).To(Succeed())
	v := requestReconcile(obj)
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(context.Background(), f.key(name), obj)).To(Succeed())
		g.Expect(obj.Status.LastHandledReconcileAt).To(Equal(v))
	}, kbaTimeout, kbaPoll).Should(Succeed())
	return obj
}

// kbaReady waits until the object is Ready and returns it.
func (f *fixture) kbaReady(name string) *mfav1.MfaKbaAnswers {
	GinkgoHelper()
	obj := &mfav1.MfaKbaAnswers{}
	f.eventuallyCondition(obj, name, mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable)
	return obj
}

// mfaCallCount counts the requests to the MFA API (not the token endpoint).
func mfaCallCount(emu *emulator.Emulator) int {
	n := 0
	for _, r := range emu.Requests() {
		if strings.HasPrefix(r.Path, "/v3/mfa/") {
			n++
		}
	}
	return n
}

// eventReasons lists the reasons of the events about an object, oldest first.
func (f *fixture) eventReasons(name string) []string {
	list := &eventsv1.EventList{}
	Expect(k8s.List(context.Background(), list, client.InNamespace(f.ns))).To(Succeed())
	var reasons []string
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

func kbaStalledReason(obj *mfav1.MfaKbaAnswers) string {
	if c := obj.Status.GetCondition(mfav1.TypeStalled); c != nil && c.Status == metav1.ConditionTrue {
		return c.Reason
	}
	return ""
}

// identityClient calls SailPoint as one identity outside the operator, the way the identity's
// own tools (or SailPoint's UI) would.
type identityClient struct {
	baseURL, token string
}

func newIdentityClient(baseURL, clientID, clientSecret string) *identityClient {
	GinkgoHelper()
	resp, err := http.PostForm(baseURL+"/oauth/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret},
	})
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	Expect(resp.StatusCode).To(Equal(http.StatusOK))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	Expect(json.NewDecoder(resp.Body).Decode(&tok)).To(Succeed())
	return &identityClient{baseURL: baseURL, token: tok.AccessToken}
}

func (c *identityClient) post(path string, body, into any) {
	GinkgoHelper()
	b, err := json.Marshal(body)
	Expect(err).NotTo(HaveOccurred())
	req, err := http.NewRequest(http.MethodPost, c.baseURL+path, bytes.NewReader(b))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	Expect(resp.StatusCode).To(Equal(http.StatusOK))
	if into != nil {
		Expect(json.NewDecoder(resp.Body).Decode(into)).To(Succeed())
	}
}

// changeAnswerBeforeFirstAuthenticate serves emu, but just before the first KBA authenticate
// it stores a different answer to the first question of that request, with the caller's own
// token: the identity editing its answers in SailPoint between the operator's apply and its
// verification. The emulator itself is not changed.
func changeAnswerBeforeFirstAuthenticate(emu http.Handler) http.Handler {
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == kbaAuthPath {
			body := new(bytes.Buffer)
			_, _ = body.ReadFrom(r.Body)
			r.Body.Close()
			once.Do(func() {
				var items []sailpoint.KbaAnswerRequestItem
				_ = json.Unmarshal(body.Bytes(), &items)
				items[0].Answer = "changed elsewhere"
				changed, _ := json.Marshal(items)
				req := httptest.NewRequest(http.MethodPost, kbaAnswersPath, bytes.NewReader(changed))
				req.Header.Set("Authorization", r.Header.Get("Authorization"))
				req.Header.Set("Content-Type", "application/json")
				emu.ServeHTTP(httptest.NewRecorder(), req)
			})
			r.Body = kbaRequestBody{bytes.NewReader(body.Bytes())}
		}
		emu.ServeHTTP(w, r)
	})
}

type kbaRequestBody struct{ *bytes.Reader }

func (kbaRequestBody) Close() error { return nil }

// expectNoAnswerLeak checks that no answer of the spec, nor its SHA-256 digest, is in the
// namespace's objects (status included), its events, the manager's log or the metrics.
func expectNoAnswerLeak(ns string, answers []string) {
	GinkgoHelper()
	var needles []string
	for _, a := range answers {
		needles = append(needles, a, kbaSHA256(a))
	}
	ctx := context.Background()
	var haystacks []string
	kbas := &mfav1.MfaKbaAnswersList{}
	Expect(k8s.List(ctx, kbas, client.InNamespace(ns))).To(Succeed())
	tenants := &mfav1.SailPointTenantList{}
	Expect(k8s.List(ctx, tenants, client.InNamespace(ns))).To(Succeed())
	evs := &eventsv1.EventList{}
	Expect(k8s.List(ctx, evs, client.InNamespace(ns))).To(Succeed())
	for _, l := range []any{kbas, tenants, evs} {
		b, err := json.Marshal(l)
		Expect(err).NotTo(HaveOccurred())
		haystacks = append(haystacks, string(b))
	}
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var m strings.Builder
	for _, f := range families {
		m.WriteString(f.String())
	}
	haystacks = append(haystacks, m.String(), managerLog.String())
	for i, h := range haystacks {
		for _, n := range needles {
			Expect(h).NotTo(ContainSubstring(n), "haystack %d (objects, tenants, events, metrics, log) holds an answer or its hash", i)
		}
	}
}

var _ = Describe("MfaKbaAnswers", func() {
	var f *fixture
	BeforeEach(func() {
		kbaSecretValues = nil
		f = newFixture()
	})
	AfterEach(func() {
		expectNoAnswerLeak(f.ns, kbaSecretValues)
	})

	It("applies answers named by id and by text (in any locale) with exactly one POST, and shows SailPoint's questions", func() {
		f.adminTenant()
		car, pet, school := kbaAnswerValue("car"), kbaAnswerValue("pet"), kbaAnswerValue("school")
		f.answerSecret(map[string]string{"car": car, "pet": pet, "school": school})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{
			kbaByID(qCar, "car"), kbaByText(petText, "pet"), kbaByText(schoolTextFr, "school"),
		})

		obj := f.kbaReady("svc")
		Expect(f.emu.Answers(emulator.DefaultAdminIdentityID)).To(Equal(map[string]string{qCar: car, qPet: pet, qSchool: school}))
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(1))
		Expect(f.emu.CountRequests(http.MethodPost, kbaAuthPath)).To(Equal(0))
		var queries []string
		for _, r := range f.emu.Requests() {
			if r.Path == kbaConfigPath {
				queries = append(queries, r.Query)
			}
		}
		// A reconcile that finds the cache behind (after its own earlier status write) runs
		// again, so there may be more than one pass; each pass asks for the default form and,
		// because the French text is only in the allLanguages form, for that one too.
		Expect(queries).NotTo(BeEmpty())
		for i, q := range queries {
			Expect(q).To(Equal([]string{"", "allLanguages=true"}[i%2]), "queries %v", queries)
		}
		Expect(len(queries)%2).To(BeZero(), "the French text needs the allLanguages form: queries %v", queries)

		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Reason).To(Equal(mfav1.ReasonSynced))
		Expect(obj.Status.GetCondition(mfav1.TypeVerified)).To(BeNil())
		Expect(obj.Status.AnswerCount).To(Equal(int32(3)))
		Expect(obj.Status.Questions).To(HaveLen(len(emulator.DefaultQuestions())))
		Expect(obj.Status.Questions).To(ContainElements(
			mfav1.KbaQuestionStatus{ID: qCar, Text: "What was the make and model of your first car?", HasAnswer: true},
			mfav1.KbaQuestionStatus{ID: qPet, Text: petText, HasAnswer: true},
			mfav1.KbaQuestionStatus{ID: qSchool, Text: schoolText, HasAnswer: true},
			mfav1.KbaQuestionStatus{ID: qCity, Text: "In what city were you born?", HasAnswer: false},
		))
		Expect(obj.Status.AppliedGeneration).To(Equal(obj.Generation))
		Expect(obj.Status.AppliedSecretVersions).To(HaveKey("kba"))
		Expect(obj.Status.LastAppliedTime).NotTo(BeNil())
		Expect(obj.Finalizers).To(ContainElement(mfav1.Finalizer))
		Eventually(func() []string { return f.eventReasons("svc") }, kbaTimeout, kbaPoll).Should(ContainElement(mfav1.EventReasonApplied))
	})

	It("sends the lowercase hex SHA-256 of each answer with answerFormat SHA256", func() {
		f.adminTenant()
		car, pet := kbaAnswerValue("car"), kbaAnswerValue("pet")
		f.answerSecret(map[string]string{"car": car, "pet": pet})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car"), kbaByID(qPet, "pet")},
			func(k *mfav1.MfaKbaAnswers) { k.Spec.AnswerFormat = mfav1.AnswerFormatSHA256 })

		f.kbaReady("svc")
		Expect(f.emu.Answers(emulator.DefaultAdminIdentityID)).To(Equal(map[string]string{qCar: kbaSHA256(car), qPet: kbaSHA256(pet)}))
	})

	It("does not post again when nothing changed, but checks the questions on each reconcile", func() {
		f.adminTenant()
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car"), "pet": kbaAnswerValue("pet")})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car"), kbaByID(qPet, "pet")})
		f.kbaReady("svc")
		gets := f.emu.CountRequests(http.MethodGet, kbaConfigPath)

		for range 2 {
			obj := f.reconcileNow("svc")
			Expect(obj.Status.IsReady(obj.Generation)).To(BeTrue())
		}
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(1))
		Expect(f.emu.CountRequests(http.MethodGet, kbaConfigPath)).To(Equal(gets + 2))
		Eventually(func() []string { return f.eventReasons("svc") }, kbaTimeout, kbaPoll).
			Should(HaveExactElements(mfav1.EventReasonApplied))
	})

	It("posts exactly once more when a referenced Secret changes", func() {
		f.adminTenant()
		pet := kbaAnswerValue("pet")
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car"), "pet": pet})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car"), kbaByID(qPet, "pet")})
		before := f.kbaReady("svc")

		car2 := kbaAnswerValue("car2")
		f.answerSecret(map[string]string{"car": car2, "pet": pet})
		Eventually(func() map[string]string { return f.emu.Answers(emulator.DefaultAdminIdentityID) }, kbaTimeout, kbaPoll).
			Should(Equal(map[string]string{qCar: car2, qPet: pet}))
		obj := f.reconcileNow("svc")
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(2))
		Expect(obj.Status.AppliedSecretVersions["kba"]).NotTo(Equal(before.Status.AppliedSecretVersions["kba"]))
		Expect(obj.Status.IsReady(obj.Generation)).To(BeTrue())
	})

	It("reports QuestionNotFound when a question is removed from the tenant, and does not post", func() {
		f.adminTenant()
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car"), "pet": kbaAnswerValue("pet")})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car"), kbaByText(petText, "pet")})
		f.kbaReady("svc")

		f.emu.RemoveQuestion(qPet)
		f.reconcileNow("svc")
		obj := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(obj, "svc", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonQuestionNotFound)
		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring(petText))
		Expect(obj.Status.GetCondition(mfav1.TypeReady).Reason).To(Equal(mfav1.ReasonQuestionNotFound))
		Expect(kbaStalledReason(obj)).To(Equal(mfav1.ReasonQuestionNotFound))
		Expect(obj.Status.Questions).To(HaveLen(len(emulator.DefaultQuestions()) - 1))
		Expect(obj.Status.Questions).NotTo(ContainElement(HaveField("ID", qPet)))
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(1))
	})

	It("applies the answers again when SailPoint has lost them, with a DriftCorrected event", func() {
		f.adminTenant()
		car, pet := kbaAnswerValue("car"), kbaAnswerValue("pet")
		f.answerSecret(map[string]string{"car": car, "pet": pet})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car"), kbaByID(qPet, "pet")})
		f.kbaReady("svc")

		// The identity removes its answers outside the operator.
		admin := newIdentityClient(f.server.URL, emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)
		admin.post(kbaAnswersPath, []sailpoint.KbaAnswerRequestItem{}, nil)
		Expect(f.emu.Answers(emulator.DefaultAdminIdentityID)).To(BeEmpty())

		obj := f.reconcileNow("svc")
		Expect(obj.Status.IsReady(obj.Generation)).To(BeTrue())
		Expect(f.emu.Answers(emulator.DefaultAdminIdentityID)).To(Equal(map[string]string{qCar: car, qPet: pet}))
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(3))
		Eventually(func() []string { return f.eventReasons("svc") }, kbaTimeout, kbaPoll).
			Should(ContainElement(mfav1.EventReasonDriftCorrected))
	})

	It("reports QuestionNotFound for an unknown question id or text, and posts nothing", func() {
		f.adminTenant()
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car"), "x": kbaAnswerValue("x"), "y": kbaAnswerValue("y")})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{
			kbaByID(qCar, "car"), kbaByID("999999", "x"), kbaByText("What is your favourite colour?", "y"),
		})

		obj := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(obj, "svc", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonQuestionNotFound)
		msg := obj.Status.GetCondition(mfav1.TypeSynced).Message
		Expect(msg).To(ContainSubstring(`"999999"`))
		Expect(msg).To(ContainSubstring("What is your favourite colour?"))
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(0))
		Expect(obj.Finalizers).To(BeEmpty())
	})

	It("refuses an answer shorter than 4 characters before any call to SailPoint", func() {
		f.adminTenant()
		short := "ŋø!"
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car"), "pet": short})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car"), kbaByID(qPet, "pet")})

		obj := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(obj, "svc", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonInvalidAnswer)
		msg := obj.Status.GetCondition(mfav1.TypeSynced).Message
		Expect(msg).To(ContainSubstring(qPet))
		Expect(msg).NotTo(ContainSubstring(qCar))
		Expect(kbaStalledReason(obj)).To(Equal(mfav1.ReasonInvalidAnswer))
		Expect(mfaCallCount(f.emu)).To(Equal(0))
		Eventually(func() []string { return f.eventReasons("svc") }, kbaTimeout, kbaPoll).Should(ContainElement(mfav1.ReasonInvalidAnswer))
	})

	It("verifies the answers after applying them and reports SUCCESS on Verified", func() {
		f.adminTenant()
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car"), "pet": kbaAnswerValue("pet")})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car"), kbaByID(qPet, "pet")},
			func(k *mfav1.MfaKbaAnswers) { k.Spec.Verify = true; k.Spec.AnswerFormat = mfav1.AnswerFormatSHA256 })

		obj := f.kbaReady("svc")
		Expect(obj.Status.GetCondition(mfav1.TypeVerified).Reason).To(Equal(mfav1.ReasonVerificationSucceeded))
		Expect(obj.Status.LastVerification).NotTo(BeNil())
		Expect(obj.Status.LastVerification.Status).To(Equal(mfav1.VerificationStatusSuccess))
		Expect(f.emu.CountRequests(http.MethodPost, kbaAuthPath)).To(Equal(1))

		f.reconcileNow("svc")
		Expect(f.emu.CountRequests(http.MethodPost, kbaAuthPath)).To(Equal(1), "verified once per apply")
		Eventually(func() []string { return f.eventReasons("svc") }, kbaTimeout, kbaPoll).
			Should(ContainElements(mfav1.EventReasonApplied, mfav1.ReasonVerificationSucceeded))
	})

	It("reports VerificationFailed when SailPoint refuses the answers just applied, and does not retry", func() {
		server := httptest.NewServer(changeAnswerBeforeFirstAuthenticate(f.emu.Handler()))
		DeferCleanup(server.Close)
		f.tenantAt(server.URL, emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car"), "pet": kbaAnswerValue("pet")})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car"), kbaByID(qPet, "pet")},
			func(k *mfav1.MfaKbaAnswers) { k.Spec.Verify = true })

		obj := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(obj, "svc", mfav1.TypeVerified, metav1.ConditionFalse, mfav1.ReasonVerificationFailed)
		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Status).To(Equal(metav1.ConditionTrue))
		Expect(obj.Status.GetCondition(mfav1.TypeReady).Reason).To(Equal(mfav1.ReasonVerificationFailed))
		Expect(kbaStalledReason(obj)).To(Equal(mfav1.ReasonVerificationFailed))
		Expect(obj.Status.LastVerification.Status).To(Equal(mfav1.VerificationStatusFailed))
		Expect(obj.Status.LastVerification.Message).To(Equal("Not verified: questions " + qCar))

		f.reconcileNow("svc")
		Expect(f.emu.CountRequests(http.MethodPost, kbaAuthPath)).To(Equal(1))
		// One apply by the operator, one change by the identity itself.
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(2))
	})

	It("does not authenticate again after LOCKOUT until a Secret changes", func() {
		f.adminTenant()
		// The identity locked itself out with wrong answers before the operator came along.
		admin := newIdentityClient(f.server.URL, emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)
		admin.post(kbaAnswersPath, []sailpoint.KbaAnswerRequestItem{{ID: qCar, Answer: "an older answer"}}, nil)
		var res sailpoint.KbaAuthResponse
		for range 3 {
			admin.post(kbaAuthPath, []sailpoint.KbaAnswerRequestItem{{ID: qCar, Answer: "a wrong answer"}}, &res)
		}
		Expect(res.Status).To(Equal(sailpoint.VerificationLockout))

		pet := kbaAnswerValue("pet")
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car"), "pet": pet})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car"), kbaByID(qPet, "pet")},
			func(k *mfav1.MfaKbaAnswers) { k.Spec.Verify = true })
		obj := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(obj, "svc", mfav1.TypeVerified, metav1.ConditionFalse, mfav1.ReasonLockout)
		Expect(kbaStalledReason(obj)).To(Equal(mfav1.ReasonLockout))
		Expect(obj.Status.LastVerification.Status).To(Equal(mfav1.VerificationStatusLockout))
		afterLockout := f.emu.CountRequests(http.MethodPost, kbaAuthPath)
		Expect(afterLockout).To(Equal(4))

		for range 2 {
			f.reconcileNow("svc")
		}
		Expect(f.emu.CountRequests(http.MethodPost, kbaAuthPath)).To(Equal(afterLockout))

		f.answerSecret(map[string]string{"car": kbaAnswerValue("car2"), "pet": pet})
		Eventually(func() int { return f.emu.CountRequests(http.MethodPost, kbaAuthPath) }, kbaTimeout, kbaPoll).
			Should(Equal(afterLockout + 1))
	})

	It("makes the younger of two MfaKbaAnswers on one tenant a Conflict that posts nothing, until the older one goes", func() {
		f.adminTenant()
		car, pet := kbaAnswerValue("car"), kbaAnswerValue("pet")
		f.answerSecret(map[string]string{"car": car, "pet": pet})
		first := f.kbaAnswers("first", []mfav1.KbaAnswer{kbaByID(qCar, "car")})
		f.kbaReady("first")
		f.kbaAnswers("second", []mfav1.KbaAnswer{kbaByID(qPet, "pet")})

		obj := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(obj, "second", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonConflict)
		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring(f.ns + "/first"))
		Expect(kbaStalledReason(obj)).To(Equal(mfav1.ReasonConflict))
		Expect(obj.Finalizers).To(BeEmpty())
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(1))
		Expect(f.emu.Answers(emulator.DefaultAdminIdentityID)).To(Equal(map[string]string{qCar: car}))
		f.eventuallyCondition(&mfav1.MfaKbaAnswers{}, "first", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable)

		Expect(k8s.Delete(context.Background(), first)).To(Succeed())
		f.kbaReady("second")
		Expect(f.emu.Answers(emulator.DefaultAdminIdentityID)).To(Equal(map[string]string{qPet: pet}))
	})

	It("removes the identity's answers on deletion with deletionPolicy Delete", func() {
		f.adminTenant()
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car")})
		obj := f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car")})
		f.kbaReady("svc")

		Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(context.Background(), f.key("svc"), &mfav1.MfaKbaAnswers{}))
		}, kbaTimeout, kbaPoll).Should(BeTrue())
		Expect(f.emu.Answers(emulator.DefaultAdminIdentityID)).To(BeEmpty())
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(2))
		reqs := f.emu.Requests()
		Expect(reqs[len(reqs)-1].Path).To(Equal(kbaAnswersPath))
		Expect(reqs[len(reqs)-1].Body).To(Equal("[]"))
		Eventually(func() []string { return f.eventReasons("svc") }, kbaTimeout, kbaPoll).Should(ContainElement(mfav1.EventReasonDeleted))
	})

	It("leaves the answers on deletion with deletionPolicy Orphan", func() {
		f.adminTenant()
		car := kbaAnswerValue("car")
		f.answerSecret(map[string]string{"car": car})
		obj := f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car")},
			func(k *mfav1.MfaKbaAnswers) { k.Spec.DeletionPolicy = mfav1.DeletionPolicyOrphan })
		f.kbaReady("svc")

		Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(context.Background(), f.key("svc"), &mfav1.MfaKbaAnswers{}))
		}, kbaTimeout, kbaPoll).Should(BeTrue())
		Expect(f.emu.Answers(emulator.DefaultAdminIdentityID)).To(Equal(map[string]string{qCar: car}))
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(1))
		Eventually(func() []string { return f.eventReasons("svc") }, kbaTimeout, kbaPoll).Should(ContainElement(mfav1.EventReasonOrphaned))
	})

	It("blocks deletion with a Warning when the tenant is gone, until deletionPolicy is Orphan", func() {
		tenant := f.adminTenant()
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car")})
		obj := f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car")})
		f.kbaReady("svc")

		Expect(k8s.Delete(context.Background(), tenant)).To(Succeed())
		Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
		blocked := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(blocked, "svc", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonDeletionBlocked)
		Expect(blocked.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring("deletionPolicy: Orphan"))
		Eventually(func(g Gomega) {
			list := &eventsv1.EventList{}
			g.Expect(k8s.List(context.Background(), list, client.InNamespace(f.ns))).To(Succeed())
			var warnings []string
			for _, e := range list.Items {
				if e.Regarding.Name == "svc" && e.Type == "Warning" {
					warnings = append(warnings, e.Reason+": "+e.Note)
				}
			}
			g.Expect(warnings).To(ContainElement(And(HavePrefix(mfav1.ReasonDeletionBlocked), ContainSubstring("deletionPolicy: Orphan"))))
		}, kbaTimeout, kbaPoll).Should(Succeed())

		patch := []byte(`{"spec":{"deletionPolicy":"Orphan"}}`)
		Expect(k8s.Patch(context.Background(), blocked, client.RawPatch(types.MergePatchType, patch))).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(context.Background(), f.key("svc"), &mfav1.MfaKbaAnswers{}))
		}, kbaTimeout, kbaPoll).Should(BeTrue())
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(1))
	})

	It("says which scope is missing when SailPoint answers 403", func() {
		restricted := emulator.Identity{
			ClientID: "kba-reader", ClientSecret: "kba-reader-secret", IdentityID: "2c9180857a1b2c3d4e5f60718293a4b5",
			Name: "kba.reader", Level: emulator.LevelUser, Scopes: []string{scopeKbaRead},
		}
		emu := emulator.New(emulator.Config{Identities: append(emulator.DefaultIdentities(), restricted)})
		server := httptest.NewServer(emu.Handler())
		DeferCleanup(server.Close)
		f.tenantAt(server.URL, restricted.ClientID, restricted.ClientSecret)
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car")})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car")})

		obj := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(obj, "svc", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonForbidden)
		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring("idn:mfa-kba:authenticate"))
		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).NotTo(ContainSubstring("ORG_ADMIN"))
		Expect(kbaStalledReason(obj)).To(Equal(mfav1.ReasonForbidden))
		Expect(emu.Answers(restricted.IdentityID)).To(BeEmpty())

		// Deletion cannot remove the answers either, and says how to let the object go.
		Expect(k8s.Delete(context.Background(), obj)).To(Succeed())
		f.eventuallyCondition(obj, "svc", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonDeletionBlocked)
		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(And(
			ContainSubstring("idn:mfa-kba:authenticate"), ContainSubstring("deletionPolicy: Orphan")))
		patch := []byte(`{"spec":{"deletionPolicy":"Orphan"}}`)
		Expect(k8s.Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, patch))).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(context.Background(), f.key("svc"), &mfav1.MfaKbaAnswers{}))
		}, kbaTimeout, kbaPoll).Should(BeTrue())
	})

	It("never posts in Observe mode, and reports DriftDetected for a question nobody answered", func() {
		f.adminTenant()
		car := kbaAnswerValue("car")
		f.answerSecret(map[string]string{"car": car})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car")}, func(k *mfav1.MfaKbaAnswers) {
			k.Spec.ManagementPolicy = mfav1.ManagementPolicyObserve
			k.Spec.Verify = true
		})

		obj := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(obj, "svc", mfav1.TypeSynced, metav1.ConditionFalse, mfav1.ReasonDriftDetected)
		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Message).To(ContainSubstring(qCar))
		Expect(obj.Status.GetCondition(mfav1.TypeVerified)).To(BeNil(), "Observe mode does not authenticate")
		Expect(obj.Finalizers).To(BeEmpty())

		// The identity answers the question itself.
		admin := newIdentityClient(f.server.URL, emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret)
		admin.post(kbaAnswersPath, []sailpoint.KbaAnswerRequestItem{{ID: qCar, Answer: car}}, nil)
		f.reconcileNow("svc")
		f.eventuallyCondition(obj, "svc", mfav1.TypeReady, metav1.ConditionTrue, mfav1.ReasonAvailable)
		Expect(obj.Status.GetCondition(mfav1.TypeSynced).Reason).To(Equal(mfav1.ReasonObserved))
		Expect(obj.Status.Questions).To(ContainElement(mfav1.KbaQuestionStatus{
			ID: qCar, Text: "What was the make and model of your first car?", HasAnswer: true,
		}))
		// Only the identity's own POST; none by the operator, and no authenticate.
		Expect(f.emu.CountRequests(http.MethodPost, kbaAnswersPath)).To(Equal(1))
		Expect(f.emu.CountRequests(http.MethodPost, kbaAuthPath)).To(Equal(0))
	})

	It("makes no remote call while suspended", func() {
		f.adminTenant()
		f.answerSecret(map[string]string{"car": kbaAnswerValue("car")})
		f.kbaAnswers("svc", []mfav1.KbaAnswer{kbaByID(qCar, "car")}, func(k *mfav1.MfaKbaAnswers) { k.Spec.Suspend = true })

		obj := &mfav1.MfaKbaAnswers{}
		f.eventuallyCondition(obj, "svc", mfav1.TypeSynced, metav1.ConditionUnknown, mfav1.ReasonSuspended)
		Expect(obj.Status.AnswerCount).To(Equal(int32(1)))
		f.reconcileNow("svc")
		Expect(mfaCallCount(f.emu)).To(Equal(0))
	})
})
