package server

import (
	"time"

	"lrlab/scenario"
)

// Config holds the server's limits and timeouts. The zero value of a field
// means its default (see DefaultConfig); cmd/server sets each field from a
// flag or environment variable of the same name.
type Config struct {
	// MaxRuns is the number of runs a scenario may hold (default 8).
	MaxRuns int
	// MaxSteps is the number of steps a run may take (default 10,000).
	MaxSteps int
	// MaxBodyBytes bounds a request body (default 64 KiB); a larger one
	// gets 413 with field "body".
	MaxBodyBytes int64
	// MaxMessageBytes is the websocket read limit (default 64 KiB); a
	// larger message closes the socket with 1009.
	MaxMessageBytes int64
	// FrameRate is the number of frames per second a session sends at most
	// (default 15, at most 60).
	FrameRate float64
	// MaxPointsPerFrame bounds the points of one run in one frame, which
	// caps the speed of rate 0 ("as fast as possible"); default 2000.
	MaxPointsPerFrame int
	// WriteTimeout bounds each websocket write (default 10 s); a client that
	// does not take a frame in time is closed with 1008.
	WriteTimeout time.Duration
	// PingInterval is the time between websocket pings (default 25 s).
	PingInterval time.Duration
	// IdleTimeout closes a websocket session (1000) that received no message
	// and streamed nothing for this long (default 10 min).
	IdleTimeout time.Duration
	// MaxSessions bounds the live websocket sessions (default 5000); more
	// get HTTP 429 before the upgrade.
	MaxSessions int
	// MaxSessionsPerIP bounds the live sessions of one client IP (default
	// 50, enough for a classroom behind one NAT); more get HTTP 429.
	MaxSessionsPerIP int
	// MessageRate is the sustained number of client messages per second a
	// session may send (default 50), with bursts up to MessageBurst
	// (default 100). Messages over it are dropped with an error message;
	// a flood that goes on closes the socket with 1008.
	MessageRate  float64
	MessageBurst int
	// RequestTimeout bounds every HTTP request except /ws (default 10 s).
	RequestTimeout time.Duration
	// RequestsPerMinute is the number of HTTP requests per minute one client
	// IP may make to the API and the pages (default 1200); more get 429.
	RequestsPerMinute int
	// ComputePerMinute is the number of simulate and grid requests per
	// minute one client IP may make (default 300); more get 429.
	ComputePerMinute int
	// SweepBudget bounds the work of one compute request (simulate, grid,
	// LR finder, sweep and flat share over HTTP or the websocket, preview
	// image) in work units: one unit is an optimizer step on a built-in
	// surface, a step on a custom formula costs more by the formula's
	// weight, a grid point about a tenth (cost.go). Default 1,000,000:
	// about 0.1–0.2 s on two cores; 3 optimizers × 40 LRs × 16 seeds × 500
	// steps, 8 runs × 10,000 steps on a built-in surface and every grid of
	// a built-in surface fit. More gets 400 naming the setting to lower.
	SweepBudget int
	// WorkPerMinute is the work one client IP may ask for in a minute, in
	// the same units, across all its compute requests (default 60,000,000:
	// about 6 CPU-seconds a minute); past it they get 429 with Retry-After.
	WorkPerMinute int
	// AllowedOrigins lists the origins (host patterns as in path.Match, or
	// scheme://host) allowed to open /ws besides the server's own host.
	AllowedOrigins []string
	// PublicURL is the absolute URL the server is reached at
	// ("https://lab.example.org"); absolute links (og:url, og:image, a
	// classroom's join link and QR code) are built from it. Empty: from the request's Host (checked against
	// AllowedHosts) and, from a trusted proxy, X-Forwarded-Proto.
	PublicURL string
	// AllowedHosts lists the host names (path.Match patterns, no port; "*"
	// for any) a request's Host may name; IP addresses always pass. Empty:
	// localhost and PublicURL's host (cmd/server adds the listen address's
	// host). Other hosts get 400, so a DNS-rebinding page cannot use the
	// server.
	AllowedHosts []string
	// TrustedProxies lists the CIDR prefixes of reverse proxies whose
	// X-Forwarded-For names the client. Empty: the TCP peer is the client.
	TrustedProxies []string
	// BuildID distinguishes deployments in ETags; empty means the VCS
	// revision of the binary when known.
	BuildID string

	// Classrooms (docs/API.md, "Classrooms").
	//
	// RedisURL is the back end of the rooms, redis://[:password@]host:port/db;
	// empty keeps them in this process's memory.
	RedisURL string
	// MaxRooms bounds the live rooms (default 100).
	MaxRooms int
	// RoomMaxMembers bounds the students of one room (default 3000).
	RoomMaxMembers int
	// RoomMaxQuestions bounds the questions one room may ask (default 50).
	RoomMaxQuestions int
	// RoomLookupsPerMinute bounds room creations, room pages, QR codes and
	// joins per client IP and minute (default 600).
	RoomLookupsPerMinute int
	// RoomExpiry is how long a room lives without its teacher (default 30 min).
	RoomExpiry time.Duration
	// RoomBacklog is the number of messages a member may be behind before
	// it gets the catch-up again instead (default 512).
	RoomBacklog int
}

// roomHouseInterval is how often a room's loop does its housekeeping
// (touching the record, checking expiry): a tenth of the expiry, 1 … 10 s.
func (c Config) roomHouseInterval() time.Duration {
	return min(max(c.RoomExpiry/10, 100*time.Millisecond), 10*time.Second)
}

// DefaultConfig returns the defaults of every limit.
func DefaultConfig() Config {
	return Config{
		MaxRuns:           scenario.DefaultLimits.MaxRuns,
		MaxSteps:          scenario.DefaultLimits.MaxSteps,
		MaxBodyBytes:      64 << 10,
		MaxMessageBytes:   64 << 10,
		FrameRate:         15, // the page plays the points at the run's own rate (playback.js): 15 on the wire look like 60
		MaxPointsPerFrame: 2000,
		WriteTimeout:      10 * time.Second,
		PingInterval:      25 * time.Second,
		IdleTimeout:       10 * time.Minute,
		MaxSessions:       5000,
		MaxSessionsPerIP:  50,
		MessageRate:       50,
		MessageBurst:      100,
		RequestTimeout:    10 * time.Second,
		RequestsPerMinute: 1200,
		ComputePerMinute:  300,
		SweepBudget:       1_000_000,

		MaxRooms:             100,
		RoomMaxMembers:       3000,
		RoomMaxQuestions:     50,
		RoomLookupsPerMinute: 600,
		RoomExpiry:           30 * time.Minute,
		RoomBacklog:          512,
		WorkPerMinute:        60_000_000,
	}
}

// withDefaults fills every zero field of c from DefaultConfig and clamps the
// frame rate to 60.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	setDefault(&c.MaxRuns, d.MaxRuns)
	setDefault(&c.MaxSteps, d.MaxSteps)
	setDefault(&c.MaxBodyBytes, d.MaxBodyBytes)
	setDefault(&c.MaxMessageBytes, d.MaxMessageBytes)
	setDefault(&c.FrameRate, d.FrameRate)
	setDefault(&c.MaxPointsPerFrame, d.MaxPointsPerFrame)
	setDefault(&c.WriteTimeout, d.WriteTimeout)
	setDefault(&c.PingInterval, d.PingInterval)
	setDefault(&c.IdleTimeout, d.IdleTimeout)
	setDefault(&c.MaxSessions, d.MaxSessions)
	setDefault(&c.MaxSessionsPerIP, d.MaxSessionsPerIP)
	setDefault(&c.MessageRate, d.MessageRate)
	setDefault(&c.MessageBurst, d.MessageBurst)
	setDefault(&c.RequestTimeout, d.RequestTimeout)
	setDefault(&c.RequestsPerMinute, d.RequestsPerMinute)
	setDefault(&c.ComputePerMinute, d.ComputePerMinute)
	setDefault(&c.SweepBudget, d.SweepBudget)
	setDefault(&c.MaxRooms, d.MaxRooms)
	setDefault(&c.RoomMaxMembers, d.RoomMaxMembers)
	setDefault(&c.RoomMaxQuestions, d.RoomMaxQuestions)
	setDefault(&c.RoomLookupsPerMinute, d.RoomLookupsPerMinute)
	setDefault(&c.RoomExpiry, d.RoomExpiry)
	setDefault(&c.RoomBacklog, d.RoomBacklog)
	setDefault(&c.WorkPerMinute, d.WorkPerMinute)
	c.FrameRate = min(c.FrameRate, 60)
	return c
}

func setDefault[T int | int64 | float64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// limits returns the scenario limits of c.
func (c Config) limits() scenario.Limits {
	return scenario.Limits{MaxRuns: c.MaxRuns, MaxSteps: c.MaxSteps}
}
