package plugin

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	t.Parallel()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%q has no examples", c.CommandPath())
		}
		if c.Short == "" {
			t.Errorf("%q has no short description", c.CommandPath())
		}
		args := append(strings.Fields(strings.TrimPrefix(c.CommandPath(), "kubectl mfa")), "--help")
		res := run(t, invocation{}, args...)
		expectCode(t, res, CodeOK)
		expectContains(t, res.stdout, "Usage:\n  "+c.CommandPath(), "Examples:\n")
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(NewCommand(Options{}))
}

func TestEveryCommandHasMachineReadableOutput(t *testing.T) {
	t.Parallel()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.HasSubCommands() {
			for _, sub := range c.Commands() {
				walk(sub)
			}
			return
		}
		if c.Name() == "help" {
			return
		}
		f := c.Flags().Lookup("output")
		if f == nil || f.Shorthand != "o" || !strings.Contains(f.Usage, "json|yaml") {
			t.Errorf("%q lacks -o json|yaml", c.CommandPath())
		}
	}
	walk(NewCommand(Options{}))
}

func TestGroupCommandsShowHelpAndRefuseUnknownSubcommands(t *testing.T) {
	t.Parallel()
	for group, subs := range map[string]string{"token": "send, verify", "verify": "duo-web, okta-verify", "kba": "authenticate"} {
		res := run(t, invocation{}, group)
		expectCode(t, res, CodeUsage)
		expectContains(t, res.stderr, "kubectl mfa "+group+" needs a subcommand: "+subs, "See 'kubectl mfa "+group+" --help' for usage.")
	}
	res := run(t, invocation{})
	expectCode(t, res, CodeOK)
	expectContains(t, res.stdout, "kubectl mfa [command]")

	res = run(t, invocation{}, "token", "resend")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, `unknown command "resend" for "kubectl mfa token"`, "See 'kubectl mfa token --help' for usage.")

	res = run(t, invocation{}, "status", "--no-such-flag")
	expectCode(t, res, CodeUsage)
	expectContains(t, res.stderr, "unknown flag: --no-such-flag")
}
