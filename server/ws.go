package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"runtime/debug"
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
	rooms    *rooms         // the classrooms (room.go)
	work     *workLimiter   // the work budget of each client IP, shared with the HTTP compute routes (cost.go)
	clock    *frameClock    // the frame clock of the sessions that stream (frameclock.go)
}

func newHub(cfg Config, m *metrics) *hub {
	return &hub{cfg: cfg, m: m, sessions: map[*session]struct{}{}, perIP: map[string]int{},
		work: newWorkLimiter(int64(cfg.WorkPerMinute), m), clock: newFrameClock(frameInterval(cfg.FrameRate))}
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

// The values of /ws's frames parameter: how the session's frame messages
// are encoded (JSON text, the default, or binary: binframe.go). A query
// parameter rather than a key of start, so that a page asking for binary
// frames still works against a server from before them (it ignores the
// parameter and sends JSON, which the page reads too), as during a
// rolling deploy.
const (
	framesJSON   = "json"
	framesBinary = "binary"
)

// framesParam reads r's frames parameter: whether the session sends binary
// frames, and false for a value that is neither framesJSON nor framesBinary.
func framesParam(r *http.Request) (binary, ok bool) {
	q := r.URL.Query()
	switch v := q.Get("frames"); {
	case len(q["frames"]) > 1:
		return false, false
	case v == "" || v == framesJSON:
		return false, true
	case v == framesBinary:
		return true, true
	}
	return false, false
}

// handleWS serves GET /ws: it upgrades to a websocket and starts one session
// (session.serve) on a goroutine of its own, which runs until either side
// ends it; the handler returns at once. Before the upgrade it answers
// with JSON errors: 503 while the server shuts down, 403 for an Origin other
// than the server's own host and -allowed-origins, 429 when the server has
// MaxSessions live sessions or the client IP (IPv6: its /64) has
// MaxSessionsPerIP, 426 for a plain HTTP request, 400 for a frames
// parameter framesParam refuses. A malformed handshake gets 400 (plain
// text) from websocket.Accept.
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
		binary, ok := framesParam(r)
		if !ok {
			writeJSONError(w, http.StatusBadRequest, "frames", fmt.Sprintf(`frames must be %q (the default: JSON text frames) or %q (binary frames, docs/API.md), got %q`, framesJSON, framesBinary, r.URL.Query().Get("frames")))
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
		released := false // true once the session's goroutine owns the slot
		defer func() {
			if !released {
				h.release(ip)
			}
		}()

		// The http.Server's read and write timeouts do not apply to a
		// session: it has its own per-write deadlines, pings and idle timeout.
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Time{})
		rc.SetWriteDeadline(time.Time{})
		hw := &hijackWriter{ResponseWriter: w, timeout: cfg.WriteTimeout}
		var s *session // set before the session reads, so before any ping
		conn, err := websocket.Accept(hw, r, &websocket.AcceptOptions{OriginPatterns: cfg.AllowedOrigins,
			OnPingReceived: func(context.Context, []byte) bool { return s.pingReceived() }})
		if err != nil {
			return // Accept has answered
		}
		conn.SetReadLimit(cfg.MaxMessageBytes)
		s = newSession(logger.With("ip", ip), cfg, m, conn)
		s.binary = binary
		s.work, s.ip = h.work, ip // sweeps are charged to the IP's work budget
		s.rooms = h.rooms
		s.clock = h.clock
		h.add(s)
		m.sessionsStarted.Inc()
		m.sessions.Inc()
		// The session runs on a goroutine of its own and the handler
		// returns, so net/http lets go of the request, its buffers and the
		// handler's deep stack: a live session keeps only what it uses.
		// The request's log line is still written when the session ends.
		end := handOver(r)
		released = true
		go func() {
			defer end()
			defer h.release(ip)
			defer h.remove(s)
			defer m.sessions.Dec()
			defer func() {
				if v := recover(); v != nil { // serve has closed the connection
					logger.Error("panic", "path", "/ws", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				}
			}()
			reason := s.serve(context.Background())
			m.sessionsEnded.WithLabelValues(reason).Inc()
		}()
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

// hijackWriter hands websocket.Accept the hijacked connection wrapped in a
// deadlineConn, so every write of the session (frames, pongs, pings, close
// frames) carries a deadline, with small bufio buffers of its own instead
// of net/http's 4 KiB reader and writer (which are let go with the
// request): wsReadBuf for the few, small client messages, wsWriteBuf for
// the frames. A frame larger than the writer's buffer costs two write
// system calls instead of one (coder/websocket writes the header and the
// payload through it), so the buffer holds a frame of 2 runs at 60 steps/s
// (about 1.1 KB) with room for the larger ones of a session that fell
// behind and has several frames' points to send at once (12 points a run).
type hijackWriter struct {
	http.ResponseWriter
	timeout time.Duration
}

func (w *hijackWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if tc, ok := nc.(interface{ SetWriteBuffer(int) error }); ok {
		// A small kernel send buffer: a client that stops reading blocks
		// the session's next write after wsSendBuf bytes, instead of the
		// megabytes TCP autotuning would queue for it.
		tc.SetWriteBuffer(wsSendBuf)
	}
	dc := &deadlineConn{Conn: nc, timeout: w.timeout}
	br := bufio.NewReaderSize(dc, wsReadBuf)
	if n := brw.Reader.Buffered(); n > 0 {
		// The client wrote before the upgrade was answered: hand its bytes
		// over buffered, where websocket.Accept looks for them.
		b, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(b)), dc), max(wsReadBuf, n))
		if _, err := br.Peek(n); err != nil {
			nc.Close()
			return nil, nil, err
		}
	}
	return dc, bufio.NewReadWriter(br, bufio.NewWriterSize(dc, wsWriteBuf)), nil
}

const (
	wsReadBuf  = 256
	wsWriteBuf = 4096
	wsSendBuf  = 64 << 10 // SO_SNDBUF of a session's socket (Linux doubles it)
)

// deadlineConn is a connection whose every Write runs with a write deadline
// at least timeout ahead. The deadline is moved only when less than timeout
// is left, to timeout plus an eighth ahead, so a steady stream of frames
// moves it about eight times per timeout rather than once per frame, and a write
// that stalls fails after between timeout and 9/8 of it. Without it, each
// websocket write would need a context with a deadline, which costs the
// websocket library a timer and allocations per message.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
	until   atomic.Int64 // the write deadline in force, Unix nanoseconds
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	now := time.Now().UnixNano()
	if c.until.Load()-now < int64(c.timeout) {
		d := now + int64(c.timeout) + int64(c.timeout/8)
		if err := c.Conn.SetWriteDeadline(time.Unix(0, d)); err != nil {
			return 0, err
		}
		c.until.Store(d)
	}
	return c.Conn.Write(p)
}

// errFlood ends a session whose client keeps sending over its message rate.
var errFlood = errors.New("too many messages")

// errBadUTF8 ends a session whose client sent a text message that is not
// UTF-8 (close 1007, as RFC 6455 asks).
var errBadUTF8 = errors.New("text message is not valid UTF-8")
