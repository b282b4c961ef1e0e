package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, on a registry of its own (so
// several servers in one test binary do not collide) that also holds the Go
// and process collectors.
type metrics struct {
	reg             *prometheus.Registry
	sessions        prometheus.Gauge
	sessionsStarted prometheus.Counter
	sessionsEnded   *prometheus.CounterVec // by reason
	frames          prometheus.Counter
	bytesSent       prometheus.Counter
	simSteps        prometheus.Counter
	gridsComputed   prometheus.Counter     // grids computed, not served from the cache or a computation in flight
	rejected        *prometheus.CounterVec // by reason
	latency         *prometheus.HistogramVec
}

// Reasons a websocket session ends, as the label of lrlab_ws_sessions_ended_total.
const (
	endClient       = "client_closed"   // the client closed or the connection broke
	endShutdown     = "shutdown"        // the server is stopping (1001)
	endWriteTimeout = "write_timeout"   // a write did not finish in time (1008)
	endPingTimeout  = "ping_timeout"    // no pong in time
	endFlood        = "message_flood"   // too many messages (1008)
	endTooBig       = "message_too_big" // a message over the read limit (1009)
	endIdle         = "idle"            // nothing happened for the idle timeout (1000)
	endBadUTF8      = "invalid_utf8"    // a text message that is not UTF-8 (1007)
)

// Reasons a request is rejected, as the label of lrlab_rejected_requests_total.
const (
	rejectRateLimit   = "rate_limit"
	rejectSessions    = "max_sessions"
	rejectSessionsIP  = "max_sessions_per_ip"
	rejectOrigin      = "origin"
	rejectBodyTooBig  = "body_too_big"
	rejectShutdown    = "shutting_down"
	rejectMessageRate = "message_rate"
	rejectWorkBudget  = "work_budget" // a client IP's work per minute (cost.go)
)

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lrlab_ws_sessions", Help: "Live websocket sessions.",
		}),
		sessionsStarted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lrlab_ws_sessions_started_total", Help: "Websocket sessions accepted.",
		}),
		sessionsEnded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lrlab_ws_sessions_ended_total", Help: "Websocket sessions ended, by reason.",
		}, []string{"reason"}),
		frames: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lrlab_ws_frames_sent_total", Help: "Frame messages sent.",
		}),
		bytesSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lrlab_ws_bytes_sent_total", Help: "Bytes of websocket messages sent.",
		}),
		simSteps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lrlab_sim_steps_total", Help: "Optimizer steps simulated (websocket and simulate).",
		}),
		gridsComputed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lrlab_grids_computed_total", Help: "Loss grids computed (the others were served from the cache or shared a computation in flight).",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lrlab_rejected_requests_total", Help: "Requests and messages rejected by a limit, by reason.",
		}, []string{"reason"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lrlab_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern (websocket sessions excluded).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "code"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.sessions, m.sessionsStarted, m.sessionsEnded, m.frames, m.bytesSent,
		m.simSteps, m.gridsComputed, m.rejected, m.latency,
	)
	return m
}

// handler serves GET /metrics in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
