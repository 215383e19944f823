package plugin

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// pollMethods are the {method} values of POST /v3/mfa/{method}/poll.
var pollMethods = []sailpoint.Method{
	sailpoint.MethodOktaVerify, sailpoint.MethodDuoWeb, sailpoint.MethodKBA, sailpoint.MethodToken, sailpoint.MethodRSA,
}

func newPollCommand(f *factory) *cobra.Command {
	var once bool
	var out *outputFlag
	var wait *waitFlags
	cmd := &cobra.Command{
		Use:   "poll METHOD REQUEST_ID",
		Short: "Follow a verification request until it leaves PENDING (POST /v3/mfa/{method}/poll)",
		Long: `Poll a verification request (POST /v3/mfa/{method}/poll) every --interval until its status
leaves PENDING or --timeout passes, as verify does after starting one; --once polls a single
time. METHOD is okta-verify, duo-web, kba, token or rsa; REQUEST_ID comes from verify or
token send.

Exit code 0 for SUCCESS, 1 for FAILED, LOCKOUT, NOT_ENOUGH_DATA or still PENDING (at --timeout,
or after the single poll of --once).`,
		Example: `  # Resume waiting for a push that verify gave up on
  kubectl mfa poll okta-verify 089899f13a8f4da7824996191587bab9 --timeout 5m

  # One poll, for scripts
  kubectl mfa poll token 089899f13a8f4da7824996191587bab9 --once -o json`,
		Args: exactArgs(2, "two arguments, METHOD and REQUEST_ID"),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			names := make([]cobra.Completion, len(pollMethods))
			for i, m := range pollMethods {
				names[i] = string(m)
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := wait.validate(); err != nil {
				return err
			}
			method := sailpoint.Method(args[0])
			if !slices.Contains(pollMethods, method) {
				names := make([]string, len(pollMethods))
				for i, m := range pollMethods {
					names[i] = string(m)
				}
				return usageErrorf("unknown method %q: use one of %s", args[0], strings.Join(names, ", "))
			}
			if args[1] == "" {
				return usageErrorf("REQUEST_ID must not be empty")
			}
			ctx := cmd.Context()
			t, err := f.defaultTarget(ctx)
			if err != nil {
				return err
			}
			start := f.opts.Now()
			v := &verification{Tenant: t.name, Method: string(method), RequestID: args[1]}
			w := *wait
			if once {
				resp, err := t.api.PollVerification(ctx, method, sailpoint.VerificationPollRequest{RequestID: v.RequestID})
				if err != nil {
					return remoteError(err)
				}
				v.Polls = 1
				v.Status, v.Error = string(resp.Status), resp.Error
				v.Elapsed = f.opts.Now().Sub(start).String()
				return printVerification(cmd, out, v, w)
			}
			if err := f.waitForVerification(ctx, t.api, method, v, nil, w, start); err != nil {
				return err
			}
			return printVerification(cmd, out, v, w)
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "Poll a single time and report the status, even PENDING")
	out = addOutputFlag(cmd, false)
	wait = addWaitFlags(cmd)
	return cmd
}
