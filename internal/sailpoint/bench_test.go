package sailpoint_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
	"github.com/identityops/sailpoint-mfa-operator/internal/sailpoint"
)

// BenchmarkGetOktaConfig measures one observe call of a steady-state reconcile (token cached,
// limiter not binding) end to end over loopback HTTP: the client's own overhead is what
// changes between runs.
func BenchmarkGetOktaConfig(b *testing.B) {
	c, _ := benchClient(b)
	ctx := context.Background()
	if _, err := c.SetOktaConfig(ctx, sailpoint.MfaOktaConfig{Enabled: true, Host: "acme.okta.com", AccessKey: "okta-key-0001", IdentityAttribute: "email"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetOktaConfig(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeKbaConfig measures decoding the KBA question list with multi-locale texts.
func BenchmarkDecodeKbaConfig(b *testing.B) {
	c, _ := benchClient(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetKbaConfig(ctx, true); err != nil {
			b.Fatal(err)
		}
	}
}

func benchClient(b *testing.B) (*sailpoint.Client, *emulator.Emulator) {
	b.Helper()
	emu := emulator.New(emulator.Config{})
	srv := httptest.NewServer(emu.Handler())
	b.Cleanup(srv.Close)
	c, err := sailpoint.New(sailpoint.Options{
		BaseURL: srv.URL, ClientID: emulator.DefaultAdminClientID, ClientSecret: emulator.DefaultAdminClientSecret,
		RequestsPerSecond: 1e9, Tenant: "bench/emulator",
	})
	if err != nil {
		b.Fatal(err)
	}
	return c, emu
}
