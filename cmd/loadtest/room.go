package main

// Classroom mode (-room): per room, one teacher and -sessions students.
// Each teacher creates its room (POST /api/v1/rooms on -url), joins it,
// waits until all its students have joined (on -student-urls, round-robin:
// a second replica on the same Redis), starts the scenario and ends the
// room after -duration. The tool reports, over every student:
//
//   - lag behind the teacher: a frame's arrival at the student minus the
//     arrival at the teacher of the frame holding the same last point;
//   - points: each student's points per run at the end against the
//     teacher's (100 % = every point of every run reached every student);
//   - frames, t0 gaps and catch-ups (a student that fell behind gets the
//     catch-up again: frames with t0 = 0 after the start);
//   - memory and goroutines per member of each replica, from /metrics
//     (after a GC when -student-debug-urls / -debug-url are given).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

type roomStats struct {
	lag      []time.Duration
	frames   int
	points   []int // the next t0 of each run at the end
	gaps     int
	catchUps int
	ahead    int // frames that reached the student before the teacher
	err      error
}

// teacherRoom is one room as its teacher sees it.
type teacherRoom struct {
	code    string
	arrival []atomic.Int64 // Unix nanoseconds at which the teacher got point t of run 0
	points  []int
	frames  int
	err     error
}

func splitURLs(s, def string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		out = []string{def}
	}
	return out
}

func sampleAt(ctx context.Context, url, debugURL string) map[string]float64 {
	m, err := sample(ctx, config{url: url, debugURL: debugURL})
	if err != nil {
		fmt.Println("loadtest: metrics of", url+":", err)
		return nil
	}
	return m
}

func runRooms(ctx context.Context, c config, stdout io.Writer) error {
	studentURLs := splitURLs(c.studentURLs, c.url)
	debugURLs := splitURLs(c.studentDebugURLs, "")
	if c.studentDebugURLs == "" {
		debugURLs = make([]string, len(studentURLs))
		if len(studentURLs) == 1 && studentURLs[0] == c.url {
			debugURLs[0] = c.debugURL
		}
	}
	if len(debugURLs) != len(studentURLs) {
		return errors.New("-student-debug-urls needs one URL per -student-urls entry")
	}
	load0 := loadAvg()
	fmt.Fprintf(stdout, "loadtest classroom: %d room(s) × (1 teacher on %s + %d students on %s), %d runs at %g steps/s for %s; load average %s\n",
		c.rooms, c.url, c.sessions, strings.Join(studentURLs, ", "), c.runs, c.rate, c.duration, load0)
	steps := min(int(c.rate*(c.duration.Seconds()+60))+10, 10000)
	start := startMessage(c)
	before := make([]map[string]float64, len(studentURLs))
	for i := range studentURLs {
		before[i] = sampleAt(ctx, studentURLs[i], debugURLs[i])
	}
	cpu0, self0 := readCPU(), selfCPU()

	rooms := make([]*teacherRoom, c.rooms)
	stats := make([][]roomStats, c.rooms)
	var twg, swg sync.WaitGroup
	joined := make([]sync.WaitGroup, c.rooms)
	teacherIn := make([]chan struct{}, c.rooms)
	studentsIn := make(chan struct{})
	sampled := make(chan struct{})
	for r := range c.rooms {
		code, token, err := createRoom(ctx, c.url)
		if err != nil {
			return err
		}
		rooms[r] = &teacherRoom{code: code, arrival: make([]atomic.Int64, steps+2)}
		stats[r] = make([]roomStats, c.sessions)
		teacherIn[r] = make(chan struct{})
		twg.Add(1)
		go func() {
			defer twg.Done()
			teach(ctx, c, rooms[r], token, start, teacherIn[r], studentsIn, sampled)
		}()
	}
	for r := range c.rooms {
		<-teacherIn[r]
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / c.connectRate))
	defer tick.Stop()
	t0 := time.Now()
	n := 0
	for i := range c.sessions {
		for r := range c.rooms {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
			url := studentURLs[n%len(studentURLs)]
			n++
			joined[r].Add(1)
			swg.Add(1)
			go func() {
				defer swg.Done()
				stats[r][i] = student(ctx, c, url, rooms[r], fmt.Sprintf("load-%d-%d", r, i), &joined[r])
			}()
		}
	}
	for r := range c.rooms {
		joined[r].Wait()
	}
	connectTime := time.Since(t0)
	close(studentsIn)
	time.Sleep(min(c.duration/2, 10*time.Second))
	during := make([]map[string]float64, len(studentURLs))
	for i := range studentURLs {
		during[i] = sampleAt(ctx, studentURLs[i], debugURLs[i])
	}
	close(sampled)
	twg.Wait()
	swg.Wait()
	cpu1, self1 := readCPU(), selfCPU()
	after := make([]map[string]float64, len(studentURLs))
	for i := range studentURLs {
		after[i] = sampleAt(ctx, studentURLs[i], "")
	}

	// Per replica (students are spread round-robin over -student-urls).
	fmt.Fprintf(stdout, "connected %d students in %s\n", c.rooms*c.sessions, connectTime.Round(time.Millisecond))
	for k := range studentURLs {
		var all []roomStats
		for r := range c.rooms {
			for i := range c.sessions {
				if (r+i*c.rooms)%len(studentURLs) == k {
					all = append(all, stats[r][i])
				}
			}
		}
		reportRoom(stdout, studentURLs[k], rooms, stats, all, k, len(studentURLs), c)
		if before[k] != nil && during[k] != nil {
			members := float64(len(all))
			mem := func(m map[string]float64) float64 {
				return m["go_memstats_heap_inuse_bytes"] + m["go_memstats_stack_inuse_bytes"]
			}
			gc := "without a GC first (pass -student-debug-urls or -debug-url)"
			if debugURLs[k] != "" {
				gc = "after a GC"
			}
			fmt.Fprintf(stdout, "  server memory per member (%s): heap+stack %.1f KB (heap %.1f, stack %.1f), rss %.1f KB; goroutines per member %.2f\n", gc,
				(mem(during[k])-mem(before[k]))/members/1000,
				(during[k]["go_memstats_heap_inuse_bytes"]-before[k]["go_memstats_heap_inuse_bytes"])/members/1000,
				(during[k]["go_memstats_stack_inuse_bytes"]-before[k]["go_memstats_stack_inuse_bytes"])/members/1000,
				(during[k]["process_resident_memory_bytes"]-before[k]["process_resident_memory_bytes"])/members/1000,
				(during[k]["go_goroutines"]-before[k]["go_goroutines"])/members)
		}
		if before[k] != nil && after[k] != nil {
			var frames int
			for _, s := range all {
				frames += s.frames
			}
			srv := after[k]["process_cpu_seconds_total"] - before[k]["process_cpu_seconds_total"]
			fmt.Fprintf(stdout, "  server CPU %.1f CPU-s over the run: %.1f µs per frame written to a student\n", srv, 1e6*srv/float64(max(frames, 1)))
		}
	}
	for r, tr := range rooms {
		if tr.err != nil {
			fmt.Fprintf(stdout, "room %d teacher error: %v\n", r, tr.err)
		}
	}
	wall := cpu1.total - cpu0.total
	if wall > 0 {
		fmt.Fprintf(stdout, "cpu over the run: machine busy %.0f%% of %d CPUs; load tool %.1f CPU-s\n",
			100*(wall-(cpu1.idle-cpu0.idle))/wall, cpu1.n, (self1 - self0).Seconds())
	}
	fmt.Fprintf(stdout, "load average: start %s  end %s\n", load0, loadAvg())
	return nil
}

func reportRoom(w io.Writer, url string, rooms []*teacherRoom, stats [][]roomStats, all []roomStats, k, nURLs int, c config) {
	var lag []time.Duration
	var frames, gaps, catchUps, ahead, errs, complete int
	errSamples := map[string]int{}
	for r := range rooms {
		for i := range c.sessions {
			if (r+i*c.rooms)%nURLs != k {
				continue
			}
			s := stats[r][i]
			if s.err != nil {
				errs++
				errSamples[s.err.Error()]++
				continue
			}
			lag = append(lag, s.lag...)
			frames += s.frames
			gaps += s.gaps
			catchUps += s.catchUps
			ahead += s.ahead
			if fmt.Sprint(s.points) == fmt.Sprint(rooms[r].points) {
				complete++
			}
		}
	}
	teacherFrames := 0
	for _, tr := range rooms {
		teacherFrames += tr.frames
	}
	fmt.Fprintf(w, "students on %s: %d, %d with an error\n", url, len(all), errs)
	for e, n := range errSamples {
		fmt.Fprintf(w, "  error ×%d: %s\n", n, e)
	}
	ok := len(all) - errs
	if ok == 0 {
		return
	}
	fmt.Fprintf(w, "  every point of every run: %d of %d students (%.2f%%); frames %d (teacher's %d per room); t0 gaps %d; catch-ups after the start %d; frames before the teacher's %d\n",
		complete, ok, 100*float64(complete)/float64(ok), frames, teacherFrames/len(rooms), gaps, catchUps, ahead)
	fmt.Fprintf(w, "  lag behind the teacher: p50 %s  p99 %s  p99.9 %s  max %s\n", pct(lag, 0.5), pct(lag, 0.99), pct(lag, 0.999), pct(lag, 1))
}

// createRoom asks the server for a room.
func createRoom(ctx context.Context, base string) (code, token string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/rooms", nil)
	if err != nil {
		return "", "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var out struct {
		Room         string `json:"room"`
		TeacherToken string `json:"teacher_token"`
		Error        string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", "", fmt.Errorf("create room: %s: %s", resp.Status, out.Error)
	}
	return out.Room, out.TeacherToken, nil
}

func dialJoin(ctx context.Context, base, join string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, wsURL(base), &websocket.DialOptions{HTTPHeader: http.Header{"Origin": []string{base}}})
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	conn.SetReadLimit(1 << 24)
	if err := conn.Write(ctx, websocket.MessageText, []byte(join)); err != nil {
		conn.CloseNow()
		return nil, err
	}
	return conn, nil
}

// teach is a room's teacher: join, wait for the students, start, stream,
// end the room after the duration.
func teach(ctx context.Context, c config, tr *teacherRoom, token string, start []byte, in chan<- struct{}, studentsIn, sampled <-chan struct{}) {
	conn, err := dialJoin(ctx, c.url, fmt.Sprintf(`{"type":"join","room":%q,"role":"teacher","token":%q}`, tr.code, token))
	if err != nil {
		tr.err = err
		close(in)
		return
	}
	defer conn.CloseNow()
	stop := context.AfterFunc(ctx, func() { conn.CloseNow() })
	defer stop()
	buf := make([]byte, 0, 4096)
	for {
		if buf, err = readMessage(context.Background(), conn, buf); err != nil {
			tr.err = err
			close(in)
			return
		}
		if string(msgType(buf)) == "joined" {
			break
		}
	}
	close(in)
	// Read (presence, tally) while the students join.
	reading := make(chan error, 1)
	var startedAt time.Time
	var endAt atomic.Int64
	var ending atomic.Bool
	go func() {
		var runs []runPoints
		tr.points = make([]int, c.runs)
		b := make([]byte, 0, 4096)
		for {
			var err error
			b, err = readMessage(context.Background(), conn, b)
			if err != nil {
				if ending.Load() {
					err = nil
				}
				reading <- err
				return
			}
			now := time.Now()
			switch string(msgType(b)) {
			case "frame":
				runs, err = scanFrame(b, runs[:0])
				if err != nil {
					reading <- err
					return
				}
				tr.frames++
				for _, r := range runs {
					if r.Run == 0 {
						for t := r.T0; t < r.T0+r.N && t < len(tr.arrival); t++ {
							tr.arrival[t].Store(now.UnixNano())
						}
					}
					if r.Run < len(tr.points) {
						tr.points[r.Run] = r.T0 + r.N
					}
				}
				if e := endAt.Load(); e != 0 && now.UnixNano() > e && !ending.Load() {
					ending.Store(true)
					conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"pause"}`))
					conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"end"}`))
				}
			case "error":
				reading <- fmt.Errorf("server error: %s", stringField(b, "error"))
				return
			case "ended":
				reading <- nil
				return
			}
		}
	}()
	select {
	case <-studentsIn:
	case err := <-reading:
		tr.err = err
		return
	}
	startedAt = time.Now()
	endAt.Store(startedAt.Add(c.duration).UnixNano())
	if err := conn.Write(context.Background(), websocket.MessageText, start); err != nil {
		tr.err = err
		return
	}
	<-sampled
	tr.err = <-reading
}

// student follows a room until it ends.
func student(ctx context.Context, c config, base string, tr *teacherRoom, member string, joined *sync.WaitGroup) (st roomStats) {
	once := sync.OnceFunc(joined.Done)
	defer once()
	conn, err := dialJoin(ctx, base, fmt.Sprintf(`{"type":"join","room":%q,"role":"student","member":%q}`, tr.code, member))
	if err != nil {
		st.err = err
		return st
	}
	defer conn.CloseNow()
	stop := context.AfterFunc(ctx, func() { conn.CloseNow() })
	defer stop()
	buf := make([]byte, 0, 4096)
	var runs []runPoints
	st.points = make([]int, c.runs)
	st.lag = make([]time.Duration, 0, int(c.duration.Seconds()*32)+64)
	started := false
	for {
		buf, err = readMessage(context.Background(), conn, buf)
		now := time.Now()
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return st
			}
			st.err = fmt.Errorf("read: %w", err)
			return st
		}
		switch string(msgType(buf)) {
		case "state":
			once() // the catch-up is in
		case "started":
			started = true
		case "frame":
			runs, err = scanFrame(buf, runs[:0])
			if err != nil {
				st.err = err
				return st
			}
			st.frames++
			for _, r := range runs {
				if r.Run >= len(st.points) {
					continue
				}
				if r.T0 != st.points[r.Run] {
					if r.T0 == 0 {
						st.catchUps++
					} else {
						st.gaps++
					}
				}
				st.points[r.Run] = r.T0 + r.N
				if r.Run == 0 && started {
					last := r.T0 + r.N - 1
					if last < len(tr.arrival) {
						if at := tr.arrival[last].Load(); at != 0 {
							st.lag = append(st.lag, now.Sub(time.Unix(0, at)))
						} else {
							st.ahead++
							st.lag = append(st.lag, 0)
						}
					}
				}
			}
		case "error":
			st.err = fmt.Errorf("server error: %s", stringField(buf, "error"))
			return st
		case "ended":
			return st
		}
	}
}
