package plugin

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

// Output formats of -o. The default ("") is a human table or lines.
const (
	outputHuman = ""
	outputJSON  = "json"
	outputYAML  = "yaml"
	outputWide  = "wide"
)

// outputFlag is the -o flag of a command.
type outputFlag struct {
	format  string
	allowed []string
}

// addOutputFlag adds -o to cmd; wide is allowed only where listed.
func addOutputFlag(cmd *cobra.Command, wide bool) *outputFlag {
	o := &outputFlag{allowed: []string{outputJSON, outputYAML}}
	if wide {
		o.allowed = append([]string{outputWide}, o.allowed...)
	}
	cmd.Flags().StringVarP(&o.format, "output", "o", "",
		"Output format: "+strings.Join(o.allowed, "|")+" (default: human-readable)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(o.allowed, cobra.ShellCompDirectiveNoFileComp))
	return o
}

// validate refuses a format the command does not know.
func (o *outputFlag) validate() error {
	if o.format == outputHuman || slices.Contains(o.allowed, o.format) {
		return nil
	}
	return usageErrorf("unknown output format %q: use one of %s", o.format, strings.Join(o.allowed, ", "))
}

// machine reports whether the output is JSON or YAML.
func (o *outputFlag) machine() bool { return o.format == outputJSON || o.format == outputYAML }

// print writes v as JSON or YAML, or calls human for the default and wide formats.
func (o *outputFlag) print(w io.Writer, v any, human func(io.Writer) error) error {
	switch o.format {
	case outputJSON:
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case outputYAML:
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	return human(w)
}

// table writes aligned columns the way kubectl does.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, headers ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)}
	t.row(headers...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			cells[i] = "-"
		}
		cells[i] = strings.ReplaceAll(cells[i], "\t", " ")
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// orDash is s, or "-" when empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
