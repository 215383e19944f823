// Package promql checks the PromQL of the operator's Grafana dashboard and Prometheus alerts
// against the metrics a running manager really exposes. It is a module of its own so that
// the Prometheus server's parser stays out of the operator's go.mod.
package promql
