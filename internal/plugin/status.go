package plugin

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// Kinds as the status rows name them.
const (
	kindTenant   = "SailPointTenant"
	kindProvider = "MfaProviderConfig"
	kindKba      = "MfaKbaAnswers"
)

// statusRow is one resource in the output of status.
type statusRow struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Tenant is the name of the SailPointTenant (the object itself for a tenant).
	Tenant string `json:"tenant"`
	// Method is okta-verify or duo-web for provider configs, kba for KBA answers.
	Method string `json:"method,omitempty"`
	// BaseURL is the tenant's API root, when the tenant is known.
	BaseURL string `json:"baseURL,omitempty"`
	// Ready, Reason and Message are those of the Ready condition; Ready is "" when the
	// operator has not reported one yet.
	Ready   string `json:"ready"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Stale is true when the status is of an older generation than the spec.
	Stale bool `json:"stale,omitempty"`
	// LastTest is status.lastTest of a provider config, or status.lastVerification of KBA
	// answers (with spec.verify).
	LastTest          *statusLastTest `json:"lastTest,omitempty"`
	CreationTimestamp metav1.Time     `json:"creationTimestamp"`
}

type statusLastTest struct {
	State   string      `json:"state"`
	Message string      `json:"message,omitempty"`
	Time    metav1.Time `json:"time"`
}

// statusList is the JSON and YAML output of status.
type statusList struct {
	Items []statusRow `json:"items"`
}

func newStatusCommand(f *factory) *cobra.Command {
	var allNamespaces bool
	var out *outputFlag
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show every SailPointTenant, MfaProviderConfig and MfaKbaAnswers with its Ready state",
		Long: `Show every SailPointTenant, MfaProviderConfig and MfaKbaAnswers of the namespace (or of all
namespaces with -A): its tenant, method, Ready status and reason, the last test (provider
configs) or verification (KBA answers with spec.verify), and age. -o wide adds the tenant's
base URL and the Ready message. It reads the cluster only; it calls no SailPoint API.`,
		Example: `  # The resources of the current namespace
  kubectl mfa status

  # Every namespace, with messages
  kubectl mfa status -A -o wide

  # For scripts
  kubectl mfa status -n identity -o json | jq '.items[] | select(.ready != "True") | .name'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := f.clusterOnly("status"); err != nil {
				return err
			}
			c, err := f.kubeClient()
			if err != nil {
				return err
			}
			var opts []client.ListOption
			ns := ""
			if !allNamespaces {
				if ns, err = f.namespace(); err != nil {
					return err
				}
				opts = append(opts, client.InNamespace(ns))
			}
			rows, err := f.statusRows(cmd, c, opts)
			if err != nil {
				return err
			}
			if len(rows) == 0 && !out.machine() {
				if allNamespaces {
					fmt.Fprintln(f.streams.ErrOut, "No MFA resources found.")
				} else {
					fmt.Fprintf(f.streams.ErrOut, "No MFA resources found in namespace %s.\n", ns)
				}
				return nil
			}
			return remoteError(out.print(cmd.OutOrStdout(), statusList{Items: rows}, func(w io.Writer) error {
				return printStatusTable(w, rows, allNamespaces, out.format == outputWide, f.opts.Now())
			}))
		},
	}
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "List the resources of every namespace")
	out = addOutputFlag(cmd, true)
	return cmd
}

func (f *factory) statusRows(cmd *cobra.Command, c client.Client, opts []client.ListOption) ([]statusRow, error) {
	ctx := cmd.Context()
	var tenants mfav1.SailPointTenantList
	if err := c.List(ctx, &tenants, opts...); err != nil {
		return nil, clusterError(err, "list SailPointTenants")
	}
	var providers mfav1.MfaProviderConfigList
	if err := c.List(ctx, &providers, opts...); err != nil {
		return nil, clusterError(err, "list MfaProviderConfigs")
	}
	var kbas mfav1.MfaKbaAnswersList
	if err := c.List(ctx, &kbas, opts...); err != nil {
		return nil, clusterError(err, "list MfaKbaAnswers")
	}
	baseURLs := map[string]string{}
	rows := make([]statusRow, 0, len(tenants.Items)+len(providers.Items)+len(kbas.Items))
	for i := range tenants.Items {
		t := &tenants.Items[i]
		baseURLs[t.Namespace+"/"+t.Name] = t.Spec.BaseURL
		row := newStatusRow(kindTenant, t, t.Name)
		row.BaseURL = t.Spec.BaseURL
		rows = append(rows, row)
	}
	for i := range providers.Items {
		p := &providers.Items[i]
		row := newStatusRow(kindProvider, p, p.Spec.TenantRef.Name)
		row.Method = string(p.Spec.Method)
		row.BaseURL = baseURLs[p.Namespace+"/"+p.Spec.TenantRef.Name]
		if lt := p.Status.LastTest; lt != nil {
			row.LastTest = &statusLastTest{State: string(lt.State), Message: lt.Message, Time: lt.Time}
		}
		rows = append(rows, row)
	}
	for i := range kbas.Items {
		k := &kbas.Items[i]
		row := newStatusRow(kindKba, k, k.Spec.TenantRef.Name)
		row.Method = "kba"
		row.BaseURL = baseURLs[k.Namespace+"/"+k.Spec.TenantRef.Name]
		if lv := k.Status.LastVerification; lv != nil {
			row.LastTest = &statusLastTest{State: string(lv.Status), Message: lv.Message, Time: lv.Time}
		}
		rows = append(rows, row)
	}
	kindOrder := map[string]int{kindTenant: 0, kindProvider: 1, kindKba: 2}
	slices.SortStableFunc(rows, func(a, b statusRow) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind]), cmp.Compare(a.Name, b.Name))
	})
	return rows, nil
}

func newStatusRow(kind string, obj mfav1.Object, tenant string) statusRow {
	row := statusRow{
		Kind:              kind,
		Namespace:         obj.GetNamespace(),
		Name:              obj.GetName(),
		Tenant:            tenant,
		CreationTimestamp: obj.GetCreationTimestamp(),
	}
	if c := apimeta.FindStatusCondition(obj.GetConditions(), mfav1.TypeReady); c != nil {
		row.Ready, row.Reason, row.Message = string(c.Status), c.Reason, c.Message
		row.Stale = c.ObservedGeneration != 0 && c.ObservedGeneration < obj.GetGeneration()
	}
	return row
}

func printStatusTable(w io.Writer, rows []statusRow, allNamespaces, wide bool, now time.Time) error {
	headers := []string{"NAME", "TENANT", "METHOD", "READY", "REASON", "LAST TEST", "AGE"}
	if allNamespaces {
		headers = append([]string{"NAMESPACE"}, headers...)
	}
	if wide {
		headers = append(headers, "BASE URL", "MESSAGE")
	}
	t := newTable(w, headers...)
	for _, r := range rows {
		ready := r.Ready
		if r.Stale {
			ready += " (stale)"
		}
		cells := []string{kindPrefix(r.Kind) + "/" + r.Name, r.Tenant, r.Method, ready, r.Reason, lastTestCell(r.LastTest, now), age(r.CreationTimestamp, now)}
		if allNamespaces {
			cells = append([]string{r.Namespace}, cells...)
		}
		if wide {
			cells = append(cells, r.BaseURL, r.Message)
		}
		t.row(cells...)
	}
	return t.flush()
}

// kindPrefix is the resource name kubectl accepts, as in "kubectl get sailpointtenant/acme".
func kindPrefix(kind string) string {
	switch kind {
	case kindTenant:
		return "sailpointtenant"
	case kindProvider:
		return "mfaproviderconfig"
	}
	return "mfakbaanswers"
}

func lastTestCell(lt *statusLastTest, now time.Time) string {
	if lt == nil || lt.State == "" {
		return ""
	}
	if lt.Time.IsZero() {
		return lt.State
	}
	return lt.State + " " + age(lt.Time, now) + " ago"
}

// age is a kubectl-style age ("5m", "2d3h").
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}
