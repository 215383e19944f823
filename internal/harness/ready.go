package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// IsReady tells whether o is Ready at its current generation.
func IsReady(o mfav1.Object) bool {
	ready := meta.FindStatusCondition(o.GetConditions(), mfav1.TypeReady)
	return ready != nil && ready.Status == metav1.ConditionTrue && ready.ObservedGeneration == o.GetGeneration()
}

// NotReady lists the objects of the three kinds that are not Ready at their generation,
// each with its reason and message; "no objects yet" when there is none at all.
func NotReady(ctx context.Context, c client.Client, opts ...client.ListOption) ([]string, error) {
	lists := []client.ObjectList{&mfav1.SailPointTenantList{}, &mfav1.MfaProviderConfigList{}, &mfav1.MfaKbaAnswersList{}}
	var pending []string
	total := 0
	for _, l := range lists {
		if err := c.List(ctx, l, opts...); err != nil {
			return nil, err
		}
		items, err := meta.ExtractList(l)
		if err != nil {
			return nil, err
		}
		for _, item := range items {
			total++
			o := item.(mfav1.Object)
			if IsReady(o) {
				continue
			}
			desc := fmt.Sprintf("%T %s/%s", o, o.GetNamespace(), o.GetName())
			if ready := meta.FindStatusCondition(o.GetConditions(), mfav1.TypeReady); ready != nil {
				desc += fmt.Sprintf(": Ready=%s %s: %s", ready.Status, ready.Reason, ready.Message)
			}
			pending = append(pending, strings.TrimPrefix(desc, "*v1alpha1."))
		}
	}
	if total == 0 {
		return []string{"no objects yet"}, nil
	}
	return pending, nil
}

// WaitReady waits until every object of the three kinds (that opts select) is Ready; on
// timeout it names those that are not.
func WaitReady(ctx context.Context, c client.Client, timeout time.Duration, opts ...client.ListOption) error {
	deadline := time.Now().Add(timeout)
	for {
		pending, err := NotReady(ctx, c, opts...)
		if err == nil && len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return err
			}
			return fmt.Errorf("not Ready after %s:\n  %s", timeout, strings.Join(pending, "\n  "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
