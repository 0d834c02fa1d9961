// Package metrics holds Kontor's Prometheus metrics: one registry per
// instance (so test instances in one process do not share counters), served
// on their own listener (metrics_listen), never on the public one.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Set is an instance's metrics. A nil *Set records nothing, so code paths
// (and the admin CLI, which serves no metrics) need no checks.
type Set struct {
	reg             *prometheus.Registry
	httpRequests    *prometheus.CounterVec
	httpDuration    *prometheus.HistogramVec
	deliveries      *prometheus.CounterVec
	deliveryLatency prometheus.Histogram
	inboxReceived   *prometheus.CounterVec
	inboxApplied    *prometheus.CounterVec
}

// New makes a Set with the Go runtime and process collectors. Every name
// starts with kontor_, the runtime ones too (kontor_go_goroutines …), so
// one prefix selects all of an instance's series.
func New() *Set {
	reg := prometheus.NewRegistry()
	prefixed := prometheus.WrapRegistererWithPrefix("kontor_", reg)
	prefixed.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Set{
		reg: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kontor_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kontor_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kontor_deliveries_total",
			Help: "Delivery attempts to remote inboxes, by outcome: delivered, retry (failed, tried again later), dropped (given up), released (handed back unsent).",
		}, []string{"outcome"}),
		deliveryLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "kontor_delivery_duration_seconds", Help: "Time of one delivery attempt (signing and POSTing).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		inboxReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kontor_inbox_received_total", Help: "Activities POSTed to inboxes, by type and outcome (accepted, rejected).",
		}, []string{"type", "outcome"}),
		inboxApplied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kontor_inbox_applied_total", Help: "Accepted activities processed, by type and outcome (applied, ignored, dropped, retry).",
		}, []string{"type", "outcome"}),
	}
	reg.MustRegister(s.httpRequests, s.httpDuration, s.deliveries, s.deliveryLatency, s.inboxReceived, s.inboxApplied)
	return s
}

// Handler serves the metrics in the Prometheus text format.
func (s *Set) Handler() http.Handler {
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
}

// Gauge registers a gauge read when scraped (queue depths, connections).
func (s *Set) Gauge(name, help string, value func() float64) {
	if s == nil {
		return
	}
	s.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, value))
}

// Register adds a collector of its own (database pool statistics …).
func (s *Set) Register(c prometheus.Collector) {
	if s != nil {
		s.reg.MustRegister(c)
	}
}

// HTTPRequest records one answered request.
func (s *Set) HTTPRequest(route, method string, code int, took time.Duration) {
	if s == nil {
		return
	}
	s.httpRequests.WithLabelValues(route, method, codeLabel(code)).Inc()
	s.httpDuration.WithLabelValues(route, method).Observe(took.Seconds())
}

// Delivery records one delivery attempt's outcome and duration.
func (s *Set) Delivery(outcome string, took time.Duration) {
	if s == nil {
		return
	}
	s.deliveries.WithLabelValues(outcome).Inc()
	s.deliveryLatency.Observe(took.Seconds())
}

// InboxReceived records an inbox POST's activity type and whether it was accepted.
func (s *Set) InboxReceived(activityType, outcome string) {
	if s != nil {
		s.inboxReceived.WithLabelValues(typeLabel(activityType), outcome).Inc()
	}
}

// InboxApplied records what processing an accepted activity came to.
func (s *Set) InboxApplied(activityType, outcome string) {
	if s != nil {
		s.inboxApplied.WithLabelValues(typeLabel(activityType), outcome).Inc()
	}
}

// knownTypes bounds the type label: a peer must not be able to mint series.
var knownTypes = map[string]bool{
	"Create": true, "Update": true, "Delete": true, "Follow": true, "Accept": true, "Reject": true, "Undo": true,
	"Like": true, "Announce": true, "Block": true, "Flag": true, "Move": true, "Add": true, "Remove": true,
	"EmojiReact": true,
}

func typeLabel(t string) string {
	if knownTypes[t] {
		return t
	}
	return "other"
}

func codeLabel(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	const digits = "0123456789"
	return string([]byte{digits[code/100], digits[code/10%10], digits[code%10]})
}
