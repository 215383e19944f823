package controller

import (
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// resourceCondition exposes every condition of every resource as a gauge, the way
// kube-state-metrics does for built-in kinds: 1 for the condition's current status, 0 for the
// other two, so alerts can say `sailpoint_mfa_resource_condition{condition="Ready",status="False"} == 1`.
var resourceCondition = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "sailpoint_mfa_resource_condition",
	Help: "The current status of a condition of a SailPoint MFA resource (1 for the status it has, 0 for the others).",
}, []string{"kind", "namespace", "name", "condition", "status"})

func init() {
	metrics.Registry.MustRegister(resourceCondition)
}

var conditionStatuses = []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown}

// recordConditions publishes the conditions of one object, and removes the series of condition
// types the object no longer has.
func recordConditions(kind, namespace, name string, conditions []metav1.Condition) {
	forgetConditions(kind, namespace, name)
	for _, c := range conditions {
		for _, s := range conditionStatuses {
			v := 0.0
			if c.Status == s {
				v = 1
			}
			resourceCondition.WithLabelValues(kind, namespace, name, c.Type, string(s)).Set(v)
		}
	}
}

// forgetConditions removes every series of an object, when it is gone.
func forgetConditions(kind, namespace, name string) {
	resourceCondition.DeletePartialMatch(prometheus.Labels{"kind": kind, "namespace": namespace, "name": name})
}
