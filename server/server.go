// Package server is the HTTP side of the learning-rate lab: the page, the
// embedded assets, the JSON API (simulate, surfaces, grids) and the websocket
// sessions that stream trajectories, with the limits, logs and metrics that
// keep a shared classroom server healthy.
//
// NewServer returns the handler; routes.go lists every route. Errors from
// handlers go through one adapter (errors.go) that answers
// {"error": "...", "field": "..."} with the status the error carries.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
)

// Server is the lab's HTTP handler. Besides serving, it knows how to stop
// gracefully: Drain makes /readyz fail, Shutdown also closes every websocket
// session with 1001.
type Server struct {
	logger   *slog.Logger
	cfg      Config
	metrics  *metrics
	sessions *hub
	rooms    *rooms // the classrooms (room.go)
	router   chi.Router
	draining atomic.Bool
}

// NewServer returns the lab's handler with the limits of cfg (zero fields
// take their defaults). It logs, through logger, one line per request and
// the errors that are the server's fault.
func NewServer(logger *slog.Logger, cfg Config) *Server {
	cfg = cfg.withDefaults()
	if cfg.BuildID == "" {
		cfg.BuildID = buildID()
	}
	m := newMetrics()
	s := &Server{
		logger:   logger,
		cfg:      cfg,
		metrics:  m,
		sessions: newHub(cfg, m),
		router:   chi.NewRouter(),
	}
	be, err := newRoomBackend(cfg)
	if err != nil { // cmd/server checks the URL first (CheckRedisURL)
		panic("server: " + err.Error())
	}
	s.rooms = newRooms(logger, cfg, newRoomMetrics(m.reg), be)
	s.sessions.rooms = s.rooms
	addRoutes(s.router, s)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

// Drain marks the server as stopping: /readyz answers 503 and new websocket
// sessions are refused with 503, while everything else keeps working.
func (s *Server) Drain() { s.draining.Store(true) }

// Shutdown drains the server and closes every websocket session with 1001
// (going away), all in parallel, then waits for their goroutines to end or
// for ctx to expire, when the remaining connections are cut and ctx's error
// is returned. It does not stop the http.Server; the caller does that.
func (s *Server) Shutdown(ctx context.Context) error {
	s.Drain()
	err := s.sessions.shutdown(ctx)
	s.shutdownRooms(ctx)
	return err
}

// buildID returns the VCS revision the binary was built from, or "dev".
func buildID() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" {
				return kv.Value
			}
		}
	}
	return "dev"
}

// handleHealthz answers 200 "ok" while the process serves.
func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte("ok\n"))
	})
}

// handleReadyz answers 200 "ready" until the server drains, then 503
// "shutting down".
func handleReadyz(draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if draining.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("shutting down\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
}

// handleNotFound answers 404 JSON for every unknown path.
func handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "", "no such page: "+r.URL.Path)
	})
}

// handleMethodNotAllowed answers 405 JSON.
func handleMethodNotAllowed() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusMethodNotAllowed, "", "method "+r.Method+" not allowed on "+r.URL.Path)
	})
}
