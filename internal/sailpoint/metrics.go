package sailpoint

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// codeTransportError is the code label of an attempt that got no HTTP response.
const codeTransportError = "error"

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sailpoint_api_requests_total",
		Help: "HTTP requests sent to SailPoint, one per attempt (token requests included), " +
			`by tenant, operation and HTTP status code ("error" when no response came).`,
	}, []string{"tenant", "operation", "code"})

	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "sailpoint_api_request_duration_seconds",
		Help:    "Duration of HTTP requests to SailPoint, one per attempt, until the response body was read.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"tenant", "operation"})

	heldRequestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sailpoint_api_held_requests_total",
		Help: "Calls refused without a request because the client holds every request, " +
			`by tenant and reason ("RateLimited" after a 429 until its Retry-After, "Unreachable" while the tenant does not answer).`,
	}, []string{"tenant", "reason"})
	deprecatedResponsesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sailpoint_api_deprecated_responses_total",
		Help: "Responses from SailPoint that carried X-Deprecated: true, one per attempt, by tenant and operation. " +
			"The legacy v3 API stops working in Q1 2029.",
	}, []string{"tenant", "operation"})
)

// tenantVectors are the metric vectors with a tenant label: registered at
// start, and cleared of a tenant's series by ForgetTenant. A new vector is
// one more line here.
var tenantVectors = []interface {
	prometheus.Collector
	DeletePartialMatch(labels prometheus.Labels) int
}{
	requestsTotal,
	requestDuration,
	heldRequestsTotal,
	deprecatedResponsesTotal,
}

func init() {
	for _, v := range tenantVectors {
		metrics.Registry.MustRegister(v)
	}
}

// ForgetTenant deletes every series of tenant (namespace/name of a
// SailPointTenant, the Tenant of Options) from the package's metrics. Call it
// when the SailPointTenant is gone, after closing its client.
func ForgetTenant(tenant string) {
	for _, v := range tenantVectors {
		v.DeletePartialMatch(prometheus.Labels{"tenant": tenant})
	}
}

type operationKey struct{}

// withOperation names the operation for the metrics of requests made with ctx.
func withOperation(ctx context.Context, operation string) context.Context {
	return context.WithValue(ctx, operationKey{}, operation)
}

func operationFrom(ctx context.Context) string {
	op, _ := ctx.Value(operationKey{}).(string)
	return op
}

// instrumentedTransport sets the User-Agent of every request, the token
// request included, and records each attempt in the metrics.
type instrumentedTransport struct {
	base      http.RoundTripper
	tenant    string
	userAgent string
}

// RoundTrip sends req and records it when its response body is closed.
func (t *instrumentedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context()) // a RoundTripper must not modify its request
	req.Header.Set("User-Agent", t.userAgent)
	operation := operationFrom(req.Context())
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.observe(operation, codeTransportError, start)
		return nil, err
	}
	code := strconv.Itoa(resp.StatusCode)
	resp.Body = &observedBody{ReadCloser: resp.Body, onClose: func() { t.observe(operation, code, start) }}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of the base transport,
// so that http.Client.CloseIdleConnections reaches it; not those of the
// shared transport, which other tenants' clients use (its own idle timeout
// and bound close them).
func (t *instrumentedTransport) CloseIdleConnections() {
	if t.base == sharedTransport {
		return
	}
	if closer, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		closer.CloseIdleConnections()
	}
}

func (t *instrumentedTransport) observe(operation, code string, start time.Time) {
	requestsTotal.WithLabelValues(t.tenant, operation, code).Inc()
	requestDuration.WithLabelValues(t.tenant, operation).Observe(time.Since(start).Seconds())
}

// observedBody calls onClose once, when the body is closed.
type observedBody struct {
	io.ReadCloser
	once    sync.Once
	onClose func()
}

func (b *observedBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.onClose)
	return err
}
