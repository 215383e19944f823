package fault_test

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The lease name of a manager without --watch-label-selector.
const leaseName = "sailpoint-mfa-operator.identityops.dev"

func TestAStandbyMakesNoSailPointCallUntilItHoldsTheLease(t *testing.T) {
	f := newFixture(t)
	// A lease held by a replica that is elsewhere, for an hour: the manager stays standby.
	now := metav1.NewMicroTime(time.Now())
	holder, hour := "a-replica-elsewhere", int32(3600)
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: leaseName},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity: &holder, LeaseDurationSeconds: &hour, AcquireTime: &now, RenewTime: &now,
		},
	}
	f.create(lease)
	f.create(tenant("acme", f.emu.URL)...)
	cfg, key := oktaConfig("okta", "acme")
	f.create(key, cfg)

	standby := f.startManager("standby", f.leaderFlags(4*time.Second, 3*time.Second, 500*time.Millisecond)...)
	f.waitLog(standby, logAttemptingLease, 30*time.Second)
	// Absence can only be shown over a window: several retry periods, with the cache synced
	// and the objects there.
	const window = 3 * time.Second
	time.Sleep(window)
	calls := len(f.requests())
	if calls != 0 {
		t.Fatalf("the standby made %d SailPoint calls while another replica held the lease", calls)
	}
	if standby.Out.Contains(logStartingWorkers) {
		t.Fatal("the standby started its workers without holding the lease")
	}
	record(t, "SailPoint calls by a standby over "+seconds(window), "0", "0")

	// The holder goes away (its lease is deleted): the standby takes over and reconciles.
	if err := k8s.Delete(f.ctx, lease); err != nil {
		t.Fatal(err)
	}
	took := f.waitReady(cfg, 30*time.Second)
	if got := len(f.requests()); got == 0 {
		t.Fatal("the new leader made no SailPoint call")
	}
	record(t, "lease free → config Ready", seconds(took), "≤ 30s")
}

func TestAStandbyTakesOverWithinTheLeaseDurationWhenTheLeaderIsKilled(t *testing.T) {
	f := newFixture(t)
	const lease, renew, retry = 4 * time.Second, 3 * time.Second, 500 * time.Millisecond
	flags := f.leaderFlags(lease, renew, retry)

	leader, standby := f.leaderAndStandby(flags)
	cfg := f.readyOkta()
	if standby.Out.Contains(logStartingWorkers) {
		t.Fatal("the standby started its workers while the leader held the lease")
	}

	killed := time.Now()
	leader.Kill()
	token := f.requestReconcile(cfg)
	f.waitHandled(cfg, token, 3*lease)
	took := time.Since(killed)
	if !standby.Out.Contains(logAcquiredLease) {
		t.Fatal("the config was reconciled but the standby never acquired the lease")
	}
	// The lease was renewed at most one retry period before the kill; the standby sees it
	// expire lease duration after it last saw it change, and retries every retry period.
	bound := lease + 2*retry + 4*time.Second
	if took > bound {
		t.Fatalf("after SIGKILL of the leader the standby reconciled after %s, want ≤ %s (lease %s)", took, bound, lease)
	}
	record(t, "SIGKILL leader → standby reconciles", seconds(took), "≤ "+seconds(bound)+" (lease "+seconds(lease)+")")
}

func TestTheLeaderHandsOverInSecondsOnSIGTERM(t *testing.T) {
	f := newFixture(t)
	// controller-runtime's default timings: without a released lease the standby would wait
	// the whole 15 s lease duration.
	const lease, renew, retry = 15 * time.Second, 10 * time.Second, 2 * time.Second
	flags := f.leaderFlags(lease, renew, retry)

	leader, standby := f.leaderAndStandby(flags)
	cfg := f.readyOkta()

	begin := time.Now()
	exit := leader.Stop()
	token := f.requestReconcile(cfg)
	f.waitHandled(cfg, token, 2*lease)
	took := time.Since(begin)
	if !standby.Out.Contains(logAcquiredLease) {
		t.Fatal("the config was reconciled but the standby never acquired the lease")
	}
	// Handover costs about one retry period of the standby (with jitter) plus a reconcile;
	// half the lease duration leaves a wide margin and still fails if the lease is not
	// released (the standby would then wait at least lease − retry = 13 s).
	bound := lease / 2
	if took > bound {
		t.Fatalf("after SIGTERM the standby reconciled after %s, want ≤ %s (lease %s: was the lease released?)", took, bound, lease)
	}
	if exit > 5*time.Second {
		t.Fatalf("the leader took %s to exit on SIGTERM", exit)
	}
	record(t, "SIGTERM leader → exits", seconds(exit), "≤ 5.00s")
	record(t, "SIGTERM leader → standby reconciles", seconds(took), "≤ "+seconds(bound)+" (lease "+seconds(lease)+")")
}
