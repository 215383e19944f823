package controller

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

func TestOwnWritesHoldAPassOnAViewOlderThanTheReconcilersOwnWrites(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "okta"}
	update := func(oldRV string) event.UpdateEvent {
		old := &mfav1.MfaProviderConfig{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "okta", ResourceVersion: oldRV}}
		return event.UpdateEvent{ObjectOld: old, ObjectNew: old.DeepCopy()}
	}
	w := newOwnWrites()
	caughtUp := w.caughtUp()

	// A pass started from 10, patched the finalizer (11) and the status (12).
	w.wrote(key, "12", "10", "11")
	if caughtUp.Update(update("11")) {
		t.Error("the watch event of an own write woke the object although no pass waits for it")
	}
	for _, rv := range []string{"10", "11"} {
		if !w.behind(key, rv) {
			t.Errorf("a pass on version %s (replaced by the reconciler's own write) was not held", rv)
		}
	}
	if !caughtUp.Update(update("11")) {
		t.Error("the event that moves the cache off a replaced version did not wake the waiting pass")
	}
	if caughtUp.Update(update("12")) {
		t.Error("an update from the current version woke the object")
	}
	if w.behind(key, "12") {
		t.Error("a pass on the version the reconciler wrote was held")
	}
	if w.behind(key, "11") {
		t.Error("the object was not forgotten once the cache had caught up")
	}

	// A pass that wrote nothing keeps nothing; nor does an object that is gone.
	w.wrote(key, "12", "12", "12")
	if w.behind(key, "12") || len(w.stale) != 0 {
		t.Errorf("a pass that wrote nothing left %v", w.stale)
	}
	w.wrote(key, "13", "12")
	w.forget(key)
	if w.behind(key, "12") {
		t.Error("a forgotten object was still held")
	}

	// A nil tracker holds nothing and wakes nothing.
	var none *ownWrites
	none.wrote(key, "2", "1")
	if none.behind(key, "1") || none.caughtUp().Update(update("1")) {
		t.Error("a nil ownWrites held or woke an object")
	}
}
