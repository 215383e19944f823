// Package plugin implements kubectl mfa, a kubectl plugin that runs SailPoint Identity
// Security Cloud MFA operations (configuration tests, Okta Verify and Duo Web verifications,
// one-time tokens, KBA authentication) with the credentials of a SailPointTenant in the
// cluster, or of flags and environment variables without a cluster, and shows the status of
// the operator's resources.
//
// Every command takes its I/O from Options, so that tests can run it in-process. No secret
// value (client secret, provider key, token code, KBA answer, Duo signed response) is ever
// printed, logged or put into an error.
package plugin

import (
	"context"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// IOStreams are the standard streams of a command and what is known about them.
type IOStreams struct {
	// In is standard input: token codes with --code -, KBA answers with --answers -.
	In io.Reader
	// Out receives the result: a table or lines, or JSON or YAML with -o.
	Out io.Writer
	// ErrOut receives prompts, progress and errors.
	ErrOut io.Writer
	// Terminal says that Out is a terminal: verify and poll then draw a progress indicator
	// on ErrOut instead of printing one plain line per poll.
	Terminal bool
	// InTerminal says that In is a terminal: secrets are then prompted for on ErrOut and
	// read with ReadPassword, without echo.
	InTerminal bool
	// ReadPassword reads one line from the terminal without echo; used when InTerminal.
	ReadPassword func() ([]byte, error)
}

// StdStreams returns the process's standard streams, with terminals detected by
// golang.org/x/term.
func StdStreams() IOStreams {
	return IOStreams{
		In:           os.Stdin,
		Out:          os.Stdout,
		ErrOut:       os.Stderr,
		Terminal:     term.IsTerminal(int(os.Stdout.Fd())),
		InTerminal:   term.IsTerminal(int(os.Stdin.Fd())),
		ReadPassword: func() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) },
	}
}

// Options configure NewCommand. Only Streams is required.
type Options struct {
	Streams IOStreams
	// ConfigFlags are the standard kubectl flags; default genericclioptions.NewConfigFlags(true).
	ConfigFlags *genericclioptions.ConfigFlags
	// Getenv reads SAILPOINT_CLIENT_ID and SAILPOINT_CLIENT_SECRET; default os.Getenv.
	Getenv func(string) string
	// NewSailPointClient builds the SailPoint client; default the real one, sailpoint.New.
	NewSailPointClient func(sailpoint.Options) (sailpoint.API, error)
	// Now is the clock for ages and timeouts; default time.Now.
	Now func() time.Time
	// Sleep waits between polls; default a timer that stops when ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o Options) complete() Options {
	if o.ConfigFlags == nil {
		o.ConfigFlags = genericclioptions.NewConfigFlags(true)
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.NewSailPointClient == nil {
		o.NewSailPointClient = func(opts sailpoint.Options) (sailpoint.API, error) { return sailpoint.New(opts) }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Streams.In == nil {
		o.Streams.In = eofReader{}
	}
	if o.Streams.Out == nil {
		o.Streams.Out = io.Discard
	}
	if o.Streams.ErrOut == nil {
		o.Streams.ErrOut = io.Discard
	}
	return o
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NewCommand returns the kubectl mfa command tree. Run it with ExecuteContextC, print its
// error with PrintError and exit with ExitCode.
func NewCommand(o Options) *cobra.Command {
	o = o.complete()
	f := &factory{opts: o, streams: o.Streams, configFlags: o.ConfigFlags}
	root := &cobra.Command{
		Use:   "mfa",
		Short: "Test and exercise SailPoint Identity Security Cloud MFA",
		Long: `kubectl mfa runs SailPoint Identity Security Cloud MFA operations and shows the status of
the sailpoint-mfa-operator's resources.

SailPoint credentials come from a SailPointTenant and its Secret in the cluster (--tenant, or
the namespace's only tenant), or, without a cluster, from --base-url and the environment
variables SAILPOINT_CLIENT_ID and SAILPOINT_CLIENT_SECRET.

Exit codes: 0 success; 1 verification or test failed (FAILED, LOCKOUT, NOT_ENOUGH_DATA, still
PENDING at --timeout); 2 usage error; 3 SailPoint or cluster error.`,
		Example: `  # Status of every SailPointTenant, MfaProviderConfig and MfaKbaAnswers in all namespaces
  kubectl mfa status -A

  # Run SailPoint's test of the Okta Verify configuration now
  kubectl mfa test okta-verify -n identity

  # Push an Okta Verify request to a user and wait for the answer
  kubectl mfa verify okta-verify --user alice@example.com

  # Without a cluster
  SAILPOINT_CLIENT_ID=... SAILPOINT_CLIENT_SECRET=... kubectl mfa test duo-web --base-url https://acme.api.identitynow.com`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl mfa"},
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          groupRunE,
		Version:       sailpoint.Version,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetIn(o.Streams.In)
	root.SetOut(o.Streams.Out)
	root.SetErr(o.Streams.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &ExitError{Code: CodeUsage, Err: err}
	})

	flags := root.PersistentFlags()
	o.ConfigFlags.AddFlags(flags)
	flags.StringVar(&f.tenantName, "tenant", "", "SailPointTenant to take the SailPoint URL and credentials from (default: the namespace's only one)")
	flags.StringVar(&f.baseURL, "base-url", "", "SailPoint API root (no /v3) to use without a cluster; credentials from $"+envClientID+" and $"+envClientSecret)
	flags.StringVar(&f.tokenURL, "token-url", "", "OAuth2 token endpoint with --base-url (default: base URL + /oauth/token)")
	flags.StringVar(&f.configurationAPI, "configuration-api", "", "with --base-url: SailPoint API of the configuration calls, Auto (default: /mfa/v1, /v3 if the tenant has no v1), V1 or V3")

	root.AddCommand(
		newStatusCommand(f),
		newTestCommand(f),
		newVerifyCommand(f),
		newTokenCommand(f),
		newKbaCommand(f),
		newPollCommand(f),
		newReconcileCommand(f),
		newSuspendCommand(f),
		newResumeCommand(f),
		newDoctorCommand(f),
	)
	return root
}

// groupRunE runs for a command that only groups subcommands: kubectl mfa alone shows its
// help; a group without a subcommand, or with an unknown one, is a usage error that names
// the subcommands.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	if !cmd.HasParent() {
		return cmd.Help()
	}
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	return usageErrorf("%s needs a subcommand: %s", cmd.CommandPath(), strings.Join(names, ", "))
}

// exactArgs is cobra.ExactArgs with a usage error naming the arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %s, got %d argument(s)", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}
