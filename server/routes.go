package server

import (
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// addRoutes registers every route of the server on r: reading this function
// tells the whole surface of the server.
func addRoutes(r chi.Router, s *Server) {
	cfg, logger, m := s.cfg, s.logger, s.metrics

	// Every request: an ID, the client's IP (trusted proxies only), one log
	// line, panics as 500 JSON, the security headers.
	r.Use(
		middleware.GetHead, // HEAD is answered by the GET route
		middleware.RequestID,
		requestIDHeader,
		clientIPFrom(cfg.TrustedProxies),
		requestLog(logger, m),
		recoverer(logger),
		securityHeaders,
	)
	r.NotFound(handleNotFound().ServeHTTP)
	r.MethodNotAllowed(handleMethodNotAllowed().ServeHTTP)

	perIP := rateLimit(cfg.RequestsPerMinute, m)
	compute := rateLimit(cfg.ComputePerMinute, m)

	// Probes and metrics: never rate limited.
	r.Get("/healthz", handleHealthz().ServeHTTP)
	r.Get("/readyz", handleReadyz(&s.draining).ServeHTTP)
	r.Get("/metrics", m.handler().ServeHTTP)

	// Embedded assets under a content hash, cached for a year.
	assets := newAssets(logger)
	r.Get("/static/{hash}/*", handleStatic(assets).ServeHTTP)

	// The websocket: rate limited on connection attempts, no request
	// timeout and no body limit (sessions have their own limits).
	r.With(perIP).Get("/ws", handleWS(logger, cfg, m, s.sessions, &s.draining).ServeHTTP)

	// Everything else: a deadline, a body limit, a rate limit per IP, and
	// gzip for text.
	r.Group(func(r chi.Router) {
		r.Use(
			timeout(cfg.RequestTimeout),
			bodyLimit(cfg.MaxBodyBytes, m),
			perIP,
		)

		// Pages: small and on every first visit, so compressed hard.
		r.With(middleware.Compress(9, "text/html")).Get("/", handleIndex(logger, assets).ServeHTTP)
		r.Get("/p/{id}", handlePresetPage(logger).ServeHTTP)
		// Classrooms (roomhttp.go): a room's page and the QR code of its
		// join link; every wrong code gets the same 404.
		r.With(middleware.Compress(9, "text/html")).Get("/r/{code}", handleRoomPage(logger, cfg, assets, s.rooms).ServeHTTP)
		r.Get("/r/{code}/qr.svg", handleRoomQR(logger, cfg, s.rooms).ServeHTTP)
		// The share image of a link (og:image), renders bounded (share.go).
		r.Get("/og.png", handleOG(logger, cfg).ServeHTTP)

		// The JSON API, compressed fast: trajectories can be large.
		r.Route("/api/v1", func(r chi.Router) {
			r.Use(middleware.Compress(1, "application/json", "text/plain"))
			r.Get("/surfaces", handleSurfaces(logger).ServeHTTP)
			r.With(compute).Get("/surfaces/{name}/grid", handleGrid(logger, cfg).ServeHTTP)
			r.With(compute).Get("/formula", handleFormula(logger).ServeHTTP) // checks a custom formula (formula.go)
			r.With(compute).Post("/simulate", handleSimulate(logger, cfg, m).ServeHTTP)
			// Analyses (analysis.go), bounded by Config.SweepBudget.
			r.With(compute).Post("/lr-finder", handleLRFinder(logger, cfg).ServeHTTP)
			r.With(compute).Post("/sweep", handleSweep(logger, cfg).ServeHTTP)
			r.With(compute).Post("/flat-share", handleFlatShare(logger, cfg).ServeHTTP)
			// Presets and share links.
			r.Get("/presets", handlePresets(logger).ServeHTTP)
			r.Get("/scenario", handleScenarioQuery(logger, cfg).ServeHTTP)
			r.Get("/pytorch", handlePyTorch(logger, cfg).ServeHTTP)
			r.Post("/scenario", handleScenarioEncode(logger, cfg).ServeHTTP)
			// Classrooms: a new room and its teacher token (roomhttp.go).
			r.Post("/rooms", handleCreateRoom(logger, cfg, s.rooms).ServeHTTP)
		})
	})
}
