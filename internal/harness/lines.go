package harness

import (
	"strings"
	"sync"
)

// maxLines bounds what Lines keeps; the oldest lines are dropped beyond it.
const maxLines = 20000

// Lines is a process's output kept in memory (the last 20,000 lines), so that a test or a
// benchmark can wait for a line and print the tail when something fails. It is an
// io.Writer for Start.
type Lines struct {
	mu  sync.Mutex
	all []string
}

func (l *Lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, strings.Split(strings.TrimRight(string(p), "\n"), "\n")...)
	if over := len(l.all) - maxLines; over > 0 {
		l.all = l.all[over:]
	}
	return len(p), nil
}

// Contains tells whether a line containing substr was written.
func (l *Lines) Contains(substr string) bool { return l.Count(substr) > 0 }

// Count counts the lines containing substr.
func (l *Lines) Count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.all {
		if strings.Contains(s, substr) {
			n++
		}
	}
	return n
}

// Tail returns the last n lines (all of them when fewer).
func (l *Lines) Tail(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	tail := l.all
	if len(tail) > n {
		tail = tail[len(tail)-n:]
	}
	return append([]string(nil), tail...)
}
