package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mfav1 "github.com/identityops/sailpoint-mfa-operator/api/v1alpha1"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// requirement is what SailPoint asks of a token for one operation: any one of the scopes
// (or sp:scopes:all) and one of the user levels (none listed: any level), as
// x-sailpoint-userLevels and the security section of the API say (reference section 2.1).
type requirement struct {
	levels []string
	scopes []string
}

func (r requirement) String() string {
	level := "any user level"
	if len(r.levels) > 0 {
		level = "user level " + strings.Join(r.levels, " or ")
	}
	return level + ", scope " + strings.Join(r.scopes, " or ")
}

// grantedBy says whether scopes (the token's) hold one the requirement asks for.
func (r requirement) grantedBy(scopes []string) bool {
	return slices.Contains(scopes, scopeAll) || slices.ContainsFunc(r.scopes, func(s string) bool { return slices.Contains(scopes, s) })
}

const scopeAll = "sp:scopes:all"

var (
	reqConfigRead   = requirement{levels: []string{"ORG_ADMIN"}, scopes: []string{"idn:mfa-configuration:read", "idn:mfa-configuration:manage"}}
	reqConfigManage = requirement{levels: []string{"ORG_ADMIN"}, scopes: []string{"idn:mfa-configuration:manage"}}
	reqKbaRead      = requirement{levels: []string{"ORG_ADMIN", "USER"}, scopes: []string{"idn:mfa-kba:read"}}
	reqKbaAnswers   = requirement{levels: []string{"USER"}, scopes: []string{"idn:mfa-kba:authenticate"}}
	reqKbaAuth      = requirement{scopes: []string{"idn:mfa-kba:authenticate"}}
)

// Results of a probe.
const (
	probeOK        = "OK"
	probeRefused   = "refused"
	probeError     = "error"
	probeNotProbed = "not probed"
)

// probe is one row of the doctor's table.
type probe struct {
	// Operation is the method and path, relative to the API version, e.g.
	// "GET /mfa/okta-verify/config".
	Operation string `json:"operation"`
	// Result is OK, refused (401/403), error, or "not probed" for operations that write.
	Result string `json:"result"`
	// Detail is the test state, the HTTP status of a refusal, the error, or why an
	// operation was not probed.
	Detail string `json:"detail,omitempty"`
	// Requires is the user level and scope the operation needs; shown when refused.
	Requires string `json:"requires"`
	// NeededBy lists the objects of the tenant that make this call.
	NeededBy []string `json:"neededBy,omitempty"`
	// Needed says the exit code depends on this probe.
	Needed bool `json:"needed"`

	req requirement
	run func(ctx context.Context, api sailpoint.API) (string, error)
}

// doctorReport is the output of doctor. It never holds a secret, a token or an answer.
type doctorReport struct {
	Tenant         string     `json:"tenant"`
	BaseURL        string     `json:"baseURL"`
	IdentityID     string     `json:"identityID,omitempty"`
	TokenExpiresAt *time.Time `json:"tokenExpiresAt,omitempty"`
	// TokenLifetime is the time left on the token when it was obtained, e.g. "12m29s".
	TokenLifetime string   `json:"tokenLifetime,omitempty"`
	Scopes        []string `json:"scopes,omitempty"`
	Probes        []probe  `json:"probes"`
	// OK is true when every needed probe succeeded.
	OK bool `json:"ok"`
}

func newDoctorCommand(f *factory) *cobra.Command {
	var out *outputFlag
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check what the tenant's credentials may do, with read-only SailPoint calls",
		Long: `Check the credentials of a SailPointTenant (--tenant, or the namespace's only one), or of
--base-url and the environment variables SAILPOINT_CLIENT_ID and SAILPOINT_CLIENT_SECRET:
obtain a token, show the identity and the token's lifetime, then probe SailPoint with
read-only calls (the Okta Verify and Duo Web configuration GETs, the KBA questions GET,
and each method's test) and print a table of the operations, their result, and for a
refused one the user level and scope that it needs. Operations that write (PUT, KBA
answers, KBA authenticate) are never called; they are listed for the objects that need
them, with a check of the token's scopes.

With a cluster, a probe is needed when one of the tenant's MfaProviderConfigs or
MfaKbaAnswers makes that call; with --base-url every probe is needed. It never prints a
secret, a token or an answer.

Exit codes: 0 every needed probe succeeded; 1 a needed probe was refused or failed; 2
usage error; 3 no token could be obtained, or the cluster answered with an error.`,
		Example: `  # The namespace's tenant
  kubectl mfa doctor -n identity

  # One tenant of several, as JSON
  kubectl mfa doctor -n identity --tenant acme -o json

  # Without a cluster
  SAILPOINT_CLIENT_ID=... SAILPOINT_CLIENT_SECRET=... kubectl mfa doctor --base-url https://acme.api.identitynow.com`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			ctx := cmd.Context()
			t, err := f.defaultTarget(ctx)
			if err != nil {
				return err
			}
			probes := allProbes()
			if f.baseURL == "" {
				if err := f.markNeeded(ctx, t, probes); err != nil {
					return err
				}
			} else {
				for i := range probes {
					probes[i].Needed = probes[i].run != nil
				}
			}
			rep := doctorReport{Tenant: t.name, BaseURL: t.baseURL}
			info, err := t.api.Token(ctx)
			if err != nil {
				return remoteErrorf("cannot obtain a token for %s: %w", t.name, err)
			}
			rep.IdentityID, rep.Scopes = info.IdentityID, info.Scopes
			if !info.ExpiresAt.IsZero() {
				exp := info.ExpiresAt.UTC()
				rep.TokenExpiresAt = &exp
				rep.TokenLifetime = exp.Sub(f.opts.Now()).Round(time.Second).String()
			}
			rep.OK = true
			for i := range probes {
				p := &probes[i]
				runProbe(ctx, t.api, p, info.Scopes)
				if p.Needed && p.Result != probeOK && (p.run != nil || p.Result != probeNotProbed) {
					rep.OK = false
				}
			}
			rep.Probes = probes
			if err := out.print(cmd.OutOrStdout(), rep, func(w io.Writer) error {
				return printDoctor(w, rep, f.opts.Now())
			}); err != nil {
				return remoteError(err)
			}
			if !rep.OK {
				fmt.Fprintf(f.streams.ErrOut, "Some calls that %s need are refused or fail: see REQUIRES for the user level and scope.\n", neededWhat(f))
				return errFailed
			}
			return nil
		},
	}
	out = addOutputFlag(cmd, false)
	return cmd
}

func neededWhat(f *factory) string {
	if f.baseURL != "" {
		return "the operator's kinds"
	}
	return "the tenant's objects"
}

// allProbes are the rows of the table, in the reference's order.
func allProbes() []probe {
	getCfg := func(m sailpoint.Method) func(ctx context.Context, api sailpoint.API) (string, error) {
		return func(ctx context.Context, api sailpoint.API) (string, error) {
			var enabled bool
			switch m {
			case sailpoint.MethodOktaVerify:
				c, err := api.GetOktaConfig(ctx)
				if err != nil {
					return "", err
				}
				enabled = c.Enabled
			default:
				c, err := api.GetDuoConfig(ctx)
				if err != nil {
					return "", err
				}
				enabled = c.Enabled
			}
			if enabled {
				return "enabled", nil
			}
			return "not enabled", nil
		}
	}
	test := func(m sailpoint.Method) func(ctx context.Context, api sailpoint.API) (string, error) {
		return func(ctx context.Context, api sailpoint.API) (string, error) {
			r, err := api.TestConfig(ctx, m)
			if err != nil {
				return "", err
			}
			if r.Error != "" {
				return string(r.State) + ": " + r.Error, nil
			}
			return string(r.State), nil
		}
	}
	return []probe{
		{Operation: "GET /mfa/okta-verify/config", req: reqConfigRead, run: getCfg(sailpoint.MethodOktaVerify)},
		{Operation: "GET /mfa/okta-verify/test", req: reqConfigRead, run: test(sailpoint.MethodOktaVerify)},
		{Operation: "PUT /mfa/okta-verify/config", req: reqConfigManage},
		{Operation: "GET /mfa/duo-web/config", req: reqConfigRead, run: getCfg(sailpoint.MethodDuoWeb)},
		{Operation: "GET /mfa/duo-web/test", req: reqConfigRead, run: test(sailpoint.MethodDuoWeb)},
		{Operation: "PUT /mfa/duo-web/config", req: reqConfigManage},
		{Operation: "GET /mfa/kba/config", req: reqKbaRead, run: func(ctx context.Context, api sailpoint.API) (string, error) {
			qs, err := api.GetKbaConfig(ctx, false)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d question(s)", len(qs)), nil
		}},
		{Operation: "POST /mfa/kba/config/answers", req: reqKbaAnswers},
		{Operation: "POST /mfa/kba/authenticate", req: reqKbaAuth},
	}
}

// runProbe calls a read-only operation, or checks the scopes of one that writes.
func runProbe(ctx context.Context, api sailpoint.API, p *probe, scopes []string) {
	p.Requires = p.req.String()
	if p.run == nil {
		switch {
		case scopes != nil && !p.req.grantedBy(scopes):
			p.Result, p.Detail = probeRefused, "the token lacks the scope"
		default:
			p.Result, p.Detail = probeNotProbed, "it writes or authenticates; not called"
		}
		return
	}
	detail, err := p.run(ctx, api)
	var apiErr *sailpoint.APIError
	switch {
	case err == nil:
		p.Result, p.Detail = probeOK, detail
	case errors.Is(err, sailpoint.ErrForbidden) || errors.Is(err, sailpoint.ErrUnauthorized):
		p.Result = probeRefused
		if errors.As(err, &apiErr) {
			p.Detail = fmt.Sprintf("%d %s", apiErr.StatusCode, strings.ToLower(http.StatusText(apiErr.StatusCode)))
		}
	default:
		p.Result, p.Detail = probeError, err.Error()
	}
}

// markNeeded records which probes the tenant's MfaProviderConfigs and MfaKbaAnswers need.
func (f *factory) markNeeded(ctx context.Context, t *target, probes []probe) error {
	c, err := f.kubeClient()
	if err != nil {
		return err
	}
	ns, tenant, _ := strings.Cut(t.name, "/")
	need := func(op, by string) {
		for i := range probes {
			if probes[i].Operation == op {
				probes[i].Needed = true
				probes[i].NeededBy = append(probes[i].NeededBy, by)
			}
		}
	}
	var providers mfav1.MfaProviderConfigList
	if err := c.List(ctx, &providers, client.InNamespace(ns)); err != nil {
		return clusterError(err, "list MfaProviderConfigs")
	}
	for _, p := range providers.Items {
		if p.Spec.TenantRef.Name != tenant || p.Spec.Suspend {
			continue
		}
		by, m := "mfapc/"+p.Name, string(p.Spec.Method)
		need("GET /mfa/"+m+"/config", by)
		if p.Spec.IsEnabled() {
			need("GET /mfa/"+m+"/test", by)
		}
		if p.Spec.ManagementPolicy != mfav1.ManagementPolicyObserve {
			need("PUT /mfa/"+m+"/config", by)
		}
	}
	var kbas mfav1.MfaKbaAnswersList
	if err := c.List(ctx, &kbas, client.InNamespace(ns)); err != nil {
		return clusterError(err, "list MfaKbaAnswers")
	}
	for _, k := range kbas.Items {
		if k.Spec.TenantRef.Name != tenant || k.Spec.Suspend {
			continue
		}
		by := "kba/" + k.Name
		need("GET /mfa/kba/config", by)
		if k.Spec.ManagementPolicy != mfav1.ManagementPolicyObserve {
			need("POST /mfa/kba/config/answers", by)
		}
		if k.Spec.Verify {
			need("POST /mfa/kba/authenticate", by)
		}
	}
	return nil
}

func printDoctor(w io.Writer, rep doctorReport, now time.Time) error {
	fmt.Fprintf(w, "Tenant:    %s (%s)\n", rep.Tenant, rep.BaseURL)
	fmt.Fprintf(w, "Identity:  %s\n", orDash(rep.IdentityID))
	token := "obtained"
	if rep.TokenExpiresAt != nil {
		token += fmt.Sprintf(", expires in %s (%s)", duration.HumanDuration(rep.TokenExpiresAt.Sub(now)), rep.TokenExpiresAt.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "Token:     %s\n", token)
	fmt.Fprintf(w, "Scopes:    %s\n\n", orDash(strings.Join(rep.Scopes, " ")))
	t := newTable(w, "OPERATION", "NEEDED BY", "RESULT", "REQUIRES")
	for _, p := range rep.Probes {
		result := p.Result
		if p.Detail != "" {
			result += " (" + p.Detail + ")"
		}
		requires := ""
		if p.Result == probeRefused {
			requires = p.Requires
		}
		neededBy := strings.Join(p.NeededBy, ",")
		if neededBy == "" && p.Needed {
			neededBy = "(all)"
		}
		t.row(p.Operation, neededBy, result, requires)
	}
	return t.flush()
}
