// Command loopback-floor measures what one loopback TCP write per frame
// costs the writing process on this machine: the floor under the lab
// server's CPU per streamed frame (issue #14), which is stated against it.
//
//	go run ./scripts/loopback-floor -conns 2000 -rate 15 -size 1500 -duration 20s
//
// The writer (this process) listens on loopback and starts a copy of itself
// as the reader, a separate process that opens -conns TCP connections and
// reads each into a buffer it discards, as the load tool's sessions do. Once
// all are connected the writer writes -size bytes (a websocket frame with its
// header: the load tool prints the server's mean frame payload) to every
// connection -rate times a second, each connection at its own phase of the
// period, the phases spread evenly as the server's sessions start at
// different times. Its sockets have the server's kernel send buffer
// (SO_SNDBUF 64 KiB) and Go's defaults otherwise (TCP_NODELAY on).
//
// Two ways of pacing the writes (-mode):
//
//   - loop: one goroutine walks the connections, slot by slot of 0.5 ms
//     (the server's frame clock slots) and writes each that is due: one
//     write system call per frame and nothing else, the floor itself;
//   - goroutines: a goroutine per connection, woken in its slot through a
//     channel by one clock goroutine, then writing, as the server's
//     sessions are woken by its frame clock: the floor plus one goroutine
//     wake-up per frame.
//
// It prints the writer's CPU (getrusage: user and system) per write over
// -duration after a second of warm-up, the writes a second it achieved
// against those due, and the reader's CPU per write it read, for scale.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "loopback-floor:", err)
		os.Exit(1)
	}
}

type config struct {
	conns    int
	rate     float64
	size     int
	duration time.Duration
	mode     string
	reader   string // the address to read from: this process is the reader
}

func run(args []string) error {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	var c config
	fs.IntVar(&c.conns, "conns", 2000, "loopback TCP connections")
	fs.Float64Var(&c.rate, "rate", 15, "writes per second per connection")
	fs.IntVar(&c.size, "size", 1500, "bytes per write")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "how long to measure, after a second of warm-up")
	fs.StringVar(&c.mode, "mode", "loop", "loop (one goroutine writes every connection) or goroutines (one per connection, woken by a clock)")
	fs.StringVar(&c.reader, "reader", "", "internal: be the reader of the writer at this address")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if c.conns < 1 || c.rate <= 0 || c.size < 1 || c.duration <= 0 || (c.mode != "loop" && c.mode != "goroutines") {
		return errors.New("need -conns ≥ 1, -rate > 0, -size ≥ 1, -duration > 0, -mode loop or goroutines")
	}
	if c.reader != "" {
		return read(c)
	}
	return write(c)
}

// read is the reader process: it opens the connections, reads each until
// the writer closes it, and prints its CPU per read on standard output.
func read(c config) error {
	var wg sync.WaitGroup
	var reads, bytes atomic.Int64
	for range c.conns {
		conn, err := net.Dial("tcp", c.reader)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.Close()
			buf := make([]byte, 4096)
			for {
				n, err := conn.Read(buf)
				if err != nil {
					return
				}
				reads.Add(1)
				bytes.Add(int64(n))
			}
		}()
	}
	cpu0 := cpuTime()
	wg.Wait()
	cpu := cpuTime() - cpu0
	msgs := bytes.Load() / int64(c.size)
	fmt.Printf("reader: %d reads of %d writes' bytes, %.2f µs CPU per write read (user+system, from the first connection to the last close)\n",
		reads.Load(), msgs, float64(cpu)/1e3/float64(max(msgs, 1)))
	return nil
}

// write is the writer process: it accepts the reader's connections, writes
// to them at the rate for the warm-up and the measured duration, and prints
// its CPU per write.
func write(c config) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	reader := exec.Command(self, "-reader", ln.Addr().String(), "-conns", fmt.Sprint(c.conns), "-size", fmt.Sprint(c.size))
	reader.Stdout, reader.Stderr = os.Stdout, os.Stderr
	if err := reader.Start(); err != nil {
		return err
	}
	conns := make([]*net.TCPConn, 0, c.conns)
	for len(conns) < c.conns {
		nc, err := ln.Accept()
		if err != nil {
			return err
		}
		tc := nc.(*net.TCPConn)
		if err := tc.SetWriteBuffer(64 << 10); err != nil {
			return err
		}
		conns = append(conns, tc)
	}
	payload := make([]byte, c.size)
	for i := range payload {
		payload[i] = byte('0' + i%10)
	}
	period := time.Duration(float64(time.Second) / c.rate)
	p := pacer{period: period, slots: max(1, int((period+slot-1)/slot)), start: time.Now()}
	p.buckets = make([][]int, p.slots)
	for i := range conns {
		j := i * p.slots / len(conns) // phases spread evenly over the period
		p.buckets[j] = append(p.buckets[j], i)
	}
	warm := p.start.Add(time.Second)
	end := warm.Add(c.duration)

	var writes int64
	var cpu0 time.Duration
	var t0 time.Time
	mark := func() { cpu0, t0 = cpuTime(), time.Now() }
	switch c.mode {
	case "loop":
		writes, err = p.loop(conns, payload, warm, end, mark)
	case "goroutines":
		writes, err = p.goroutines(conns, payload, warm, end, mark)
	}
	cpu, elapsed := cpuTime()-cpu0, time.Since(t0)
	user, sys := rusage()
	for _, tc := range conns {
		tc.Close()
	}
	if err != nil {
		return err
	}
	if err := reader.Wait(); err != nil {
		return fmt.Errorf("reader: %w", err)
	}
	fmt.Printf("writer (%s): %d conns × %g writes/s of %d bytes: %d writes in %s (%.0f/s, due %.0f/s)\n",
		c.mode, c.conns, c.rate, c.size, writes, elapsed.Round(time.Millisecond),
		float64(writes)/elapsed.Seconds(), float64(c.conns)*c.rate)
	fmt.Printf("writer: %.2f µs CPU per write (%.2f cores); whole run user %.1f s, system %.1f s; GOMAXPROCS %d\n",
		float64(cpu)/1e3/float64(max(writes, 1)), cpu.Seconds()/elapsed.Seconds(), user.Seconds(), sys.Seconds(),
		runtime.GOMAXPROCS(0))
	return nil
}

// slot is the pacing granularity, the lab server's frame clock slot.
const slot = 500 * time.Microsecond

// pacer says which connections are due in each slot of the period.
type pacer struct {
	period  time.Duration
	slots   int
	start   time.Time
	buckets [][]int // per slot, the connections due in it
}

// slotEnd is the end of slot j of cycle cy.
func (p *pacer) slotEnd(cy int64, j int) time.Time {
	return p.start.Add(time.Duration(cy)*p.period + time.Duration(int64(j+1)*int64(p.period)/int64(p.slots)))
}

// each calls f at the end of every slot that holds a connection, until end,
// with the slot; mark once when warm is reached. A slot missed (the writer
// late by a period) is skipped, as the server's clock skips it.
func (p *pacer) each(warm, end time.Time, mark func(), f func(j int) error) error {
	marked := false
	for cy := int64(0); ; cy++ {
		for j, b := range p.buckets {
			if len(b) == 0 {
				continue
			}
			at := p.slotEnd(cy, j)
			if !at.Before(end) {
				return nil
			}
			now := time.Now()
			if d := at.Sub(now); d > 0 {
				time.Sleep(d)
			} else if -d > p.period {
				continue
			}
			if !marked && !at.Before(warm) {
				marked = true
				mark()
			}
			if err := f(j); err != nil {
				return err
			}
		}
	}
}

// loop writes from this goroutine alone.
func (p *pacer) loop(conns []*net.TCPConn, payload []byte, warm, end time.Time, mark func()) (int64, error) {
	var writes int64
	err := p.each(warm, end, func() { mark(); writes = 0 }, func(j int) error {
		for _, i := range p.buckets[j] {
			if _, err := conns[i].Write(payload); err != nil {
				return err
			}
			writes++
		}
		return nil
	})
	return writes, err
}

// goroutines writes from one goroutine per connection, each woken by this
// one through a channel of capacity 1 (a wake-up it has not taken is
// dropped, as the server's clock drops a tick).
func (p *pacer) goroutines(conns []*net.TCPConn, payload []byte, warm, end time.Time, mark func()) (int64, error) {
	var writes atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	wake := make([]chan struct{}, len(conns))
	for i, tc := range conns {
		wake[i] = make(chan struct{}, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range wake[i] {
				if _, err := tc.Write(payload); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				writes.Add(1)
			}
		}()
	}
	err := p.each(warm, end, func() { mark(); writes.Store(0) }, func(j int) error {
		for _, i := range p.buckets[j] {
			select {
			case wake[i] <- struct{}{}:
			default:
			}
		}
		return nil
	})
	for _, w := range wake {
		close(w)
	}
	wg.Wait()
	if e := failed.Load(); e != nil && err == nil {
		err = *e
	}
	return writes.Load(), err
}

// cpuTime is the process's CPU time so far, user and system.
func cpuTime() time.Duration {
	u, s := rusage()
	return u + s
}

func rusage() (user, sys time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
