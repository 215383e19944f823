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
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1alpha1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/controller"
)

// leaderElectionID is the lease name of the unsharded manager (and the prefix of every
// shard's lease name).
const leaderElectionID = "sailpoint-mfa-operator.identityops.dev"

// options are the manager's own command-line flags (the zap flags are bound separately).
type options struct {
	metricsAddr             string
	probeAddr               string
	pprofAddr               string
	secureMetrics           bool
	enableHTTP2             bool
	maxConcurrentReconciles int
	reconcileTimeout        time.Duration
	kubeAPIQPS              float64
	kubeAPIBurst            int
	watchNamespaces         stringList
	watchLabelSelector      string
	showVersion             bool

	leaderElect      bool
	leaderElectionNS string
	leaseDuration    time.Duration
	renewDeadline    time.Duration
	retryPeriod      time.Duration
	watchSelector    labels.Selector
}

// stringList is a repeatable string flag that also accepts comma-separated values.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s = append(*s, part)
		}
	}
	return nil
}

// bindFlags registers the flags on fs. The leader-election timings default to
// controller-runtime's (15s, 10s, 2s).
func (o *options) bindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", "0", "The address the metrics endpoint binds to. "+
		"Use :8443 for HTTPS or :8080 for HTTP, or leave as 0 to disable the metrics service.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "The address the probe endpoint binds to.")
	fs.StringVar(&o.pprofAddr, "pprof-bind-address", "0", "The address Go's pprof profiles are served on "+
		"(e.g. 127.0.0.1:6060, unauthenticated: keep it on loopback or behind a port-forward). 0 (the default) disables them.")
	fs.BoolVar(&o.secureMetrics, "metrics-secure", true,
		"If set, the metrics endpoint is served securely via HTTPS, with authentication and authorization. Use --metrics-secure=false to use HTTP instead.")
	fs.BoolVar(&o.enableHTTP2, "enable-http2", false,
		"If set, HTTP/2 will be enabled for the metrics server.")
	fs.IntVar(&o.maxConcurrentReconciles, "max-concurrent-reconciles", controller.DefaultMaxConcurrentReconciles,
		"How many objects of each kind are reconciled at the same time. The work waits on SailPoint and the API server, "+
			"so workers are cheap; SailPoint is protected by each tenant's own rate limit, not by this.")
	fs.Float64Var(&o.kubeAPIQPS, "kube-api-qps", 0,
		"Client-side limit of requests per second to the Kubernetes API server. 0 (the default) sets none, as controller-runtime does, "+
			"and relies on the API server's priority and fairness.")
	fs.IntVar(&o.kubeAPIBurst, "kube-api-burst", 0, "Burst of requests to the Kubernetes API server, with --kube-api-qps.")
	fs.DurationVar(&o.reconcileTimeout, "reconcile-timeout", 30*time.Second,
		"Bound on the remote work of one reconcile, so a tenant that never answers does not hold a worker.")
	fs.Var(&o.watchNamespaces, "watch-namespace",
		"Namespace to watch; repeatable or comma-separated. All namespaces when not set.")
	fs.StringVar(&o.watchLabelSelector, "watch-label-selector", "",
		"Label selector (e.g. sharding.fluxcd.io/key=shard1, or !sharding.fluxcd.io/key for the default shard): "+
			"only the SailPointTenants, MfaProviderConfigs and MfaKbaAnswers that match are reconciled. "+
			"The leader-election lease name is derived from it, so every shard elects its own leader.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false,
		"Enable leader election for controller manager. Enabling this will ensure there is only one active controller manager.")
	fs.StringVar(&o.leaderElectionNS, "leader-election-namespace", "",
		"Namespace of the leader-election lease. Defaults to the pod's namespace in a cluster; required with --leader-elect outside one.")
	fs.DurationVar(&o.leaseDuration, "leader-election-lease-duration", 15*time.Second,
		"How long a standby waits before it takes over a lease that is no longer renewed.")
	fs.DurationVar(&o.renewDeadline, "leader-election-renew-deadline", 10*time.Second,
		"How long the leader retries renewing its lease before it gives up leadership.")
	fs.DurationVar(&o.retryPeriod, "leader-election-retry-period", 2*time.Second,
		"How often leader-election clients try to acquire or renew the lease.")
	fs.BoolVar(&o.showVersion, "version", false, "Print the version and exit.")
}

// validate checks the flags and parses the label selector.
func (o *options) validate() error {
	if o.maxConcurrentReconciles < 1 {
		return errors.New("--max-concurrent-reconciles must be at least 1")
	}
	if o.reconcileTimeout <= 0 {
		return errors.New("--reconcile-timeout must be positive")
	}
	if o.leaseDuration <= o.renewDeadline || o.renewDeadline <= o.retryPeriod || o.retryPeriod <= 0 {
		return errors.New("leader election needs lease duration > renew deadline > retry period > 0")
	}
	sel, err := labels.Parse(o.watchLabelSelector)
	if err != nil {
		return fmt.Errorf("--watch-label-selector: %w", err)
	}
	o.watchSelector = sel
	return nil
}

// cacheOptions restricts the cache to the watched namespaces and, for the three kinds the
// operator owns, to the objects that match --watch-label-selector. Secrets are not
// filtered: they are referenced by name and carry no shard label.
func (o *options) cacheOptions() cache.Options {
	// The cache keeps no managedFields: nothing here reads them, and they are often the
	// larger part of a small object. (Secrets are not in the cache: see the controller's
	// secretVersions.)
	opts := cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
	if len(o.watchNamespaces) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range o.watchNamespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	if o.watchSelector != nil && !o.watchSelector.Empty() {
		opts.ByObject = map[client.Object]cache.ByObject{}
		for _, obj := range []client.Object{
			&mfav1alpha1.SailPointTenant{}, &mfav1alpha1.MfaProviderConfig{}, &mfav1alpha1.MfaKbaAnswers{},
		} {
			opts.ByObject[obj] = cache.ByObject{Label: o.watchSelector}
		}
	}
	return opts
}

// shardLeaderElectionID is the lease name for a label selector: the unsharded name when the
// selector is empty, else that name plus a readable form of the selector and a short hash
// of its text (two selectors that read alike still get two leases). The result is a valid
// lease name (a DNS subdomain of at most 253 characters; its parts stay short).
func shardLeaderElectionID(selector string) string {
	selector = strings.TrimSpace(selector)
	if selector == "" {
		return leaderElectionID
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(selector) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case r == '!':
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteString("not-")
			dash = true
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	readable := strings.Trim(b.String(), "-")
	if len(readable) > 40 {
		readable = strings.TrimRight(readable[:40], "-")
	}
	sum := sha256.Sum256([]byte(selector))
	suffix := hex.EncodeToString(sum[:4])
	if readable != "" {
		suffix = readable + "-" + suffix
	}
	return "shard-" + suffix + "." + leaderElectionID
}
