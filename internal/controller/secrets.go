package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// errSecretNotFound marks a referenced Secret or key that does not exist. The message names
// the Secret and the key, never a value.
var errSecretNotFound = errors.New("secret not found")

// secretNotFound is an errSecretNotFound whose text is only its own sentence, as it goes into
// conditions and events.
type secretNotFound struct{ msg string }

func (e secretNotFound) Error() string        { return e.msg }
func (e secretNotFound) Is(target error) bool { return target == errSecretNotFound }

func secretNotFoundf(format string, args ...any) error {
	return secretNotFound{msg: fmt.Sprintf(format, args...)}
}

// secretReader reads referenced Secrets. No Secret is cached as a whole, and of the cluster's
// Secrets only the versions of those in use are followed (secretVersions), so the manager's
// memory does not grow with every Secret of the cluster; the data of the few Secrets a
// resource references is read directly from the API server when it has changed.
type secretReader struct {
	// versions tells the current resourceVersion of a Secret in use, when known.
	versions secretVersionSource
	// direct reads from the API server without a cache.
	direct client.Reader
	// data remembers the data of the Secrets read, by resourceVersion, so that a Secret whose
	// cached metadata shows the version already read is not read again; nil reads every time.
	data *secretData
}

// secretData holds the data of the referenced Secrets read so far (only those: the manager's
// memory does not grow with the cluster's Secrets), keyed by namespace/name.
type secretData struct {
	mu      sync.Mutex
	secrets map[types.NamespacedName]*corev1.Secret
}

// secretVersionSource is what secretReader needs of secretVersions.
type secretVersionSource interface {
	version(key types.NamespacedName) (string, bool)
	observe(key types.NamespacedName, rv string)
}

func newSecretData() *secretData {
	return &secretData{secrets: map[types.NamespacedName]*corev1.Secret{}}
}

// get returns the Secret key: the one remembered when it is still the current version, else
// the API server's.
func (s secretReader) get(ctx context.Context, key types.NamespacedName) (*corev1.Secret, error) {
	if s.data != nil {
		if rv, ok := s.versions.version(key); ok {
			s.data.mu.Lock()
			sec, ok := s.data.secrets[key]
			s.data.mu.Unlock()
			if ok && sec.ResourceVersion == rv {
				return sec, nil
			}
		}
	}
	sec := &corev1.Secret{}
	err := s.direct.Get(ctx, key, sec)
	if s.data != nil {
		s.data.mu.Lock()
		if err == nil {
			s.data.secrets[key] = sec
		} else if apierrors.IsNotFound(err) {
			delete(s.data.secrets, key)
		}
		s.data.mu.Unlock()
	}
	if err == nil {
		s.versions.observe(key, sec.ResourceVersion)
	}
	return sec, err
}

// resourceVersion returns the current resourceVersion of a Secret: the one followed, else
// the one read from the API server.
func (s secretReader) resourceVersion(ctx context.Context, namespace, name string) (string, error) {
	key := types.NamespacedName{Namespace: namespace, Name: name}
	if rv, ok := s.versions.version(key); ok {
		return rv, nil
	}
	sec, err := s.get(ctx, key)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return "", secretNotFoundf("Secret %s/%s does not exist", namespace, name)
		}
		return "", err
	}
	return sec.ResourceVersion, nil
}

// secretValues holds the values read for one resource, and the resourceVersions of the
// Secrets they came from (by "name/key"), which is what status records; never the values.
type secretValues struct {
	values   map[mfav1.SecretKeySelector][]byte
	versions map[string]string
}

// get returns the value of ref. It must have been read.
func (v secretValues) get(ref mfav1.SecretKeySelector) string { return string(v.values[ref]) }

// read reads the values of refs from Secrets in namespace: from the API server, or as read
// before when the Secret has not changed since. A missing Secret or key is errSecretNotFound.
func (s secretReader) read(ctx context.Context, namespace string, refs ...mfav1.SecretKeySelector) (secretValues, error) {
	out := secretValues{values: map[mfav1.SecretKeySelector][]byte{}, versions: map[string]string{}}
	secrets := map[string]*corev1.Secret{}
	for _, ref := range refs {
		sec, ok := secrets[ref.Name]
		if !ok {
			var err error
			if sec, err = s.get(ctx, types.NamespacedName{Namespace: namespace, Name: ref.Name}); err != nil {
				if apierrors.IsNotFound(err) {
					return out, secretNotFoundf("Secret %s/%s does not exist", namespace, ref.Name)
				}
				return out, fmt.Errorf("reading Secret %s/%s: %w", namespace, ref.Name, err)
			}
			secrets[ref.Name] = sec
		}
		val, ok := sec.Data[ref.Key]
		if !ok || len(val) == 0 {
			return out, secretNotFoundf("Secret %s/%s has no key %q", namespace, ref.Name, ref.Key)
		}
		out.values[ref] = val
		out.versions[ref.Name+"/"+ref.Key] = sec.ResourceVersion
	}
	return out, nil
}

// redactor returns a function that replaces every value read here with "[redacted]" in a
// text, longest first, so that a message SailPoint built from a value cannot show it.
func (v secretValues) redactor() func(string) string {
	values := make([]string, 0, len(v.values))
	for _, b := range v.values {
		if len(b) > 0 {
			values = append(values, string(b))
		}
	}
	slices.SortFunc(values, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(values))
	for _, s := range values {
		pairs = append(pairs, s, "[redacted]")
	}
	return strings.NewReplacer(pairs...).Replace
}
