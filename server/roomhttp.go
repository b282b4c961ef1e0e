package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"
	"github.com/prometheus/client_golang/prometheus"
	"rsc.io/qr"

	"lrlab/scenario"
)

// Room codes: codeLen characters of codeAlphabet (no I, L, O, 0, 1).
const (
	codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
	codeLen      = 8
)

// endRoom is the session end reason of a member whose room ended or who left.
const endRoom = "room_ended"

// newCode returns a random room code.
func newCode() string {
	b := make([]byte, codeLen)
	n := big.NewInt(int64(len(codeAlphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, n)
		if err != nil {
			panic(err)
		}
		b[i] = codeAlphabet[k.Int64()]
	}
	return string(b)
}

// roomMetrics are the classroom's metrics, on the server's registry.
type roomMetrics struct {
	rooms         prometheus.Gauge
	members       *prometheus.GaugeVec
	votes         prometheus.Counter
	questions     prometheus.Counter
	created       prometheus.Counter
	ended         prometheus.Counter
	expired       prometheus.Counter
	catchUps      prometheus.Counter
	gaps          prometheus.Counter
	rejected      prometheus.Counter
	backendErrors *prometheus.CounterVec
	lag           prometheus.Histogram
}

func newRoomMetrics(reg *prometheus.Registry) *roomMetrics {
	m := &roomMetrics{
		rooms:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "lrlab_rooms", Help: "Rooms with members (or, in memory, alive) on this replica."}),
		members:   prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "lrlab_room_members", Help: "Room members connected to this replica, by role."}, []string{"role"}),
		votes:     prometheus.NewCounter(prometheus.CounterOpts{Name: "lrlab_room_votes_total", Help: "Votes recorded."}),
		questions: prometheus.NewCounter(prometheus.CounterOpts{Name: "lrlab_room_questions_total", Help: "Questions asked."}),
		created:   prometheus.NewCounter(prometheus.CounterOpts{Name: "lrlab_rooms_created_total", Help: "Rooms created."}),
		ended:     prometheus.NewCounter(prometheus.CounterOpts{Name: "lrlab_rooms_ended_total", Help: "Rooms ended by their teacher."}),
		expired:   prometheus.NewCounter(prometheus.CounterOpts{Name: "lrlab_rooms_expired_total", Help: "Rooms that expired without their teacher (seen by this replica)."}),
		catchUps:  prometheus.NewCounter(prometheus.CounterOpts{Name: "lrlab_room_catchups_total", Help: "Catch-ups sent to members (joins and members that fell behind)."}),
		gaps:      prometheus.NewCounter(prometheus.CounterOpts{Name: "lrlab_room_log_gaps_total", Help: "Gaps found in a room's log (healed by the owner's next reset)."}),
		rejected:  prometheus.NewCounter(prometheus.CounterOpts{Name: "lrlab_room_lookups_rejected_total", Help: "Room lookups over the per-IP rate."}),
		backendErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lrlab_room_backend_errors_total", Help: "Failed calls to the rooms' back end, by operation.",
		}, []string{"op"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "lrlab_room_fanout_lag_seconds",
			Help:    "From the owner's publishing of a room message to the return of a member's write of it.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
	}
	reg.MustRegister(m.rooms, m.members, m.votes, m.questions, m.created, m.ended, m.expired, m.catchUps, m.gaps, m.rejected, m.backendErrors, m.lag)
	return m
}

// ipLimiter allows n events per minute per client IP (a token bucket of n).
type ipLimiter struct {
	n       float64
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newIPLimiter(perMinute int) *ipLimiter {
	return &ipLimiter{n: float64(perMinute), buckets: map[string]*bucket{}}
}

func (l *ipLimiter) allow(ip string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > 10000 { // forget the full ones
		for k, b := range l.buckets {
			if b.tokens+l.n*now.Sub(b.last).Minutes() >= l.n {
				delete(l.buckets, k)
			}
		}
	}
	b := l.buckets[ip]
	if b == nil {
		b = &bucket{tokens: l.n, last: now}
		l.buckets[ip] = b
	}
	b.tokens = min(l.n, b.tokens+l.n*now.Sub(b.last).Minutes())
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func requestIP(r *http.Request) string { return httprate.CanonicalizeIP(clientIP(r)) }

// createRoomResponse is the answer of POST /api/v1/rooms.
type createRoomResponse struct {
	Room          string          `json:"room"`
	TeacherToken  string          `json:"teacher_token"`
	JoinURL       string          `json:"join_url"`
	JoinURLAbs    string          `json:"join_url_abs"`
	QRURL         string          `json:"qr_url"`
	ExpiresAfterS int             `json:"expires_after_s"`
	Limits        map[string]int  `json:"limits"`
	Scenario      json.RawMessage `json:"scenario,omitempty"`
}

// handleCreateRoom serves POST /api/v1/rooms: a new room and its teacher
// token. 400 for a bad scenario or preset, 429 past the lookup rate, 503
// when the server holds -max-rooms rooms or the back end cannot be reached.
func handleCreateRoom(logger *slog.Logger, cfg Config, rs *rooms) http.Handler {
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		if !rs.lookups.allow(requestIP(r)) {
			rs.m.rejected.Inc()
			w.Header().Set("Retry-After", "60")
			return errorf(http.StatusTooManyRequests, "", "too many room requests from your address; try again in a minute")
		}
		body, err := readBody(r)
		if err != nil {
			return err
		}
		var norm json.RawMessage
		if len(bytes.TrimSpace(body)) > 0 {
			obj, err := readStrictAs(body, `a rooms request such as {} or {"preset": "too-large"}`, "rooms request", "scenario", "preset")
			if err != nil {
				return err
			}
			if _, ok := obj["scenario"]; ok && obj["preset"] != nil {
				return errorf(http.StatusBadRequest, "preset", "give a scenario or a preset, not both")
			}
			if raw, ok := obj["scenario"]; ok {
				sc, err := scenario.Decode(raw, cfg.limits())
				if err != nil {
					return err
				}
				norm, _ = json.Marshal(sc)
			}
			if id, ok, err := readString(obj, "preset"); err != nil {
				return err
			} else if ok {
				p, ok := scenario.PresetByID(id)
				if !ok {
					return errorf(http.StatusBadRequest, "preset", "unknown preset %q; GET /api/v1/presets lists them", id)
				}
				norm, _ = json.Marshal(p.Scenario)
			}
		}
		token := randomID(32)
		sum := sha256.Sum256([]byte(token))
		rec := roomRecord{TokenHash: sum[:], Created: time.Now().Unix()}
		var code string
		for try := 0; ; try++ {
			code = newCode()
			err = rs.be.create(r.Context(), code, rec, cfg.RoomExpiry, cfg.MaxRooms)
			if !errors.Is(err, errRoomExists) || try == 5 {
				break
			}
		}
		switch {
		case errors.Is(err, errTooManyRooms):
			return errorf(http.StatusServiceUnavailable, "room", "this server holds its %d rooms; try again later", cfg.MaxRooms)
		case err != nil:
			rs.m.backendErrors.WithLabelValues("create").Inc()
			logger.Error("room create", "err", err)
			return errorf(http.StatusServiceUnavailable, "room", "rooms cannot be reached right now; try again in a moment")
		}
		rs.m.created.Inc()
		out := createRoomResponse{
			Room: code, TeacherToken: token, JoinURL: "/r/" + code, JoinURLAbs: joinURL(r, code),
			QRURL: "/r/" + code + "/qr.svg", ExpiresAfterS: int(cfg.RoomExpiry / time.Second),
			Limits:   map[string]int{"members": cfg.RoomMaxMembers, "questions": cfg.RoomMaxQuestions, "choices": 8},
			Scenario: norm,
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusCreated)
		w.Write(b)
		return nil
	})
}

// joinURL is the absolute join link of code, on the origin hostGuard
// recorded (-public-url, else the request's checked Host).
func joinURL(r *http.Request, code string) string {
	return requestOrigin(r) + "/r/" + code
}

// lookupRoom resolves the {code} of a /r/ route: the room's code, or ""
// with the status to answer (404 for every wrong code, 429 past the rate).
func lookupRoom(r *http.Request, rs *rooms) (string, int) {
	if !rs.lookups.allow(requestIP(r)) {
		rs.m.rejected.Inc()
		return "", http.StatusTooManyRequests
	}
	code := normCode(chi.URLParam(r, "code"))
	if code == "" {
		return "", http.StatusNotFound
	}
	if _, err := rs.be.record(r.Context(), code); err != nil {
		if !errors.Is(err, errNoRoom) {
			rs.m.backendErrors.WithLabelValues("lookup").Inc()
			return "", http.StatusServiceUnavailable
		}
		return "", http.StatusNotFound
	}
	return code, http.StatusOK
}

// RoomPage is what the page gets of its room, in <script id="room-data">.
type RoomPage struct {
	Code    string `json:"code,omitempty"`
	JoinURL string `json:"join_url,omitempty"`
	QRURL   string `json:"qr_url,omitempty"`
	Error   string `json:"error,omitempty"` // "not_found", "rate_limited", "unavailable"
}

// handleRoomPage serves GET /r/{code}: the lab page as a member of the
// room; 404 (the same page for every wrong code), 429 past the lookup rate,
// 503 when the back end cannot be reached.
func handleRoomPage(logger *slog.Logger, cfg Config, a *assets, rs *rooms) http.Handler {
	page := handleIndexWith(logger, a, cfg.limits(), func(r *http.Request) (*RoomPage, int) {
		code, status := lookupRoom(r, rs)
		switch status {
		case http.StatusOK:
			return &RoomPage{Code: code, JoinURL: joinURL(r, code), QRURL: "/r/" + code + "/qr.svg"}, status
		case http.StatusTooManyRequests:
			return &RoomPage{Error: "rate_limited"}, status
		case http.StatusServiceUnavailable:
			return &RoomPage{Error: "unavailable"}, status
		}
		return &RoomPage{Error: "not_found"}, status
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		page.ServeHTTP(w, r)
		// (no-store is set by handleIndexWith for room pages)
	})
}

// handleRoomQR serves GET /r/{code}/qr.svg: the QR code of the room's
// absolute join link as SVG.
func handleRoomQR(logger *slog.Logger, cfg Config, rs *rooms) http.Handler {
	return handle(logger, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Referrer-Policy", "no-referrer")
		code, status := lookupRoom(r, rs)
		switch status {
		case http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "60")
			return errorf(status, "", "too many room requests from your address; try again in a minute")
		case http.StatusServiceUnavailable:
			return errorf(status, "room", "rooms cannot be reached right now; try again in a moment")
		case http.StatusNotFound:
			return errorf(status, "room", "no such room")
		}
		svg, err := qrSVG(joinURL(r, code))
		if err != nil {
			return err
		}
		h := w.Header()
		h.Set("Content-Type", "image/svg+xml")
		h.Set("Cache-Control", "no-store")
		w.Write(svg)
		return nil
	})
}

// qrSVG draws text as a QR code (level M, a quiet zone of 4 modules): one
// path of the dark modules on a white square, in module units.
func qrSVG(text string) ([]byte, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	const quiet = 4
	n := c.Size + 2*quiet
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" height="100%%" shape-rendering="crispEdges" role="img" aria-label="QR code">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; {
			if !c.Black(x, y) {
				x++
				continue
			}
			run := 0
			for x+run < c.Size && c.Black(x+run, y) {
				run++
			}
			b.WriteString("M" + strconv.Itoa(x+quiet) + " " + strconv.Itoa(y+quiet) + "h" + strconv.Itoa(run) + "v1h-" + strconv.Itoa(run) + "z")
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}

// newRoomBackend returns the back end cfg asks for.
func newRoomBackend(cfg Config) (roomBackend, error) {
	if cfg.RedisURL == "" {
		return newMemBackend(), nil
	}
	return newRedisBackend(cfg)
}

// shutdownRooms is called by Server.Shutdown after the sessions closed.
func (s *Server) shutdownRooms(ctx context.Context) {
	if s.rooms != nil {
		s.rooms.shutdown(ctx)
	}
}
