/*
Copyright 2026 The sailpoint-mfa-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package main

import (
	"flag"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	mfav1alpha1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

func parse(t *testing.T, args ...string) (*options, error) {
	t.Helper()
	o := &options{}
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	o.bindFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return o, o.validate()
}

func TestTheUnshardedManagerKeepsItsLeaseName(t *testing.T) {
	if got := shardLeaderElectionID(""); got != leaderElectionID {
		t.Errorf("lease name without a selector = %q, want %q", got, leaderElectionID)
	}
}

func TestEveryShardGetsItsOwnValidStableLeaseName(t *testing.T) {
	selectors := []string{
		"sharding.fluxcd.io/key=shard1",
		"sharding.fluxcd.io/key=shard2",
		"!sharding.fluxcd.io/key",
		"sharding.fluxcd.io/key",
		"sharding.fluxcd.io/key in (a,b)",
		"sharding.fluxcd.io/key in (a, b)",
		"team=" + strings.Repeat("x", 63) + ",env=prod",
	}
	seen := map[string]string{}
	for _, s := range selectors {
		id := shardLeaderElectionID(s)
		if errs := validation.IsDNS1123Subdomain(id); len(errs) > 0 {
			t.Errorf("lease name %q for %q is invalid: %v", id, s, errs)
		}
		if first := strings.Split(id, ".")[0]; len(first) > validation.DNS1123LabelMaxLength {
			t.Errorf("lease name %q for %q has a first label longer than 63", id, s)
		}
		if id != shardLeaderElectionID(s) {
			t.Errorf("lease name for %q is not stable", s)
		}
		if other, dup := seen[id]; dup {
			t.Errorf("selectors %q and %q share the lease %q", other, s, id)
		}
		seen[id] = s
	}
	if id := shardLeaderElectionID("sharding.fluxcd.io/key=shard1"); !strings.HasPrefix(id, "shard-sharding-fluxcd-io-key-shard1-") {
		t.Errorf("lease name %q does not show the selector", id)
	}
	if id := shardLeaderElectionID("!sharding.fluxcd.io/key"); !strings.HasPrefix(id, "shard-not-sharding-fluxcd-io-key-") {
		t.Errorf("lease name %q does not show the negation", id)
	}
}

func TestTheLabelSelectorRestrictsTheThreeKindsOnly(t *testing.T) {
	o, err := parse(t, "--watch-label-selector=sharding.fluxcd.io/key=shard1", "--watch-namespace=a,b")
	if err != nil {
		t.Fatal(err)
	}
	opts := o.cacheOptions()
	if len(opts.DefaultNamespaces) != 2 {
		t.Errorf("namespaces = %v, want a and b", opts.DefaultNamespaces)
	}
	if len(opts.ByObject) != 3 {
		t.Fatalf("ByObject has %d kinds, want the three kinds of the operator", len(opts.ByObject))
	}
	in := labels.Set{"sharding.fluxcd.io/key": "shard1"}
	out := labels.Set{"sharding.fluxcd.io/key": "shard2"}
	for obj, by := range opts.ByObject {
		switch obj.(type) {
		case *mfav1alpha1.SailPointTenant, *mfav1alpha1.MfaProviderConfig, *mfav1alpha1.MfaKbaAnswers:
		default:
			t.Errorf("unexpected kind %T restricted", obj)
		}
		if !by.Label.Matches(in) || by.Label.Matches(out) || by.Label.Matches(labels.Set{}) {
			t.Errorf("%T: selector %v does not select shard1 only", obj, by.Label)
		}
	}

	o, err = parse(t, "--watch-label-selector=!sharding.fluxcd.io/key")
	if err != nil {
		t.Fatal(err)
	}
	for obj, by := range o.cacheOptions().ByObject {
		if !by.Label.Matches(labels.Set{}) || by.Label.Matches(in) {
			t.Errorf("%T: the default shard's selector %v must match unlabelled objects only", obj, by.Label)
		}
	}
}

func TestWithoutASelectorTheCacheIsNotRestricted(t *testing.T) {
	o, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if opts := o.cacheOptions(); opts.ByObject != nil || opts.DefaultNamespaces != nil {
		t.Errorf("cache options = %+v, want none", opts)
	}
	if o.reconcileTimeout != 30*time.Second {
		t.Errorf("default --reconcile-timeout = %s, want 30s", o.reconcileTimeout)
	}
}

func TestInvalidFlagsAreRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--watch-label-selector=a=b=c"},
		{"--max-concurrent-reconciles=0"},
		{"--reconcile-timeout=0s"},
		{"--leader-election-lease-duration=5s", "--leader-election-renew-deadline=5s"},
		{"--leader-election-retry-period=0s"},
	} {
		if _, err := parse(t, args...); err == nil {
			t.Errorf("%v: accepted, want an error", args)
		}
	}
	if _, err := parse(t, "--leader-election-lease-duration=4s", "--leader-election-renew-deadline=3s",
		"--leader-election-retry-period=500ms"); err != nil {
		t.Errorf("short lease flags refused: %v", err)
	}
}

func TestTheCacheKeepsNoManagedFields(t *testing.T) {
	o, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	transform := o.cacheOptions().DefaultTransform
	if transform == nil {
		t.Fatal("no DefaultTransform: cached objects keep their managedFields")
	}
	secret := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "s",
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply}}}}
	out, err := transform(secret)
	if err != nil {
		t.Fatal(err)
	}
	if m := out.(*metav1.PartialObjectMetadata).ManagedFields; len(m) != 0 {
		t.Errorf("managedFields after the transform = %v, want none", m)
	}
}
