package fault_test

import (
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

func TestAfterEvery429TheClientWaitsRetryAfterBeforeItsNextRequest(t *testing.T) {
	f := newFixture(t)
	f.startManager("manager")
	f.create(tenant("acme", f.emu.URL)...)
	okta, oktaKey := oktaConfig("okta", "acme")
	kba, answers := kbaAnswers("kba", "acme")
	f.create(oktaKey, okta, answers, kba)
	f.waitReady(okta, 30*time.Second)
	f.waitReady(kba, 30*time.Second)

	// Every request (token requests included) gets 429 until four have been answered.
	const retryAfter = 2 * time.Second
	const limited = 4
	f.clearRequests()
	f.setFaults(map[string]any{"rateLimit": limited, "retryAfter": retryAfter.String(), "pathPrefix": "/"})
	tokens := map[mfav1.Object]string{okta: f.requestReconcile(okta), kba: f.requestReconcile(kba)}
	for obj, token := range tokens {
		f.waitHandled(obj, token, time.Minute)
	}

	reqs := f.requests()
	gaps := gapsAfter429(reqs)
	if len(gaps) < limited {
		t.Fatalf("%d 429s were followed by a request, want %d (requests: %d)", len(gaps), limited, len(reqs))
	}
	// The emulator logs a request when it has written the answer, and the client may count
	// the Retry-After from when it sent the request: a gap measured here may be some
	// milliseconds short. A caller that ignores the 429 comes back within milliseconds.
	const clockSlack = 100 * time.Millisecond
	for _, g := range gaps {
		if g < retryAfter-clockSlack {
			t.Errorf("a request followed a 429 (Retry-After %s) after %s", retryAfter, g)
		}
	}
	record(t, fmt.Sprintf("shortest gap after a 429 / Retry-After (%d 429s)", len(gaps)),
		fmt.Sprintf("%.2f", gaps[0].Seconds()/retryAfter.Seconds()), "≥ 0.95")
}

// gapsAfter429 returns, sorted, for every 429 the time until the next request of the same
// identity (the client the limit applies to).
func gapsAfter429(reqs []emulator.Request) []time.Duration {
	var gaps []time.Duration
	for i, r := range reqs {
		if r.Status != http.StatusTooManyRequests {
			continue
		}
		for _, next := range reqs[i+1:] {
			if next.ClientID == r.ClientID {
				gaps = append(gaps, next.Time.Sub(r.Time))
				break
			}
		}
	}
	sort.Slice(gaps, func(i, j int) bool { return gaps[i] < gaps[j] })
	return gaps
}

func TestABurstOf5xxOnAPUTConvergesWithOneSuccessfulPUTAndBoundedAttempts(t *testing.T) {
	f := newFixture(t)
	f.startManager("manager")
	cfg := f.readyOkta()

	// Slow calls open a window: once the GET after the change is answered, the PUT is in
	// the emulator's latency, and the burst set now is what it meets.
	const burst = 3
	f.setFaults(map[string]any{"latency": "1s"})
	f.clearRequests()
	f.patch(cfg, `{"spec":{"host":"burst.okta.com"}}`)
	var get []emulator.Request
	f.eventually(time.Minute, func() bool {
		get = matching(f.requests(), http.MethodGet, pathOktaConfig, http.StatusOK)
		return len(get) > 0
	}, "the GET after the change")
	// The PUT goes to the path the GET used, whichever API version the client chose.
	f.setFaults(map[string]any{"serverErrors": burst, "pathPrefix": get[0].Path})
	took := f.waitReady(cfg, time.Minute)

	reqs := f.requests()
	puts := matching(reqs, http.MethodPut, pathOktaConfig, 0)
	ok := matching(reqs, http.MethodPut, pathOktaConfig, http.StatusOK)
	failed := matching(reqs, "", pathOktaConfig, http.StatusInternalServerError)
	if len(failed) != burst {
		t.Fatalf("%d config calls got a 500, want the whole burst of %d", len(failed), burst)
	}
	if len(matching(failed, http.MethodPut, pathOktaConfig, 0)) == 0 {
		t.Fatal("the burst did not hit the PUT")
	}
	if len(ok) != 1 {
		t.Fatalf("%d successful PUTs, want 1", len(ok))
	}
	// Every 500 may cost one attempt, plus the one that succeeds, plus one spare.
	if bound := burst + 2; len(puts) > bound {
		t.Fatalf("%d PUT attempts for a burst of %d, want ≤ %d", len(puts), burst, bound)
	}
	record(t, fmt.Sprintf("PUT attempts for a burst of %d×500", burst), fmt.Sprint(len(puts)), fmt.Sprintf("≤ %d, 1 successful", burst+2))
	record(t, "change → Ready through the burst", seconds(took), "≤ 60s")
}

func TestAHealthyTenantIsReadyInSecondsBesideSixTenantsThatNeverAnswer(t *testing.T) {
	f := newFixture(t)
	f.startManager("manager")
	var silent []*silentServer
	for i := range 6 {
		s := newSilentServer(t)
		silent = append(silent, s)
		name := fmt.Sprintf("hanging-%d", i)
		f.create(tenant(name, s.URL())...)
		cfg, key := oktaConfig(name+"-okta", name)
		f.create(key, cfg)
	}
	// Every hanging tenant holds a connection, so the manager's workers are busy with them.
	f.eventually(time.Minute, func() bool {
		for _, s := range silent {
			if s.acceptedCount() == 0 {
				return false
			}
		}
		return true
	}, "each hanging tenant to be called")

	begin := time.Now()
	f.create(tenant("healthy", f.emu.URL)...)
	cfg, key := oktaConfig("healthy-okta", "healthy")
	f.create(key, cfg)
	f.waitReady(cfg, 2*time.Minute)
	took := time.Since(begin)
	// Ready takes a token, a GET, a PUT and a test against the emulator: well under a
	// second on an idle machine. 10 s leaves a wide margin and is a third of one hanging
	// reconcile's bound (30 s).
	const bound = 10 * time.Second
	record(t, "healthy config Ready beside 6 hanging tenants", seconds(took), "≤ "+seconds(bound))
	if took > bound {
		t.Fatalf("the healthy tenant's config was Ready after %s beside 6 hanging tenants, want ≤ %s", took, bound)
	}
}
