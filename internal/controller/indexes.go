package controller

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// Field indexes, so that a changed Secret or tenant finds the resources that reference it
// without listing everything.
const (
	indexSecretName = "mfa.identityops.dev/secret-name"
	indexTenantName = "mfa.identityops.dev/tenant-name"
	// indexSailPoint finds the SailPointTenants of one SailPoint tenant (sailPointKeys).
	indexSailPoint = "mfa.identityops.dev/sailpoint"
)

// SetupIndexes registers the field indexes every reconciler here relies on.
func SetupIndexes(ctx context.Context, mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	indexes := []struct {
		obj     client.Object
		field   string
		extract client.IndexerFunc
	}{
		{&mfav1.SailPointTenant{}, indexSecretName, func(o client.Object) []string {
			return []string{o.(*mfav1.SailPointTenant).Spec.CredentialsSecretRef.Name}
		}},
		{&mfav1.SailPointTenant{}, indexSailPoint, func(o client.Object) []string {
			return sailPointKeys(o.(*mfav1.SailPointTenant))
		}},
		{&mfav1.MfaProviderConfig{}, indexSecretName, func(o client.Object) []string {
			return secretNames(providerKind{}.secretRefs(o.(*mfav1.MfaProviderConfig)))
		}},
		{&mfav1.MfaProviderConfig{}, indexTenantName, func(o client.Object) []string {
			return []string{o.(*mfav1.MfaProviderConfig).Spec.TenantRef.Name}
		}},
		{&mfav1.MfaKbaAnswers{}, indexSecretName, func(o client.Object) []string {
			return secretNames(kbaSecretRefs(o.(*mfav1.MfaKbaAnswers)))
		}},
		{&mfav1.MfaKbaAnswers{}, indexTenantName, func(o client.Object) []string {
			return []string{o.(*mfav1.MfaKbaAnswers).Spec.TenantRef.Name}
		}},
	}
	for _, i := range indexes {
		if err := idx.IndexField(ctx, i.obj, i.field, i.extract); err != nil {
			return err
		}
	}
	return nil
}

func secretNames(refs []mfav1.SecretKeySelector) []string {
	names := make([]string, 0, len(refs))
	for _, r := range refs {
		names = append(names, r.Name)
	}
	return names
}

// requestsFor lists the objects of list in namespace whose field index matches value, as
// reconcile requests.
func requestsFor(ctx context.Context, c client.Reader, list client.ObjectList, namespace, field, value string) []reconcile.Request {
	if err := c.List(ctx, list, client.InNamespace(namespace), client.MatchingFields{field: value}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Unable to list objects for a watch event", "field", field)
		return nil
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(items))
	for _, item := range items {
		if o, err := meta.Accessor(item); err == nil {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}})
		}
	}
	return reqs
}
