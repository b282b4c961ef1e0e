// Command server serves the learning-rate lab: the page, the JSON API and
// the websocket that streams trajectories.
//
//	go run ./cmd/server                  # http://localhost:8080
//	go run ./cmd/server -addr 127.0.0.1:0 -max-sessions-per-ip 500
//
// Every flag can also be given as an environment variable: the flag's name
// in capitals with "_" for "-" (ADDR, MAX_SESSIONS_PER_IP, …); a flag on the
// command line wins. -healthcheck asks a running server's /healthz (for
// container health checks) and exits.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		os.Exit(1)
	}
}
