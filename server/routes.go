package server

import (
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// addRoutes registers every route of the server on r: reading this function
// tells the whole surface of the server.
func addRoutes(r chi.Router, s *Server) {
	cfg, logger, m := s.cfg, s.logger, s.metrics

	perIP := rateLimit(cfg.RequestsPerMinute, m)
	assetsPerIP := rateLimit(cfg.RequestsPerMinute*assetRequestsFactor, m) // a first visit fetches a few dozen assets
	compute := rateLimit(cfg.ComputePerMinute, m)
	work := s.sessions.work // work units per IP (cost.go), websocket sweeps included

	// Every request: an ID (a trusted proxy's, or a new one), the client's
	// IP (trusted proxies only), one log line, panics as 500 JSON, the
	// security headers, and the request rate limit per IP: every route,
	// unknown paths and probes included, so nothing a client sends is free
	// (assets under a limit of their own, assetRequestsFactor times larger).
	r.Use(
		middleware.GetHead, // HEAD is answered by the GET route
		requestID(parsePrefixes(cfg.TrustedProxies)),
		requestIDHeader,
		clientIPFrom(cfg.TrustedProxies),
		requestLog(logger, m),
		recoverer(logger),
		securityHeaders,
		limitRequests(perIP, assetsPerIP),
		hostGuard(cfg.PublicURL, cfg.AllowedHosts, parsePrefixes(cfg.TrustedProxies)), // Host checked, origin of absolute URLs
	)
	r.NotFound(handleNotFound().ServeHTTP)
	r.MethodNotAllowed(handleMethodNotAllowed().ServeHTTP)

	// Probes and metrics (under the request rate limit, like every route).
	r.Get("/healthz", handleHealthz().ServeHTTP)
	r.Get("/readyz", handleReadyz(&s.draining).ServeHTTP)
	r.Get("/metrics", m.handler().ServeHTTP)

	// Embedded assets under a content hash, cached for a year.
	assets := newAssets(logger)
	r.Get("/static/{hash}/*", handleStatic(assets).ServeHTTP)

	// The websocket: rate limited on connection attempts (above), no request
	// timeout and no body limit (sessions have their own limits).
	r.Get("/ws", handleWS(logger, cfg, m, s.sessions, &s.draining).ServeHTTP)

	// Everything else: a deadline, a body limit, and gzip for text.
	r.Group(func(r chi.Router) {
		r.Use(
			timeout(cfg.RequestTimeout),
			bodyLimit(cfg.MaxBodyBytes, m),
		)

		// Pages: small and on every first visit, so compressed hard.
		r.With(middleware.Compress(9, "text/html")).Get("/", handleIndex(logger, assets, cfg.limits()).ServeHTTP)
		r.Get("/p/{id}", handlePresetPage(logger).ServeHTTP)
		// Classrooms (roomhttp.go): a room's page and the QR code of its
		// join link; every wrong code gets the same 404.
		r.With(middleware.Compress(9, "text/html")).Get("/r/{code}", handleRoomPage(logger, cfg, assets, s.rooms).ServeHTTP)
		r.Get("/r/{code}/qr.svg", handleRoomQR(logger, cfg, s.rooms).ServeHTTP)
		// The share image of a link (og:image), renders bounded (share.go).
		r.With(compute).Get("/og.png", handleOG(logger, cfg, work).ServeHTTP)

		// The JSON API, compressed fast: trajectories can be large.
		r.Route("/api/v1", func(r chi.Router) {
			r.Use(middleware.Compress(1, "application/json", "text/plain"))
			r.Get("/surfaces", handleSurfaces(logger).ServeHTTP)
			r.Get("/schema", handleSchema(logger, cfg.limits()).ServeHTTP) // every setting, its bounds and the limits (schema.go)
			// The grid by query, or (POST) by a JSON body for data too long
			// for a URL (data.go); one handler, one cache.
			grid := handleGrid(logger, cfg, m, work).ServeHTTP
			r.With(compute).Get("/surfaces/{name}/grid", grid)
			r.With(compute).Post("/surfaces/{name}/grid", grid)
			// The built-in data sets with their rows (data.go).
			r.Get("/datasets", handleDatasets(logger).ServeHTTP)
			// The description of a surface set up by a JSON body: pasted data (data.go).
			r.With(compute).Post("/surfaces/{name}", handleSurfaceInfo(logger).ServeHTTP)
			r.With(compute).Get("/formula", handleFormula(logger).ServeHTTP) // checks a custom formula (formula.go)
			r.With(compute).Post("/simulate", handleSimulate(logger, cfg, m, work).ServeHTTP)
			// Analyses (analysis.go), bounded by Config.SweepBudget.
			r.With(compute).Post("/lr-finder", handleLRFinder(logger, cfg, work).ServeHTTP)
			r.With(compute).Post("/sweep", handleSweep(logger, cfg, work).ServeHTTP)
			r.With(compute).Post("/flat-share", handleFlatShare(logger, cfg, work).ServeHTTP)
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
