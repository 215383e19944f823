package plugin

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// deliveryTypes are the values of --delivery.
var deliveryTypes = []sailpoint.DeliveryType{
	sailpoint.DeliverySMSPersonal, sailpoint.DeliveryVoicePersonal, sailpoint.DeliverySMSWork,
	sailpoint.DeliveryVoiceWork, sailpoint.DeliveryEmailWork, sailpoint.DeliveryEmailPersonal,
}

// tokenFlags are --alias and --delivery.
type tokenFlags struct {
	alias    string
	delivery string
}

func addTokenFlags(cmd *cobra.Command) *tokenFlags {
	t := &tokenFlags{}
	names := make([]string, len(deliveryTypes))
	for i, d := range deliveryTypes {
		names[i] = string(d)
	}
	cmd.Flags().StringVar(&t.alias, "alias", "", "The user's identity name (userAlias), e.g. will.albin (required)")
	cmd.Flags().StringVar(&t.delivery, "delivery", "", "Delivery type: "+strings.Join(names, ", ")+" (required)")
	_ = cmd.RegisterFlagCompletionFunc("delivery", cobra.FixedCompletions(names, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagRequired("alias")
	_ = cmd.MarkFlagRequired("delivery")
	return t
}

// validate checks the flags and returns the delivery type (case-insensitive).
func (t *tokenFlags) validate() (sailpoint.DeliveryType, error) {
	if t.alias == "" {
		return "", usageErrorf("--alias must not be empty")
	}
	d := sailpoint.DeliveryType(strings.ToUpper(strings.ReplaceAll(t.delivery, "-", "_")))
	if !slices.Contains(deliveryTypes, d) {
		names := make([]string, len(deliveryTypes))
		for i, d := range deliveryTypes {
			names[i] = string(d)
		}
		return "", usageErrorf("unknown --delivery %q: use one of %s", t.delivery, strings.Join(names, ", "))
	}
	return d, nil
}

// tokenSendResult is the output of token send.
type tokenSendResult struct {
	Tenant       string `json:"tenant"`
	UserAlias    string `json:"userAlias"`
	DeliveryType string `json:"deliveryType"`
	RequestID    string `json:"requestId,omitempty"`
	Status       string `json:"status"`
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// tokenVerifyResult is the output of token verify. It never holds the code.
type tokenVerifyResult struct {
	Tenant       string `json:"tenant"`
	UserAlias    string `json:"userAlias"`
	DeliveryType string `json:"deliveryType"`
	Status       string `json:"status"`
}

func newTokenCommand(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token (send | verify)",
		Short: "Send a one-time token to a user, or check a token the user received",
		Example: `  kubectl mfa token send --alias will.albin --delivery EMAIL_WORK
  kubectl mfa token verify --alias will.albin --delivery EMAIL_WORK`,
		RunE: groupRunE,
	}
	cmd.AddCommand(newTokenSendCommand(f), newTokenVerifyCommand(f))
	return cmd
}

func newTokenSendCommand(f *factory) *cobra.Command {
	var out *outputFlag
	var flags *tokenFlags
	cmd := &cobra.Command{
		Use:   "send --alias NAME --delivery TYPE",
		Short: "Send a one-time token to a user (POST /v3/mfa/token/send)",
		Long: `Ask SailPoint to send a one-time token to a user by SMS, voice or e-mail
(POST /v3/mfa/token/send), and print the request id. Check the code the user received with
kubectl mfa token verify; follow the request with kubectl mfa poll token REQUEST_ID.

Exit code 1 when SailPoint answers FAILED (for example an unknown alias).`,
		Example: `  kubectl mfa token send --alias will.albin --delivery EMAIL_WORK
  kubectl mfa token send --alias will.albin --delivery sms_personal -o json | jq -r .requestId`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			delivery, err := flags.validate()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			t, err := f.defaultTarget(ctx)
			if err != nil {
				return err
			}
			resp, err := t.api.SendToken(ctx, sailpoint.SendTokenRequest{UserAlias: flags.alias, DeliveryType: delivery})
			if err != nil {
				return remoteError(err)
			}
			res := tokenSendResult{
				Tenant: t.name, UserAlias: flags.alias, DeliveryType: string(delivery),
				RequestID: resp.RequestID, Status: string(resp.Status), ErrorMessage: resp.ErrorMessage,
			}
			if err := out.print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				line := fmt.Sprintf("token for %s by %s: %s", res.UserAlias, res.DeliveryType, orDash(res.Status))
				if res.ErrorMessage != "" {
					line += ": " + res.ErrorMessage
				}
				if res.RequestID != "" {
					line += " (request " + res.RequestID + ")"
				}
				_, err := fmt.Fprintln(w, line)
				return err
			}); err != nil {
				return remoteError(err)
			}
			if resp.Status != sailpoint.VerificationSuccess {
				return errFailed
			}
			return nil
		},
	}
	flags = addTokenFlags(cmd)
	out = addOutputFlag(cmd, false)
	return cmd
}

func newTokenVerifyCommand(f *factory) *cobra.Command {
	var out *outputFlag
	var flags *tokenFlags
	var code string
	cmd := &cobra.Command{
		Use:   "verify --alias NAME --delivery TYPE [--code -]",
		Short: "Check a one-time token a user received (POST /v3/mfa/token/authenticate)",
		Long: `Check the one-time token a user received after kubectl mfa token send
(POST /v3/mfa/token/authenticate). The code is prompted for without echo on a terminal, or
read from the first line of standard input with --code -. It is never printed, and there is
no way to give it on the command line.

Exit code 0 for SUCCESS, 1 for FAILED, LOCKOUT or any other status.`,
		Example: `  # Prompt for the code
  kubectl mfa token verify --alias will.albin --delivery EMAIL_WORK

  # From a pipe, for scripts
  printf '%s\n' "$CODE" | kubectl mfa token verify --alias will.albin --delivery EMAIL_WORK --code - -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			delivery, err := flags.validate()
			if err != nil {
				return err
			}
			fromStdin, err := checkStdinFlag("code", code)
			if err != nil {
				return err
			}
			input := newSecretInput(f.streams)
			if err := input.check("--code", fromStdin); err != nil {
				return err
			}
			ctx := cmd.Context()
			t, err := f.defaultTarget(ctx)
			if err != nil {
				return err
			}
			secret, err := input.read(fmt.Sprintf("Token sent to %s by %s: ", flags.alias, delivery), "--code", fromStdin)
			if err != nil {
				return err
			}
			secret = strings.TrimSpace(secret)
			if secret == "" {
				return usageErrorf("the token must not be empty")
			}
			resp, err := t.api.AuthenticateToken(ctx, sailpoint.TokenAuthRequest{Token: secret, UserAlias: flags.alias, DeliveryType: delivery})
			if err != nil {
				return remoteError(err)
			}
			res := tokenVerifyResult{Tenant: t.name, UserAlias: flags.alias, DeliveryType: string(delivery), Status: string(resp.Status)}
			if err := out.print(cmd.OutOrStdout(), res, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "token of %s by %s: %s\n", res.UserAlias, res.DeliveryType, orDash(res.Status))
				return err
			}); err != nil {
				return remoteError(err)
			}
			if resp.Status != sailpoint.VerificationSuccess {
				return errFailed
			}
			return nil
		},
	}
	flags = addTokenFlags(cmd)
	cmd.Flags().StringVar(&code, "code", "", `"-" reads the code from standard input (default: prompt without echo on a terminal)`)
	out = addOutputFlag(cmd, false)
	return cmd
}
