package plugin

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/mfa"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// Environment variables holding the credentials used with --base-url.
const (
	envClientID     = "SAILPOINT_CLIENT_ID"
	envClientSecret = "SAILPOINT_CLIENT_SECRET"
)

// factory builds what the commands need from the global flags: the cluster client and
// the SailPoint client (the clientFactory of the design).
type factory struct {
	opts        Options
	streams     IOStreams
	configFlags *genericclioptions.ConfigFlags

	tenantName string
	baseURL    string
	tokenURL   string
	// configurationAPI is --configuration-api, for --base-url only; "" means Auto.
	configurationAPI string

	kube client.Client
}

// target is the SailPoint tenant a command talks to.
type target struct {
	api sailpoint.API
	// name is namespace/name of the SailPointTenant, or the base URL with --base-url.
	name string
	// baseURL is the tenant's API root.
	baseURL string
}

// namespace is the namespace of -n, or of the kubeconfig context.
func (f *factory) namespace() (string, error) {
	ns, _, err := f.configFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", f.kubeConfigError(err)
	}
	return ns, nil
}

// kubeClient is a controller-runtime client for core v1 and mfa.identityops.dev/v1alpha1,
// built once from the kubectl flags.
func (f *factory) kubeClient() (client.Client, error) {
	if f.kube != nil {
		return f.kube, nil
	}
	cfg, err := f.configFlags.ToRESTConfig()
	if err != nil {
		return nil, f.kubeConfigError(err)
	}
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		return nil, remoteError(err)
	}
	if err := mfav1.AddToScheme(scheme); err != nil {
		return nil, remoteError(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, remoteErrorf("cannot create a client for the cluster: %w", err)
	}
	f.kube = c
	return c, nil
}

func (f *factory) kubeConfigError(err error) error {
	if clientcmd.IsEmptyConfig(err) {
		return remoteErrorf("no cluster configured (%w); without a cluster, pass --base-url and set %s and %s",
			err, envClientID, envClientSecret)
	}
	return remoteErrorf("cannot read the kubeconfig: %w", err)
}

// clusterError explains an error of the API server, with a hint when the CRDs are missing.
func clusterError(err error, what string) error {
	if apimeta.IsNoMatchError(err) {
		return remoteErrorf("cannot %s: the %s CRDs are not installed in this cluster: %w", what, mfav1.GroupVersion.Group, err)
	}
	return remoteErrorf("cannot %s: %w", what, err)
}

// defaultTarget is the tenant of commands that work on a tenant as a whole: the flags'
// --base-url, else --tenant, else the namespace's only SailPointTenant.
func (f *factory) defaultTarget(ctx context.Context) (*target, error) {
	if f.baseURL != "" {
		if f.tenantName != "" {
			return nil, usageErrorf("--tenant and --base-url exclude each other: --tenant reads the credentials from the cluster, --base-url from %s and %s", envClientID, envClientSecret)
		}
		return f.flagTarget()
	}
	if f.tokenURL != "" {
		return nil, usageErrorf("--token-url needs --base-url; a SailPointTenant has its own spec.tokenURL")
	}
	c, err := f.kubeClient()
	if err != nil {
		return nil, err
	}
	ns, err := f.namespace()
	if err != nil {
		return nil, err
	}
	name := f.tenantName
	if name == "" {
		if name, err = f.onlyTenant(ctx, c, ns); err != nil {
			return nil, withoutClusterHint(err)
		}
	}
	t, err := f.tenantTarget(ctx, c, ns, name)
	return t, withoutClusterHint(err)
}

// withoutClusterHint adds to an error reaching the cluster how to work without one.
func withoutClusterHint(err error) error {
	var urlErr *url.Error
	var netErr net.Error
	if errors.As(err, &urlErr) || errors.As(err, &netErr) {
		return remoteErrorf("%w\n(to use SailPoint without a cluster, pass --base-url and set %s and %s)", err, envClientID, envClientSecret)
	}
	return err
}

// objectTarget is the tenant an object of the operator refers to (spec.tenantRef, in the
// object's namespace). --tenant may repeat it; --base-url does not apply.
func (f *factory) objectTarget(ctx context.Context, c client.Client, ns, tenantRef, object string) (*target, error) {
	if err := f.clusterOnly(object); err != nil {
		return nil, err
	}
	if f.tenantName != "" && f.tenantName != tenantRef {
		return nil, usageErrorf("--tenant %q differs from the tenant of %s, %q", f.tenantName, object, tenantRef)
	}
	return f.tenantTarget(ctx, c, ns, tenantRef)
}

// clusterOnly refuses --base-url and --token-url for what reads the cluster.
func (f *factory) clusterOnly(what string) error {
	if f.baseURL != "" || f.tokenURL != "" {
		return usageErrorf("%s reads the cluster; --base-url and --token-url do not apply", what)
	}
	return nil
}

// onlyTenant is the name of the namespace's only SailPointTenant.
func (f *factory) onlyTenant(ctx context.Context, c client.Client, ns string) (string, error) {
	var list mfav1.SailPointTenantList
	if err := c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return "", clusterError(err, "list SailPointTenants")
	}
	names := make([]string, 0, len(list.Items))
	for _, t := range list.Items {
		names = append(names, t.Name)
	}
	slices.Sort(names)
	switch len(names) {
	case 0:
		return "", remoteErrorf("no SailPointTenant in namespace %q: create one, choose another namespace with -n, or pass --base-url and set %s and %s",
			ns, envClientID, envClientSecret)
	case 1:
		return names[0], nil
	}
	return "", usageErrorf("namespace %q has %d SailPointTenants (%s): choose one with --tenant",
		ns, len(names), strings.Join(names, ", "))
}

// tenantTarget builds the SailPoint client of SailPointTenant ns/name from its spec and
// its credentials Secret.
func (f *factory) tenantTarget(ctx context.Context, c client.Client, ns, name string) (*target, error) {
	if f.configurationAPI != "" {
		return nil, usageErrorf("--configuration-api needs --base-url; a SailPointTenant has its own spec.configurationAPI")
	}
	var tenant mfav1.SailPointTenant
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &tenant); err != nil {
		if apierrors.IsNotFound(err) && !apimeta.IsNoMatchError(err) {
			return nil, remoteErrorf("SailPointTenant %q not found in namespace %q", name, ns)
		}
		return nil, clusterError(err, "get SailPointTenant "+ns+"/"+name)
	}
	ref := tenant.Spec.CredentialsSecretRef
	var secret corev1.Secret
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: ref.Name}, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, remoteErrorf("Secret %q of SailPointTenant %s/%s not found", ref.Name, ns, name)
		}
		return nil, clusterError(err, "get Secret "+ns+"/"+ref.Name)
	}
	id, err := secretValue(&secret, ref.GetClientIDKey())
	if err != nil {
		return nil, err
	}
	clientSecret, err := secretValue(&secret, ref.GetClientSecretKey())
	if err != nil {
		return nil, err
	}
	fullName := ns + "/" + name
	opts := mfa.TenantOptions(&tenant, id, clientSecret)
	opts.UserAgent = userAgent()
	api, err := f.opts.NewSailPointClient(opts)
	if err != nil {
		return nil, remoteErrorf("SailPointTenant %s: %w", fullName, err)
	}
	return &target{api: api, name: fullName, baseURL: tenant.Spec.BaseURL}, nil
}

// secretValue is the value of key in secret; an error names the Secret and key only.
func secretValue(secret *corev1.Secret, key string) (string, error) {
	v := secret.Data[key]
	if len(v) == 0 {
		return "", remoteErrorf("Secret %s/%s has no key %q (or it is empty)", secret.Namespace, secret.Name, key)
	}
	return string(v), nil
}

// flagTarget builds the SailPoint client from --base-url, --token-url and the environment.
func (f *factory) flagTarget() (*target, error) {
	id, secret := f.opts.Getenv(envClientID), f.opts.Getenv(envClientSecret)
	var missing []string
	if id == "" {
		missing = append(missing, envClientID)
	}
	if secret == "" {
		missing = append(missing, envClientSecret)
	}
	if len(missing) > 0 {
		return nil, usageErrorf("--base-url needs the credentials in the environment: set %s", strings.Join(missing, " and "))
	}
	api, err := f.opts.NewSailPointClient(sailpoint.Options{
		BaseURL:      f.baseURL,
		TokenURL:     f.tokenURL,
		ClientID:     id,
		ClientSecret: secret,
		UserAgent:    userAgent(),
		Tenant:       "flags",

		ConfigurationAPI: sailpoint.ConfigurationAPI(f.configurationAPI),
	})
	if err != nil {
		// Options are checked before any call: a bad URL is a bad flag value.
		return nil, usageErrorf("%w", err)
	}
	return &target{api: api, name: strings.TrimRight(f.baseURL, "/"), baseURL: f.baseURL}, nil
}

func userAgent() string { return "kubectl-mfa/" + sailpoint.Version }
