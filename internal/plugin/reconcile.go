package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
)

// waitPollInterval is how often --wait reads the objects it waits for.
const waitPollInterval = 500 * time.Millisecond

// kindInfo describes one kind of the API group for the commands that act on objects.
type kindInfo struct {
	// kind is the Kind, e.g. MfaProviderConfig.
	kind string
	// names are what KIND accepts (compared case-insensitively): the kind, its singular and
	// plural resource names and its short names, as the CRD declares them.
	names []string
	// suspendable says the kind has spec.suspend.
	suspendable bool
	newObject   func() mfav1.Object
	list        func(ctx context.Context, c client.Client, opts ...client.ListOption) ([]mfav1.Object, error)
}

var kindInfos = []kindInfo{
	{
		kind: kindTenant, names: []string{"sailpointtenant", "sailpointtenants", "spt"},
		newObject: func() mfav1.Object { return &mfav1.SailPointTenant{} },
		list: func(ctx context.Context, c client.Client, opts ...client.ListOption) ([]mfav1.Object, error) {
			var l mfav1.SailPointTenantList
			err := c.List(ctx, &l, opts...)
			return itemsOf(l.Items), err
		},
	},
	{
		kind: kindProvider, names: []string{"mfaproviderconfig", "mfaproviderconfigs", "mfapc"}, suspendable: true,
		newObject: func() mfav1.Object { return &mfav1.MfaProviderConfig{} },
		list: func(ctx context.Context, c client.Client, opts ...client.ListOption) ([]mfav1.Object, error) {
			var l mfav1.MfaProviderConfigList
			err := c.List(ctx, &l, opts...)
			return itemsOf(l.Items), err
		},
	},
	{
		kind: kindKba, names: []string{"mfakbaanswers", "mfakbaanswer", "kba"}, suspendable: true,
		newObject: func() mfav1.Object { return &mfav1.MfaKbaAnswers{} },
		list: func(ctx context.Context, c client.Client, opts ...client.ListOption) ([]mfav1.Object, error) {
			var l mfav1.MfaKbaAnswersList
			err := c.List(ctx, &l, opts...)
			return itemsOf(l.Items), err
		},
	},
}

func itemsOf[T any, P interface {
	*T
	mfav1.Object
}](items []T) []mfav1.Object {
	out := make([]mfav1.Object, len(items))
	for i := range items {
		out[i] = P(&items[i])
	}
	return out
}

// lookupKind resolves KIND.
func lookupKind(name string) (*kindInfo, bool) {
	for i := range kindInfos {
		k := &kindInfos[i]
		if strings.EqualFold(name, k.kind) || slices.Contains(k.names, strings.ToLower(name)) {
			return k, true
		}
	}
	return nil, false
}

func kindNames(suspendableOnly bool) string {
	var names []string
	for _, k := range kindInfos {
		if !suspendableOnly || k.suspendable {
			names = append(names, k.kind+" ("+strings.Join(k.names, ", ")+")")
		}
	}
	return strings.Join(names, "; ")
}

// action is what reconcile, suspend and resume do to an object.
type action struct {
	verb string
	// suspend is the value written to spec.suspend, nil to leave it alone.
	suspend *bool
	// request says the command sets reconcile.fluxcd.io/requestedAt.
	request bool
}

// objectResult is one object in the output of reconcile, suspend and resume.
type objectResult struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// RequestedAt is the value written to reconcile.fluxcd.io/requestedAt.
	RequestedAt string `json:"requestedAt,omitempty"`
	// Suspended is spec.suspend after the command.
	Suspended *bool `json:"suspended,omitempty"`
	// Handled is true with --wait when the operator handled the change.
	Handled bool `json:"handled,omitempty"`
	// Ready, Reason and Message are the Ready condition after the wait.
	Ready   string `json:"ready,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Error says why the object was not changed or not handled.
	Error string `json:"error,omitempty"`

	code int
}

type objectResults struct {
	Items []objectResult `json:"items"`
}

type objectFlags struct {
	all           bool
	allNamespaces bool
	selector      string
	wait          bool
	timeout       time.Duration
	out           *outputFlag
}

func newReconcileCommand(f *factory) *cobra.Command {
	return newObjectActionCommand(f, action{verb: "reconcile", request: true}, &cobra.Command{
		Use:   "reconcile (KIND/NAME... | KIND NAME... | [KIND] --all)",
		Short: "Ask the operator to reconcile objects now (reconcile.fluxcd.io/requestedAt)",
		Long: `Ask the operator to reconcile objects now, as flux reconcile does: set the annotation
reconcile.fluxcd.io/requestedAt to the current time. With --wait, wait until the operator
echoes it in status.lastHandledReconcileAt and print the Ready condition.

KIND is SailPointTenant (sailpointtenants, spt), MfaProviderConfig (mfaproviderconfigs,
mfapc) or MfaKbaAnswers (kba). --all reconciles every object of the namespace (every
namespace with -A), of KIND only when it is given, with the labels of -l only when given. A suspended object is not reconciled:
resume it with kubectl mfa resume.

Exit codes: 0 done (with --wait: every object Ready); 1 with --wait when an object is not
Ready, or was not handled within --timeout, or a named object is suspended; 2 usage error;
3 an object does not exist or the cluster answered with an error.`,
		Example: `  # Reconcile one MfaProviderConfig now and wait for it to be Ready
  kubectl mfa reconcile mfapc/okta -n identity --wait

  # Reconcile a tenant (all of its objects follow it when its credentials changed)
  kubectl mfa reconcile spt acme -n identity

  # Every object of every namespace
  kubectl mfa reconcile --all -A --wait --timeout 5m`,
	})
}

func newSuspendCommand(f *factory) *cobra.Command {
	return newObjectActionCommand(f, action{verb: "suspend", suspend: new(true)}, &cobra.Command{
		Use:   "suspend (KIND/NAME... | KIND NAME... | [KIND] --all)",
		Short: "Stop the operator's calls to SailPoint for MfaProviderConfigs and MfaKbaAnswers (spec.suspend)",
		Long: `Set spec.suspend to true on MfaProviderConfigs and MfaKbaAnswers, as flux suspend does:
the operator then makes no SailPoint call for them (Synced Unknown, reason Suspended) until
kubectl mfa resume. A SailPointTenant has no spec.suspend; naming one is a usage error.
With --wait, wait until the operator has seen the change and print the Ready condition.

Exit codes: 0 done; 1 with --wait when the operator did not see the change within
--timeout; 2 usage error; 3 an object does not exist or the cluster answered with an error.`,
		Example: `  # Suspend one MfaKbaAnswers
  kubectl mfa suspend kba/svc-account -n identity

  # Suspend everything of a namespace before maintenance
  kubectl mfa suspend --all -n identity`,
	})
}

func newResumeCommand(f *factory) *cobra.Command {
	return newObjectActionCommand(f, action{verb: "resume", suspend: new(false), request: true}, &cobra.Command{
		Use:   "resume (KIND/NAME... | KIND NAME... | [KIND] --all)",
		Short: "Resume MfaProviderConfigs and MfaKbaAnswers and reconcile them now",
		Long: `Set spec.suspend to false on MfaProviderConfigs and MfaKbaAnswers and ask for a reconcile
now (reconcile.fluxcd.io/requestedAt), as flux resume does. With --wait, wait until the
operator handled it and print the Ready condition. A SailPointTenant has no spec.suspend;
naming one is a usage error.

Exit codes: 0 done (with --wait: every object Ready); 1 with --wait when an object is not
Ready or was not handled within --timeout; 2 usage error; 3 an object does not exist or
the cluster answered with an error.`,
		Example: `  # Resume one MfaProviderConfig and wait until it is Ready
  kubectl mfa resume mfaproviderconfig/okta -n identity --wait

  # Resume every suspended object of every namespace
  kubectl mfa resume --all -A`,
	})
}

func newObjectActionCommand(f *factory, a action, cmd *cobra.Command) *cobra.Command {
	flags := &objectFlags{}
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return f.runObjectAction(cmd, a, flags, args) }
	cmd.Args = cobra.ArbitraryArgs
	cmd.ValidArgsFunction = f.completeObjects(a)
	cmd.Flags().BoolVar(&flags.all, "all", false, "Every object of the namespace (of KIND only, when given)")
	cmd.Flags().BoolVarP(&flags.allNamespaces, "all-namespaces", "A", false, "With --all: of every namespace")
	cmd.Flags().StringVarP(&flags.selector, "selector", "l", "", "With --all: only objects with these labels, e.g. -l team=identity")
	cmd.Flags().BoolVar(&flags.wait, "wait", false, "Wait until the operator handled the change and print the Ready condition")
	cmd.Flags().DurationVar(&flags.timeout, "timeout", defaultTimeout, "How long --wait waits")
	flags.out = addOutputFlag(cmd, false)
	return cmd
}

func (f *factory) runObjectAction(cmd *cobra.Command, a action, flags *objectFlags, args []string) error {
	if err := flags.out.validate(); err != nil {
		return err
	}
	if flags.timeout <= 0 {
		return usageErrorf("--timeout must be positive, got %s", flags.timeout)
	}
	if err := f.clusterOnly(a.verb); err != nil {
		return err
	}
	refs, kinds, err := parseObjectArgs(a, args, flags.all)
	if err != nil {
		return err
	}
	if (flags.allNamespaces || flags.selector != "") && !flags.all {
		return usageErrorf("-A (--all-namespaces) and -l (--selector) need --all; name objects of one namespace with -n")
	}
	selector, err := labels.Parse(flags.selector)
	if err != nil {
		return usageErrorf("bad --selector: %w", err)
	}
	c, err := f.kubeClient()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if refs, err = f.targets(ctx, c, a, flags, refs, kinds, selector); err != nil || len(refs) == 0 {
		return err
	}
	results := make([]objectResult, len(refs))
	for i, r := range refs {
		results[i] = f.apply(ctx, c, a, r, flags.all)
		if flags.wait && results[i].code == CodeOK && results[i].Error == "" {
			fmt.Fprintf(f.streams.ErrOut, "%s %s/%s: %s, waiting\n", r.Kind, r.Namespace, r.Name, doneText(a, results[i]))
		}
	}
	if flags.wait {
		waitHandled(ctx, c, a, results, flags.timeout)
	}
	code := CodeOK
	for _, r := range results {
		code = worseCode(code, r.code)
	}
	if err := flags.out.print(cmd.OutOrStdout(), objectResults{Items: results}, func(w io.Writer) error {
		for _, r := range results {
			if r.code != CodeOK {
				fmt.Fprintf(f.streams.ErrOut, "error: %s\n", resultLine(a, r, flags.wait))
				continue
			}
			fmt.Fprintln(w, resultLine(a, r, flags.wait))
		}
		return nil
	}); err != nil {
		return remoteError(err)
	}
	if code != CodeOK {
		return &ExitError{Code: code}
	}
	return nil
}

// targets are the named objects in the namespace of -n, or with --all those listed.
func (f *factory) targets(ctx context.Context, c client.Client, a action, flags *objectFlags, refs []objectResult,
	kinds []*kindInfo, selector labels.Selector) ([]objectResult, error) {
	if !flags.all {
		ns, err := f.namespace()
		if err != nil {
			return nil, err
		}
		for i := range refs {
			refs[i].Namespace = ns
		}
		return refs, nil
	}
	ns := ""
	if !flags.allNamespaces {
		var err error
		if ns, err = f.namespace(); err != nil {
			return nil, err
		}
	}
	refs, err := listObjects(ctx, c, kinds, ns, selector, a)
	if err != nil {
		return nil, err
	}
	if len(refs) == 0 {
		where := "in namespace " + ns
		if ns == "" {
			where = "in any namespace"
		}
		fmt.Fprintf(f.streams.ErrOut, "No objects to %s %s.\n", a.verb, where)
	}
	return refs, nil
}

// worseCode is the exit code that wins when objects end differently: an error over a
// usage error over a failure.
func worseCode(a, b int) int {
	rank := map[int]int{CodeOK: 0, CodeFailed: 1, CodeUsage: 2, CodeError: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// parseObjectArgs reads KIND/NAME..., KIND NAME... or [KIND...] --all.
func parseObjectArgs(a action, args []string, all bool) ([]objectResult, []*kindInfo, error) {
	kindOf := func(name string) (*kindInfo, error) {
		k, ok := lookupKind(name)
		if !ok {
			return nil, usageErrorf("unknown kind %q: use %s", name, kindNames(a.suspend != nil))
		}
		if a.suspend != nil && !k.suspendable {
			return nil, usageErrorf("a %s has no spec.suspend, so it cannot be %sd; %s only MfaProviderConfigs and MfaKbaAnswers",
				k.kind, a.verb, a.verb)
		}
		return k, nil
	}
	if all {
		var kinds []*kindInfo
		for _, arg := range args {
			if strings.Contains(arg, "/") {
				return nil, nil, usageErrorf("--all takes kinds, not objects: %q", arg)
			}
			k, err := kindOf(arg)
			if err != nil {
				return nil, nil, err
			}
			kinds = append(kinds, k)
		}
		if len(kinds) == 0 {
			for i := range kindInfos {
				if a.suspend == nil || kindInfos[i].suspendable {
					kinds = append(kinds, &kindInfos[i])
				}
			}
		}
		return nil, kinds, nil
	}
	if len(args) == 0 {
		return nil, nil, usageErrorf("name the objects to %s as KIND/NAME, or use --all", a.verb)
	}
	var refs []objectResult
	if !strings.Contains(args[0], "/") {
		if len(args) < 2 {
			return nil, nil, usageErrorf("%q names no object: use KIND/NAME, KIND NAME, or KIND --all", args[0])
		}
		k, err := kindOf(args[0])
		if err != nil {
			return nil, nil, err
		}
		for _, name := range args[1:] {
			if strings.Contains(name, "/") {
				return nil, nil, usageErrorf("after KIND, give names only: %q", name)
			}
			refs = append(refs, objectResult{Kind: k.kind, Name: name})
		}
		return refs, nil, nil
	}
	for _, arg := range args {
		kind, name, ok := strings.Cut(arg, "/")
		if !ok || name == "" || strings.Contains(name, "/") {
			return nil, nil, usageErrorf("%q is not KIND/NAME", arg)
		}
		k, err := kindOf(kind)
		if err != nil {
			return nil, nil, err
		}
		refs = append(refs, objectResult{Kind: k.kind, Name: name})
	}
	return refs, nil, nil
}

// listObjects lists the objects of kinds in ns ("" for every namespace). reconcile skips
// suspended objects.
func listObjects(ctx context.Context, c client.Client, kinds []*kindInfo, ns string, selector labels.Selector, a action) ([]objectResult, error) {
	opts := []client.ListOption{client.MatchingLabelsSelector{Selector: selector}}
	if ns != "" {
		opts = append(opts, client.InNamespace(ns))
	}
	var refs []objectResult
	for _, k := range kinds {
		items, err := k.list(ctx, c, opts...)
		if err != nil {
			return nil, clusterError(err, "list "+k.kind+"s")
		}
		for _, o := range items {
			if a.suspend == nil && isSuspended(o) {
				continue
			}
			refs = append(refs, objectResult{Kind: k.kind, Namespace: o.GetNamespace(), Name: o.GetName()})
		}
	}
	return refs, nil
}

func isSuspended(o mfav1.Object) bool {
	switch v := o.(type) {
	case *mfav1.MfaProviderConfig:
		return v.Spec.Suspend
	case *mfav1.MfaKbaAnswers:
		return v.Spec.Suspend
	}
	return false
}

// apply patches one object.
func (f *factory) apply(ctx context.Context, c client.Client, a action, r objectResult, all bool) objectResult {
	k, _ := lookupKind(r.Kind)
	obj := k.newObject()
	if err := c.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: r.Name}, obj); err != nil {
		return failed(r, objectError(err, r, "get"))
	}
	if a.suspend == nil && isSuspended(obj) {
		r.Error = "suspended: resume it with kubectl mfa resume " + strings.ToLower(r.Kind) + "/" + r.Name
		r.code = CodeFailed
		if all {
			r.code = CodeOK
		}
		return r
	}
	patch := map[string]any{}
	if a.request {
		r.RequestedAt = f.opts.Now().Format(time.RFC3339Nano)
		patch["metadata"] = map[string]any{"annotations": map[string]string{mfav1.ReconcileRequestedAtAnnotation: r.RequestedAt}}
	}
	if a.suspend != nil {
		patch["spec"] = map[string]any{"suspend": *a.suspend}
		r.Suspended = a.suspend
	}
	body, err := json.Marshal(patch)
	if err != nil {
		return failed(r, remoteError(err))
	}
	if err := c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, body)); err != nil {
		return failed(r, objectError(err, r, a.verb))
	}
	return r
}

func objectError(err error, r objectResult, what string) error {
	if apierrors.IsNotFound(err) && !apimeta.IsNoMatchError(err) {
		return remoteErrorf("%s %q not found in namespace %q", r.Kind, r.Name, r.Namespace)
	}
	return clusterError(err, what+" "+r.Kind+" "+r.Namespace+"/"+r.Name)
}

func failed(r objectResult, err error) objectResult {
	r.Error = err.Error()
	r.code = ExitCode(err)
	return r
}

func doneText(a action, r objectResult) string {
	switch {
	case r.Error != "":
		return r.Error
	case a.suspend != nil && *a.suspend:
		return "suspended"
	case a.suspend != nil:
		return "resumed, reconcile requested"
	}
	return "reconcile requested"
}

// waitHandled waits, all objects at once, until the operator handled each change: the
// requestedAt value echoed in status.lastHandledReconcileAt, or (suspend) the status of the
// current generation. Then it records the Ready condition and the outcome in results.
func waitHandled(ctx context.Context, c client.Client, a action, results []objectResult, timeout time.Duration) {
	objects := make([]mfav1.Object, len(results))
	pending := 0
	for i := range results {
		if results[i].code == CodeOK && results[i].Error == "" {
			pending++
		}
	}
	err := wait.PollUntilContextTimeout(ctx, waitPollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		for i := range results {
			r := &results[i]
			if r.code != CodeOK || r.Error != "" || r.Handled {
				continue
			}
			k, _ := lookupKind(r.Kind)
			obj := k.newObject()
			if err := c.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: r.Name}, obj); err != nil {
				if apierrors.IsNotFound(err) {
					*r = failed(*r, objectError(err, *r, "get"))
					pending--
				}
				// Anything else (client-side throttling near the deadline, a blip of the API
				// server) is retried at the next poll; the timeout decides.
				continue
			}
			objects[i] = obj
			if handled(obj, r.RequestedAt) {
				r.Handled = true
				pending--
			}
		}
		return pending == 0, nil
	})
	for i := range results {
		r := &results[i]
		if r.code != CodeOK || r.Error != "" {
			continue
		}
		if obj := objects[i]; obj != nil {
			if ready := apimeta.FindStatusCondition(obj.GetConditions(), mfav1.TypeReady); ready != nil {
				r.Ready, r.Reason, r.Message = string(ready.Status), ready.Reason, ready.Message
			}
		}
		switch {
		case !r.Handled:
			r.Error = fmt.Sprintf("not handled by the operator within %s (is it running, and does it watch namespace %s?)", timeout, r.Namespace)
			if obj := objects[i]; obj != nil && echoed(obj, r.RequestedAt) {
				r.Error = fmt.Sprintf("still reconciling after %s: Ready=%s %s: %s", timeout, orDash(r.Ready), r.Reason, r.Message)
			}
			if ctx.Err() != nil || (err != nil && !wait.Interrupted(err)) {
				r.Error = "interrupted before the operator handled it"
			}
			r.code = CodeFailed
		case a.suspend != nil && *a.suspend:
			// Suspended objects are not Ready, by design.
		case r.Ready != string(metav1.ConditionTrue):
			r.code = CodeFailed
		}
	}
}

// handled says the operator has handled the request: it echoed requestedAt (when set),
// wrote the status of the current generation, and is no longer Reconciling (kstatus: work
// in progress, such as waiting for the tenant).
func handled(obj mfav1.Object, requestedAt string) bool {
	st := obj.GetCommonStatus()
	if requestedAt != "" && st.LastHandledReconcileAt != requestedAt {
		return false
	}
	gen := obj.GetGeneration()
	ready := apimeta.FindStatusCondition(obj.GetConditions(), mfav1.TypeReady)
	return st.ObservedGeneration == gen && ready != nil && ready.ObservedGeneration == gen &&
		!apimeta.IsStatusConditionTrue(obj.GetConditions(), mfav1.TypeReconciling)
}

// echoed says the operator has seen the request, though it may still be working on it.
func echoed(obj mfav1.Object, requestedAt string) bool {
	st := obj.GetCommonStatus()
	return (requestedAt == "" || st.LastHandledReconcileAt == requestedAt) && st.ObservedGeneration == obj.GetGeneration()
}

// resultLine is the human line of one object.
func resultLine(a action, r objectResult, waited bool) string {
	line := fmt.Sprintf("%s %s/%s: ", r.Kind, r.Namespace, r.Name)
	if !waited || !r.Handled {
		return line + doneText(a, r)
	}
	line += "Ready=" + orDash(r.Ready)
	if r.Reason != "" {
		line += " " + r.Reason
	}
	if r.Message != "" {
		line += ": " + r.Message
	}
	return line
}

// completeObjects completes KIND/NAME from the cluster.
func (f *factory) completeObjects(a action) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		kind, _, hasSlash := strings.Cut(toComplete, "/")
		if !hasSlash {
			var out []cobra.Completion
			for _, k := range kindInfos {
				if a.suspend == nil || k.suspendable {
					out = append(out, strings.ToLower(k.kind)+"/")
				}
			}
			return out, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
		}
		k, ok := lookupKind(kind)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names, err := f.objectNames(cmd.Context(), k)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		out := make([]cobra.Completion, len(names))
		for i, n := range names {
			out[i] = kind + "/" + n
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// objectNames lists the names of kind's objects in the namespace, for completion.
func (f *factory) objectNames(ctx context.Context, k *kindInfo) ([]string, error) {
	c, err := f.kubeClient()
	if err != nil {
		return nil, err
	}
	ns, err := f.namespace()
	if err != nil {
		return nil, err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	items, err := k.list(ctx, c, client.InNamespace(ns))
	if err != nil {
		return nil, err
	}
	names := make([]string, len(items))
	for i, o := range items {
		names[i] = o.GetName()
	}
	slices.Sort(names)
	return names, nil
}
