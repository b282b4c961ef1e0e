// session.js: the page's session with the server, as a phase machine over
// app.session (app.js):
//
//   idle ──start, socket open──▶ live          (a start message sent)
//   idle ──start, socket not open──▶ waiting   (want: what to do once it opens)
//   waiting ──socket open──▶ live              (the wanted start, step or restore sent)
//   live ──stop / restart / reset──▶ idle      (a stop message sent)
//   live ──socket lost──▶ idle, interrupted    (restarted from step 0 when it is back)
//
// Beside the phase: playing (the runs play, or will once started, or the
// timeline replays) and startsSent/startsSeen: frames, done and set_ok that
// come before the server's started answer to the last start are dropped
// (they belong to a scenario the page has left). The socket's messages come
// in through onMessage, its state through socketState.

import { app, schedule, send, surfaceInfo, ended, teaching } from './app.js';
import {
  startMessage, pauseMessage, resumeMessage, stopMessage, stepMessage,
  mergeFrame, applyDone, newRunData, deriveLimit, applySetOK,
} from './protocol.js';
import { toScenario, encodeQuery, optimizerLR } from './state.js';
import { branchScenario } from './branch.js';
import { createPlayback, receive, advance, setRate } from './playback.js';
import { analysisMessage } from './panels.js';
import { showErrors, connText } from './texts.js';

const S = app.session;
const say = (text, kind) => app.ui.controls.say(text, kind);

/**
 * START_HOLD_MS is how long the map's frames wait, at most, for the answer
 * to a start (its first frame: every run's start point). The answer comes
 * in a few ms on a good line; a frame drawn meanwhile would only clear the
 * map and the charts and relabel Play, and take the page's main thread from
 * the answer, which then waits for the frame after (15-30 ms of drawing
 * and layout, on the project's 2-core machine). Held, the cleared map, the
 * new label and the first points are drawn in one frame; past the hold (a
 * slow line) the page draws as before.
 */
const START_HOLD_MS = 60;

/** holdsForStart reports whether the map's frame at now waits for the answer to a start (draw in map.js). */
export function holdsForStart(now) {
  if (S.holdUntil && now < S.holdUntil) return true;
  S.holdUntil = 0;
  return false;
}

/** live reports whether the server has a session for the current scenario. */
export const live = () => S.phase === 'live';
/** playing reports whether the runs play (or will once started, or the timeline replays). */
export const playing = () => S.playing;

const panels = () => { app.need.panels = true; schedule(); };
const allDone = () => app.data.length > 0 && app.data.every(ended);
const anyData = () => app.data.some((d) => d && d.n > 0);
export { anyData };

/**
 * shownCount is how many of run i's points the map shows: the server may
 * send fewer frames a second than the page draws (-frame-rate), so the
 * points a frame brings are shown at the run's own rate (playback.js); all
 * of them when the record was not received through a frame (a room's
 * exchange).
 */
export function shownCount(i) {
  const d = app.data[i], r = S.playback && S.playback.runs[i];
  if (!d) return 0;
  return r && r.have === d.n ? Math.min(d.n, Math.floor(r.shown)) : d.n;
}

/** playbackRate follows a change of the runs' rate (steps per second, 0: as fast as allowed). */
export function playbackRate(rate) {
  if (S.playback) setRate(S.playback, rate, performance.now());
}

/** clearData empties the runs' records (and the timeline, the branch plan, what waits to be drawn or sent). */
export function clearData() {
  app.data = app.state.runs.map(() => newRunData());
  S.playback = createPlayback(app.state.rate);
  if (app.ui.timeline) app.ui.timeline.stop();
  if (app.cursor !== null) setCursor(null);
  S.branchPlan = null;
  app.pendingTrail.clear();
  app.pendingSets.clear();
  // the charts take the cleared runs in the next frame, not here: Play's
  // click then only sends, and the page is free for the server's answer
  app.need.chartsFull = true;
  app.need.trails = true;
  app.need.panels = true;
  schedule();
}

/**
 * startSession starts the current scenario (paused or not): live when the
 * socket is open, else waiting. hold: the map's frames wait for the answer
 * (holdsForStart): Play or Step pressed, not a restart for a change (a
 * slider dragged over a run that has ended restarts the session on every
 * move; held, the map and the panels would wait a round trip each time).
 */
export function startSession(paused, hold = false) {
  clearData();
  // branches (branch.js): started paused, stepped to each branch's step, set, then resumed
  const { scenario: sc, plan } = branchScenario(app.state, toScenario(app.state, app.catalog));
  const ok = send(startMessage(sc, app.state.rate, paused || plan.length > 0));
  if (ok) S.startsSent++;
  S.holdUntil = ok && hold ? performance.now() + START_HOLD_MS : 0;
  S.branchPlan = ok && plan.length ? { items: plan, next: 0, asked: 0 } : null;
  if (S.branchPlan) advanceBranches();
  S.phase = ok ? 'live' : 'waiting';
  S.playing = !paused;
  // pressed while the socket is opening or away: started once it opens
  // (socketState), and said when it is away
  S.want = ok ? null : { paused };
  if (!ok && app.conn === 'closed') say(app.t('conn.waiting'), 'info');
  else if (ok) say('');
  panels();
  return ok;
}

// stop ends the session there is (live: a stop message; waiting: forgotten).
function stop() {
  if (live()) send(stopMessage());
  S.want = null;
  S.phase = 'idle';
  S.playing = false;
}

/** restartSession starts the current scenario again (playing when play is true). */
export function restartSession(play) {
  stop();
  if (play || teaching()) startSession(!play); else clearData();
}

/** resetSession stops the runs and clears them (a class keeps the scenario on its screens, paused). */
export function resetSession() {
  stop();
  clearData();
  if (teaching()) startSession(true);
  schedule();
}

/**
 * refuseStart says beside Play why a run cannot start (a field holds a
 * refused value: it is focused) and returns true; Play never silently does
 * nothing.
 */
function refuseStart() {
  const bad = app.ui.controls.invalid();
  if (!bad.length) { say(''); return false; }
  say(app.t('play.fix', { field: bad[0].label, why: bad[0].message }));
  bad[0].input.focus();
  return true;
}

/** setCursor moves the timeline to step k (null: follow the newest point). */
export function setCursor(k) {
  app.cursor = k;
  app.ui.charts.forEach((c) => c.setCursor(k));
  panels();
}

/** pauseAll pauses the live session or the timeline's replay. */
export function pauseAll() {
  if (app.ui.timeline.replaying()) app.ui.timeline.stop();
  else if (live() && S.playing) send(pauseMessage());
  S.playing = false;
  panels();
}

/**
 * replayFromCursor plays from the timeline's step: the record is replayed
 * up to its newest point, then the live session goes on (when it has
 * steps left).
 */
function replayFromCursor() {
  if (S.playing) { pauseAll(); return; }
  S.playing = true;
  app.ui.timeline.play(() => {
    if (live() && !allDone()) send(resumeMessage());
    else S.playing = false;
    panels();
  });
  panels();
}

/** togglePlay is Play / Pause. */
export function togglePlay() {
  if (app.cursor !== null) { replayFromCursor(); return; }
  if (S.phase === 'waiting' && !S.want.paused) { S.want = null; S.phase = 'idle'; S.playing = false; panels(); return; }
  if ((!live() || allDone() || !S.playing) && refuseStart()) return;
  if (!live() || allDone()) { startSession(false, true); return; }
  send(S.playing ? pauseMessage() : resumeMessage());
  S.playing = !S.playing;
  panels();
}

/** stepOnce is Step: one step of every run (starting them paused when needed), or the timeline's next. */
export function stepOnce() {
  if (app.cursor !== null) { if (S.playing) pauseAll(); app.ui.timeline.forward(); return; }
  if (refuseStart()) return;
  if (!live() || allDone()) {
    if (startSession(true, true)) send(stepMessage(1));
    else if (S.want) S.want.step = true;
    return;
  }
  if (S.playing) { send(pauseMessage()); S.playing = false; }
  send(stepMessage(1));
  panels();
}

/**
 * liveSet changes run i while the session goes on: the change is sent as a
 * `set` (coalesced to one per animation frame). A run that has already
 * finished is run again from its start, with the others.
 */
export function liveSet(i, parts) {
  if (!live()) return;
  // a branch, or a run another branches off: the whole scenario runs again (branch.js)
  if ((app.state.branch || []).some((b) => b.run === i || b.from === i)) { restartSession(true); return; }
  if (ended(app.data[i])) { restartSession(true); return; }
  const prev = app.pendingSets.get(i) || {};
  for (const [k, v] of Object.entries(parts)) {
    prev[k] = typeof v === 'object' && v !== null ? { ...(prev[k] || {}), ...v } : v;
  }
  app.pendingSets.set(i, prev);
  schedule();
}

/**
 * advanceBranches carries out the branch plan of the session: it steps the
 * paused session to the next branch's step, sends that branch's set
 * messages once its run is there, and resumes the session (when playing)
 * after the last. A run that ended before its branch step is not changed.
 */
function advanceBranches() {
  const bp = S.branchPlan;
  while (bp.next < bp.items.length) {
    const it = bp.items[bp.next];
    const d = app.data[it.run];
    if (d && d.n >= it.at + 1) {
      for (const m of it.msgs) send(m);
      bp.next++;
      continue;
    }
    if (ended(d)) { bp.next++; continue; }
    if (bp.asked < it.at) { send(stepMessage(it.at - bp.asked)); bp.asked = it.at; }
    return;
  }
  S.branchPlan = null;
  if (S.playing) send(resumeMessage());
}

/** socketState follows the socket: 'connecting' | 'open' | 'closed'. */
export function socketState(s) {
  S.holdUntil = 0;
  if (s === 'open') S.startsSent = S.startsSeen = 0; // a new socket: a new session
  if (s === 'open' && app.room.mod && app.room.mod.opened()) { app.conn = s; connText(); return; } // a room's socket joins first (classroom.js)
  app.conn = s;
  connText();
  if (s !== 'open') {
    // the server's session is gone with the socket: nothing runs until it
    // is back (the trail stays; the legend must not say "running")
    if (live()) {
      S.interrupted = { playing: S.playing };
      S.phase = 'idle';
      S.playing = false;
      panels();
    }
    return;
  }
  if (S.interrupted) {
    // back: the runs start again from step 0, and the page says so
    const was = S.interrupted;
    S.interrupted = null;
    if (S.phase !== 'waiting') {
      restartSession(was.playing);
      if (was.playing) say(app.t('conn.restarted'), 'info');
      return;
    }
  }
  if (live()) restartSession(S.playing);
  else if (S.phase === 'waiting') {
    // play or step pressed while the socket was still opening
    const w = S.want;
    S.want = null;
    S.phase = 'idle';
    if (startSession(w.paused, true) && w.step) send(stepMessage(1));
    else if (live() && w.restore) {
      // a reload: the runs again to where they were (restoreProgress)
      send(stepMessage(w.restore));
      if (w.play) { send(resumeMessage()); S.playing = true; }
      say(app.t('restore.done', { n: w.restore }), 'info');
    }
  }
}

/** onMessage takes the socket's messages. */
export function onMessage(m) {
  if (analysisMessage(m)) return;
  if ((m.type === 'frame' || m.type === 'done' || m.type === 'set_ok') && S.startsSeen < S.startsSent) return; // of an earlier start
  switch (m.type) {
    case 'started':
      S.startsSeen++;
      S.phase = 'live';
      break;
    case 'frame': {
      S.holdUntil = 0;
      const changes = mergeFrame(app.data, m);
      if (S.branchPlan) advanceBranches();
      // the points a frame brings are shown at the run's rate, from now (playback.js)
      if (S.playback) advance(S.playback, performance.now());
      for (const c of changes) {
        if (S.playback) receive(S.playback, c.run, app.data[c.run].n);
        deriveLimit(app.data[c.run], c.from, c.to);
        deriveLRY(c.run, c.from, c.to);
        const prev = app.pendingTrail.get(c.run);
        app.pendingTrail.set(c.run, prev === undefined ? c.from : Math.min(prev, c.from));
      }
      app.need.charts = true;
      panels();
      break;
    }
    case 'done':
      applyDone(app.data, m);
      // a diverged run leaves the linear axes' range to the others (charts.js)
      if (m.status === 'diverged') app.need.chartsFull = true;
      if (allDone()) S.playing = false;
      app.need.charts = true; // a diverged run's limit line stops where it began to overshoot
      panels();
      break;
    case 'set_ok':
      applySetOK(app.data, m);
      app.need.charts = true;
      schedule();
      break;
    case 'error':
      S.holdUntil = 0;
      S.startsSeen = S.startsSent; // a refused start has no started answer
      app.errors = [{ field: m.field || '', message: m.error || 'error', server: true }];
      if (!anyData()) {
        if (live()) S.phase = 'idle';
        S.playing = false;
        say(app.t('play.refused', { field: m.field || '', why: m.error || '' }));
      }
      showErrors();
      panels();
      break;
  }
}

/**
 * deriveLRY fills, on a game, the LR of player y at each new point: the
 * scheduler's LR scaled by optimizer_y.lr / optimizer.lr (the server's rule,
 * docs/ARCHITECTURE.md), with the run's settings as they are now (a live
 * change shows from the frame that brings it, within a frame of its step).
 */
function deriveLRY(i, from, to) {
  const d = app.data[i], run = app.state.runs[i], info = surfaceInfo();
  if (!d || !run || !info || info.kind !== 'game') return;
  const lr = optimizerLR(run), ly = run.optimizer_y && run.optimizer_y.lr !== undefined ? run.optimizer_y.lr : lr;
  const k = lr > 0 ? ly / lr : 1;
  if (!d.lr_y) d.lr_y = [];
  d.lr_y.length = Math.min(d.lr_y.length, from);
  while (d.lr_y.length < from) d.lr_y.push(NaN);
  for (let j = from; j < to; j++) d.lr_y.push(d.lr[j] * k);
}

// ---- reload: progress kept

const PROGRESS_KEY = 'lrlab:progress';

/**
 * saveProgress keeps, for this tab, how far the runs of the scenario had
 * got (and whether they played), so that a reload runs them again to the
 * same step: the runs are deterministic, so the same scenario stepped as far
 * draws the same trails. Not when a run was changed while it ran (a set):
 * the scenario in the address alone would not reproduce it.
 */
function saveProgress() {
  try {
    const n = Math.max(0, ...app.data.map((d) => (d ? d.n - 1 : 0)));
    const changedLive = app.data.some((d) => d && d.setFrom && d.setFrom.length);
    if (!live() || n <= 0 || changedLive) { sessionStorage.removeItem(PROGRESS_KEY); return; }
    sessionStorage.setItem(PROGRESS_KEY, JSON.stringify({ q: encodeQuery(app.state, app.catalog), n, playing: S.playing }));
  } catch { /* no storage: a reload starts from step 0 */ }
}

/** restoreProgress runs the scenario again to the step saveProgress kept, once the socket is open. */
export function restoreProgress() {
  window.addEventListener('pagehide', saveProgress);
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(PROGRESS_KEY) || 'null');
    sessionStorage.removeItem(PROGRESS_KEY);
  } catch { return; }
  if (!saved || saved.q !== encodeQuery(app.state, app.catalog) || !(saved.n > 0)) return;
  S.want = { paused: true, restore: Math.min(saved.n, app.state.steps), play: !!saved.playing };
  S.phase = 'waiting';
  if (app.conn === 'open') socketState('open');
}
