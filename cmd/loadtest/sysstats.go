package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The machine's and the server's figures: /proc/stat, the load average,
// the tool's own CPU and the server's /metrics.

// cpuTimes are the machine's CPU-seconds from /proc/stat: all, idle (with
// iowait), and the number of CPUs.
type cpuTimes struct {
	total, idle float64
	n           int
}

func readCPU() cpuTimes {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}
	}
	var t cpuTimes
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if i > 0 {
			t.n++
			continue
		}
		for j, v := range f[1:] {
			x, _ := strconv.ParseFloat(v, 64)
			x /= 100 // USER_HZ
			// user … steal; guest time is already in user
			if j < 8 {
				t.total += x
			}
			if j == 3 || j == 4 {
				t.idle += x
			}
		}
	}
	return t
}

// selfCPU is the load tool's own CPU time (user and system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg returns the 1, 5 and 15 minute load averages ("?" when unknown).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// sample asks the server to collect garbage when -debug-url is set, then
// reads /metrics.
func sample(ctx context.Context, c config) (map[string]float64, error) {
	if c.debugURL != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.debugURL+"/debug/gc", nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("debug gc: %w", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return scrape(ctx, c.url)
}

// scrape reads /metrics and returns each unlabelled sample (and labelled
// ones under their full name).
func scrape(ctx context.Context, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		m[line[:i]] = v
	}
	return m, sc.Err()
}

// ---- connect/disconnect cycles ----
