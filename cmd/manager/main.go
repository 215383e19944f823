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

// Command manager runs the sailpoint-mfa-operator controllers.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	mfav1alpha1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/controller"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

var (
	scheme   = runtime.NewScheme()
	setupLog = ctrl.Log.WithName("setup")
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(mfav1alpha1.AddToScheme(scheme))
}

func main() {
	var o options
	o.bindFlags(flag.CommandLine)
	zapOpts := zap.Options{Development: false}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()

	if o.showVersion {
		fmt.Println(sailpoint.Version)
		return
	}
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	// HTTP/2 stays off unless asked for, because of the HTTP/2 Stream Cancellation and
	// Rapid Reset CVEs (GHSA-qppj-fm5r-hxr3, GHSA-4374-p667-p6c8).
	var tlsOpts []func(*tls.Config)
	if !o.enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}

	metricsOptions := metricsserver.Options{
		BindAddress:   o.metricsAddr,
		SecureServing: o.secureMetrics,
		TLSOpts:       tlsOpts,
	}
	if o.secureMetrics {
		metricsOptions.FilterProvider = filters.WithAuthenticationAndAuthorization
	}

	cfg := ctrl.GetConfigOrDie()
	if o.kubeAPIQPS > 0 {
		cfg.QPS, cfg.Burst = float32(o.kubeAPIQPS), max(o.kubeAPIBurst, int(o.kubeAPIQPS))
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsOptions,
		HealthProbeBindAddress: o.probeAddr,
		PprofBindAddress:       o.pprofAddr,
		Cache:                  o.cacheOptions(),
		// The lease is released on SIGTERM, so a standby takes over in seconds rather than
		// after the lease duration; main returns right after Start, as that requires.
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              shardLeaderElectionID(o.watchLabelSelector),
		LeaderElectionNamespace:       o.leaderElectionNS,
		LeaderElectionReleaseOnCancel: true,
		LeaseDuration:                 &o.leaseDuration,
		RenewDeadline:                 &o.renewDeadline,
		RetryPeriod:                   &o.retryPeriod,
	})
	if err != nil {
		setupLog.Error(err, "Unable to create manager")
		os.Exit(1)
	}

	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		setupLog.Error(err, "Unable to set up health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		setupLog.Error(err, "Unable to set up ready check")
		os.Exit(1)
	}

	ctx := ctrl.SetupSignalHandler()
	if err := controller.Setup(ctx, mgr, controller.Options{
		MaxConcurrentReconciles: o.maxConcurrentReconciles,
		ReconcileTimeout:        o.reconcileTimeout,
		Sharded:                 o.watchSelector != nil && !o.watchSelector.Empty(),
		Namespaces:              o.watchNamespaces,
	}); err != nil {
		setupLog.Error(err, "Unable to set up the controllers")
		os.Exit(1)
	}

	setupLog.Info("Starting manager", "version", sailpoint.Version,
		"maxConcurrentReconciles", o.maxConcurrentReconciles, "reconcileTimeout", o.reconcileTimeout.String(),
		"watchNamespaces", o.watchNamespaces.String(), "watchLabelSelector", o.watchLabelSelector,
		"leaderElect", o.leaderElect, "leaderElectionID", shardLeaderElectionID(o.watchLabelSelector))
	if err := mgr.Start(ctx); err != nil {
		setupLog.Error(err, "Problem running manager")
		os.Exit(1)
	}
}
