// Command sailpoint-emulator serves an in-memory SailPoint Identity Security Cloud tenant
// (the OAuth token endpoint, the v3 MFA API and the /mfa/v1 configuration API) for local runs, demos and tests.
// See package internal/emulator for its behaviour.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/identityops/sailpoint-mfa-operator/internal/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "sailpoint-emulator:", err)
		os.Exit(1)
	}
}

// options are the command-line flags.
type options struct {
	listen        string
	tokenLifetime time.Duration
	validKeys     stringList
	pendingPolls  int
	rateLimit     int
	retryAfter    time.Duration
	serverErrors  int
	latency       time.Duration
	faultPrefix   string
	tenants       int
	quiet         bool

	// Connection faults.
	resets          int
	hangs           int
	htmlErrors      int
	malformedBodies int
	neverAnswer     string
	v1Disabled      bool
	deprecatedV3    bool
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return fmt.Sprint(len(*s)) + " value(s)" }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("sailpoint-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:18080", "address to serve plain HTTP on (keep it on loopback)")
	fs.DurationVar(&o.tokenLifetime, "token-lifetime", emulator.DefaultTokenLifetime, "lifetime of issued access tokens")
	fs.Var(&o.validKeys, "valid-access-key", "an Okta access key or Duo secret key that passes the config test (repeatable; default: any key not starting with \"invalid\")")
	fs.IntVar(&o.pendingPolls, "pending-polls", emulator.DefaultPendingPolls, "polls that answer PENDING before a verification's final state (0: final at once)")
	fs.IntVar(&o.rateLimit, "rate-limit", 0, "answer the next N API requests with 429")
	fs.DurationVar(&o.retryAfter, "retry-after", time.Second, "Retry-After of those 429s (whole seconds, rounded up)")
	fs.IntVar(&o.serverErrors, "server-errors", 0, "answer the next N API requests with 500")
	fs.DurationVar(&o.latency, "latency", 0, "delay added to every request")
	fs.StringVar(&o.faultPrefix, "fault-path-prefix", "", "apply --rate-limit and --server-errors only to paths with this prefix (default: every /v3 path)")
	fs.IntVar(&o.tenants, "tenants", 0, "also serve up to N more tenants, each with its own state and tenant_id, at /tenants/{name}/ (created on first use; for benchmarks)")
	fs.BoolVar(&o.quiet, "quiet", false, "do not log requests")
	fs.IntVar(&o.resets, "resets", 0, "reset (TCP RST) the connection of the next N API requests, after the 429s and 500s")
	fs.IntVar(&o.hangs, "hangs", 0, "leave the next N API requests unanswered until the client gives up")
	fs.IntVar(&o.htmlErrors, "html-errors", 0, "answer the next N API requests with a proxy's 502 HTML page")
	fs.IntVar(&o.malformedBodies, "malformed-bodies", 0, "answer the next N API requests 200 with invalid JSON")
	fs.StringVar(&o.neverAnswer, "never-answer", "", `"hang" or "reset": answer no request at all (token endpoint included) until the faults are replaced`)
	fs.BoolVar(&o.v1Disabled, "v1-disabled", false, "answer 404 on every /mfa/v1 path, as a tenant where SailPoint's per-service API is not rolled out")
	fs.BoolVar(&o.deprecatedV3, "deprecated-v3", false, "send X-Deprecated: true on every /v3 response, as SailPoint does before retiring an endpoint")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	switch {
	case o.tokenLifetime <= 0:
		return nil, errors.New("--token-lifetime must be positive")
	case o.pendingPolls < 0, o.tenants < 0, o.rateLimit < 0, o.serverErrors < 0, o.retryAfter < 0, o.latency < 0:
		return nil, errors.New("counts and durations must not be negative")
	}
	if err := o.faults().CheckConnectionFaults(); err != nil {
		return nil, fmt.Errorf("connection faults: %w", err)
	}
	return o, nil
}

// faults are the faults the flags set.
func (o *options) faults() emulator.Faults {
	return emulator.Faults{
		RateLimit:    o.rateLimit,
		RetryAfter:   o.retryAfter,
		ServerErrors: o.serverErrors,
		Latency:      o.latency,
		PathPrefix:   o.faultPrefix,

		Resets:          o.resets,
		Hangs:           o.hangs,
		HTMLErrors:      o.htmlErrors,
		MalformedBodies: o.malformedBodies,
		NeverAnswer:     o.neverAnswer,

		APIVersionFaults: emulator.APIVersionFaults{V1Disabled: o.v1Disabled, DeprecatedV3: o.deprecatedV3},
	}
}

func (o *options) config(logger *log.Logger) emulator.Config {
	cfg := emulator.Config{
		TokenLifetime:   o.tokenLifetime,
		ValidAccessKeys: o.validKeys,
		PendingPolls:    o.pendingPolls,
	}
	if o.pendingPolls == 0 {
		cfg.PendingPolls = -1 // Config: negative means no PENDING poll
	}
	if !o.quiet {
		cfg.Logf = logger.Printf
	}
	return cfg
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "", log.LstdFlags)
	// target is one tenant, or a set of them (--tenants) that serves the default one too.
	var target interface {
		SetFaults(emulator.Faults)
		Handler() http.Handler
	}
	if o.tenants > 0 {
		target = emulator.NewSet(o.config(logger), o.tenants)
	} else {
		target = emulator.New(o.config(logger))
	}
	target.SetFaults(o.faults())
	srv := &http.Server{Handler: target.Handler(), ReadHeaderTimeout: 10 * time.Second}
	// Requests left hanging by a fault would hold up a graceful shutdown.
	srv.RegisterOnShutdown(func() { target.SetFaults(emulator.Faults{}) })

	baseURL := "http://" + ln.Addr().String()
	printBanner(stdout, baseURL, o)
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		logger.Printf("WARNING: listening on %s, which is not a loopback address: the fake credentials above and the admin endpoints' request log are reachable from the network", ln.Addr())
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Printf("Shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func printBanner(w io.Writer, baseURL string, o *options) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(tw, format+"\n", args...) }
	p("SailPoint Identity Security Cloud MFA emulator (in memory, fake tenant)")
	p("  Base URL:\t%s\t(SailPointTenant spec.baseURL)", baseURL)
	p("  Token URL:\t%s/oauth/token", baseURL)
	p("  MFA API:\t%s/v3/mfa/... and %s/mfa/v1/... (configuration)", baseURL, baseURL)
	if o.tenants > 0 {
		p("  More tenants:\t%s%s{name}\t(up to %d, each its own state and tenant_id)", baseURL, emulator.TenantsPath, o.tenants)
	}
	p("")
	p("Identities (fake demo credentials):")
	p("  name\tlevel\tclientId\tclientSecret\tidentityId")
	for _, id := range emulator.DefaultIdentities() {
		p("  %s\t%s\t%s\t%s\t%s", id.Name, id.Level, id.ClientID, id.ClientSecret, id.IdentityID)
	}
	p("")
	p("Admin endpoints (no auth, loopback clients only):")
	p("  GET %s/admin/	this list, as JSON", baseURL)
	p("  GET %s/admin/requests\tredacted request log", baseURL)
	p("  DELETE %s/admin/requests\tclear the request log", baseURL)
	p("  GET|PUT %s/admin/faults\tfaults, e.g. {\"rateLimit\":2,\"retryAfter\":\"3s\",\"serverErrors\":1,\"latency\":\"200ms\",\"tokenLifetime\":\"30s\",\"pathPrefix\":\"/v3/mfa/okta-verify\",\"v1Disabled\":true,\"deprecatedV3\":true}", baseURL)
	p("  \tconnection faults: {\"resets\":1,\"hangs\":1,\"htmlErrors\":1,\"malformedBodies\":1}, or {\"neverAnswer\":\"hang\"} (or \"reset\") until replaced")
	p("  GET %s/admin/sent-tokens\tthe one-time codes token/send \"sent\" (a real tenant never shows them)", baseURL)
	p("  POST %s/admin/expire-tokens\texpire every issued token", baseURL)
	p("  POST %s/admin/reset\tforget configs, answers, verifications, faults and the log", baseURL)
	p("")
	keys := "any key not starting with \"invalid\""
	if len(o.validKeys) > 0 {
		keys = fmt.Sprintf("%d configured", len(o.validKeys))
	}
	p("Settings: token lifetime %s, pending polls %d, valid access keys: %s", o.tokenLifetime, o.pendingPolls, keys)
	if o.rateLimit > 0 || o.serverErrors > 0 || o.latency > 0 {
		scope := "every /v3 path"
		if o.faultPrefix != "" {
			scope = "paths under " + o.faultPrefix
		}
		p("Faults: next %d requests 429 (Retry-After %s), then %d requests 500, on %s; latency %s", o.rateLimit, o.retryAfter, o.serverErrors, scope, o.latency)
	}
	if o.resets > 0 || o.hangs > 0 || o.htmlErrors > 0 || o.malformedBodies > 0 {
		p("Connection faults: then %d resets, %d hangs, %d HTML 502 pages, %d malformed bodies", o.resets, o.hangs, o.htmlErrors, o.malformedBodies)
	}
	if o.neverAnswer != "" {
		p("Never answering (%s) any request until PUT /admin/faults replaces the faults", o.neverAnswer)
	}
	if o.v1Disabled {
		p("API versions: /mfa/v1 switched off (404 on every /mfa/v1 path)")
	}
	if o.deprecatedV3 {
		p("API versions: every /v3 response carries X-Deprecated: true")
	}
	p("")
	p("Try: curl -s -d grant_type=client_credentials -d client_id=%s -d client_secret=%s %s/oauth/token", emulator.DefaultAdminClientID, emulator.DefaultAdminClientSecret, baseURL)
	_ = tw.Flush()
}
