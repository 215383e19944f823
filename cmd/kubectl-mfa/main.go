// Command kubectl-mfa is the kubectl mfa plugin: on the PATH, kubectl runs it for
// "kubectl mfa ...". See docs/kubectl-mfa.md and package internal/plugin.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/identityops/sailpoint-mfa-operator/internal/plugin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], plugin.StdStreams())
	stop()
	os.Exit(code)
}

// run executes kubectl mfa with args and returns the exit code: the code of a
// plugin.ExitError, 2 for other usage errors, 3 for SailPoint and cluster errors.
func run(ctx context.Context, args []string, streams plugin.IOStreams) int {
	// controller-runtime's client logs nothing the user needs; without a logger it would
	// warn that none was set.
	ctrllog.SetLogger(logr.Discard())
	cmd := plugin.NewCommand(plugin.Options{Streams: streams})
	cmd.SetArgs(args)
	failed, err := cmd.ExecuteContextC(ctx)
	plugin.PrintError(streams.ErrOut, failed, err)
	return plugin.ExitCode(err)
}
