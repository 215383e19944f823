package plugin

import (
	"net"
	"net/url"
	"time"

	"github.com/spf13/cobra"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

func newVerifyCommand(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify (okta-verify | duo-web)",
		Short: "Start an Okta Verify or Duo Web verification and wait for its result",
		Long: `Start an Okta Verify or Duo Web verification of a user, then poll
(POST /v3/mfa/{method}/poll) every --interval until its status leaves PENDING or --timeout
passes. A progress indicator is drawn on a terminal; otherwise one line per poll is written to
standard error. The result goes to standard output.

Exit code 0 for SUCCESS, 1 for FAILED, LOCKOUT, NOT_ENOUGH_DATA or still PENDING at --timeout
(resume with kubectl mfa poll).`,
		Example: `  kubectl mfa verify okta-verify --user alice@example.com
  kubectl mfa verify duo-web --user 2c9180947f0ef465017f215cbcfd004b --signed-response - < signed.txt`,
		RunE: groupRunE,
	}
	cmd.AddCommand(newVerifyOktaCommand(f), newVerifyDuoCommand(f))
	return cmd
}

func newVerifyOktaCommand(f *factory) *cobra.Command {
	var user, sourceIP string
	var out *outputFlag
	var wait *waitFlags
	cmd := &cobra.Command{
		Use:   "okta-verify --user ID",
		Short: "Push an Okta Verify request to a user and wait for the answer",
		Long: `Push an Okta Verify request to a user (POST /v3/mfa/okta-verify/verify) and poll until the
user approves or denies it, or --timeout passes.

--user is the value of the user's identity attribute configured for Okta Verify (for example
an e-mail address). SailPoint wants the remote IP address of the caller in the
slpt-forwarding header; --source-ip sets it. By default it is the local address this machine
uses to reach the tenant's host (found without sending anything), or 127.0.0.1 when that
cannot be found.`,
		Example: `  # Ask alice to approve a push, wait up to 2 minutes
  kubectl mfa verify okta-verify --user alice@example.com

  # As seen from a given client address, for scripts
  kubectl mfa verify okta-verify --user alice@example.com --source-ip 203.0.113.7 --timeout 60s -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := wait.validate(); err != nil {
				return err
			}
			if user == "" {
				return usageErrorf("--user must not be empty")
			}
			if sourceIP != "" && net.ParseIP(sourceIP) == nil {
				return usageErrorf("--source-ip %q is not an IP address", sourceIP)
			}
			ctx := cmd.Context()
			t, err := f.defaultTarget(ctx)
			if err != nil {
				return err
			}
			if sourceIP == "" {
				sourceIP = localAddressFor(t.baseURL)
			}
			start := f.opts.Now()
			v := &verification{Tenant: t.name, Method: string(sailpoint.MethodOktaVerify), User: user}
			resp, err := t.api.VerifyOkta(ctx, sailpoint.OktaVerificationRequest{UserID: user}, sourceIP)
			if err != nil {
				return remoteError(err)
			}
			if err := f.waitForVerification(ctx, t.api, sailpoint.MethodOktaVerify, v, resp, *wait, start); err != nil {
				return err
			}
			return printVerification(cmd, out, v, *wait)
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "The user's Okta identity attribute value, e.g. an e-mail address (required)")
	cmd.Flags().StringVar(&sourceIP, "source-ip", "", "IP address sent in the slpt-forwarding header (default: this machine's address towards the tenant)")
	_ = cmd.MarkFlagRequired("user")
	out = addOutputFlag(cmd, false)
	wait = addWaitFlags(cmd)
	return cmd
}

func newVerifyDuoCommand(f *factory) *cobra.Command {
	var user, signed string
	var out *outputFlag
	var wait *waitFlags
	cmd := &cobra.Command{
		Use:   "duo-web --user ID --signed-response VALUE",
		Short: "Verify a Duo Web signed response and wait for the result",
		Long: `Send a Duo Web signed response (AUTH|...:APP|...) for a user (POST /v3/mfa/duo-web/verify)
and poll until the verification leaves PENDING, or --timeout passes.

--user is the user's identity id. --signed-response - reads the signed response from standard
input (or prompts for it, without echo, on a terminal), which keeps it out of the shell
history; the signed response is never printed.`,
		Example: `  kubectl mfa verify duo-web --user 2c9180947f0ef465017f215cbcfd004b --signed-response - < signed.txt
  kubectl mfa verify duo-web --user 2c9180947f0ef465017f215cbcfd004b --signed-response "$SIGNED" -o yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if err := wait.validate(); err != nil {
				return err
			}
			if user == "" {
				return usageErrorf("--user must not be empty")
			}
			if signed == "-" {
				var err error
				if signed, err = newSecretInput(f.streams).read("Duo signed response: ", "--signed-response", true); err != nil {
					return err
				}
			}
			if signed == "" {
				return usageErrorf("--signed-response must not be empty")
			}
			ctx := cmd.Context()
			t, err := f.defaultTarget(ctx)
			if err != nil {
				return err
			}
			start := f.opts.Now()
			v := &verification{Tenant: t.name, Method: string(sailpoint.MethodDuoWeb), User: user}
			resp, err := t.api.VerifyDuo(ctx, sailpoint.DuoVerificationRequest{UserID: user, SignedResponse: signed})
			if err != nil {
				return remoteError(err)
			}
			if err := f.waitForVerification(ctx, t.api, sailpoint.MethodDuoWeb, v, resp, *wait, start); err != nil {
				return err
			}
			return printVerification(cmd, out, v, *wait)
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "The user's identity id (required)")
	cmd.Flags().StringVar(&signed, "signed-response", "", `The Duo Web signed response "AUTH|...:APP|...", or - to read it from standard input (required)`)
	_ = cmd.MarkFlagRequired("user")
	_ = cmd.MarkFlagRequired("signed-response")
	out = addOutputFlag(cmd, false)
	wait = addWaitFlags(cmd)
	return cmd
}

// localAddressFor is the local IP address this machine would use to reach the host of
// baseURL, found by "connecting" a UDP socket (which sends nothing), or 127.0.0.1.
func localAddressFor(baseURL string) string {
	const fallback = "127.0.0.1"
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return fallback
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.Dial("udp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return fallback
	}
	defer conn.Close()
	if addr, ok := conn.LocalAddr().(*net.UDPAddr); ok && addr.IP != nil && !addr.IP.IsUnspecified() {
		return addr.IP.String()
	}
	return fallback
}
