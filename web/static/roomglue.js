// roomglue.js: the page's side of the classroom (classroom.js), loaded
// with import() by panels.js's loadClassroom. On the lab, "Start a class"
// and "Join a class" (loaded later, with the panels); on /r/CODE the room,
// loaded before the socket is taken over: the teacher's page drives the
// room with the usual messages, a student's follows it with the controls
// locked (app.js's locked()) and may leave for a solo copy (exchange).

import { app, schedule, send, surfaceInfo, locked } from './app.js';
import { mountClassroom } from './classroom.js';
import { toScenario, encodeQuery, fromScenario } from './state.js';
import { runName } from './legend.js';
import { connect } from './socket.js';
import { onMessage, socketState, startSession, clearData, playbackRate } from './session.js';
import { showLesson, connText } from './texts.js';
import { fetchGrid } from './map.js';
import { writeURL } from './changes.js';

/** mountRoom mounts classroom.js (its stylesheet is in: loadClassroom) into app.room. */
export function mountRoom() {
  app.room.mod = mountClassroom(classroomHooks());
}

function classroomHooks() {
  const S = app.session;
  return {
    view: () => ({
      state: app.state, data: app.data, t: app.t, lang: app.lang, info: surfaceInfo(), presets: app.presets,
      lesson: app.lessonShown || null, started: S.phase === 'live', playing: S.playing, conn: app.conn,
    }),
    send,
    scenario: () => toScenario(app.state, app.catalog),
    query: () => encodeQuery({ ...app.state, embed: false }, app.catalog),
    runName: (i) => (app.state.runs[i] ? runName(app.t, app.state.runs[i], i) : `#${i + 1}`),
    start: (paused) => startSession(paused),
    connect: () => connect({ onMessage, onState: socketState }),
    closeSocket: () => { if (app.socket) app.socket.close(); },
    // the room's scenario, as `started` gives it: the page follows it
    adopt: (sc) => {
      const prev = app.state;
      const st = fromScenario(sc);
      Object.assign(st, { lang: app.lang, rate: prev.rate, embed: prev.embed });
      app.state = st;
      if (app.selected >= st.runs.length) app.selected = 0;
      roomRedraw(prev);
      clearData();
    },
    // the room's clock ({paused, rate, running}, from `state`); a room whose runs were stopped is cleared
    clock: (c) => {
      S.playing = c.running && !c.paused;
      if (Number.isFinite(c.rate)) { app.state = { ...app.state, rate: c.rate }; playbackRate(c.rate); }
      if (!c.running && locked()) clearData();
      app.need.panels = true;
      schedule();
    },
    // swaps the page's session (a student's solo copy and the class's)
    exchange: (next) => {
      const prev = { state: app.state, data: app.data, started: S.phase === 'live', playing: S.playing, selected: app.selected, socket: app.socket };
      const old = app.state;
      Object.assign(app, { state: next.state, data: next.data, socket: next.socket });
      Object.assign(S, { phase: next.started ? 'live' : 'idle', playing: next.playing, want: null });
      app.selected = Math.min(next.selected || 0, Math.max(0, app.state.runs.length - 1));
      app.pendingTrail.clear();
      app.pendingSets.clear();
      roomRedraw(old);
      app.ui.charts.forEach((c) => c.setData(app.data, app.state.steps));
      app.conn = app.socket && app.socket.isOpen() ? 'open' : 'connecting';
      connText();
      return prev;
    },
  };
}

function roomRedraw(prev) {
  if (!prev || prev.surface !== app.state.surface) app.grid = null;
  fetchGrid();
  app.lessonShown = undefined;
  showLesson();
  app.need.bg = app.need.trails = app.need.chartsFull = app.need.panels = true;
  writeURL();
  schedule();
}
