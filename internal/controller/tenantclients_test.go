package controller

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint/sailpointfake"
)

// closingFake is a fake client that counts its Close calls.
type closingFake struct {
	*sailpointfake.Fake
	closed atomic.Int32
}

func (c *closingFake) Close() { c.closed.Add(1) }

func TestTenantClientsBuildOneClientPerTenantUnderConcurrencyAndCloseTheOneReplaced(t *testing.T) {
	ctx := context.Background()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme-pat"},
		Data: map[string][]byte{"clientId": []byte("id"), "clientSecret": []byte("secret")}}
	c := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(secret).Build()
	var built []*closingFake
	var mu sync.Mutex
	clients := NewTenantClients(func(sailpoint.Options) (sailpoint.API, error) {
		mu.Lock()
		defer mu.Unlock()
		api := &closingFake{Fake: sailpointfake.New()}
		built = append(built, api)
		return api, nil
	})
	clients.secrets = secretReader{versions: readerVersions{c}, direct: c, data: newSecretData()}
	tenant := &mfav1.SailPointTenant{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme", UID: "u1", Generation: 1}}
	tenant.Spec.BaseURL = "https://acme.api.identitynow.com"
	tenant.Spec.CredentialsSecretRef.Name = "acme-pat"

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := clients.get(ctx, tenant); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(built) != 1 {
		t.Fatalf("%d clients built for one tenant by 20 concurrent reconciles, want 1", len(built))
	}

	tenant.Generation = 2
	if _, err := clients.get(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	if len(built) != 2 || built[0].closed.Load() != 1 || built[1].closed.Load() != 0 {
		t.Errorf("after a spec change: %d clients, closed %d/%d; want the old one closed once", len(built), built[0].closed.Load(), built[len(built)-1].closed.Load())
	}
	clients.forget(types.NamespacedName{Namespace: "ns", Name: "acme"})
	if built[1].closed.Load() != 1 {
		t.Error("the client of a tenant that is gone was not closed")
	}
}
