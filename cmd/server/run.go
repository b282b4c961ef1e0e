package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"lrlab/server"
)

// options are the command's settings besides the server's Config.
type options struct {
	addr            string
	shutdownTimeout time.Duration
	drainDelay      time.Duration
	logFormat       string
	healthcheck     bool
	allowedOrigins  string
	trustedProxies  string
	debugAddr       string
}

// run is the whole command: it parses args (flags, then the environment
// through getenv for flags not given), listens, logs one line with
// "listening" and the URL, and serves until ctx is cancelled. Then /readyz
// answers 503, every websocket is closed with 1001 (in parallel), requests
// in flight finish, and run returns nil within -shutdown-timeout (9 s).
// Errors (bad flags, the address in use) are written to stderr and returned.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := serve(ctx, args, getenv, stdout, stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stderr, "server:", err)
		return err
	}
	return nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := server.DefaultConfig()
	var o options
	fs.StringVar(&o.addr, "addr", ":8080", "`host:port` to listen on; port 0 picks a free one")
	fs.IntVar(&cfg.MaxRuns, "max-runs", cfg.MaxRuns, "runs per scenario")
	fs.IntVar(&cfg.MaxSteps, "max-steps", cfg.MaxSteps, "steps per run")
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", cfg.MaxBodyBytes, "request body limit (413 above)")
	fs.Int64Var(&cfg.MaxMessageBytes, "max-message-bytes", cfg.MaxMessageBytes, "websocket message limit (close 1009 above)")
	fs.Float64Var(&cfg.FrameRate, "frame-rate", cfg.FrameRate, "websocket frames per second, at most 60")
	fs.IntVar(&cfg.MaxPointsPerFrame, "max-points-per-frame", cfg.MaxPointsPerFrame, "points of one run in one frame (caps rate 0)")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", cfg.WriteTimeout, "websocket write deadline; a slower client is closed with 1008")
	fs.DurationVar(&cfg.PingInterval, "ping-interval", cfg.PingInterval, "time between websocket pings")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "close a websocket session without messages or frames for this long")
	fs.IntVar(&cfg.MaxSessions, "max-sessions", cfg.MaxSessions, "live websocket sessions (429 above)")
	fs.IntVar(&cfg.MaxSessionsPerIP, "max-sessions-per-ip", cfg.MaxSessionsPerIP, "live websocket sessions per client IP (429 above)")
	fs.Float64Var(&cfg.MessageRate, "message-rate", cfg.MessageRate, "websocket messages per second per session")
	fs.IntVar(&cfg.MessageBurst, "message-burst", cfg.MessageBurst, "websocket message burst per session")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", cfg.RequestTimeout, "deadline of every HTTP request except /ws")
	fs.IntVar(&cfg.RequestsPerMinute, "requests-per-minute", cfg.RequestsPerMinute, "HTTP requests per minute per client IP (429 above)")
	fs.IntVar(&cfg.ComputePerMinute, "compute-per-minute", cfg.ComputePerMinute, "simulate and grid requests per minute per client IP (429 above)")
	fs.IntVar(&cfg.SweepBudget, "sweep-budget", cfg.SweepBudget, "optimizer steps one sweep or flat-share request may take (400 above)")
	fs.StringVar(&cfg.RedisURL, "redis-url", "", "Redis of the classrooms, redis://[:password@]host:port/db; empty keeps rooms in memory (one replica)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "scheme://host of join links and QR codes; empty takes them from the request")
	fs.IntVar(&cfg.MaxRooms, "max-rooms", cfg.MaxRooms, "live classrooms (503 on creating one above)")
	fs.IntVar(&cfg.RoomMaxMembers, "room-max-members", cfg.RoomMaxMembers, "students per room")
	fs.IntVar(&cfg.RoomMaxQuestions, "room-max-questions", cfg.RoomMaxQuestions, "questions one room may ask")
	fs.IntVar(&cfg.RoomLookupsPerMinute, "room-lookups-per-minute", cfg.RoomLookupsPerMinute, "room creations, pages, QR codes and joins per client IP and minute")
	fs.DurationVar(&cfg.RoomExpiry, "room-expiry", cfg.RoomExpiry, "a room without its teacher ends after this long")
	fs.IntVar(&cfg.RoomBacklog, "room-backlog", cfg.RoomBacklog, "messages a room member may be behind before it gets the catch-up again")
	fs.StringVar(&o.allowedOrigins, "allowed-origins", "", "comma-separated origin host patterns allowed to open /ws besides the server's own")
	fs.StringVar(&o.trustedProxies, "trusted-proxies", "", "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For is believed")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 9*time.Second, "how long a graceful stop may take")
	fs.DurationVar(&o.drainDelay, "drain-delay", 0, "time between /readyz failing and closing the listener and sessions on stop")
	fs.StringVar(&o.logFormat, "log-format", "auto", "log format: json, text, or auto (text on a terminal, else json)")
	fs.StringVar(&o.debugAddr, "debug-addr", "", "`host:port` of a separate listener for net/http/pprof (off when empty; keep it on loopback)")
	fs.BoolVar(&o.healthcheck, "healthcheck", false, "ask the server at -addr for /healthz, exit 0 when healthy")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if err := applyEnv(fs, getenv); err != nil {
		return err
	}
	if o.healthcheck {
		return checkHealth(ctx, o.addr)
	}
	cfg.AllowedOrigins = splitList(o.allowedOrigins)
	cfg.TrustedProxies = prefixes(splitList(o.trustedProxies))
	if err := checkConfig(cfg); err != nil {
		return err
	}
	if err := server.CheckRedisURL(cfg.RedisURL); err != nil {
		return err
	}
	logger, err := newLogger(stdout, o.logFormat)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	h := server.NewServer(logger, cfg)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		// Longer than any request's own deadline; /ws clears both
		// deadlines on its connection.
		WriteTimeout: cfg.RequestTimeout + 10*time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if o.debugAddr != "" { // before "listening", so a failure here is never logged as serving
		stopDebug, err := serveDebug(o.debugAddr, logger)
		if err != nil {
			ln.Close()
			return fmt.Errorf("-debug-addr: %w", err)
		}
		defer stopDebug()
	}
	url := listenURL(ln.Addr())
	logger.Info("listening on "+url, "url", url)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	logger.Info("shutting down")
	h.Drain()
	if o.drainDelay > 0 {
		time.Sleep(o.drainDelay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	sessErr := make(chan error, 1)
	go func() { sessErr <- h.Shutdown(sctx) }()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("requests still running at the deadline; closing", "err", err)
		srv.Close()
	}
	if err := <-sessErr; err != nil {
		logger.Warn("websocket sessions still open at the deadline; cut", "err", err)
	}
	<-errc // http.ErrServerClosed
	logger.Info("stopped")
	return nil
}

// applyEnv sets every flag not given on the command line from the
// environment variable of its name in capitals, "-" → "_".
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || f.Name == "healthcheck" || err != nil {
			return
		}
		env := strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("environment %s=%q: %v", env, v, e)
			}
		}
	})
	return err
}

// checkConfig rejects limits that make no sense, naming the flag.
func checkConfig(c server.Config) error {
	switch {
	case c.FrameRate <= 0 || c.FrameRate > 60:
		return fmt.Errorf("-frame-rate must be in (0, 60], got %g", c.FrameRate)
	case c.MaxRuns < 1, c.MaxSteps < 1, c.MaxBodyBytes < 1, c.MaxMessageBytes < 1, c.MaxPointsPerFrame < 1,
		c.MaxSessions < 1, c.MaxSessionsPerIP < 1, c.MessageRate <= 0, c.MessageBurst < 1,
		c.RequestsPerMinute < 1, c.ComputePerMinute < 1, c.SweepBudget < 1:
		return errors.New("every limit must be positive")
	case c.WriteTimeout <= 0, c.PingInterval <= 0, c.IdleTimeout <= 0, c.RequestTimeout <= 0:
		return errors.New("every timeout must be positive")
	}
	for _, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			return fmt.Errorf("-trusted-proxies: %q is not an address or a CIDR prefix such as 10.0.0.0/8", p)
		}
	}
	return nil
}

// prefixes turns bare addresses of a list into single-address prefixes
// ("10.0.0.7" → "10.0.0.7/32"), leaving everything else as it is.
func prefixes(list []string) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p
		if a, err := netip.ParseAddr(p); err == nil {
			out[i] = netip.PrefixFrom(a, a.BitLen()).String()
		}
	}
	return out
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// newLogger returns the JSON logger, or the text one for "text" or for
// "auto" when stdout is a terminal.
func newLogger(stdout io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "json":
	case "text":
		return slog.New(slog.NewTextHandler(stdout, nil)), nil
	case "auto":
		if f, ok := stdout.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				return slog.New(slog.NewTextHandler(stdout, nil)), nil
			}
		}
	default:
		return nil, fmt.Errorf("-log-format must be json, text or auto, got %q", format)
	}
	return slog.New(slog.NewJSONHandler(stdout, nil)), nil
}

// listenURL returns the URL of a listener: its own address, or localhost
// when it listens on every interface.
func listenURL(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	host := ap.Addr().Unmap()
	if host.IsUnspecified() {
		return fmt.Sprintf("http://localhost:%d", ap.Port())
	}
	return "http://" + netip.AddrPortFrom(host, ap.Port()).String()
}

// checkHealth asks the server listening at addr for /healthz.
func checkHealth(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz: %s", resp.Status)
	}
	return nil
}
