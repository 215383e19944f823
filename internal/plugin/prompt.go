package plugin

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// secretInput reads secrets (token codes, KBA answers, Duo signed responses) typed by the
// user: on a terminal at a prompt without echo, otherwise line by line from standard input
// when the command was told so with "-". What it reads is never echoed or printed.
type secretInput struct {
	streams IOStreams
	lines   *bufio.Reader
}

func newSecretInput(streams IOStreams) *secretInput {
	return &secretInput{streams: streams}
}

// read returns one secret. prompt is shown on a terminal; flag names the "-" flag that
// allows standard input when it is not a terminal, and fromStdin says whether it was given.
func (s *secretInput) read(prompt, flag string, fromStdin bool) (string, error) {
	if s.streams.InTerminal && s.streams.ReadPassword != nil {
		fmt.Fprint(s.streams.ErrOut, prompt)
		b, err := s.streams.ReadPassword()
		fmt.Fprintln(s.streams.ErrOut)
		if err != nil {
			return "", usageErrorf("cannot read from the terminal: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	if err := s.check(flag, fromStdin); err != nil {
		return "", err
	}
	if s.lines == nil {
		s.lines = bufio.NewReader(s.streams.In)
	}
	line, err := s.lines.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", usageErrorf("cannot read standard input: %w", err)
	}
	if errors.Is(err, io.EOF) && line == "" {
		return "", usageErrorf("standard input ended before all values were read (%s -)", flag)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// check says, before anything else is done, whether read can get a value: on a terminal,
// or from standard input when the "-" flag was given.
func (s *secretInput) check(flag string, fromStdin bool) error {
	if (s.streams.InTerminal && s.streams.ReadPassword != nil) || fromStdin {
		return nil
	}
	return usageErrorf("standard input is not a terminal, so there is no prompt: pass %s - and write the value to standard input", flag)
}

// checkStdinFlag accepts only "" and "-" for a flag that names where a secret comes from:
// a secret on the command line would end up in the shell history and the process list.
func checkStdinFlag(name, value string) (fromStdin bool, err error) {
	switch value {
	case "":
		return false, nil
	case "-":
		return true, nil
	}
	return false, usageErrorf("--%s only accepts \"-\" (read from standard input): a value on the command line would end up in the shell history", name)
}
