package controller

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// conditionDesc exposes every condition of every resource as a gauge, the way
// kube-state-metrics does for built-in kinds: 1 for the condition's current status, 0 for the
// other two, so alerts can say `sailpoint_mfa_resource_condition{condition="Ready",status="False"} == 1`.
var conditionDesc = prometheus.NewDesc("sailpoint_mfa_resource_condition",
	"The current status of a condition of a SailPoint MFA resource (1 for the status it has, 0 for the others).",
	[]string{"kind", "namespace", "name", "condition", "status"}, nil)

var conditionStatuses = []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown}

// conditionCollector computes sailpoint_mfa_resource_condition at each scrape from the
// manager's informer cache, as kube-state-metrics does, instead of keeping a gauge per series.
// The series then always say what the objects' status says, those of an object that is gone
// go with it, and nothing is held between scrapes: kept as gauges, the 15 series of each
// object (5 conditions × 3 statuses) were the largest part of the manager's memory per object.
// Only the leader reports, so that a standby replica, whose cache is as warm, does not
// double every series.
type conditionCollector struct {
	source atomic.Pointer[conditionSource]
}

type conditionSource struct {
	reader  client.Reader
	elected <-chan struct{}
}

var resourceConditions = &conditionCollector{}

func init() {
	metrics.Registry.MustRegister(resourceConditions)
}

// use makes the collector read from reader once elected is closed; the last call wins (a
// process runs one manager; tests may start another).
func (c *conditionCollector) use(reader client.Reader, elected <-chan struct{}) {
	c.source.Store(&conditionSource{reader: reader, elected: elected})
}

func (c *conditionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- conditionDesc }

func (c *conditionCollector) Collect(ch chan<- prometheus.Metric) {
	src := c.source.Load()
	if src == nil {
		return
	}
	select {
	case <-src.elected:
	default:
		return
	}
	// The cache answers from memory; the bound only matters before it has synced.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	lists := []struct {
		kind string
		list client.ObjectList
	}{
		{kindSailPointTenant, &mfav1.SailPointTenantList{}},
		{kindMfaProviderConfig, &mfav1.MfaProviderConfigList{}},
		{kindMfaKbaAnswers, &mfav1.MfaKbaAnswersList{}},
	}
	for _, l := range lists {
		// Read-only use of the cached objects: no copy is needed.
		if err := src.reader.List(ctx, l.list, client.UnsafeDisableDeepCopy); err != nil {
			ch <- prometheus.NewInvalidMetric(conditionDesc, err)
			continue
		}
		items, err := meta.ExtractList(l.list)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(conditionDesc, err)
			continue
		}
		for _, item := range items {
			obj, ok := item.(mfav1.Object)
			if !ok {
				continue
			}
			for _, cond := range obj.GetConditions() {
				for _, s := range conditionStatuses {
					v := 0.0
					if cond.Status == s {
						v = 1
					}
					ch <- prometheus.MustNewConstMetric(conditionDesc, prometheus.GaugeValue, v,
						l.kind, obj.GetNamespace(), obj.GetName(), cond.Type, string(s))
				}
			}
		}
	}
}
