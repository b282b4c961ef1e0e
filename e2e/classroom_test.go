package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// phone390, the phone of the classroom test (390 CSS px wide, touch), is
// declared in teacher_test.go.

// roomKey matches a classroom i18n key that reached the page as text.
var roomKey = regexp.MustCompile(`\broom\.[a-zA-Z][a-zA-Z_.]*[a-zA-Z]\b`)

// TestClassroom: a teacher opens a lesson and starts a class; two students
// (one on a 390-px phone) join with the code; the teacher asks "Will LR 0.21
// converge, oscillate or diverge?", the students vote, the teacher's page
// shows the live tally (the students' pages do not), the teacher plays the
// scenario, the students' trails equal the teacher's point for point, and the
// reveal marks the simulation's answer (diverge) on every page. One student
// tries the scenario on a private copy meanwhile and comes back to the
// class. Then every page reloads in Japanese (a reload catches up, the
// revealed question included) and a second question goes the same way. The
// screenshots of each step are logged.
func TestClassroom(t *testing.T) {
	teacher := newTab(t, wide)
	teacher.open("/p/too-large")
	teacher.waitFor("Start a class", `document.getElementById('class-start')`, 10*time.Second, "")
	// what the projector and the phone show (the viewport), not the whole page
	shot := func(tb *tab, name string) { t.Logf("screenshot %s", viewShot(tb, name)) }
	teacher.click("#class-start")
	teacher.waitFor("the room's page", `location.pathname.startsWith('/r/') && document.getElementById('room-code')`, 10*time.Second, `location.href`)
	waitReady(teacher)
	code := eval[string](teacher, `__lab.room.room.code`)
	if !regexp.MustCompile(`^[A-HJ-KM-NP-Z2-9]{8}$`).MatchString(code) {
		t.Fatalf("room code %q; want 8 characters without look-alikes", code)
	}
	// the token is kept off every URL
	tok := eval[string](teacher, fmt.Sprintf(`localStorage.getItem('lrlab.room.%s.token') || ''`, code))
	if len(tok) < 22 {
		t.Fatalf("teacher token in localStorage: %q", tok)
	}
	if href := eval[string](teacher, `location.href`); strings.Contains(href, tok) {
		t.Fatalf("the teacher token is in the page's URL %s", href)
	}
	teacher.waitFor("the room has the lesson's scenario, paused", `__lab.started && !__lab.playing && __lab.state.runs.length === 2`, 10*time.Second, `({started: __lab.started, runs: __lab.state.runs.length})`)

	// the QR code is the server's SVG, drawn
	teacher.waitFor("QR code", `(() => { const q = document.getElementById('room-qr'); return q && q.complete && q.naturalWidth > 0; })()`, 5*time.Second, "")
	res, err := http.Get(url("/r/" + code + "/qr.svg"))
	if err != nil {
		t.Fatal(err)
	}
	svg, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(svg), "<svg") {
		t.Fatalf("GET /r/%s/qr.svg: %s %s", code, res.Status, short(string(svg)))
	}

	s1 := newStudentTab(t, desktop)
	s2 := newStudentTab(t, phone390)
	s1.open("/r/" + code)
	// the second student types the code on the start page, as spoken: lower case, with a space
	s2.open("/")
	s2.waitFor("Join a class", `document.getElementById('class-code')`, 10*time.Second, "")
	s2.do("type the code", chromedp.SendKeys("#class-code", strings.ToLower(code[:4]+" "+code[4:])), chromedp.Click("#class-join"))
	s2.waitFor("the room's page", `location.pathname === '/r/`+code+`' && document.getElementById('room-following')`, 10*time.Second, `location.href`)
	waitReady(s2)
	for _, s := range []*tab{s1, s2} {
		s.waitFor("the class's scenario", `__lab.state.runs.length === 2 && __lab.room.room.joined && document.body.classList.contains('room-follow')`, 10*time.Second,
			`({runs: __lab.state.runs.length, room: __lab.room && __lab.room.room})`)
		// locked: the controls that would change the room do nothing
		if !eval[bool](s, `document.getElementById('transport').inert && document.getElementById('run-panel').inert`) {
			t.Fatal("a student's transport and run panel are not locked")
		}
	}
	teacher.waitFor("2 students", `document.getElementById('room-members').textContent === '2'`, 10*time.Second, `document.getElementById('room-members').textContent`)

	// ---- a question before Play
	ask := func(contains string) {
		t.Helper()
		v := eval[string](teacher, fmt.Sprintf(`(() => { const s = document.getElementById('room-suggest'); const o = [...s.options].find((o) => o.text.includes(%q)); if (!o) return ''; s.value = o.value; s.dispatchEvent(new Event('change')); return o.text; })()`, contains))
		if v == "" {
			t.Fatalf("no suggested question with %q; options: %s", contains, eval[string](teacher, `[...document.getElementById('room-suggest').options].map((o) => o.text).join(' | ')`))
		}
		t.Logf("asking %q", v)
		teacher.click("#room-ask")
	}
	ask("LR 0.21")
	for _, s := range []*tab{s1, s2} {
		s.waitFor("the vote buttons", `document.querySelectorAll('.room-vote').length === 3`, 10*time.Second, `document.getElementById('room-question').innerText`)
	}
	if got := eval[string](s2, `document.querySelector('.room-q-text').textContent`); got != "Will LR 0.21 converge, oscillate or diverge?" {
		t.Errorf("the student's question reads %q", got)
	}
	// big touch targets on the phone
	type box struct{ W, H float64 }
	b := eval[box](s2, `(() => { const r = document.querySelector('.room-vote').getBoundingClientRect(); return {W: r.width, H: r.height}; })()`)
	if b.H < 48 || b.W < 300 {
		t.Errorf("a vote button on the phone is %.0f×%.0f CSS px; want at least 300×48", b.W, b.H)
	}
	s1.click(`.room-vote[data-choice="2"]`) // diverge
	s2.click(`.room-vote[data-choice="0"]`) // converge, then changed to diverge? no: stays
	teacher.waitFor("the live tally: 2 votes", `(() => { const r = [...document.querySelectorAll('.room-row-count')].map((e) => e.textContent); return r.length === 3 && r[0].startsWith('1 ') && r[2].startsWith('1 '); })()`,
		10*time.Second, `document.getElementById('room-question').innerText`)
	for _, s := range []*tab{s1, s2} {
		if eval[bool](s, `!!document.querySelector('.room-bars')`) {
			t.Error("a student sees the tally before the reveal")
		}
	}
	shot(teacher, "class-teacher-1920-en-before.png")
	shot(s2, "class-student-390-en-before.png")
	zoomShot(t, teacher, "class-teacher-150-en-before.png")

	// ---- try it yourself: student 1 leaves for a private copy
	s1.click("#room-solo")
	s1.waitFor("solo", `__lab.room.solo && !document.getElementById('transport').inert`, 5*time.Second, "")
	s1.click("#step")
	s1.waitFor("the solo copy steps", `__lab.runs[0] && __lab.runs[0].n >= 2`, 10*time.Second, `__lab.runs.map((d) => d.n)`)
	shot(s1, "class-student-1280-en-solo.png")
	if n := eval[int](teacher, `__lab.runs[0].n`); n > 1 {
		t.Fatalf("the student's solo step moved the room: the teacher has %d points", n)
	}

	// ---- play: the students follow
	teacher.play()
	teacher.waitAllDone(30 * time.Second)
	s2.waitAllDone(10 * time.Second)
	s1.click("#room-solo") // back to the class
	s1.waitAllDone(10 * time.Second)
	trail := `JSON.stringify(__lab.runs.map((d) => [d.n, d.status, d.x, d.y, d.loss]))`
	want := eval[string](teacher, trail)
	for i, s := range []*tab{s1, s2} {
		if got := eval[string](s, trail); got != want {
			t.Errorf("student %d's trails differ from the teacher's:\n got %s\nwant %s", i+1, short(got), short(want))
		}
	}
	var runs [][]any
	json.Unmarshal([]byte(want), &runs)
	t.Logf("teacher's runs: %d and %d points, %v and %v", int(runs[0][0].(float64)), int(runs[1][0].(float64)), runs[0][1], runs[1][1])

	// ---- the reveal: the simulation's answer on every page
	teacher.click("#room-reveal")
	for _, s := range []*tab{teacher, s1, s2} {
		s.waitFor("the reveal", `document.querySelector('.room-q[data-revealed="1"] .room-row.answer[data-choice="2"]')`, 10*time.Second, `document.getElementById('room-question').innerText`)
	}
	if got := eval[string](s1, `document.querySelector('.room-q-note').textContent`); !strings.Contains(got, "diverges") || !strings.Contains(got, "You predicted it") {
		t.Errorf("student 1 (voted diverge) reads %q", got)
	}
	if got := eval[string](s2, `document.querySelector('.room-q-note').textContent`); !strings.Contains(got, "Not what you predicted") {
		t.Errorf("student 2 (voted converge) reads %q", got)
	}
	shot(teacher, "class-teacher-1920-en-after.png")
	shot(s2, "class-student-390-en-after.png")
	zoomShot(t, teacher, "class-teacher-150-en-after.png")

	// ---- Japanese: every page reloads (a reload catches up, the revealed question with it)
	teacher.open("/r/" + code + "?lang=ja")
	s2.open("/r/" + code + "?lang=ja")
	s2.waitFor("catch-up after a reload", `__lab.runs.length === 2 && __lab.runs.every((d) => d.status !== 'idle') && document.querySelector('.room-q[data-revealed="1"]')`, 10*time.Second, `document.getElementById('room-question').innerText`)
	if got, w := eval[string](s2, trail), want; got != w {
		t.Errorf("after a reload the student's trails differ from the teacher's")
	}
	teacher.waitFor("the teacher's catch-up", `__lab.runs.length === 2 && __lab.runs.every((d) => d.n > 0)`, 10*time.Second, "")
	for _, s := range []*tab{teacher, s1, s2} {
		if k := roomKey.FindString(eval[string](s, `document.body.innerText`)); k != "" {
			t.Errorf("an i18n key shows as text: %s", k)
		}
	}
	teacher.click("#reset")
	// a class's reset keeps the scenario on every screen, paused at its start
	teacher.waitFor("reset", `__lab.started && !__lab.playing && __lab.runs.every((d) => d.n === 1)`, 5*time.Second, `__lab.runs.map((d) => d.n)`)
	s2.waitFor("the student's page is reset too", `__lab.runs.length === 2 && __lab.runs.every((d) => d.n === 1)`, 5*time.Second, `__lab.runs.map((d) => d.n)`)
	// everyone has joined: the join box folds to one line, the map gets the room
	teacher.click("#room-fold")
	ask("最初に")
	teacher.waitFor("the second question", `__lab.room.room.question && __lab.room.room.question.kind === 'first_to_minimum'`, 10*time.Second, `__lab.room.room`)
	s2.waitFor("the second question", `document.querySelectorAll('.room-vote').length === 3`, 10*time.Second, `document.getElementById('room-question').innerText`)
	s2.click(`.room-vote[data-choice="0"]`)
	s1.waitFor("the second question", `document.querySelectorAll('.room-vote').length === 3`, 10*time.Second, "")
	s1.click(`.room-vote[data-choice="1"]`)
	s1.click(`.room-vote[data-choice="0"]`) // a vote can change until the reveal
	teacher.waitFor("the live tally", `(() => { const r = [...document.querySelectorAll('.room-row-count')].map((e) => e.textContent); return r.length === 3 && r[0].startsWith('2 '); })()`,
		10*time.Second, `document.getElementById('room-question').innerText`)
	shot(teacher, "class-teacher-1920-ja-before.png")
	shot(s2, "class-student-390-ja-before.png")
	zoomShot(t, teacher, "class-teacher-150-ja-before.png")
	teacher.play()
	teacher.waitAllDone(30 * time.Second)
	teacher.click("#room-reveal")
	for _, s := range []*tab{teacher, s1, s2} {
		s.waitFor("the reveal", `document.querySelector('.room-q[data-revealed="1"] .room-row.answer')`, 10*time.Second, `document.getElementById('room-question').innerText`)
	}
	// LR 0.19 converges (slowly, oscillating); LR 0.21 diverges: the race is LR 0.19's
	if got := eval[string](s2, `document.querySelector('.room-row.answer').dataset.choice`); got != "0" {
		t.Errorf("first to the minimum: the answer marked is choice %s; want 0 (LR 0.19)", got)
	}
	shot(teacher, "class-teacher-1920-ja-after.png")
	shot(s2, "class-student-390-ja-after.png")
	zoomShot(t, teacher, "class-teacher-150-ja-after.png")

	// ---- the end
	teacher.click("#room-end")
	teacher.click("#room-end")
	for _, s := range []*tab{teacher, s1, s2} {
		s.waitFor("the class has ended", `__lab.room.room.ended`, 10*time.Second, "")
	}
	if got := eval[string](s2, `document.getElementById('room-status').textContent`); got != "授業は終わりました。" {
		t.Errorf("an ended class reads %q on the student's page", got)
	}
	shot(s2, "class-student-390-ja-ended.png")
	if p := eval[string](s2, `location.pathname`); p != "/" {
		t.Errorf("an ended class's page is at %s; want / (a reload opens the lab)", p)
	}
}

// waitReady waits until a page the tab went to by itself is ready, as open does.
func waitReady(tb *tab) {
	tb.t.Helper()
	tb.waitFor("page ready (body[data-ready=1], #conn[data-state=open])",
		`document.body && document.body.dataset.ready === '1' && document.getElementById('conn').dataset.state === 'open'`,
		15*time.Second, `({ready: document.body.dataset.ready, errors: (document.getElementById('errors')||{}).innerText})`)
}

// viewShot writes a PNG of what the tab's viewport shows to the artefact directory.
func viewShot(tb *tab, name string) string {
	tb.t.Helper()
	buf, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(artifacts(tb.t), name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	return p
}

// zoomShot takes a screenshot of tb as a 1920×1080 projector shows the page
// zoomed to 150 %: 1280×720 CSS px at a device scale of 1.5.
func zoomShot(t *testing.T, tb *tab, name string) {
	t.Helper()
	tb.do("zoom 150 %", chromedp.EmulateViewport(1280, 720, chromedp.EmulateScale(1.5)))
	tb.frames(3)
	t.Logf("screenshot %s", viewShot(tb, name))
	tb.do("zoom 100 %", chromedp.EmulateViewport(tb.width, tb.height))
	tb.frames(2)
}

// TestClassroomUnknownCode: a wrong code typed on the start page is said
// there, and /r/ of a code that does not exist says so in the page's
// language, with a way to type another.
func TestClassroomUnknownCode(t *testing.T) {
	tb := newTab(t, phone390)
	tb.allow = []string{"404"}
	tb.open("/?lang=ja")
	tb.waitFor("Join a class", `document.getElementById('class-code')`, 10*time.Second, "")
	tb.do("type a wrong code", chromedp.SendKeys("#class-code", "ZZZZ ZZZZ"), chromedp.Click("#class-join"))
	tb.waitFor("the answer", `document.getElementById('class-msg').textContent !== ''`, 10*time.Second, "")
	if got := eval[string](tb, `document.getElementById('class-msg').textContent`); !strings.Contains(got, "ZZZZ ZZZZ") || !strings.Contains(got, "見つかりません") {
		t.Errorf("a wrong code reads %q", got)
	}
	if p := eval[string](tb, `location.pathname`); p != "/" {
		t.Errorf("a wrong code navigated to %s", p)
	}
	if err := chromedp.Do(tb.ctx, chromedp.Navigate(url("/r/ZZZZZZZZ?lang=en"))); err != nil {
		t.Fatal(err)
	}
	tb.waitFor("the page says so", `document.getElementById('room-status') && document.getElementById('room-status').textContent.includes('There is no class')`, 10*time.Second,
		`(document.getElementById('room-status') || {}).textContent`)
	if !eval[bool](tb, `!!document.getElementById('room-code-again')`) {
		t.Error("no field to type another code")
	}
	t.Logf("screenshot %s", tb.screenshot("class-unknown-390-en.png"))
}

// newStudentTab is newTab in a browser context of its own (its own
// localStorage, like another device): in the teacher's context the page
// would hold the teacher's token.
func newStudentTab(t *testing.T, vp viewport) *tab {
	t.Helper()
	return openTab(t, vp, 60*time.Second, chromedp.WithNewBrowserContext())
}

// dropSocket closes the tab's first websocket (the one early.js opened and
// socket.js took over) as a lost network would: socket.js reconnects.
func dropSocket(tb *tab) {
	tb.t.Helper()
	eval[bool](tb, `import(document.querySelector('script[src*="early.js"]').src).then((m) => { m.early.ws.close(4000, 'test: network lost'); return true; })`)
}

// TestClassroomReconnect: the teacher's socket drops in the middle of a run
// (as when its server goes away) and the page rejoins with its token and
// resumes the room; a student's drops too and catches up. At the end both
// pages hold the same points, and they are the points of
// /api/v1/simulate for the same scenario.
func TestClassroomReconnect(t *testing.T) {
	teacher := newTab(t, desktop)
	teacher.open("/?surface=quadratic&steps=120&rate=30&run=sgd,lr=0.05&run=sgd,lr=0.15")
	teacher.waitFor("Start a class", `document.getElementById('class-start')`, 10*time.Second, "")
	teacher.click("#class-start")
	teacher.waitFor("the room's page", `location.pathname.startsWith('/r/') && document.getElementById('room-code')`, 10*time.Second, `location.href`)
	waitReady(teacher)
	teacher.waitFor("the room has the scenario", `__lab.started && __lab.state.runs.length === 2`, 10*time.Second, "")
	code := eval[string](teacher, `__lab.room.room.code`)
	s := newStudentTab(t, phone390)
	s.open("/r/" + code)
	s.waitFor("the class's scenario", `__lab.state.runs.length === 2 && __lab.room.room.joined`, 10*time.Second, "")

	teacher.play()
	teacher.waitFor("a few steps", `__lab.runs[0].n > 20`, 10*time.Second, `__lab.runs.map((d) => d.n)`)
	dropSocket(teacher)
	teacher.waitFor("the teacher's page rejoins", `document.getElementById('conn').dataset.state === 'open' && __lab.room.room.joined && __lab.runs[0].n > 30`, 15*time.Second,
		`({conn: document.getElementById('conn').dataset.state, room: __lab.room.room, n: __lab.runs.map((d) => d.n)})`)
	s.waitFor("the student sees more steps", `__lab.runs[0].n > 40`, 10*time.Second, `__lab.runs.map((d) => d.n)`)
	// a live LR change of run 1 (LR 0.15 → 0.1): the student's page follows it
	eval[bool](teacher, `(() => { document.querySelector('#legend [data-run="1"] .select').click(); return true; })()`)
	teacher.waitFor("run 1 selected", `__lab.selected === 1`, 5*time.Second, "")
	eval[bool](teacher, `(() => { const s = document.getElementById('lr-slider'); s.value = String(Math.log10(0.1)); s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	s.waitFor("the student's run panel shows the new LR", `__lab.state.runs[1].optimizer.lr === 0.1 && __lab.runs[1].setFrom.length === 1`, 10*time.Second,
		`({lr: __lab.state.runs[1].optimizer.lr, sets: __lab.runs[1].setFrom})`)
	if a, b := eval[int](s, `__lab.runs[1].setFrom[0]`), eval[int](teacher, `__lab.runs[1].setFrom[0]`); a != b {
		t.Errorf("the change applies from step %d on the student's page, %d on the teacher's", a, b)
	}
	dropSocket(s)
	teacher.waitAllDone(30 * time.Second)
	s.waitAllDone(15 * time.Second)
	trail := `JSON.stringify(__lab.runs.map((d) => [d.n, d.status, d.x, d.y]))`
	got, want := eval[string](s, trail), eval[string](teacher, trail)
	if got != want {
		t.Errorf("after the drops the student's trails differ from the teacher's:\n got %s\nwant %s", short(got), short(want))
	}
	// the same points as a fresh simulation of the scenario
	var sim struct {
		Runs []struct {
			X []float64 `json:"x"`
			Y []float64 `json:"y"`
		} `json:"runs"`
	}
	body := map[string]any{
		"surface": map[string]any{"name": "quadratic"}, "steps": 120,
		"runs": []any{
			map[string]any{"optimizer": map[string]any{"name": "sgd", "lr": 0.05}},
			map[string]any{"optimizer": map[string]any{"name": "sgd", "lr": 0.15}},
		},
	}
	postJSON(t, "/api/v1/simulate", body, &sim)
	var pages [][]any
	if err := json.Unmarshal([]byte(want), &pages); err != nil {
		t.Fatal(err)
	}
	// run 1 changed its LR at the step set_ok named: the same points until then
	// (the student's page had it too before its drop; a catch-up carries no set_ok)
	setAt := eval[int](teacher, `__lab.runs[1].setFrom[0]`)
	if setAt < 20 {
		t.Fatalf("set_ok step %d; want the step the change was made at, past 20", setAt)
	}
	for i, r := range sim.Runs {
		xs := pages[i][2].([]any)
		if len(xs) != len(r.X) {
			t.Errorf("run %d: the page has %d points, /api/v1/simulate %d", i, len(xs), len(r.X))
			continue
		}
		upto := len(r.X)
		if i == 1 {
			upto = setAt + 1 // the point the changed step starts from is still the old run's
		}
		for k := range r.X[:upto] {
			if xs[k] == nil || xs[k].(float64) != r.X[k] {
				t.Errorf("run %d point %d: page x %v, simulate %v", i, k, xs[k], r.X[k])
				break
			}
		}
		if i == 1 && xs[setAt+1].(float64) == r.X[setAt+1] {
			t.Errorf("run 1's step after the change equals the old run's: the live LR change did nothing")
		}
	}

	// a question the teacher types, answered by the teacher
	eval[bool](teacher, `(() => { const s = document.getElementById('room-suggest'); s.value = 'own'; s.dispatchEvent(new Event('change')); return true; })()`)
	teacher.do("type a question", chromedp.SendKeys("#room-own-text", "Which LR would you pick?"), chromedp.SendKeys("#room-own-choices", "0.05\n0.1\n0.5"))
	teacher.click("#room-ask")
	s.waitFor("the typed question", `document.querySelectorAll('.room-vote').length === 3 && document.querySelector('.room-q-text').textContent === 'Which LR would you pick?'`, 10*time.Second,
		`document.getElementById('room-question').innerText`)
	s.click(`.room-vote[data-choice="1"]`)
	teacher.waitFor("the tally", `(() => { const r = [...document.querySelectorAll('.room-row-count')].map((e) => e.textContent); return r.length === 3 && r[1].startsWith('1 '); })()`, 10*time.Second,
		`document.getElementById('room-question').innerText`)
	teacher.click(`.room-mark[data-choice="1"]`)
	s.waitFor("the teacher's answer", `document.querySelector('.room-q[data-revealed="1"] .room-row.answer[data-choice="1"]')`, 10*time.Second, `document.getElementById('room-question').innerText`)
	if got := eval[string](s, `document.querySelector('.room-q-note').textContent`); !strings.Contains(got, "You predicted it") {
		t.Errorf("the student who voted the answer reads %q", got)
	}

	// the end: the student's page goes on alone, its controls back
	teacher.click("#room-end")
	teacher.click("#room-end")
	s.waitFor("the class has ended", `__lab.room.room.ended === 'teacher' && !document.getElementById('transport').inert`, 10*time.Second, `__lab.room.room`)
	s.click("#play")
	s.waitFor("a solo run of its own", `__lab.started && __lab.runs[0].n > 0 && __lab.runs[0].n < 120`, 10*time.Second, `__lab.runs.map((d) => d.n)`)
}
