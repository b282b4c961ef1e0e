package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
)

// statusWriter records the status and size of a response. It unwraps to the
// underlying writer, so http.ResponseController and websocket.Accept reach
// the connection (flush, hijack, deadlines).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestLog logs one structured line per request after it ends (a websocket
// session is one request: its line comes when the session ends, never per
// frame) and observes the latency of every route except /ws in the
// histogram, labelled by the chi route pattern. It never fails a request.
// A handler that hands its request over to a goroutine of its own (the
// websocket session, so the handler's goroutine and net/http's buffers are
// freed) calls handOver; the line is then written when that goroutine
// calls the returned end.
func requestLog(logger *slog.Logger, m *metrics) func(http.Handler) http.Handler {
	var limited logSampler // lines of requests refused by a rate limit
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w}
			end := &requestEnd{}
			r = r.WithContext(context.WithValue(r.Context(), requestEndKey{}, end))
			next.ServeHTTP(sw, r)
			d := time.Since(start)
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			if route != "/ws" {
				m.latency.WithLabelValues(route, methodLabel(r.Method), strconv.Itoa(status)).Observe(d.Seconds())
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			// Only strings are kept for a line written later, not the request.
			// The method and path are the client's: cut to a bounded length.
			method, path, bytes, ip, id := clip(r.Method, maxLoggedMethod), clip(r.URL.Path, maxLoggedPath), sw.bytes, clientIP(r), middleware.GetReqID(r.Context())
			var suppressed int
			if end.limited { // a flood must not become a flood of log lines
				ok, n := limited.allow(time.Now())
				if !ok {
					return
				}
				suppressed = n
			}
			line := func(ctx context.Context, d time.Duration) {
				attrs := []slog.Attr{
					slog.String("method", method),
					slog.String("path", path),
					slog.String("route", route),
					slog.Int("status", status),
					slog.Int64("bytes", bytes),
					slog.Float64("duration_ms", float64(d.Microseconds())/1000),
					slog.String("ip", ip),
					slog.String("request_id", id),
				}
				if suppressed > 0 {
					attrs = append(attrs, slog.Int("rate_limited_lines_suppressed", suppressed))
				}
				logger.LogAttrs(ctx, level, "request", attrs...)
			}
			end.mu.Lock()
			if end.handed && !end.ended {
				end.log = func() { line(context.Background(), time.Since(start)) }
				end.mu.Unlock()
				return
			}
			end.mu.Unlock()
			line(r.Context(), time.Since(start))
		})
	}
}

// requestEnd is how a handler hands its request over to another goroutine,
// which then ends it (handOver).
type requestEnd struct {
	mu      sync.Mutex
	handed  bool   // the handler handed the request over
	ended   bool   // and the other goroutine has ended it
	log     func() // the log line, set when the handler returns before the end
	limited bool   // a rate limit refused the request (set on the request's goroutine)
}

// logSampler lets through one log line a second and counts the others.
type logSampler struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// allow reports whether a line may be written at now and, if so, how many
// were suppressed since the last one.
func (s *logSampler) allow(now time.Time) (bool, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.last) < time.Second {
		s.suppressed++
		return false, 0
	}
	n := s.suppressed
	s.last, s.suppressed = now, 0
	return true, n
}

type requestEndKey struct{}

// handOver marks r as carried on by another goroutine after the handler
// returns, and returns the function that goroutine calls when the request
// is over: requestLog writes the request's line then. Without requestLog
// in the chain, end does nothing.
func handOver(r *http.Request) (end func()) {
	e, _ := r.Context().Value(requestEndKey{}).(*requestEnd)
	if e == nil {
		return func() {}
	}
	e.mu.Lock()
	e.handed = true
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		e.ended = true
		log := e.log
		e.log = nil
		e.mu.Unlock()
		if log != nil {
			log()
		}
	}
}

// recoverer turns a panic in a handler into a logged stack trace and a 500
// JSON error ({"error":"internal error","field":""}) when nothing has been
// written yet. http.ErrAbortHandler is passed on, as net/http expects.
func recoverer(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") { // not after a hijack
					writeJSONError(w, http.StatusInternalServerError, "", "internal error")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// contentSecurityPolicy is the CSP of every response; frame-ancestors is
// opened only for ?embed=1.
const (
	cspBase      = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
	cspNoFrame   = cspBase + "frame-ancestors 'none'"
	cspEmbedding = cspBase + "frame-ancestors *"
)

// securityHeaders sets the Content-Security-Policy, X-Content-Type-Options
// nosniff and Referrer-Policy strict-origin-when-cross-origin on every
// response, and X-Frame-Options DENY unless the page is asked for with
// ?embed=1 (which may then be framed by any site). It never fails a request.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.URL.Query().Get("embed") == "1" {
			h.Set("Content-Security-Policy", cspEmbedding)
		} else {
			h.Set("Content-Security-Policy", cspNoFrame)
			h.Set("X-Frame-Options", "DENY")
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		next.ServeHTTP(w, r)
	})
}

// bodyLimit caps request bodies at n bytes. A request that declares a longer
// Content-Length gets 413 {"error":…,"field":"body"} at once; a longer body
// without one fails the handler's read with *http.MaxBytesError, which the
// error adapter maps to the same 413.
func bodyLimit(n int64, m *metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				m.rejected.WithLabelValues(rejectBodyTooBig).Inc()
				writeJSONError(w, http.StatusRequestEntityTooLarge, "body", "request body is larger than "+strconv.FormatInt(n, 10)+" bytes")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// timeout gives the request's context a deadline d. Handlers check the
// context between pieces of work; one that runs out answers 503 through the
// error adapter. It is not installed on /ws.
func timeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// clientIPFrom returns the middleware that records the client's IP for
// clientIP: the TCP peer, or, when trusted proxy prefixes are given and the
// peer is one of them, the first untrusted address of X-Forwarded-For.
// It panics on an invalid prefix (cmd/server validates them first).
func clientIPFrom(trusted []string) func(http.Handler) http.Handler {
	if len(trusted) == 0 {
		return middleware.ClientIPFromRemoteAddr
	}
	return middleware.ClientIPFromXFF(trusted...)
}

// clientIP returns the client's IP as recorded by clientIPFrom, falling
// back to the host of r.RemoteAddr.
func clientIP(r *http.Request) string {
	if ip := middleware.GetClientIP(r.Context()); ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateLimit allows n requests per minute per client IP (IPv6 by /64). More
// get 429 {"error":"too many requests…","field":""} with Retry-After.
func rateLimit(n int, m *metrics) func(http.Handler) http.Handler {
	return httprate.LimitBy(n, time.Minute,
		func(r *http.Request) (string, error) { return httprate.CanonicalizeIP(clientIP(r)), nil },
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			m.rejected.WithLabelValues(rejectRateLimit).Inc()
			if e, _ := r.Context().Value(requestEndKey{}).(*requestEnd); e != nil {
				e.limited = true // requestLog samples these lines
			}
			writeJSONError(w, http.StatusTooManyRequests, "", "too many requests; try again in a minute")
		}))
}

// knownMethods are the HTTP methods the metrics name; any other is "other",
// so a client cannot add a label value (and a time series) per request.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
	http.MethodConnect: true, http.MethodTrace: true,
}

// methodLabel is the method's metric label: a known method, else "other".
func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return "other"
}

// Lengths of the client's strings written to the log.
const (
	maxLoggedMethod = 16
	maxLoggedPath   = 512
)

// clip cuts s to at most n bytes, marking a cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// maxRequestID is the longest X-Request-Id taken from a trusted proxy.
const maxRequestID = 64

// requestID gives every request an ID, in the context where chi's
// middleware.GetReqID finds it: the X-Request-Id of the request when it
// comes from a trusted proxy (the TCP peer is in trusted) and is at most
// maxRequestID characters of [A-Za-z0-9._-]; otherwise a new one (a random
// prefix of the process and a counter). Nothing else a client sends becomes
// the ID, so IDs cannot be forged or made large.
func requestID(trusted []netip.Prefix) func(http.Handler) http.Handler {
	var rnd [6]byte
	rand.Read(rnd[:])
	prefix := base64.RawURLEncoding.EncodeToString(rnd[:]) + "-"
	var seq atomic.Uint64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get(middleware.RequestIDHeader)
			if id == "" || !safeRequestID(id) || !fromTrusted(r, trusted) {
				id = prefix + strconv.FormatUint(seq.Add(1), 10)
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), middleware.RequestIDKey, id)))
		})
	}
}

// safeRequestID reports whether id is at most maxRequestID characters of
// [A-Za-z0-9._-].
func safeRequestID(id string) bool {
	if len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// parsePrefixes reads CIDR prefixes or single addresses; it panics on an
// invalid one (cmd/server validates them first).
func parsePrefixes(list []string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			panic("server: invalid trusted proxy " + strconv.Quote(s))
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out
}

// fromTrusted reports whether r's TCP peer is one of the trusted prefixes.
func fromTrusted(r *http.Request, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// assetRequestsFactor is how many more requests a minute a client IP may
// make for /static/ assets than for everything else: a first visit of a
// classroom behind one address fetches a few dozen content-hashed assets per
// student (cached for a year after that).
const assetRequestsFactor = 16

// limitRequests puts every request under a rate limit per client IP:
// /static/ under assets, everything else (pages, the API, probes, metrics,
// /ws, unknown paths) under perIP.
func limitRequests(perIP, assets func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		p, a := perIP(next), assets(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/static/") {
				a.ServeHTTP(w, r)
				return
			}
			p.ServeHTTP(w, r)
		})
	}
}

// requestIDHeader echoes the request ID (requestID's) in X-Request-Id.
func requestIDHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := middleware.GetReqID(r.Context()); id != "" {
			w.Header().Set(middleware.RequestIDHeader, id)
		}
		next.ServeHTTP(w, r)
	})
}
