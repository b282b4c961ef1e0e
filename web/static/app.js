// app.js: the page's state, declared in one place (app below: no module
// adds a field to it), and the few helpers every part of the page uses:
// schedule (one draw per animation frame), send (to the socket),
// surfaceInfo (the catalog entry with the data in use), loadStyle.
// The modules that change app: the boot (main.js), the changes
// (changes.js, through the pure reducer.js), the session (session.js), the
// map (map.js) and the panels' glue (panels.js, tools.js, datapanel.js,
// roomglue.js).

import { translator } from './i18n.js';
import { dataInfo } from './state.js';

/** app is the page's whole mutable state. */
export const app = {
  // ---- the scenario
  // state.js's state (surface, runs, steps, view …); the reducer replaces it, its unchanged runs keep their objects (branch.js matches runs by identity)
  state: null,
  // catalogIndex of the surfaces (inline #surfaces-data), or null
  catalog: null,
  // index of the selected run
  selected: 0,
  // state.runs as the branches' indices last named them (remapBranches)
  branchRuns: null,
  // GET /api/v1/presets, once in (panels.js)
  presets: [],
  // the preset the page is on (presetOf), once the presets are in
  lesson: null,
  // the preset the banner shows: undefined until decided, null once none or dismissed
  lessonShown: undefined,
  // the server's description of the data in use (POST /api/v1/surfaces/{name}), or null
  pasted: null,
  // pastedKey() of the data pasted describes
  pastedKey: '',

  // ---- the session (session.js is its phase machine)
  session: {
    // 'idle': no session; 'waiting': a start waits for the socket (want); 'live': the server has one
    phase: 'idle',
    // the runs play (live), will play once started (waiting), or the timeline replays
    playing: false,
    // while waiting: {paused, step?, restore?, play?} — what to do once the socket opens
    want: null,
    // {playing} when the socket dropped a live session: it restarts when the socket is back
    interrupted: null,
    // starts sent on this socket, and the server's started answers to them:
    // frames, done and set_ok that come before the answer to the last start
    // belong to a scenario the page has left (a change restarts the session)
    startsSent: 0,
    startsSeen: 0,
    // {items, next, asked}: the branches' set messages still to send (branch.js)
    branchPlan: null,
    // playback.js's state: how many of each run's received points the map shows
    playback: null,
    // performance.now() until which the map's frames wait for the answer to
    // the start just sent (0: none): see holdsForStart in session.js
    holdUntil: 0,
  },
  // socket.js's connection ({send, isOpen, close})
  socket: null,
  // the socket's state: 'connecting' | 'open' | 'closed'
  conn: 'connecting',
  // protocol.js records, one per run
  data: [],
  // the timeline's step (timeline.js), null: the newest point
  cursor: null,
  // run → first point not yet drawn on the map
  pendingTrail: new Map(),
  // run → parts of the set message sent at the next frame
  pendingSets: new Map(),

  // ---- the map's grid (map.js)
  // grid.js's decoded grid of the map, or null
  grid: null,
  // the grid painted (heatmap.js), made by the next background paint
  gridImage: null,
  // the URL (and POST body) of the grid there is
  gridKey: '',
  // gridKey without the view: the same surface, data and resolution
  gridBaseKey: '',
  // {baseKey, box} of the grid being fetched, or null
  gridPending: null,
  // 1: a grid has just come; 2: its paint waited one frame for new points
  gridFresh: 0,
  // the background has been painted with a grid once
  bgHasGrid: false,

  // ---- the page
  // the page's language
  lang: 'en',
  // its strings (i18n.js)
  t: translator('en'),
  // colours and fonts from style.css, for the canvases
  theme: null,
  // prefers-color-scheme: dark
  dark: false,
  // the map shows the gradient arrows
  arrows: false,
  // [{field, message, server?}] shown in #errors
  errors: [],
  // what the next frame redraws
  need: { bg: true, trails: true, charts: true, chartsFull: false, panels: true },
  // boot() has mounted everything
  booted: false,
  // lab:ready is marked
  readyMarked: false,
  // lab:first-point is marked
  firstPoint: false,
  // the control of the change being recorded (history.js merges a drag's changes)
  histTag: null,
  // the next record replaces the current entry (a change that is not the user's)
  histReplace: false,
  // undo or redo is putting a state back: not recorded
  restoring: false,
  // the classroom (roomglue.js): classroom.js's handle once mounted, its loading, whether that has settled
  room: { mod: null, promise: null, settled: false },
  // the mounted components
  ui: { controls: null, legend: null, charts: [], timeline: null, present: null, view3d: null },
  // the draw loop's times (map.js)
  drawStats: { lastFrameMs: 0, maxFrameMs: 0, frames: 0, lastPanelsMs: 0, maxPanelsMs: 0, lastParts: null, maxParts: {}, times: [] },
};

export const $ = (id) => document.getElementById(id);

/** locked: a class's student's page follows the room; the controls change nothing. */
export const locked = () => !!(app.room.mod && app.room.mod.locked());
/** teaching: a teacher's page; a reset keeps the scenario on the class's screens. */
export const teaching = () => !!(app.room.mod && app.room.mod.teaching());

let frameQueued = false, drawFrame = () => {};
/** onFrame sets what each animation frame runs (map.js's draw). */
export function onFrame(fn) { drawFrame = fn; }
/** schedule asks for one draw at the next animation frame. */
export function schedule() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(() => { frameQueued = false; drawFrame(); });
}

/** send sends msg on the page's socket; false while it is not open. */
export const send = (msg) => (app.socket ? app.socket.send(msg) : false);

export const idle = (fn) => (window.requestIdleCallback ? requestIdleCallback(fn, { timeout: 500 }) : setTimeout(fn, 50));

/** surfaceInfo is the current surface's catalog entry with the data in use (withData), or null. */
export const surfaceInfo = () => withData(app.catalog && app.state ? app.catalog[app.state.surface] : null);

// pastedKey names the data in use: the rows, or a data set other than the default.
export const pastedKey = () => `${app.state.surface}:${app.state.data ? JSON.stringify(app.state.data) : app.state.dataset || ''}`;

/**
 * withData returns the catalog entry with the view, start, minima and
 * description of the data in use: the server's description of it once
 * fetched (datapanel.js), else the data set's view and start.
 */
function withData(info) {
  if (!info || !info.data || !app.state) return info;
  const st = app.state;
  const p = app.pasted;
  if (p && app.pastedKey === pastedKey()) {
    return { ...info, view: p.view, start: p.start, minima: p.minima || [], description: p.description, data: { ...info.data, rows: p.data ? p.data.rows : info.data.rows } };
  }
  if (st.data) return { ...info, start: [0, 0] };
  const d = dataInfo(st, info);
  return d ? { ...info, view: d.view, start: d.start, minima: st.dataset && st.dataset !== info.data.dataset ? [] : info.minima } : info;
}

const ENDED = ['diverged', 'completed', 'converged'];
/** ended reports whether run record d has finished. */
export const ended = (d) => !!d && ENDED.includes(d.status);

/**
 * loadStyle links the stylesheet name (beside this module) once; it resolves
 * when the sheet is in, or failed to load (the page works without it).
 */
export function loadStyle(name) {
  const href = new URL(`./${name}`, import.meta.url).href;
  return new Promise((resolve) => {
    if ([...document.styleSheets].some((sh) => sh.href === href)) { resolve(); return; }
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.addEventListener('load', resolve);
    link.addEventListener('error', resolve);
    document.head.append(link);
  });
}
