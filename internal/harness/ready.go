package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
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
	var pending []string
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		pending, lastErr = NotReady(ctx, c, opts...)
		return lastErr == nil && len(pending) == 0, nil
	})
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case lastErr != nil:
		return lastErr
	}
	return fmt.Errorf("not Ready after %s:\n  %s", timeout, strings.Join(pending, "\n  "))
}
