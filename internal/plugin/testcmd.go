package plugin

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// testResult is the output of test.
type testResult struct {
	Tenant string `json:"tenant"`
	Method string `json:"method"`
	// MfaProviderConfig is namespace/name when the test was named by one.
	MfaProviderConfig string `json:"mfaProviderConfig,omitempty"`
	// State is SUCCESS or FAILED, as SailPoint answered.
	State string `json:"state"`
	// Error is SailPoint's explanation of a failed test.
	Error string `json:"error,omitempty"`
}

func newTestCommand(f *factory) *cobra.Command {
	var out *outputFlag
	cmd := &cobra.Command{
		Use:   "test (okta-verify | duo-web | MFAPROVIDERCONFIG)",
		Short: "Run SailPoint's test of an Okta Verify or Duo Web configuration now",
		Long: `Run SailPoint's test of the stored Okta Verify or Duo Web configuration now
(GET /v3/mfa/{method}/test) and print its state, SUCCESS or FAILED, and SailPoint's error.

The argument is a method, tested on the tenant of --tenant (or the namespace's only
SailPointTenant, or --base-url), or the name of an MfaProviderConfig (also written
mfaproviderconfig/NAME or mfapc/NAME), which gives the method and the tenant. A method name
wins over an MfaProviderConfig of the same name; use the prefixed form for that one.

Exit code 1 when the test FAILED.`,
		Example: `  # Test the Okta Verify configuration of the namespace's tenant
  kubectl mfa test okta-verify -n identity

  # Test what the MfaProviderConfig "duo" configures, on its tenant
  kubectl mfa test duo -n identity

  # Without a cluster, as JSON
  kubectl mfa test duo-web --base-url https://acme.api.identitynow.com -o json`,
		Args: exactArgs(1, "one argument: okta-verify, duo-web or an MfaProviderConfig name"),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			out := []cobra.Completion{string(sailpoint.MethodOktaVerify), string(sailpoint.MethodDuoWeb)}
			if f.baseURL != "" {
				return out, cobra.ShellCompDirectiveNoFileComp
			}
			// The namespace's MfaProviderConfigs; without a cluster, the methods only.
			k, _ := lookupKind(kindProvider)
			names, err := f.objectNames(cmd.Context(), k)
			if err == nil {
				for _, n := range names {
					out = append(out, cobra.CompletionWithDesc("mfapc/"+n, "MfaProviderConfig"))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			res := testResult{}
			var t *target
			switch arg := args[0]; arg {
			case string(sailpoint.MethodOktaVerify), string(sailpoint.MethodDuoWeb):
				res.Method = arg
				var err error
				if t, err = f.defaultTarget(ctx); err != nil {
					return err
				}
			default:
				name, explicit := arg, false
				if prefix, rest, found := strings.Cut(arg, "/"); found {
					switch strings.ToLower(prefix) {
					case "mfaproviderconfig", "mfaproviderconfigs", "mfapc":
						name, explicit = rest, true
					default:
						return usageErrorf("%q is not okta-verify, duo-web or an MfaProviderConfig (mfapc/NAME)", arg)
					}
				}
				var err error
				if t, res.MfaProviderConfig, res.Method, err = f.providerTarget(cmd, name, explicit); err != nil {
					return err
				}
			}
			res.Tenant = t.name
			resp, err := t.api.TestConfig(ctx, sailpoint.Method(res.Method))
			if err != nil {
				return remoteError(err)
			}
			res.State, res.Error = string(resp.State), resp.Error
			if err := out.print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				line := fmt.Sprintf("%s test on %s: %s", res.Method, res.Tenant, orDash(res.State))
				if res.Error != "" {
					line += ": " + res.Error
				}
				_, err := fmt.Fprintln(w, line)
				return err
			}); err != nil {
				return remoteError(err)
			}
			if resp.State != sailpoint.TestStateSuccess {
				return errFailed
			}
			return nil
		},
	}
	out = addOutputFlag(cmd, false)
	return cmd
}

// providerTarget reads the MfaProviderConfig name of the namespace and returns its
// tenant, its namespace/name and its method. explicit says the argument named the kind
// (mfapc/NAME), so a missing object is not offered as a method name.
func (f *factory) providerTarget(cmd *cobra.Command, name string, explicit bool) (t *target, fullName, method string, err error) {
	if err := f.clusterOnly("an MfaProviderConfig"); err != nil {
		return nil, "", "", err
	}
	c, err := f.kubeClient()
	if err != nil {
		return nil, "", "", err
	}
	ns, err := f.namespace()
	if err != nil {
		return nil, "", "", err
	}
	var p mfav1.MfaProviderConfig
	if err := c.Get(cmd.Context(), client.ObjectKey{Namespace: ns, Name: name}, &p); err != nil {
		if apierrors.IsNotFound(err) && explicit {
			return nil, "", "", remoteErrorf("MfaProviderConfig %q not found in namespace %q", name, ns)
		}
		if apierrors.IsNotFound(err) {
			return nil, "", "", remoteErrorf("%q is neither okta-verify, duo-web nor an MfaProviderConfig in namespace %q", name, ns)
		}
		return nil, "", "", clusterError(err, "get MfaProviderConfig "+ns+"/"+name)
	}
	fullName = ns + "/" + name
	t, err = f.objectTarget(cmd.Context(), c, ns, p.Spec.TenantRef.Name, "MfaProviderConfig "+fullName)
	if err != nil {
		return nil, "", "", err
	}
	return t, fullName, string(p.Spec.Method), nil
}
