package controller

import (
	"context"
	"fmt"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
)

func secretMeta(ns, name, rv string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: rv}}
}

func TestSecretVersionsKeepOnlyTheSecretsInUseAndWakeTheirObjects(t *testing.T) {
	inUse := map[types.NamespacedName]bool{{Namespace: "iam", Name: "okta"}: true}
	s := newSecretVersions(func(_ context.Context, key types.NamespacedName) bool { return inUse[key] })
	var woken []string
	s.subscribe(func(key types.NamespacedName) { woken = append(woken, key.String()) })
	store := reflectorStore{s: s, namespace: "iam"}

	// The first list: 1,000 unrelated Secrets and one in use.
	list := []any{secretMeta("iam", "okta", "1")}
	for i := range 1000 {
		list = append(list, secretMeta("iam", fmt.Sprintf("helm-release-%d", i), "1"))
	}
	if err := store.Replace(list, "1"); err != nil {
		t.Fatal(err)
	}
	if len(s.versions) != 1 {
		t.Fatalf("kept %d Secrets, want only the one in use", len(s.versions))
	}
	if rv, ok := s.version(types.NamespacedName{Namespace: "iam", Name: "okta"}); !ok || rv != "1" {
		t.Errorf("version of the Secret in use = %q, %v", rv, ok)
	}
	if !slices.Equal(woken, []string{"iam/okta"}) {
		t.Errorf("woken by the first list: %v", woken)
	}

	// Changes of unrelated Secrets are dropped; those of Secrets in use wake their objects.
	woken = nil
	_ = store.Update(secretMeta("iam", "helm-release-3", "2"))
	_ = store.Update(secretMeta("iam", "okta", "2"))
	_ = store.Add(secretMeta("iam", "duo", "3")) // created before anything references it
	if rv, _ := s.version(types.NamespacedName{Namespace: "iam", Name: "okta"}); rv != "2" || len(s.versions) != 1 ||
		!slices.Equal(woken, []string{"iam/okta"}) {
		t.Errorf("after updates: versions %v, woken %v", s.versions, woken)
	}

	// A Secret read from the API server is followed from then on; a version the watch
	// already told is not replaced by an older read.
	duo := types.NamespacedName{Namespace: "iam", Name: "duo"}
	s.observe(duo, "3")
	s.observe(types.NamespacedName{Namespace: "iam", Name: "okta"}, "1")
	if rv, _ := s.version(types.NamespacedName{Namespace: "iam", Name: "okta"}); rv != "2" {
		t.Errorf("a read replaced the watch's newer version: %q", rv)
	}
	woken = nil
	_ = store.Update(secretMeta("iam", "duo", "4"))
	_ = store.Delete(toolscache.DeletedFinalStateUnknown{Key: "iam/okta", Obj: secretMeta("iam", "okta", "2")})
	if _, ok := s.version(types.NamespacedName{Namespace: "iam", Name: "okta"}); ok || !slices.Equal(woken, []string{"iam/duo", "iam/okta"}) {
		t.Errorf("after a change of a read Secret and a deletion: versions %v, woken %v", s.versions, woken)
	}

	// A relist forgets what is gone in its namespace only, and wakes for it.
	other := types.NamespacedName{Namespace: "other", Name: "x"}
	s.observe(other, "9")
	woken = nil
	if err := store.Replace([]any{secretMeta("iam", "helm-release-1", "1")}, "5"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.version(duo); ok {
		t.Error("a Secret missing from the relist is still followed")
	}
	if _, ok := s.version(other); !ok {
		t.Error("a relist of one namespace forgot a Secret of another")
	}
	if !slices.Equal(woken, []string{"iam/duo"}) {
		t.Errorf("woken by the relist: %v", woken)
	}
}
