package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// Exit codes of kubectl mfa.
const (
	// CodeOK: the command did what was asked; verifications and tests ended in SUCCESS.
	CodeOK = 0
	// CodeFailed: a verification or test ended in FAILED, LOCKOUT, NOT_ENOUGH_DATA or any
	// other status than SUCCESS, or was still PENDING when --timeout passed.
	CodeFailed = 1
	// CodeUsage: wrong command line (unknown command or flag, missing or bad value,
	// ambiguous tenant, no terminal to prompt on).
	CodeUsage = 2
	// CodeError: SailPoint or the cluster answered with an error or could not be reached,
	// or something the command needs is missing (tenant, Secret, key, object).
	CodeError = 3
)

// ExitError is an error that carries the process exit code. Err is nil when the output
// already reported the outcome (a FAILED test, say), so there is nothing more to print.
type ExitError struct {
	Code int
	Err  error
}

// Error returns the message of Err, or a generic text naming the code.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit code %d", e.Code)
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *ExitError) Unwrap() error { return e.Err }

// usageErrorf is a CodeUsage error.
func usageErrorf(format string, args ...any) error {
	return &ExitError{Code: CodeUsage, Err: fmt.Errorf(format, args...)}
}

// remoteErrorf is a CodeError error: SailPoint, the cluster, or something missing there.
func remoteErrorf(format string, args ...any) error {
	return &ExitError{Code: CodeError, Err: fmt.Errorf(format, args...)}
}

// remoteError marks err as a CodeError unless it already carries a code.
func remoteError(err error) error {
	var exitErr *ExitError
	if err == nil || errors.As(err, &exitErr) {
		return err
	}
	return &ExitError{Code: CodeError, Err: err}
}

// errFailed is CodeFailed without a message: the output already names the status.
var errFailed = &ExitError{Code: CodeFailed}

// ExitCode maps an error returned by the command to the process exit code: the code of an
// ExitError; CodeError for errors of SailPoint, the cluster or the network; CodeUsage for
// everything else, which are cobra's own errors (unknown command or flag, wrong number of
// arguments, missing required flag).
func ExitCode(err error) int {
	var exitErr *ExitError
	switch {
	case err == nil:
		return CodeOK
	case errors.As(err, &exitErr):
		return exitErr.Code
	case isRemote(err):
		return CodeError
	}
	return CodeUsage
}

func isRemote(err error) bool {
	var (
		apiErr       *sailpoint.APIError
		transportErr *sailpoint.TransportError
		status       apierrors.APIStatus
		urlErr       *url.Error
		netErr       net.Error
	)
	return errors.As(err, &apiErr) || errors.As(err, &transportErr) || errors.As(err, &status) ||
		errors.As(err, &urlErr) || errors.As(err, &netErr) ||
		errors.Is(err, sailpoint.ErrInvalidResponse) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled)
}

// PrintError writes err to w the way kubectl does ("error: ..."), with a pointer to the help
// of cmd (the command that failed, as ExecuteC returns it) for usage errors. It writes
// nothing for a nil error or an ExitError without a message.
func PrintError(w io.Writer, cmd *cobra.Command, err error) {
	if err == nil {
		return
	}
	var exitErr *ExitError
	if errors.As(err, &exitErr) && exitErr.Err == nil {
		return
	}
	fmt.Fprintln(w, "error:", err)
	if ExitCode(err) == CodeUsage && cmd != nil {
		fmt.Fprintf(w, "See '%s --help' for usage.\n", cmd.CommandPath())
	}
}
