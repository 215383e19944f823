package fault_test

import (
	"io"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/harness"
)

const shardLabel = "sharding.fluxcd.io/key"

// labelled sets the shard label on objs and returns them.
func labelled(shard string, objs ...client.Object) []client.Object {
	for _, o := range objs {
		o.SetLabels(map[string]string{shardLabel: shard})
	}
	return objs
}

func TestEachShardReconcilesAndCallsOnlyItsOwnTenants(t *testing.T) {
	f := newFixture(t)
	// A second SailPoint for the default shard's tenant, so each emulator's log shows who
	// was called.
	addr, err := harness.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	other, err := harness.StartEmulator(f.ctx, io.Discard, emulatorBin, addr, "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Stop() })

	f.create(labelled("shard1", tenant("one", f.emu.URL)...)...)
	one, oneKey := oktaConfig("one-okta", "one")
	f.create(labelled("shard1", oneKey, one)...)
	f.create(tenant("two", other.URL)...)
	two, twoKey := oktaConfig("two-okta", "two")
	f.create(twoKey, two)
	// In shard1, but its tenant is in the default shard.
	stray, strayKey := oktaConfig("stray-okta", "two")
	f.create(labelled("shard1", strayKey, stray)...)

	flags := f.leaderFlags(4*time.Second, 3*time.Second, 500*time.Millisecond)
	shard1 := f.startManager("shard1", append(flags, "--watch-label-selector="+shardLabel+"=shard1")...)
	f.waitLog(shard1, logAcquiredLease, 30*time.Second)
	f.waitReady(one, 30*time.Second)
	f.eventually(30*time.Second, func() bool {
		if err := k8s.Get(f.ctx, client.ObjectKeyFromObject(stray), stray); err != nil {
			return false
		}
		c := meta.FindStatusCondition(stray.Status.Conditions, mfav1.TypeReady)
		return c != nil && c.Reason == mfav1.ReasonTenantNotReady
	}, "the config whose tenant is in another shard to report TenantNotReady")
	if err := k8s.Get(f.ctx, client.ObjectKeyFromObject(two), two); err != nil {
		t.Fatal(err)
	}
	if len(two.Status.Conditions) != 0 {
		t.Fatalf("the shard1 manager reconciled an object of the default shard: %v", two.Status.Conditions)
	}
	if reqs, err := other.Requests(f.ctx); err != nil || len(reqs) != 0 {
		t.Fatalf("the shard1 manager called the default shard's SailPoint (%d requests, %v)", len(reqs), err)
	}

	f.clearRequests()
	def := f.startManager("default-shard", append(flags, "--watch-label-selector=!"+shardLabel)...)
	f.waitLog(def, logAcquiredLease, 30*time.Second)
	f.waitReady(two, 30*time.Second)
	if calls := len(f.requests()); calls != 0 {
		t.Fatalf("shard1's SailPoint got %d calls after the default shard's manager started", calls)
	}

	var leases coordinationv1.LeaseList
	if err := k8s.List(f.ctx, &leases, client.InNamespace(f.ns)); err != nil {
		t.Fatal(err)
	}
	if len(leases.Items) != 2 {
		t.Fatalf("%d leases for two shards, want one per shard", len(leases.Items))
	}
	record(t, "leases for 2 shards; calls to the other shard's SailPoint", "2; 0", "2; 0")
}
