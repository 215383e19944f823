package controller

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// countingReader counts the reads of full Secrets that go through it.
type countingReader struct {
	client.Reader
	gets int
}

func (c *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	c.gets++
	return c.Reader.Get(ctx, key, obj, opts...)
}

// readerVersions tells a Secret's version from a reader's metadata, as a watch would.
type readerVersions struct{ c client.Reader }

func (r readerVersions) version(key types.NamespacedName) (string, bool) {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := r.c.Get(context.Background(), key, m); err != nil {
		return "", false
	}
	return m.ResourceVersion, true
}

func (readerVersions) observe(types.NamespacedName, string) {}

func TestSecretReaderReadsAnUnchangedSecretOnce(t *testing.T) {
	ctx := context.Background()
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "okta"}, Data: map[string][]byte{"accessKey": []byte("k1")}}
	c := fake.NewClientBuilder().WithScheme(scheme.Scheme).WithObjects(sec).Build()
	direct := &countingReader{Reader: c}
	r := secretReader{versions: readerVersions{c}, direct: direct, data: newSecretData()}
	ref := mfav1.SecretKeySelector{Name: "okta", Key: "accessKey"}

	for range 3 {
		vals, err := r.read(ctx, "ns", ref)
		if err != nil || vals.get(ref) != "k1" {
			t.Fatalf("read = %q, %v", vals.get(ref), err)
		}
	}
	if direct.gets != 1 {
		t.Errorf("the unchanged Secret was read from the API server %d times, want 1", direct.gets)
	}

	sec.Data["accessKey"] = []byte("k2")
	if err := c.Update(ctx, sec); err != nil {
		t.Fatal(err)
	}
	vals, err := r.read(ctx, "ns", ref)
	if err != nil || vals.get(ref) != "k2" || direct.gets != 2 {
		t.Errorf("after a change: read = %q, %v, %d reads; want the new value from a second read", vals.get(ref), err, direct.gets)
	}

	if err := c.Delete(ctx, sec); err != nil {
		t.Fatal(err)
	}
	if _, err := r.read(ctx, "ns", ref); err == nil {
		t.Error("a deleted Secret was still read")
	}
}
