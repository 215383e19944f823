package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// Defaults of --timeout and --interval.
const (
	defaultTimeout  = 2 * time.Minute
	defaultInterval = 2 * time.Second
)

// waitFlags are --timeout and --interval of the commands that poll.
type waitFlags struct {
	timeout  time.Duration
	interval time.Duration
}

func addWaitFlags(cmd *cobra.Command) *waitFlags {
	w := &waitFlags{}
	cmd.Flags().DurationVar(&w.timeout, "timeout", defaultTimeout, "How long to wait for the verification to leave PENDING")
	cmd.Flags().DurationVar(&w.interval, "interval", defaultInterval, "Time between two polls (POST /v3/mfa/{method}/poll)")
	return w
}

func (w *waitFlags) validate() error {
	if w.timeout <= 0 {
		return usageErrorf("--timeout must be positive, got %s", w.timeout)
	}
	if w.interval <= 0 {
		return usageErrorf("--interval must be positive, got %s", w.interval)
	}
	return nil
}

// verification is the result of verify and poll.
type verification struct {
	Tenant    string `json:"tenant"`
	Method    string `json:"method"`
	User      string `json:"user,omitempty"`
	RequestID string `json:"requestId,omitempty"`
	Status    string `json:"status"`
	Error     string `json:"error,omitempty"`
	// TimedOut is true when the status was still PENDING when --timeout passed.
	TimedOut bool `json:"timedOut,omitempty"`
	// Interrupted is true when the wait was cancelled (Ctrl-C) while PENDING.
	Interrupted bool `json:"interrupted,omitempty"`
	// Polls counts the POST /v3/mfa/{method}/poll calls.
	Polls int `json:"polls"`
	// Elapsed is the time from the first call to the last answer, e.g. "4.2s".
	Elapsed string `json:"elapsed"`
}

// waitForVerification polls method's request v.RequestID until its status leaves PENDING
// or the timeout, counted from start, passes, and records the outcome in v. first is the
// answer that started the wait (the verify call), or nil to poll at once. A cancelled ctx
// (Ctrl-C) ends the wait like the timeout does.
func (f *factory) waitForVerification(ctx context.Context, api sailpoint.API, method sailpoint.Method,
	v *verification, first *sailpoint.VerificationResponse, w waitFlags, start time.Time) error {
	now := f.opts.Now
	deadline := start.Add(w.timeout)
	var prog progress
	defer func() {
		if prog != nil {
			prog.done()
		}
		v.Elapsed = now().Sub(start).Round(time.Millisecond).String()
	}()

	resp := first
	for {
		if resp == nil {
			var err error
			resp, err = api.PollVerification(ctx, method, sailpoint.VerificationPollRequest{RequestID: v.RequestID})
			if errors.Is(err, context.Canceled) {
				v.Interrupted = true
				return nil
			}
			if err != nil {
				return remoteError(err)
			}
			v.Polls++
		}
		v.Status, v.Error = string(resp.Status), resp.Error
		if resp.RequestID != "" {
			v.RequestID = resp.RequestID
		}
		if resp.Status != sailpoint.VerificationPending {
			return nil
		}
		if v.RequestID == "" {
			return remoteErrorf("SailPoint answered PENDING without a request id to poll")
		}
		if prog == nil {
			what := fmt.Sprintf("waiting for %s request %s", method, v.RequestID)
			prog = newProgress(f.streams.ErrOut, f.streams.Terminal, what, w.timeout)
		}
		prog.update(string(resp.Status), v.Polls, now().Sub(start))
		left := deadline.Sub(now())
		if left <= 0 {
			v.TimedOut = true
			return nil
		}
		if err := f.opts.Sleep(ctx, min(w.interval, left)); errors.Is(err, context.Canceled) {
			v.Interrupted = true
			return nil
		} else if err != nil {
			return remoteError(err)
		}
		resp = nil
	}
}

// verificationOutcome is the exit error of a finished wait: nil for SUCCESS, else
// CodeFailed without a message (the output names the status; JSON has timedOut).
func verificationOutcome(v *verification) error {
	if v.Status == string(sailpoint.VerificationSuccess) {
		return nil
	}
	return errFailed
}

// printVerification writes a verification as one human line, or JSON or YAML.
func printVerification(cmd *cobra.Command, out *outputFlag, v *verification, w waitFlags) error {
	err := out.print(cmd.OutOrStdout(), v, func(wr io.Writer) error {
		subject := fmt.Sprintf("%s verification", v.Method)
		if v.User != "" {
			subject += " of " + v.User
		}
		switch {
		case v.Status == string(sailpoint.VerificationPending) && (v.TimedOut || v.Interrupted):
			why := "after " + w.timeout.String()
			if v.Interrupted {
				why = "when interrupted"
			}
			fmt.Fprintf(wr, "%s: still PENDING %s (request %s, %s)\n", subject, why, v.RequestID, polls(v.Polls))
			fmt.Fprintf(wr, "Resume with: kubectl mfa poll %s %s\n", v.Method, v.RequestID)
		default:
			line := subject + ": " + orDash(v.Status)
			if v.Error != "" {
				line += ": " + v.Error
			}
			var details []string
			if v.RequestID != "" {
				details = append(details, "request "+v.RequestID)
			}
			if v.Polls > 0 {
				details = append(details, polls(v.Polls))
			}
			details = append(details, v.Elapsed)
			fmt.Fprintf(wr, "%s (%s)\n", line, strings.Join(details, ", "))
		}
		return nil
	})
	if err != nil {
		return remoteError(err)
	}
	return verificationOutcome(v)
}

// polls is "1 poll" or "N polls".
func polls(n int) string {
	if n == 1 {
		return "1 poll"
	}
	return fmt.Sprintf("%d polls", n)
}
