package harness

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
)

// Figures is the table of figures a process-level suite prints at the end of its run: one
// row per measured value, added from any test or benchmark.
type Figures struct {
	columns []string
	mu      sync.Mutex
	rows    [][]string
}

// NewFigures returns an empty table with the given column headers.
func NewFigures(columns ...string) *Figures { return &Figures{columns: columns} }

// Add appends a row, one value per column.
func (f *Figures) Add(row ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rows = append(f.rows, row)
}

// Print writes the title and the table to w, aligned; nothing when no row was added.
func (f *Figures) Print(w io.Writer, title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.rows) == 0 {
		return
	}
	_, _ = fmt.Fprintf(w, "\n%s\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, strings.Join(f.columns, "\t"))
	for _, r := range f.rows {
		_, _ = fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	_ = tw.Flush()
}
