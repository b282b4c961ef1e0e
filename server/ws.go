package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/go-chi/httprate"
)

// hub counts the live websocket sessions (overall and per client IP) and
// closes them all on shutdown.
type hub struct {
	cfg      Config
	m        *metrics
	mu       sync.Mutex
	sessions map[*session]struct{}
	perIP    map[string]int
	total    int
	closing  bool
	wg       sync.WaitGroup // one per reserved slot
}

func newHub(cfg Config, m *metrics) *hub {
	return &hub{cfg: cfg, m: m, sessions: map[*session]struct{}{}, perIP: map[string]int{}}
}

// reserve takes a session slot for ip. It returns the rejection reason (a
// rejected-requests label) when the server is full or closing, "" when the
// slot is taken; release must then follow.
func (h *hub) reserve(ip string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closing:
		return rejectShutdown
	case h.total >= h.cfg.MaxSessions:
		return rejectSessions
	case h.perIP[ip] >= h.cfg.MaxSessionsPerIP:
		return rejectSessionsIP
	}
	h.total++
	h.perIP[ip]++
	h.wg.Add(1)
	return ""
}

// release gives back the slot of ip.
func (h *hub) release(ip string) {
	h.mu.Lock()
	h.total--
	if h.perIP[ip]--; h.perIP[ip] <= 0 {
		delete(h.perIP, ip)
	}
	h.mu.Unlock()
	h.wg.Done()
}

// add registers a live session; when the hub is already closing the session
// is told to go away at once.
func (h *hub) add(s *session) {
	h.mu.Lock()
	h.sessions[s] = struct{}{}
	closing := h.closing
	h.mu.Unlock()
	if closing {
		s.goAway()
	}
}

func (h *hub) remove(s *session) {
	h.mu.Lock()
	delete(h.sessions, s)
	h.mu.Unlock()
}

// shutdown refuses new sessions, tells every session to close with 1001
// (each closes itself, so all close in parallel) and waits for them. When
// ctx expires first, the remaining connections are cut without a close
// handshake and ctx's error is returned.
func (h *hub) shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	live := make([]*session, 0, len(h.sessions))
	for s := range h.sessions {
		live = append(live, s)
	}
	h.mu.Unlock()
	for _, s := range live {
		s.goAway()
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	h.mu.Lock()
	for s := range h.sessions {
		s.conn.CloseNow()
	}
	h.mu.Unlock()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
	return ctx.Err()
}

// handleWS serves GET /ws: it upgrades to a websocket and runs one session
// (session.serve) until either side ends it. Before the upgrade it answers
// with JSON errors: 503 while the server shuts down, 403 for an Origin other
// than the server's own host and -allowed-origins, 429 when the server has
// MaxSessions live sessions or the client IP (IPv6: its /64) has
// MaxSessionsPerIP, 426 for a plain HTTP request. A malformed handshake
// gets 400 (plain text) from websocket.Accept.
func handleWS(logger *slog.Logger, cfg Config, m *metrics, h *hub, draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			m.rejected.WithLabelValues(rejectShutdown).Inc()
			writeJSONError(w, http.StatusServiceUnavailable, "", "the server is shutting down; reconnect in a moment")
			return
		}
		if !headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") {
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Upgrade", "websocket")
			writeJSONError(w, http.StatusUpgradeRequired, "", "this is the websocket endpoint; open it with a websocket client")
			return
		}
		if !originAllowed(r, cfg.AllowedOrigins) {
			m.rejected.WithLabelValues(rejectOrigin).Inc()
			writeJSONError(w, http.StatusForbidden, "origin", "origin "+r.Header.Get("Origin")+" may not open a session here")
			return
		}
		ip := httprate.CanonicalizeIP(clientIP(r)) // IPv6 by /64
		switch reason := h.reserve(ip); reason {
		case "":
		case rejectShutdown:
			m.rejected.WithLabelValues(reason).Inc()
			writeJSONError(w, http.StatusServiceUnavailable, "", "the server is shutting down; reconnect in a moment")
			return
		default:
			m.rejected.WithLabelValues(reason).Inc()
			w.Header().Set("Retry-After", "10")
			writeJSONError(w, http.StatusTooManyRequests, "", "too many live sessions; close another tab or try again later")
			return
		}
		defer h.release(ip)

		// The http.Server's read and write timeouts do not apply to a
		// session: it has its own per-write deadlines, pings and idle timeout.
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Time{})
		rc.SetWriteDeadline(time.Time{})
		conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: cfg.AllowedOrigins})
		if err != nil {
			return // Accept has answered
		}
		conn.SetReadLimit(cfg.MaxMessageBytes)
		s := newSession(logger.With("ip", ip), cfg, m, conn)
		h.add(s)
		defer h.remove(s)
		m.sessionsStarted.Inc()
		m.sessions.Inc()
		defer m.sessions.Dec()
		reason := s.serve(context.WithoutCancel(r.Context()))
		m.sessionsEnded.WithLabelValues(reason).Inc()
	})
}

// originAllowed reports whether the request's Origin may open a session: no
// Origin (not a browser), the server's own host, or a match of one of the
// patterns (path.Match, case-insensitive, against the origin's host, or
// against scheme://host when the pattern has a scheme), as websocket.Accept
// checks it.
func originAllowed(r *http.Request, patterns []string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(r.Host, u.Host) {
		return true
	}
	for _, p := range patterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, err := path.Match(strings.ToLower(p), strings.ToLower(target)); err == nil && ok {
			return true
		}
	}
	return false
}

// headerHasToken reports whether a comma-separated header has token
// (case-insensitive).
func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// errFlood ends a session whose client keeps sending over its message rate.
var errFlood = errors.New("too many messages")
