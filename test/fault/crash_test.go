package fault_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// slowCalls is the emulator's latency while a manager is killed: the window in which a
// call is in flight.
const slowCalls = 1500 * time.Millisecond

// killDuring waits until the emulator has answered the call that precedes the one to
// interrupt (method and path suffix), lets the next call leave, and SIGKILLs m. It returns
// the time of the kill.
func (f *fixture) killDuring(m *manager, precedingMethod, precedingPath string) time.Time {
	f.t.Helper()
	f.eventually(time.Minute, func() bool {
		return len(matching(f.requests(), precedingMethod, precedingPath, http.StatusOK)) > 0
	}, "the emulator to answer %s %s", precedingMethod, precedingPath)
	// The next call leaves within milliseconds of that answer (a status patch at most) and
	// then waits slowCalls in the emulator: kill in the middle of that window. Whether the
	// call was indeed in flight is asserted afterwards from the request log.
	time.Sleep(slowCalls / 4)
	killed := time.Now()
	m.Kill()
	return killed
}

// interrupted fails the test unless the call (method, suffix) that was in flight at the
// kill was logged (the emulator completes it after its client is gone), and returns how
// many such calls the emulator served in all.
func (f *fixture) interrupted(killed time.Time, method, suffix string) int {
	f.t.Helper()
	calls := matching(f.requests(), method, suffix, 0)
	if len(calls) == 0 || !calls[0].Time.After(killed) {
		f.t.Fatalf("no %s %s was in flight when the manager was killed (calls: %d); the kill missed its window", method, suffix, len(calls))
	}
	return len(calls)
}

func TestAManagerKilledDuringAPUTConvergesWithAtMostOneRepeatedPUT(t *testing.T) {
	f := newFixture(t)
	first := f.startManager("manager-1")
	cfg := f.readyOkta()

	f.setFaults(map[string]any{"latency": slowCalls.String()})
	f.clearRequests()
	f.patch(cfg, `{"spec":{"host":"changed.okta.com"}}`)
	killed := f.killDuring(first, http.MethodGet, pathOktaConfig)
	f.setFaults(map[string]any{})

	f.startManager("manager-2")
	took := f.waitReady(cfg, time.Minute)
	puts := f.interrupted(killed, http.MethodPut, pathOktaConfig)
	if repeated := puts - 1; repeated > 1 {
		t.Fatalf("after a kill during a PUT, %d PUTs were repeated, want at most 1", repeated)
	}
	record(t, "PUTs repeated after SIGKILL mid-PUT", fmt.Sprint(puts-1), "≤ 1")
	record(t, "new manager → converged", seconds(took), "≤ 60s")
}

func TestAManagerKilledDuringAKBAAuthenticateConvergesWithAtMostOneRepeatedCall(t *testing.T) {
	f := newFixture(t)
	first := f.startManager("manager-1")
	f.create(tenant("acme", f.emu.URL)...)
	kba, answers := kbaAnswers("kba", "acme")
	f.create(answers, kba)
	f.waitReady(kba, 30*time.Second)

	f.setFaults(map[string]any{"latency": slowCalls.String()})
	f.clearRequests()
	// A new answer set: the first question changes, so the answers are POSTed and verified.
	f.patch(kba, `{"spec":{"answers":[`+
		`{"questionId":"173423","answerSecretRef":{"name":"kba-answers","key":"q1"}},`+
		`{"questionId":"173422","answerSecretRef":{"name":"kba-answers","key":"q2"}}]}}`)
	killed := f.killDuring(first, http.MethodPost, pathKBAAnswers)
	f.setFaults(map[string]any{})

	f.startManager("manager-2")
	took := f.waitReady(kba, time.Minute)
	auths := f.interrupted(killed, http.MethodPost, pathAuthenticate)
	posts := len(matching(f.requests(), http.MethodPost, pathKBAAnswers, 0))
	if auths-1 > 1 || posts-1 > 1 {
		t.Fatalf("after a kill during an authenticate, %d authenticates and %d answer POSTs were repeated, want at most 1 each",
			auths-1, posts-1)
	}
	record(t, "authenticates repeated after SIGKILL mid-authenticate", fmt.Sprint(auths-1), "≤ 1")
	record(t, "answer POSTs repeated after SIGKILL mid-authenticate", fmt.Sprint(posts-1), "≤ 1")
	record(t, "new manager → converged", seconds(took), "≤ 60s")
}

func TestTheManagerRecoversFromAnAPIServerRestartWithoutARestart(t *testing.T) {
	f := newFixture(t)
	m := f.startManager("manager")
	cfg := f.readyOkta()

	if err := controlPlane.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	// The outage: long enough for every watch and the manager's requests to fail.
	const outage = 5 * time.Second
	time.Sleep(outage)
	if err := controlPlane.StartAPIServer(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	f.clearRequests()
	f.patch(cfg, `{"spec":{"host":"after-restart.okta.com"}}`)
	f.waitReady(cfg, time.Minute)
	took := time.Since(back)
	select {
	case <-m.Done():
		t.Fatal("the manager exited during the API-server outage")
	default:
	}
	puts := len(matching(f.requests(), http.MethodPut, pathOktaConfig, http.StatusOK))
	if puts != 1 {
		t.Fatalf("the change after the restart made %d PUTs, want 1", puts)
	}
	const bound = 45 * time.Second
	if took > bound {
		t.Fatalf("the change after the restart was reconciled after %s, want ≤ %s", took, bound)
	}
	record(t, "API server back → new change Ready (outage "+seconds(outage)+")", seconds(took), "≤ "+seconds(bound))
	record(t, "manager restarts during the outage", "0", "0")
}
