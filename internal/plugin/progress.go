package plugin

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress reports a wait for a verification: a spinner on a terminal, one plain line per
// poll otherwise. It never shows anything secret: the method, the request id, the status.
type progress interface {
	// update reports the status after a poll.
	update(status string, polls int, elapsed time.Duration)
	// done removes the indicator.
	done()
}

func newProgress(w io.Writer, terminal bool, what string, timeout time.Duration) progress {
	if terminal {
		return newSpinner(w, what, timeout)
	}
	return &lines{w: w, what: what}
}

// lines prints one line per poll, for logs and pipes.
type lines struct {
	w    io.Writer
	what string
}

func (l *lines) update(status string, polls int, elapsed time.Duration) {
	fmt.Fprintf(l.w, "%s: %s (poll %d, %s elapsed)\n", l.what, status, polls, elapsed.Round(time.Second))
}

func (l *lines) done() {}

// spinnerFrames are drawn in turn every spinnerPeriod.
var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

const spinnerPeriod = 100 * time.Millisecond

// spinner redraws one line in place on a terminal until done.
type spinner struct {
	w       io.Writer
	what    string
	timeout time.Duration
	start   time.Time

	mu     sync.Mutex
	status string
	polls  int
	frame  int

	stop    chan struct{}
	stopped sync.WaitGroup
}

func newSpinner(w io.Writer, what string, timeout time.Duration) *spinner {
	s := &spinner{w: w, what: what, timeout: timeout, start: time.Now(), status: "starting", stop: make(chan struct{})}
	s.draw()
	s.stopped.Add(1)
	go func() {
		defer s.stopped.Done()
		ticker := time.NewTicker(spinnerPeriod)
		defer ticker.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-ticker.C:
				s.draw()
			}
		}
	}()
	return s
}

func (s *spinner) update(status string, polls int, _ time.Duration) {
	s.mu.Lock()
	s.status, s.polls = status, polls
	s.mu.Unlock()
	s.draw()
}

func (s *spinner) draw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	frame := spinnerFrames[s.frame%len(spinnerFrames)]
	s.frame++
	elapsed := time.Since(s.start).Round(time.Second)
	// \r and "erase to end of line" redraw the line in place.
	fmt.Fprintf(s.w, "\r\x1b[K%s %s: %s (poll %d, %s of %s)", frame, s.what, s.status, s.polls, elapsed, s.timeout)
}

func (s *spinner) done() {
	close(s.stop)
	s.stopped.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprint(s.w, "\r\x1b[K")
}
