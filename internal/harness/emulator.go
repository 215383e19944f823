package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

// Emulator is a running bin/sailpoint-emulator and a client of its /admin endpoints.
type Emulator struct {
	*Process
	// URL is its base URL (a SailPointTenant's spec.baseURL).
	URL string
}

// StartEmulator starts the emulator binary at path on addr (a loopback address) with the
// extra flags args, and waits until it accepts connections.
func StartEmulator(ctx context.Context, out io.Writer, path, addr string, args ...string) (*Emulator, error) {
	p, err := Start("emulator", out, nil, path, append([]string{"--listen=" + addr}, args...)...)
	if err != nil {
		return nil, err
	}
	if err := WaitForPort(ctx, addr, 30*time.Second); err != nil {
		p.Kill()
		return nil, fmt.Errorf("the emulator did not start: %w", err)
	}
	return &Emulator{Process: p, URL: "http://" + addr}, nil
}

// Requests returns the emulator's request log, oldest first.
func (e *Emulator) Requests(ctx context.Context) ([]emulator.Request, error) {
	var reqs []emulator.Request
	return reqs, e.admin(ctx, http.MethodGet, "/admin/requests", nil, &reqs)
}

// ClearRequests empties the request log.
func (e *Emulator) ClearRequests(ctx context.Context) error {
	return e.admin(ctx, http.MethodDelete, "/admin/requests", nil, nil)
}

// SetFaults replaces the emulator's faults with those in f, in the /admin/faults form
// (e.g. {"rateLimit": 3, "retryAfter": "2s", "latency": "300ms"}).
func (e *Emulator) SetFaults(ctx context.Context, f map[string]any) error {
	return e.admin(ctx, http.MethodPut, "/admin/faults", f, nil)
}

func (e *Emulator) admin(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.URL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
