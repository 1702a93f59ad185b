// Package metrics holds rtkbot's Prometheus metrics. One *Metrics is built
// per process (or per test) on its own registry, so tests never share global
// state; the methods are the hooks the other packages call.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of rtkbot metrics. A nil *Metrics is valid and records
// nothing, so packages can take one optionally.
type Metrics struct {
	reg *prometheus.Registry

	commands   *prometheus.CounterVec
	ackLatency *prometheus.HistogramVec
	cmdLatency *prometheus.HistogramVec
	upstream   *prometheus.CounterVec
	upLatency  *prometheus.HistogramVec
	reconnects prometheus.Counter
	busy       prometheus.Counter
	inFlight   prometheus.Gauge
	adopted    prometheus.Counter
	ignored    *prometheus.CounterVec
	held       *prometheus.CounterVec
}

// New builds the metrics on a fresh registry, with Go runtime and process
// collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtkbot_commands_total",
			Help: "Commands and button clicks handled, by verb and outcome.",
		}, []string{"verb", "outcome"}),
		ackLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rtkbot_ack_latency_seconds",
			Help:    "Time from reading a Socket Mode envelope to writing its ack, by envelope type.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 3},
		}, []string{"type"}),
		cmdLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rtkbot_command_latency_seconds",
			Help:    "Time to execute a command, from ack to reply, by verb.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 13),
		}, []string{"verb"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtkbot_upstream_requests_total",
			Help: "RealtimeKit requests sent, by route and HTTP status (0: transport error).",
		}, []string{"route", "status"}),
		upLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rtkbot_upstream_latency_seconds",
			Help:    "RealtimeKit request latency, by route.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"route"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rtkbot_socket_reconnects_total",
			Help: "Socket Mode connections opened after the first.",
		}),
		busy: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rtkbot_commands_rejected_busy_total",
			Help: "Commands answered with 'busy' because all workers were taken.",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "rtkbot_commands_in_flight",
			Help: "Commands being executed now.",
		}),
		adopted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rtkbot_deliveries_adopted_total",
			Help: "Commands and clicks answered on behalf of a replica that stopped before answering them.",
		}),
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtkbot_envelopes_ignored_total",
			Help: "Envelopes acked and dropped because they came from another workspace, Enterprise Grid org or app, by reason.",
		}, []string{"reason"}),
		held: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rtkbot_refusals_not_recorded_total",
			Help: "Refusals counted but not written to the audit log or channel: the same person was refused the same verb less than a minute before.",
		}, []string{"verb"}),
	}
	reg.MustRegister(m.commands, m.ackLatency, m.cmdLatency, m.upstream, m.upLatency,
		m.reconnects, m.busy, m.inFlight, m.adopted, m.ignored, m.held,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry exposes the registry, for tests that gather values.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// RefusalHeld counts a refusal of verb that was not recorded (throttled).
func (m *Metrics) RefusalHeld(verb string) {
	if m == nil {
		return
	}
	m.held.WithLabelValues(verb).Inc()
}

// Command records a finished command or click.
func (m *Metrics) Command(verb, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.commands.WithLabelValues(verb, outcome).Inc()
	m.cmdLatency.WithLabelValues(verb).Observe(d.Seconds())
}

// Ack records how long an envelope waited for its ack.
func (m *Metrics) Ack(envelopeType string, d time.Duration) {
	if m == nil {
		return
	}
	m.ackLatency.WithLabelValues(envelopeType).Observe(d.Seconds())
}

// Upstream records one RealtimeKit request; status 0 is a transport error.
func (m *Metrics) Upstream(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.upstream.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.upLatency.WithLabelValues(route).Observe(d.Seconds())
}

// Reconnect records a Socket Mode reconnection.
func (m *Metrics) Reconnect() {
	if m == nil {
		return
	}
	m.reconnects.Inc()
}

// Busy records a command turned away because every worker was taken.
func (m *Metrics) Busy() {
	if m == nil {
		return
	}
	m.busy.Inc()
}

// InFlight adds delta to the number of commands executing now.
func (m *Metrics) InFlight(delta int) {
	if m == nil {
		return
	}
	m.inFlight.Add(float64(delta))
}

// Adopted records a delivery taken over from a replica that stopped.
func (m *Metrics) Adopted() {
	if m == nil {
		return
	}
	m.adopted.Inc()
}

// Ignored records an envelope dropped as not this bot's: reason is
// other_team, other_app or other_enterprise.
func (m *Metrics) Ignored(reason string) {
	if m == nil {
		return
	}
	m.ignored.WithLabelValues(reason).Inc()
}
