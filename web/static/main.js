// main.js: the page. It opens the websocket at once, reads the surfaces
// (inlined in the page), restores the state from the URL, mounts the
// components, fetches the map's grid and draws what changed once per
// animation frame. The secondary panels (analysis, sharing, lessons, export,
// reference card) and the presets load later: after the first trajectory
// point is drawn, when the page is idle, or when their place scrolls into
// view (loadLater). Performance marks: lab:ready (the page is mounted and
// drawn, play works), lab:first-point (a run's first point drawn on the map).

import {
  decodeQuery, encodeQuery, catalogIndex, toScenario, fromScenario, newRun, cloneRun,
  optimizerLR, runStart, roundView, LIMITS, setLimits, defaultRun as stateDefaultRun,
  presetOf, presetLabels, relabelLR, dataInfo,
} from './state.js';
import { viewTransform, fitAspect, zoomAt, pan, sameBox } from './scale.js';
import { runColor } from './colormap.js';
import { translator, formatNum, pageLanguage } from './i18n.js';
import { decodeGrid, sampleGrid, gridCovers, GRID_FORMAT } from './grid.js';
import {
  startMessage, pauseMessage, resumeMessage, stopMessage, stepMessage, rateMessage, setMessage,
  mergeFrame, applyDone, newRunData, deriveLimit, applySetOK,
} from './protocol.js';
import { paintGrid, drawHeatmap, drawColorbar, gridScaleIsLog } from './heatmap.js';
import { drawContours } from './contours.js';
import { drawTrail, drawRunMarkers, drawMinima, drawAxes } from './trajectory.js';
import { createChart } from './charts.js';
import { mountControls } from './controls.js';
import { mountLegend, runName } from './legend.js';
import { connect } from './socket.js';
import { early } from './early.js';
import { mountTimeline, atStep } from './timeline.js';
import { mountPresent, applyPage } from './present.js';
import { createHistory } from './history.js';
import { branchScenario, remapBranches } from './branch.js';

const $ = (id) => document.getElementById(id);
const MARGIN = { left: 46, right: 8, top: 8, bottom: 26 };

/** app is the page's whole mutable state; only main.js changes it. */
const app = {
  state: null,
  catalog: null,
  presets: [],
  lesson: null, // the preset the page is on (presetOf), once the presets are in
  selected: 0,
  data: [], // protocol.js records, one per run
  started: false, // the server has a session for the current scenario
  // starts sent on this socket, and the server's started answers to them:
  // frames and done messages that come before the answer to the last start
  // belong to a scenario the page has left (a change restarts the session)
  startsSent: 0,
  startsSeen: 0,
  playing: false,
  grid: null,
  gridImage: null,
  gridKey: '',
  gridBaseKey: '', // gridKey without the view: the same surface, data and resolution
  gridPending: null, // {baseKey, box} of the grid being fetched, or null
  lang: 'en',
  t: translator('en'),
  theme: null,
  dark: false,
  arrows: false,
  socket: null,
  conn: 'connecting',
  errors: [],
  need: { bg: true, trails: true, charts: true, panels: true },
  pendingTrail: new Map(), // run → first new point index
  pendingSets: new Map(), // run → set message parts
  cursor: null, // the timeline's step (timeline.js), null: the newest point
  drawStats: { lastFrameMs: 0, maxFrameMs: 0, frames: 0, lastPanelsMs: 0, maxPanelsMs: 0 },
};

// ---------------------------------------------------------------- boot

async function boot() {
  const q = new URLSearchParams(location.search);
  app.lang = pageLanguage();
  app.t = translator(app.lang);
  // a class's page (/r/CODE) joins its room over the socket (classroom.js)
  if (location.pathname.startsWith('/r/')) await loadClassroom();
  // The socket opens first (early.js opened it even before main.js loaded),
  // while the page is built and the grid loads.
  const handlers = { onMessage, onState: socketState };
  app.socket = connect(room.mod ? room.mod.wrap(handlers) : handlers, undefined, early);
  readTheme();
  staticTexts();

  // The catalog is in the page (<script type="application/json" id="surfaces-data">);
  // a page without it asks the server.
  let list = inlineCatalog();
  if (!list) {
    try {
      const res = await fetch('/api/v1/surfaces');
      if (!res.ok) throw new Error(String(res.status));
      const body = await res.json();
      list = Array.isArray(body) ? body : body.surfaces || [];
    } catch {
      app.errors = [{ field: '', message: app.t('errors.catalog') }];
    }
  }
  app.catalog = list && list.length ? catalogIndex(list) : null;
  // the server's live limits (-max-runs, -max-steps), inline like the catalog
  try { setLimits(JSON.parse(($('limits-data') || {}).textContent || 'null')); } catch { /* the defaults stay */ }

  // (/p/{id} never reaches the page: the server redirects it to the lesson's address)
  const { state, errors } = decodeQuery(location.search, app.catalog);
  if (q.get('lang') === null) state.lang = app.lang;
  app.state = state;
  // (a link without runs, bare or not, opens state.js's defaultRun; the URL
  // is rewritten at once with it, so it reopens exactly)
  app.errors.push(...errors);
  document.body.classList.toggle('embed', !!state.embed);

  linkReplayStyle();
  mountAll();
  installMap();
  loadGrid();
  showErrors();
  showLesson();
  installKeys();
  app.booted = true;
  if (room.mod) room.mod.booted();
  app.branchRuns = app.state.runs.slice();
  recordHistory();
  schedule();
  writeURL();
  laterTriggers();
  restoreProgress();
}

// ---------------------------------------------------------------- reload: progress kept

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
    const live = app.data.some((d) => d && d.setFrom && d.setFrom.length);
    if (!app.started || n <= 0 || live) { sessionStorage.removeItem(PROGRESS_KEY); return; }
    sessionStorage.setItem(PROGRESS_KEY, JSON.stringify({ q: encodeQuery(app.state, app.catalog), n, playing: app.playing }));
  } catch { /* no storage: a reload starts from step 0 */ }
}

/** restoreProgress runs the scenario again to the step saveProgress kept, once the socket is open. */
function restoreProgress() {
  window.addEventListener('pagehide', saveProgress);
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(PROGRESS_KEY) || 'null');
    sessionStorage.removeItem(PROGRESS_KEY);
  } catch { return; }
  if (!saved || saved.q !== encodeQuery(app.state, app.catalog) || !(saved.n > 0)) return;
  app.wantStart = { paused: true, restore: Math.min(saved.n, app.state.steps), play: !!saved.playing };
  if (app.conn === 'open') socketState('open');
}

/**
 * loadStyle links the stylesheet name (beside this module) once; it resolves
 * when the sheet is in, or failed to load (the page works without it).
 */
function loadStyle(name) {
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

/** linkReplayStyle links replay.css (timeline, presentation mode, 3D view). */
function linkReplayStyle() { loadStyle('replay.css'); }

function inlineCatalog() {
  const el = $('surfaces-data');
  if (!el) return null;
  try {
    const body = JSON.parse(el.textContent);
    const list = Array.isArray(body) ? body : body && body.surfaces;
    return Array.isArray(list) && list.length ? list : null;
  } catch {
    return null;
  }
}

function socketState(s) {
  if (s === 'open') app.startsSent = app.startsSeen = 0; // a new socket: a new session
  if (s === 'open' && room.mod && room.mod.opened()) { app.conn = s; connText(); return; } // a room's socket joins first (classroom.js)
  app.conn = s;
  connText();
  if (s !== 'open') {
    // the server's session is gone with the socket: nothing runs until it
    // is back (the trail stays; the legend must not say "running")
    if (app.started) {
      app.interrupted = { playing: app.playing };
      app.started = false;
      app.playing = false;
      app.need.panels = true;
      schedule();
    }
    return;
  }
  if (app.interrupted) {
    // back: the runs start again from step 0, and the page says so
    const was = app.interrupted;
    app.interrupted = null;
    if (!app.wantStart) {
      restartSession(was.playing);
      if (was.playing) controls.say(app.t('conn.restarted'), 'info');
      return;
    }
  }
  if (app.started) restartSession(app.playing);
  else if (app.wantStart) {
    // play or step pressed while the socket was still opening
    const w = app.wantStart;
    app.wantStart = null;
    if (startSession(w.paused) && w.step) send(stepMessage(1));
    else if (app.started && w.restore) {
      // a reload: the runs again to where they were (restoreProgress)
      send(stepMessage(w.restore));
      if (w.play) { send(resumeMessage()); app.playing = true; }
      controls.say(app.t('restore.done', { n: w.restore }), 'info');
    }
  }
}

// ---------------------------------------------------------------- later: panels and presets

const later = { promise: null, done: false };

/**
 * loadLater loads and mounts the secondary panels (analysis: finder, sweep,
 * gauge, flat share, formula checks; sharing, lessons, export, reference
 * card) with their stylesheets, and the presets; once.
 */
function loadLater() {
  if (later.promise) return later.promise;
  loadClassroom(); // "Start a class" and "Join a class", with the panels (the page is ready once both are in)
  const styles = ['analysis.css', 'share.css'].map(loadStyle);
  later.promise = Promise.all([
    import('./finder.js'), import('./sweep.js'), import('./gauge.js'), import('./flatshare.js'), import('./formula.js'),
    loadShare(), import('./export.js'), import('./lessons.js'), import('./refcard.js'),
    ...styles,
  ]).then(([finder, sweep, gauge, flat, formula, , exp, lessons, refcard]) => {
    Object.assign(lazy, {
      mountFinder: finder.mountFinder, mountSweep: sweep.mountSweep, mountGauge: gauge.mountGauge,
      mountFlatShare: flat.mountFlatShare, mountFormula: formula.mountFormula,
      mountExport: exp.mountExport, mountLessons: lessons.mountLessons, mountRefCard: refcard.mountRefCard,
    });
    mountAnalysisPanels();
    mountSharePanels();
  }).catch((e) => {
    app.errors = [{ field: '', message: String(e && e.message ? e.message : e) }];
    showErrors();
  }).finally(() => {
    later.done = true;
    app.need.panels = true;
    schedule();
  });
  if (!app.presets.length) loadPresets();
  return later.promise;
}

/** lazy holds what the later modules export, once loaded. */
const lazy = {};

function loadShare() {
  if (!lazy.sharePromise) {
    lazy.sharePromise = import('./share.js').then((m) => {
      Object.assign(lazy, { mountShare: m.mountShare, shareLink: m.shareLink, describeError: m.describeError });
    });
  }
  return lazy.sharePromise;
}

const idle = (fn) => (window.requestIdleCallback ? requestIdleCallback(fn, { timeout: 500 }) : setTimeout(fn, 50));

/**
 * laterTriggers arranges loadLater: when the page is idle after the first
 * point is drawn (firstPointDrawn), when the analysis or the card scrolls
 * into view or the card is opened, or at the latest 700 ms after the page
 * is ready.
 */
function laterTriggers() {
  setTimeout(() => idle(loadLater), 700);
  $('card').addEventListener('toggle', () => loadLater(), { once: true });
  if (window.IntersectionObserver) {
    let first = true; // the first report is the page as it opens: the timers cover it
    const io = new IntersectionObserver((entries) => {
      if (!first && entries.some((e) => e.isIntersecting)) { io.disconnect(); loadLater(); }
      first = false;
    });
    for (const id of ['analysis', 'card']) if ($(id)) io.observe($(id));
  }
}

function firstPointDrawn() {
  performance.mark('lab:first-point');
  idle(loadLater);
}

const defaultRun = () => stateDefaultRun(surfaceInfo(), app.state.params);

async function loadPresets() {
  try {
    const res = await fetch(`/api/v1/presets?lang=${app.lang}`);
    if (!res.ok) return;
    const body = await res.json();
    app.presets = Array.isArray(body) ? body : body.presets || [];
    fillPresets();
  } catch { /* the page works without presets */ }
}

const surfaceInfo = () => withData(app.catalog && app.state ? app.catalog[app.state.surface] : null);

// ---------------------------------------------------------------- theme and texts

function readTheme() {
  const cs = getComputedStyle(document.documentElement);
  const v = (name) => cs.getPropertyValue(name).trim();
  app.dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
  const size = parseFloat(cs.fontSize) || 16;
  app.theme = {
    ink: v('--ink'), muted: v('--muted'), grid: v('--grid'), bg: v('--panel'),
    // canvas text (axes, ticks): at least 14 CSS px, and with the page's
    // type (which grows with the window) on a projector
    font: `${Math.max(14, Math.round(size * 0.85))}px system-ui, sans-serif`,
    smallFont: `${Math.max(12, Math.round(size * 0.75))}px system-ui, sans-serif`,
  };
}

function staticTexts() {
  const t = app.t;
  document.documentElement.lang = app.lang;
  document.title = t('app.title');
  $('title').textContent = t('app.title');
  $('tagline').textContent = t('app.tagline');
  $('map').setAttribute('aria-label', t('map.label'));
  $('transport').setAttribute('aria-label', t('transport.label'));
  document.querySelector('.charts').setAttribute('aria-label', t('charts.label'));
  $('map-hint').textContent = window.matchMedia('(pointer: coarse)').matches
    ? t('map.hintTouch')
    : `${t('map.hint')} — ${t('map.keys')} · ${t('map.keysFocused')}`;
  $('arrows-label').textContent = t('map.arrows');
  $('arrows').parentElement.title = t('map.arrowsTip');
  $('cap-loss').textContent = t('chart.loss');
  $('cap-loss').title = t('chart.lossTip');
  $('cap-lr').textContent = t('chart.lr');
  const limitNote = document.createElement('small');
  limitNote.textContent = t('chart.limitDashed');
  $('cap-lr').append(limitNote);
  $('cap-lr').title = t('chart.lrTip');
  $('cap-grad').textContent = t('chart.grad');
  $('cap-grad').title = t('chart.gradTip');
  $('chart-loss').setAttribute('aria-label', t('chart.lossTip'));
  $('chart-lr').setAttribute('aria-label', t('chart.lrTip'));
  $('chart-grad').setAttribute('aria-label', t('chart.gradTip'));
  if (!$('card-title').textContent) $('card-title').textContent = t('card.title');
  $('presets-label').textContent = t('presets.label');
  $('presets').title = t('presets.tip');
  $('presets').setAttribute('aria-label', t('presets.label'));
  const sw = $('lang-switch');
  sw.textContent = t('lang.switch');
  sw.title = t('lang.switchTitle');
  sw.hreflang = app.lang === 'ja' ? 'en' : 'ja';
  sw.lang = app.lang === 'ja' ? 'en' : 'ja';
  fillPresets();
  connText();
}

function fillPresets() {
  const sel = $('presets');
  sel.replaceChildren();
  const first = document.createElement('option');
  first.value = '';
  first.textContent = app.t('presets.choose');
  sel.append(first);
  for (const p of app.presets) {
    const o = document.createElement('option');
    o.value = String(p.id);
    o.textContent = `${p.number ? p.number + '. ' : ''}${presetText(p, 'titles', 'title')}`;
    sel.append(o);
  }
  sel.closest('.presets').hidden = app.presets.length === 0;
  showLesson();
}

/** presetText returns a preset's title or summary in the page's language. */
function presetText(p, many, one) {
  return (p[many] && (p[many][app.lang] || p[many].en)) || p[one] || String(p.id);
}

/**
 * showLesson shows the title and summary of the preset whose link the page
 * opened, so that the learner knows what to look for.
 */
function showLesson() {
  const box = $('lesson');
  if (!app.state || !app.presets.length) return;
  if (app.lessonShown === undefined) {
    // The lesson is known by its scenario whatever the language of its
    // labels; its own labels then follow the page's language.
    app.lesson = presetOf(app.presets, app.state, app.catalog);
    app.lessonShown = app.lesson;
    if (app.lesson) {
      const runs = presetLabels(app.state, app.lesson, app.lang);
      if (runs !== app.state.runs) { app.state.runs = runs; app.histReplace = true; changed(false); }
    }
  }
  const p = app.lessonShown;
  if (!p) { box.hidden = true; document.body.classList.remove('has-lesson'); return; }
  $('presets').value = String(p.id);
  const h = document.createElement('strong');
  h.id = 'lesson-title'; // the banner is a region named by its title (index.html)
  h.textContent = `${app.t('presets.lesson', { n: p.number || '' })} ${presetText(p, 'titles', 'title')}`;
  const text = document.createElement('p');
  text.textContent = presetText(p, 'summaries', 'summary');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'icon';
  close.textContent = '✕';
  close.title = app.t('errors.dismiss');
  close.setAttribute('aria-label', app.t('errors.dismiss'));
  close.addEventListener('click', () => {
    app.lessonShown = null;
    box.hidden = true;
    document.body.classList.remove('has-lesson');
  });
  text.prepend(h, ' ');
  box.replaceChildren(text, close);
  box.hidden = false;
  document.body.classList.add('has-lesson');
}

function connText() {
  const c = $('conn');
  c.dataset.state = app.conn;
  c.textContent = app.t(app.conn === 'open' ? 'conn.online' : app.conn === 'closed' ? 'conn.offline' : 'conn.connecting');
}

function showErrors() {
  const box = $('errors');
  if (!app.errors.length) { box.hidden = true; box.replaceChildren(); return; }
  if (!lazy.describeError) {
    // the messages are localised by share.js: shown once it is here
    loadShare().then(showErrors, () => { lazy.describeError = (e) => ({ text: e.message || '' }); showErrors(); });
    return;
  }
  const describeError = lazy.describeError;
  const ul = document.createElement('ul');
  for (const e of app.errors.slice(0, 12)) {
    const li = document.createElement('li');
    const d = describeError(e, app.lang); // in the page's language (share.js)
    const c = document.createElement('code');
    c.textContent = e.field || '';
    if (d.where) { const b = document.createElement('b'); b.textContent = d.where; li.append(b, ' (', c, '): '); } else if (e.field) li.append(c, ': ');
    li.append(d.text);
    ul.append(li);
  }
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'small';
  btn.textContent = app.t('errors.dismiss');
  btn.addEventListener('click', () => { app.errors = []; showErrors(); });
  const head = document.createElement('strong');
  head.textContent = app.errors[0].server ? app.t('errors.server') : app.t('errors.title');
  box.replaceChildren(head, ul, btn);
  box.hidden = false;
}

// ---------------------------------------------------------------- components

let controls, legend, charts, timeline, present, view3d;

function mountAll() {
  controls = mountControls({ transport: $('transport'), surface: $('surface-panel'), run: $('run-panel') }, {
    onAction: action,
    onGlobal: changeGlobal,
    onRun: changeRun,
  });
  legend = mountLegend($('legend'), {
    onSelect: (i) => { app.selected = i; app.need.trails = true; changed(false); },
    onDuplicate: (i) => addRun(cloneRun(app.state.runs[i])),
    onRemove: removeRun,
    onAdd: () => {
      const full = app.state.runs.length >= LIMITS.runs;
      addRun(addedRun());
      if (!full && app.state.runs.length > 1) legend.say(app.t('legend.addedNote'));
    },
    onCompare: compareLRs,
  });
  const chartOpts = (series) => ({
    series,
    colors: (i) => runColor(i, app.dark),
    runLabel: (i) => (app.state.runs[i] ? runName(app.t, app.state.runs[i], i) : `#${i + 1}`),
    stepLabel: () => app.t('chart.step'),
    selected: () => app.selected,
    emptyText: () => app.t('chart.empty'),
    theme: app.theme,
  });
  charts = [
    createChart($('chart-loss').parentElement, $('chart-loss'), chartOpts(['loss', 'test_loss'])),
    createChart($('chart-lr').parentElement, $('chart-lr'), { ...chartOpts(['lr', 'limit', 'lr_y']), dashed: ['limit'], dotted: ['lr_y'] }),
    createChart($('chart-grad').parentElement, $('chart-grad'), chartOpts(['grad_norm'])),
  ];
  charts.forEach((c) => c.setData(app.data, app.state.steps));
  timeline = mountTimeline(document.querySelector('.map-wrap'), {
    data: () => app.data, steps: () => app.state.steps, cursor: () => app.cursor,
    setCursor, rate: () => app.state.rate, t: () => app.t,
    onScrub: () => { if (app.playing) pauseAll(); },
  });
  const tools = document.createElement('div');
  tools.className = 'replay-tools';
  tools.id = 'replay-tools';
  $('transport').append(tools);
  applyPage(app.state);
  present = mountPresent(tools, {
    present: () => !!app.state.present, t: () => app.t,
    setPresent: (on) => { app.state.present = on; applyPage(app.state); app.need.panels = true; writeURL(); schedule(); },
  });
  mountHistoryButtons(tools);
  histButtons.branch = document.createElement('button');
  Object.assign(histButtons.branch, { type: 'button', id: 'branch-here', className: 'small' });
  tools.append(histButtons.branch);
  histButtons.branch.addEventListener('click', branchHere);
  histButtons.view3d = document.createElement('button');
  Object.assign(histButtons.view3d, { type: 'button', id: 'view3d-toggle', className: 'small' });
  histButtons.view3d.setAttribute('aria-pressed', 'false');
  tools.append(histButtons.view3d);
  // view3d.js loads when the 3D view is first asked for
  histButtons.view3d.addEventListener('click', async () => {
    if (!view3d) {
      const m = await import('./view3d.js');
      view3d = view3d || m.mountView3D(document.querySelector('.map-wrap'), {
        grid: () => app.grid, data: () => app.data, cursor: () => app.cursor, colors: (i) => runColor(i, app.dark), t: () => app.t,
      });
    }
    view3d.toggle();
    app.need.panels = true;
    schedule();
  });
  const ro = new ResizeObserver(() => { app.need.bg = true; app.need.trails = true; app.need.chartsFull = true; schedule(); });
  ro.observe($('map'));
  for (const id of ['chart-loss', 'chart-lr', 'chart-grad']) ro.observe($(id));
  // what sits above the map (the header, an error, a lesson's banner, the
  // playback bar) decides the height left for it (style.css: --map-top)
  const above = new ResizeObserver(measureTops);
  for (const e of [document.querySelector('header.top'), $('errors'), $('lesson'), $('transport')]) if (e) above.observe(e);
  measureTops();
  $('arrows').addEventListener('change', () => { app.arrows = $('arrows').checked; schedule(); });
  $('presets').addEventListener('change', () => {
    const p = app.presets.find((x) => String(x.id) === $('presets').value);
    if (!p) return;
    let url = p.url || p.link || `/p/${p.id}`;
    if (app.lang === 'ja') url += (url.includes('?') ? '&' : '?') + 'lang=ja';
    location.href = url;
  });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    readTheme();
    charts.forEach((c) => c.setTheme(app.theme));
    app.need.bg = app.need.trails = true;
    changed(false);
  });
}

/** measureTops writes where the lab and the map begin (CSS px from the page's top) to --lab-top and --map-top. */
function measureTops() {
  const top = (e) => `${Math.round(e.getBoundingClientRect().top + window.scrollY)}px`;
  const root = document.documentElement.style;
  const lab = top(document.querySelector('main.lab')), m = top($('map'));
  if (root.getPropertyValue('--lab-top') !== lab) root.setProperty('--lab-top', lab);
  if (root.getPropertyValue('--map-top') !== m) root.setProperty('--map-top', m);
}

function renderPanels() {
  // on a game the LR chart also draws player y's LR, dotted: say so
  const game = !!(surfaceInfo() && surfaceInfo().kind === 'game');
  let yNote = $('cap-lr').querySelector('small.lr-y');
  if (game && !yNote) { yNote = document.createElement('small'); yNote.className = 'lr-y'; $('cap-lr').append(yNote); }
  if (yNote) { yNote.textContent = app.t('chart.lrYDotted'); yNote.hidden = !game; }
  const run = app.state.runs[app.selected];
  const d = app.data[app.selected];
  controls.render({
    state: app.state, catalog: app.catalog, selected: app.selected, playing: app.playing,
    lambda: lambdaFor(d), t: app.t, lang: app.lang, theme: app.theme,
    color: runColor(app.selected, app.dark), start: run ? runStart(run, surfaceInfo()) : [0, 0],
    finished: !!(app.started && d && ['diverged', 'completed', 'converged'].includes(d.status)),
  });
  timeline.render();
  present.render();
  renderHistoryButtons();
  const in3d = !!view3d && view3d.shown();
  histButtons.view3d.textContent = in3d ? app.t('view3d.hide') : app.t('view3d.show');
  histButtons.view3d.title = in3d ? app.t('view3d.hideTip') : app.t('view3d.showTip');
  histButtons.view3d.setAttribute('aria-pressed', in3d ? 'true' : 'false');
  if (view3d) view3d.render();
  legend.render({
    state: app.state, data: app.cursor === null ? app.data : app.data.map(legendAt), selected: app.selected, t: app.t, lang: app.lang,
    colors: (i) => runColor(i, app.dark), max: LIMITS.runs, info: surfaceInfo(), playing: app.playing,
  });
  renderAnalysisPanels();
  renderDataPanel();
}

// legendAt is run record d at the timeline's step, keeping its own status
// (a run scrubbed back still says how it ended: "diverged at step 133").
function legendAt(d) {
  const s = atStep(d, app.cursor);
  return s === d ? d : { ...s, status: d.status };
}

// λmax at the selected run's current point; on the quadratic bowl it is known before running.
function lambdaFor(d) {
  if (d && d.n > 0 && d.sharpness.length >= d.n && d.sharpness[d.n - 1] > 0) return d.sharpness[d.n - 1];
  const info = surfaceInfo();
  if (info && info.name === 'quadratic') {
    const p = (k) => app.state.params[k] ?? (info.params.find((x) => x.name === k) || {}).default;
    const a = p('a'), b = p('b');
    if (a > 0 || b > 0) return Math.max(a || 0, b || 0);
  }
  return null;
}

// ---------------------------------------------------------------- changes

/** changed notes a change of the state: panels, URL and (when restart) the session. */
function changed(restart) {
  // branches follow their runs when runs are added, removed or reordered
  if (app.state.branch && app.state.branch.length && app.branchRuns) app.state.branch = remapBranches(app.state.branch, app.branchRuns, app.state.runs);
  app.branchRuns = app.state.runs.slice();
  recordHistory();
  app.need.panels = true;
  if (restart) restartSession(app.playing || anyData());
  writeURL();
  schedule();
}

const anyData = () => app.data.some((d) => d && d.n > 0);

function action(name) {
  if (locked()) return undefined;
  switch (name) {
    case 'play': return togglePlay();
    case 'step': return stepOnce();
    case 'reset': return resetSession();
    case 'resetView':
      app.state.view = null;
      viewChanged();
      return undefined;
  }
  return undefined;
}

function changeGlobal(key, value) {
  if (locked()) return undefined;
  const st = app.state;
  app.histTag = `global.${key}`;
  switch (key) {
    case 'rate':
      st.rate = value;
      if (app.started) send(rateMessage(value));
      writeURL();
      return;
    case 'steps':
      st.steps = value;
      charts.forEach((c) => c.setData(app.data, st.steps));
      return changed(true);
    case 'surface': {
      st.surface = value;
      st.params = {};
      st.view = null;
      st.formula = value === 'custom' ? st.formula || 'x^2 + 10*y^2 + 2*sin(3*x)' : ''; // a custom surface starts from an example
      for (const r of st.runs) { r.x = null; r.y = null; r.batch_size = null; }
      st.dataset = ''; st.data = null; // data surfaces (data.js)
      app.grid = null;
      fetchGrid();
      app.need.bg = true;
      return changed(true);
    }
    case 'param':
      st.params[value.name] = value.value;
      fetchGrid();
      return changed(true);
    case 'formula':
      st.formula = value;
      fetchGrid();
      return changed(true);
    case 'shift':
      st.shift = value;
      return changed(true);
  }
  return undefined;
}

function changeRun(path, value) {
  if (locked()) return undefined;
  const i = app.selected;
  app.histTag = `run${i}.${path}`;
  const run = app.state.runs[i];
  if (!run) return;
  const [group, key] = path.split('.');
  if (group === 'optimizer' && key === 'name') {
    const lr = optimizerLR(run);
    run.optimizer = { name: value, lr };
    return changed(true);
  }
  if (group === 'optimizer' || group === 'scheduler') {
    // a label that states the LR follows it (relabelLR)
    if (group === 'optimizer' && key === 'lr' && value !== null) {
      const label = relabelLR(run.label, optimizerLR(run), value);
      if (label !== run.label) { run.label = label; app.need.chartsFull = true; }
    }
    if (key === 'name') run.scheduler = { name: value };
    else if (value === null) delete run[group][key];
    else run[group][key] = value;
    liveSet(i, group === 'optimizer' ? { optimizer: { [key]: value } } : { scheduler: { ...run.scheduler } });
    return changed(false);
  }
  switch (path) {
    case 'noise':
      run.noise = value;
      liveSet(i, { noise: value });
      return changed(false);
    case 'batch_size': { // data surfaces (data.js): null is the whole data set
      run.batch_size = value;
      const d = dataInfo(app.state, surfaceInfo());
      liveSet(i, { batch_size: value || (d ? d.rows : 0) });
      return changed(false);
    }
    case 'label':
      run.label = value;
      app.need.chartsFull = true;
      return changed(false);
    case 'lr_y': {
      const y = run.optimizer_y && run.optimizer_y.lr;
      if (y !== undefined && y !== optimizerLR(run)) run.label = relabelLR(run.label, y, value);
      run.optimizer_y = { ...(run.optimizer_y || {}), lr: value };
      liveSet(i, { optimizer_y: { lr: value } });
      return changed(false);
    }
    case 'x': case 'y': {
      const s = runStart(run, surfaceInfo());
      run.x = path === 'x' ? value : s[0];
      run.y = path === 'y' ? value : s[1];
      return changed(true);
    }
    case 'seed': run.seed = value; return changed(true);
    case 'opt_y': run.opt_y = value; return changed(true);
    case 'updates': run.updates = value; return changed(true);
  }
  return undefined;
}

/**
 * liveSet changes a run while the session goes on: the change is sent as a
 * `set` (coalesced to one per animation frame). A run that has already
 * finished is run again from its start, with the others.
 */
function liveSet(i, parts) {
  if (!app.started) return;
  // a branch, or a run another branches off: the whole scenario runs again (branch.js)
  if ((app.state.branch || []).some((b) => b.run === i || b.from === i)) { restartSession(true); return; }
  const d = app.data[i];
  if (d && (d.status === 'diverged' || d.status === 'completed' || d.status === 'converged')) {
    restartSession(true);
    return;
  }
  const prev = app.pendingSets.get(i) || {};
  for (const [k, v] of Object.entries(parts)) {
    prev[k] = typeof v === 'object' && v !== null ? { ...(prev[k] || {}), ...v } : v;
  }
  app.pendingSets.set(i, prev);
  schedule();
}

function addRun(run) {
  if (locked()) return;
  if (app.state.runs.length >= LIMITS.runs) return;
  legend.say('');
  app.state.runs.push(run);
  app.selected = app.state.runs.length - 1;
  changed(true);
}

/**
 * addedRun is what "+ Add run" adds: the selected run at half its LR, with
 * no label (its name says its LR), so that it is not hidden under the
 * original as an exact copy would be (the copy button makes those).
 */
function addedRun() {
  const base = app.state.runs[app.selected];
  if (!base) return defaultRun();
  const r = cloneRun(base);
  r.optimizer.lr = Number((optimizerLR(base) / 2).toPrecision(3));
  r.label = '';
  return r;
}

function removeRun(i) {
  if (locked()) return;
  if (app.state.runs.length <= 1) return;
  legend.say('');
  app.state.runs.splice(i, 1);
  if (app.selected >= app.state.runs.length) app.selected = app.state.runs.length - 1;
  else if (app.selected > i) app.selected--;
  changed(true);
}

/**
 * compareLRs puts copies of the selected run at 0.1× and 10× its LR on
 * either side of it, as many as fit under the runs limit (the 0.1× one
 * first); it says which did not fit, and never removes a run.
 */
function compareLRs() {
  const base = app.state.runs[app.selected];
  if (!base || locked()) return;
  const lr = optimizerLR(base);
  const [lo, hi] = [0.1, 10].map((f) => {
    const r = cloneRun(base);
    r.optimizer.lr = Number((lr * f).toPrecision(6));
    r.label = '';
    return r;
  });
  const room = LIMITS.runs - app.state.runs.length;
  const t = app.t;
  if (room <= 0) { legend.say(t('compare.none', { max: LIMITS.runs })); return; }
  app.state.runs.splice(app.selected, 0, lo);
  app.selected += 1;
  if (room >= 2) {
    app.state.runs.splice(app.selected + 1, 0, hi);
    legend.say('');
  } else {
    legend.say(`${t('compare.added', { n: 1, max: LIMITS.runs })} ${t('compare.skipped', { lrs: `lr ${formatNum(optimizerLR(hi), 3)}` })}`);
  }
  changed(true);
}

// ---------------------------------------------------------------- undo / redo (history.js)
// Every change of the scenario goes through changed(), which records the
// state (without the page's own settings: language, embedding, presentation
// and hide flags); undo and redo put a recorded state back and restart the
// session with it, as any change does.

const hist = createHistory();
const histButtons = {};

function historyEntry() {
  const { lang, embed, present: p, hide, ...scenario } = app.state;
  return { key: JSON.stringify(scenario), value: { scenario: JSON.stringify(scenario), selected: app.selected } };
}

function recordHistory() {
  if (!app.booted || app.restoring) return;
  const e = historyEntry();
  if (app.histReplace) hist.replace(e.key, e.value);
  else if (hist.record(e.key, e.value, performance.now(), app.histTag || null)) app.need.panels = true;
  app.histReplace = false;
  app.histTag = null;
}

/** restoreHistory puts back the state v of undo or redo (null: nothing to do). */
function restoreHistory(v) {
  if (!v) return;
  const { lang, embed, present: p, hide } = app.state;
  const before = app.state;
  app.state = { ...JSON.parse(v.scenario), lang, embed, present: p, hide };
  app.selected = Math.min(v.selected, app.state.runs.length - 1);
  const st = app.state;
  if (st.surface !== before.surface || st.formula !== before.formula || JSON.stringify(st.params) !== JSON.stringify(before.params)) app.grid = null;
  if (st.steps !== before.steps) charts.forEach((c) => c.setData(app.data, st.steps));
  fetchGrid();
  app.need.bg = true;
  app.need.trails = true;
  app.branchRuns = app.state.runs.slice();
  app.restoring = true;
  try { changed(true); } finally { app.restoring = false; }
}

function mountHistoryButtons(tools) {
  histButtons.undo = document.createElement('button');
  histButtons.redo = document.createElement('button');
  Object.assign(histButtons.undo, { type: 'button', id: 'undo', className: 'small' });
  Object.assign(histButtons.redo, { type: 'button', id: 'redo', className: 'small' });
  tools.prepend(histButtons.undo, histButtons.redo);
  histButtons.undo.addEventListener('click', () => restoreHistory(hist.undo()));
  histButtons.redo.addEventListener('click', () => restoreHistory(hist.redo()));
  document.addEventListener('keydown', (ev) => {
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) return;
    const k = ev.key.toLowerCase();
    if (k !== 'z' && k !== 'y') return;
    // a text field keeps its own undo
    if (ev.target && ev.target.closest && ev.target.closest('input:not([type=range]):not([type=checkbox]), textarea, [contenteditable]')) return;
    ev.preventDefault();
    restoreHistory(k === 'y' || ev.shiftKey ? hist.redo() : hist.undo());
  });
}

function renderHistoryButtons() {
  const t = app.t;
  histButtons.undo.textContent = `↶ ${t('history.undo')}`;
  histButtons.undo.title = t('history.undoTip');
  histButtons.undo.disabled = !hist.canUndo();
  histButtons.redo.textContent = `↷ ${t('history.redo')}`;
  histButtons.redo.title = t('history.redoTip');
  histButtons.redo.disabled = !hist.canRedo();
  const d = app.data[app.selected];
  histButtons.branch.textContent = t('branch.here');
  histButtons.branch.title = t('branch.hereTip');
  histButtons.branch.disabled = !d || d.n < 2 || app.state.runs.length >= LIMITS.runs || (app.state.branch || []).some((b) => b.run === app.selected);
}

// ---------------------------------------------------------------- branch here (branch.js)

/**
 * advanceBranches carries out the branch plan of the session: it steps the
 * paused session to the next branch's step, sends that branch's set
 * messages once its run is there, and resumes the session (when playing)
 * after the last. A run that ended before its branch step is not changed.
 */
function advanceBranches() {
  const bp = app.branchPlan;
  while (bp.next < bp.items.length) {
    const it = bp.items[bp.next];
    const d = app.data[it.run];
    const ended = d && ['diverged', 'completed', 'converged'].includes(d.status);
    if (d && d.n >= it.at + 1) {
      for (const m of it.msgs) send(m);
      bp.next++;
      continue;
    }
    if (ended) { bp.next++; continue; }
    if (bp.asked < it.at) { send(stepMessage(it.at - bp.asked)); bp.asked = it.at; }
    return;
  }
  app.branchPlan = null;
  if (app.playing) send(resumeMessage());
}

/**
 * branchHere adds a branch of the selected run at the timeline's step (or
 * its newest point): a copy that follows it up to that step and then its
 * own settings, which the run panel now changes; the old continuation
 * stays, drawn faintly.
 */
function branchHere() {
  const i = app.selected, run = app.state.runs[i], d = app.data[i];
  if (!run || !d || app.state.runs.length >= LIMITS.runs || (app.state.branch || []).some((b) => b.run === i)) return;
  const k = Math.min(app.cursor ?? d.n - 1, d.n - 1);
  if (k < 1 || k >= app.state.steps) return;
  const copy = cloneRun(run);
  copy.label = '';
  app.state.runs.push(copy);
  app.state.branch = [...(app.state.branch || []), { run: app.state.runs.length - 1, from: i, at: k }];
  app.selected = app.state.runs.length - 1;
  app.branchRuns = app.state.runs.slice(); // the indices above are of these runs
  changed(true);
}

/** fadedRun reports whether run i's trail is drawn faintly: another run branches off it. */
const fadedRun = (i) => (app.state.branch || []).some((b) => b.from === i);

// ---------------------------------------------------------------- session

function send(msg) {
  return app.socket ? app.socket.send(msg) : false;
}

function clearData() {
  app.data = app.state.runs.map(() => newRunData());
  if (timeline) timeline.stop();
  if (app.cursor !== null) setCursor(null);
  app.branchPlan = null;
  app.pendingTrail.clear();
  app.pendingSets.clear();
  charts.forEach((c) => c.setData(app.data, app.state.steps));
  app.need.trails = true;
  app.need.panels = true;
}

function startSession(paused) {
  clearData();
  // branches (branch.js): started paused, stepped to each branch's step, set, then resumed
  const { scenario: sc, plan } = branchScenario(app.state, toScenario(app.state, app.catalog));
  const ok = send(startMessage(sc, app.state.rate, paused || plan.length > 0));
  if (ok) app.startsSent++;
  app.branchPlan = ok && plan.length ? { items: plan, next: 0, asked: 0 } : null;
  if (app.branchPlan) advanceBranches();
  app.started = ok;
  app.playing = ok && !paused;
  // pressed while the socket is opening or away: started once it opens
  // (socketState), and said when it is away
  app.wantStart = ok ? null : { paused };
  if (!ok && app.conn === 'closed') controls.say(app.t('conn.waiting'), 'info');
  else if (ok) controls.say('');
  if (app.wantStart && !paused) app.playing = true;
  app.need.panels = true;
  schedule();
  return ok;
}

/**
 * refuseStart says beside Play why a run cannot start (a field holds a
 * refused value: it is focused) and returns true; Play never silently does
 * nothing.
 */
function refuseStart() {
  const bad = controls.invalid();
  if (!bad.length) { controls.say(''); return false; }
  controls.say(app.t('play.fix', { field: bad[0].label, why: bad[0].message }));
  bad[0].input.focus();
  return true;
}

/** setCursor moves the timeline to step k (null: follow the newest point). */
function setCursor(k) {
  app.cursor = k;
  charts.forEach((c) => c.setCursor(k));
  app.need.panels = true;
  schedule();
}

/** pauseAll pauses the live session or the timeline's replay. */
function pauseAll() {
  if (timeline.replaying()) timeline.stop();
  else if (app.started && app.playing) send(pauseMessage());
  app.playing = false;
  app.need.panels = true;
  schedule();
}

/**
 * replayFromCursor plays from the timeline's step: the record is replayed
 * up to its newest point, then the live session goes on (when it has
 * steps left).
 */
function replayFromCursor() {
  if (app.playing) { pauseAll(); return; }
  app.playing = true;
  timeline.play(() => {
    if (app.started && !allDone()) send(resumeMessage());
    else app.playing = false;
    app.need.panels = true;
    schedule();
  });
  app.need.panels = true;
  schedule();
}

function togglePlay() {
  if (app.cursor !== null) { replayFromCursor(); return; }
  if (!app.started && app.wantStart && !app.wantStart.paused) { app.wantStart = null; app.playing = false; app.need.panels = true; schedule(); return; }
  if ((!app.started || allDone() || !app.playing) && refuseStart()) return;
  if (!app.started || allDone()) { startSession(false); return; }
  if (app.playing) { send(pauseMessage()); app.playing = false; } else { send(resumeMessage()); app.playing = true; }
  app.need.panels = true;
  schedule();
}

function stepOnce() {
  if (app.cursor !== null) { if (app.playing) pauseAll(); timeline.forward(); return; }
  if (refuseStart()) return;
  if (!app.started || allDone()) {
    if (startSession(true)) send(stepMessage(1));
    else if (app.wantStart) app.wantStart.step = true;
    return;
  }
  if (app.playing) { send(pauseMessage()); app.playing = false; }
  send(stepMessage(1));
  app.need.panels = true;
  schedule();
}

function resetSession() {
  if (app.started) send(stopMessage());
  app.wantStart = null;
  app.started = false;
  app.playing = false;
  clearData();
  if (teaching()) startSession(true); // a class keeps the scenario on its screens, paused
  schedule();
}

/** restartSession starts the current scenario again (playing when play is true). */
function restartSession(play) {
  if (app.started) send(stopMessage());
  app.wantStart = null;
  app.started = false;
  app.playing = false;
  if (play || teaching()) startSession(!play); else clearData();
}

const allDone = () => app.data.length > 0 && app.data.every((d) => d && ['diverged', 'completed', 'converged'].includes(d.status));

function onMessage(m) {
  if (analysisMessage(m)) return;
  if ((m.type === 'frame' || m.type === 'done' || m.type === 'set_ok') && app.startsSeen < app.startsSent) return; // of an earlier start
  switch (m.type) {
    case 'started':
      app.startsSeen++;
      app.started = true;
      break;
    case 'frame': {
      const changes = mergeFrame(app.data, m);
      if (app.branchPlan) advanceBranches();
      for (const c of changes) {
        deriveLimit(app.data[c.run], c.from, c.to);
        deriveLRY(c.run, c.from, c.to);
        const prev = app.pendingTrail.get(c.run);
        app.pendingTrail.set(c.run, prev === undefined ? c.from : Math.min(prev, c.from));
      }
      app.need.charts = true;
      app.need.panels = true;
      schedule();
      break;
    }
    case 'done':
      applyDone(app.data, m);
      // a diverged run leaves the linear axes' range to the others (charts.js)
      if (m.status === 'diverged') app.need.chartsFull = true;
      if (allDone()) app.playing = false;
      app.need.panels = true;
      app.need.charts = true; // a diverged run's limit line stops where it began to overshoot
      schedule();
      break;
    case 'set_ok':
      applySetOK(app.data, m);
      app.need.charts = true;
      schedule();
      break;
    case 'error':
      app.startsSeen = app.startsSent; // a refused start has no started answer
      app.errors = [{ field: m.field || '', message: m.error || 'error', server: true }];
      if (!anyData()) {
        app.started = false; app.playing = false;
        controls.say(app.t('play.refused', { field: m.field || '', why: m.error || '' }));
      }
      showErrors();
      app.need.panels = true;
      schedule();
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

// ---------------------------------------------------------------- URL

let urlTimer = 0;
function writeURL() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    // The language always goes into the address: left out, the server would
    // choose by Accept-Language and could undo the reader's own choice.
    const withLang = (state) => {
      const q = encodeQuery(state, app.catalog);
      return /(^|&)lang=/.test(q) ? q : `${q}${q ? '&' : ''}lang=${state.lang}`;
    };
    const q = withLang({ ...app.state, lang: app.lang });
    const url = `${location.pathname}?${q}`;
    history.replaceState(null, '', url);
    const other = app.lang === 'ja' ? 'en' : 'ja';
    const runs = app.lesson ? presetLabels(app.state, app.lesson, other) : app.state.runs;
    $('lang-switch').href = `?${withLang({ ...app.state, runs, lang: other })}`;
  }, 120);
}

// ---------------------------------------------------------------- the map

const map = { canvas: null, bg: null, trails: null, tr: null, width: 0, height: 0, dpr: 1 };

function baseView() {
  const info = surfaceInfo();
  return app.state.view || (info ? info.view : { xmin: -3, xmax: 3, ymin: -3, ymax: 3 });
}

function plotRect() {
  return { left: MARGIN.left, top: MARGIN.top, width: Math.max(10, map.width - MARGIN.left - MARGIN.right), height: Math.max(10, map.height - MARGIN.top - MARGIN.bottom) };
}

function currentTransform() {
  const rect = plotRect();
  // w and b of a data surface are not in the same units: its view fills the map
  const info = surfaceInfo();
  return viewTransform(info && info.data ? baseView() : fitAspect(baseView(), rect.width, rect.height), rect);
}

let gridTimer = 0, gridAbort = null, formulaChecked = '';
/** fetchGrid loads the grid of the visible view (debounced), then redraws the map. */
function fetchGrid() {
  clearTimeout(gridTimer);
  gridTimer = setTimeout(loadGrid, app.grid ? 180 : 0);
}

async function loadGrid() {
  if (!app.catalog && !app.state) return;
  sizeMap();
  const tr = currentTransform();
  const v = roundView(tr.view);
  const q = new URLSearchParams();
  const info = surfaceInfo();
  for (const p of (info && info.params) || []) if (app.state.params[p.name] !== undefined) q.set(p.name, String(app.state.params[p.name]));
  if (app.state.surface === 'custom') q.set('formula', app.state.formula);
  if (info && info.data && app.state.dataset && !app.state.data) q.set('dataset', app.state.dataset);
  q.set('xmin', String(v.xmin)); q.set('xmax', String(v.xmax));
  q.set('ymin', String(v.ymin)); q.set('ymax', String(v.ymax));
  q.set('n', String(map.width < 500 ? 160 : 256));
  q.set('format', GRID_FORMAT);
  // pasted rows go in a POST body: too long for a URL (docs/API.md)
  const post = info && info.data && app.state.data
    ? JSON.stringify({ data: app.state.data, ...Object.fromEntries([...q].map(([k, val]) => [k, k === 'format' ? val : Number(val)])) }) : null;
  const url = `/api/v1/surfaces/${encodeURIComponent(app.state.surface)}/grid?${q}`;
  if (url + (post || '') === app.gridKey) return;
  // The grid there is (or the one on its way) still serves a view that lies
  // inside it at nearly its scale: the map settling into its size on a first
  // visit asked for two or three grids.
  const qb = new URLSearchParams(q);
  for (const k of ['xmin', 'xmax', 'ymin', 'ymax']) qb.delete(k);
  const baseKey = `${app.state.surface}?${qb}${post ? JSON.stringify(app.state.data) : ''}`;
  const covers = (g) => g && g.baseKey === baseKey && gridCovers(g.box, v);
  if (app.gridPending ? covers(app.gridPending) : app.grid && covers({ baseKey: app.gridBaseKey, box: app.grid.box })) return;
  if (gridAbort) gridAbort.abort();
  gridAbort = new AbortController();
  const pending = app.gridPending = { baseKey, box: v };
  try {
    // A custom formula is checked first (GET /api/v1/formula answers 200 for a
    // bad one too): the grid of a bad formula would be a failed request,
    // which the browser logs as an error.
    if (app.state.surface === 'custom' && app.state.formula !== formulaChecked) {
      const signal = gridAbort.signal;
      const fr = await fetch(`/api/v1/formula?${new URLSearchParams({ formula: app.state.formula })}`, { signal });
      // no verdict (not JSON): the grid will say; but a check cut short by a
      // newer loadGrid is no verdict at all (it used to pass the formula as
      // checked, and a bad one's grid was asked for)
      const fb = fr.ok ? await fr.json().catch((e) => (signal.aborted ? null : { ok: true })) : { ok: true };
      if (!fb || signal.aborted) return;
      if (!fb.ok) {
        app.errors = [{ field: 'surface.formula', message: fb.error, server: true }];
        showErrors();
        return;
      }
      formulaChecked = app.state.formula;
    }
    const res = await fetch(post ? url.slice(0, url.indexOf('?')) : url, post
      ? { method: 'POST', body: post, headers: { 'Content-Type': 'application/json' }, signal: gridAbort.signal }
      : { signal: gridAbort.signal });
    if (res.status === 429 || res.status === 503) {
      // busy: keep showing the grid there is (scaled) and ask again shortly
      const wait = Number(res.headers.get('Retry-After')) || 1;
      clearTimeout(gridTimer);
      gridTimer = setTimeout(loadGrid, Math.min(10, wait) * 1000);
      return;
    }
    if (!res.ok) {
      let msg = app.t('errors.grid');
      try { const b = await res.json(); if (b.error) msg = b.error; } catch { /* not JSON */ }
      app.errors = [{ field: 'surface', message: msg, server: true }];
      showErrors();
      return;
    }
    const grid = decodeGrid(await res.arrayBuffer());
    app.grid = grid;
    app.gridImage = null; // painted by paintBackground
    app.gridFresh = 1;
    app.gridKey = url + (post || '');
    app.gridBaseKey = baseKey;
    app.need.bg = true;
    schedule();
  } catch (e) {
    if (e.name !== 'AbortError') { app.errors = [{ field: '', message: `${app.t('errors.grid')} ${e.message}` }]; showErrors(); }
  } finally {
    if (app.gridPending === pending) app.gridPending = null;
  }
}

function sizeMap() {
  const r = map.canvas.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(100, Math.round(r.width)), h = Math.max(100, Math.round(r.height));
  if (w === map.width && h === map.height && dpr === map.dpr) return false;
  map.width = w; map.height = h; map.dpr = dpr;
  for (const c of [map.canvas, map.bg, map.trails]) { c.width = Math.round(w * dpr); c.height = Math.round(h * dpr); }
  return true;
}

function paintBackground() {
  const ctx = map.bg.getContext('2d');
  ctx.setTransform(map.dpr, 0, 0, map.dpr, 0, 0);
  ctx.clearRect(0, 0, map.width, map.height);
  const tr = map.tr;
  ctx.fillStyle = app.theme.bg;
  ctx.fillRect(0, 0, map.width, map.height);
  ctx.save();
  ctx.beginPath();
  ctx.rect(tr.rect.left, tr.rect.top, tr.rect.width, tr.rect.height);
  ctx.clip();
  ctx.fillStyle = app.dark ? '#222' : '#ddd';
  ctx.fillRect(tr.rect.left, tr.rect.top, tr.rect.width, tr.rect.height);
  if (app.grid) {
    if (!app.gridImage) app.gridImage = paintGrid(app.grid);
    drawHeatmap(ctx, app.gridImage, app.grid, tr);
    drawContours(ctx, app.grid.levels, tr, { color: 'rgba(255,255,255,0.42)', width: 1 });
  }
  if (app.grid && tr.rect.width > 260) {
    const w = Math.min(150, Math.max(90, tr.rect.width / 4));
    drawColorbar(ctx, app.grid, tr.rect.left + tr.rect.width - w - 12, tr.rect.top + tr.rect.height - 34, w, 8, {
      caption: app.t(gridScaleIsLog(app.grid) ? 'map.colorbar' : 'map.colorbarLinear'), font: app.theme.smallFont, format: (v) => formatNum(v, 2),
    });
  }
  ctx.restore();
  // a data surface's map is the model's parameters: the weight w across, the bias b up
  const fit = !!(surfaceInfo() || {}).data;
  drawAxes(ctx, tr, { ink: app.theme.ink, muted: app.theme.muted, font: app.theme.font, xLabel: fit ? 'w' : 'x', yLabel: fit ? 'b' : 'y' });
}

function trailOpts(i) {
  const sel = i === app.selected;
  return { selected: sel, dots: app.state.steps <= 400, halo: haloFor(i, sel ? 0.65 : 0.4) };
}

/** haloFor is the outline of run i's marks: dark, or light for the black run, which a dark halo would hide near a dark minimum. */
function haloFor(i, alpha) {
  return runColor(i, app.dark) === '#000000' ? `rgba(255,255,255,${alpha + 0.2})` : `rgba(0,0,0,${alpha})`;
}

function paintTrailsFull() {
  const ctx = map.trails.getContext('2d');
  ctx.setTransform(map.dpr, 0, 0, map.dpr, 0, 0);
  ctx.clearRect(0, 0, map.width, map.height);
  clipPlot(ctx);
  // the selected run last, so that it is on top
  const order = app.data.map((_, i) => i).filter((i) => i !== app.selected);
  if (app.data[app.selected]) order.push(app.selected);
  for (const i of order) {
    const d = app.data[i];
    if (d && d.n > 0) { ctx.globalAlpha = fadedRun(i) ? 0.4 : 1; drawTrail(ctx, d, 0, d.n, map.tr, runColor(i, app.dark), trailOpts(i)); }
  }
  ctx.globalAlpha = 1;
  ctx.restore();
  app.pendingTrail.clear();
}

// The new points of a frame are drawn in chunks, the runs in turn, until
// the frame's time for them is up (at least one chunk a frame): a burst of
// points (rate 0) is spread over a few frames instead of making one long.
const TRAIL_CHUNK = 1000;

/** paintTrailsNew draws the runs' new points onto the trails layer until deadline (performance.now()); false when some are left. */
function paintTrailsNew(deadline = Infinity) {
  if (!app.pendingTrail.size) return true;
  const ctx = map.trails.getContext('2d');
  ctx.setTransform(map.dpr, 0, 0, map.dpr, 0, 0);
  clipPlot(ctx);
  let first = true, out = false;
  while (app.pendingTrail.size && !out) {
    for (const [i, from] of app.pendingTrail) {
      const d = app.data[i];
      if (!d || from >= d.n) { app.pendingTrail.delete(i); continue; }
      if (!first && performance.now() > deadline) { out = true; break; }
      first = false;
      const to = Math.min(d.n, from + TRAIL_CHUNK);
      ctx.globalAlpha = fadedRun(i) ? 0.4 : 1;
      drawTrail(ctx, d, from, to, map.tr, runColor(i, app.dark), trailOpts(i));
      ctx.globalAlpha = 1;
      if (to >= d.n) app.pendingTrail.delete(i); else app.pendingTrail.set(i, to);
    }
  }
  ctx.restore();
  return app.pendingTrail.size === 0;
}

/**
 * gridGrad estimates ∇f at p from the map's grid (central differences over
 * one grid cell), for the arrows before a run has sent its own gradient;
 * null outside the grid or where it is not finite.
 */
function gridGrad(p) {
  const g = app.grid;
  if (!g || !p) return null;
  const hx = (g.box.xmax - g.box.xmin) / (g.nx - 1), hy = (g.box.ymax - g.box.ymin) / (g.ny - 1);
  const f = (x, y) => sampleGrid(g, x, y);
  const gx = (f(p[0] + hx, p[1]) - f(p[0] - hx, p[1])) / (2 * hx);
  const gy = (f(p[0], p[1] + hy) - f(p[0], p[1] - hy)) / (2 * hy);
  return Number.isFinite(gx) && Number.isFinite(gy) ? [gx, gy] : null;
}

function clipPlot(ctx) {
  ctx.save();
  ctx.beginPath();
  ctx.rect(map.tr.rect.left, map.tr.rect.top, map.tr.rect.width, map.tr.rect.height);
  ctx.clip();
}

function compose() {
  const ctx = map.canvas.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(map.bg, 0, 0);
  ctx.drawImage(map.trails, 0, 0);
  ctx.setTransform(map.dpr, 0, 0, map.dpr, 0, 0);
  clipPlot(ctx);
  const info = surfaceInfo();
  const startGrad = (run) => (app.arrows ? gridGrad(runStart(run, info)) : null);
  app.state.runs.forEach((run, i) => {
    if (i === app.selected) return;
    drawRunMarkers(ctx, atStep(app.data[i], app.cursor), runStart(run, info), map.tr, runColor(i, app.dark), { arrows: app.arrows, halo: haloFor(i, 0.6), startGrad: startGrad(run), lr: optimizerLR(run) });
  });
  const sel = app.state.runs[app.selected];
  if (sel) drawRunMarkers(ctx, atStep(app.data[app.selected], app.cursor), runStart(sel, info), map.tr, runColor(app.selected, app.dark), { selected: true, arrows: app.arrows, halo: haloFor(app.selected, 0.8), startGrad: startGrad(sel), lr: optimizerLR(sel) });
  if (info) {
    // on top of the trails and the runs' marks, so that the labels stay readable
    drawMinima(ctx, info.minima, map.tr, {
      ink: '#fff', halo: '#000', font: app.theme.font,
      labelFor: (m) => (m.label ? app.t(`map.minimum.${m.label}`) : ''),
    });
  }
  drawAnalysisOverlay(ctx);
  ctx.restore();
}

function viewChanged() {
  app.need.bg = true;
  app.need.trails = true;
  fetchGrid();
  writeURL();
  schedule();
}

function installMap() {
  map.canvas = $('map');
  map.bg = document.createElement('canvas');
  map.trails = document.createElement('canvas');
  const pointers = new Map();
  let drag = null, pinch = null;

  const toData = (ev) => {
    const r = map.canvas.getBoundingClientRect();
    const tr = currentTransform();
    const px = ev.clientX - r.left, py = ev.clientY - r.top;
    return { x: tr.invertX(px), y: tr.invertY(py), px, py, tr };
  };

  map.canvas.addEventListener('pointerdown', (ev) => {
    map.canvas.setPointerCapture(ev.pointerId);
    pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    if (pointers.size === 1) {
      drag = { x: ev.clientX, y: ev.clientY, view: currentTransform().view, moved: false, shift: ev.shiftKey };
    } else if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { dist: Math.hypot(a.x - b.x, a.y - b.y), view: currentTransform().view };
      drag = null;
    }
  });
  map.canvas.addEventListener('pointermove', (ev) => {
    const p = toData(ev);
    const inside = p.px >= p.tr.rect.left && p.px <= p.tr.rect.left + p.tr.rect.width && p.py >= p.tr.rect.top && p.py <= p.tr.rect.top + p.tr.rect.height;
    $('map-readout').textContent = inside && app.grid
      ? app.t('map.readout', { x: formatNum(p.x, 3), y: formatNum(p.y, 3), f: formatNum(sampleGrid(app.grid, p.x, p.y), 3) })
      : '';
    if (!pointers.has(ev.pointerId)) return;
    pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    if (pinch && pointers.size >= 2) {
      const [a, b] = [...pointers.values()];
      const dist = Math.hypot(a.x - b.x, a.y - b.y);
      if (dist > 10) {
        const r = map.canvas.getBoundingClientRect();
        const tr0 = viewTransform(pinch.view, plotRect());
        const cx = tr0.invertX((a.x + b.x) / 2 - r.left), cy = tr0.invertY((a.y + b.y) / 2 - r.top);
        app.state.view = roundView(zoomAt(pinch.view, cx, cy, pinch.dist / dist));
        viewChanged();
      }
      return;
    }
    if (drag) {
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 5) return;
      drag.moved = true;
      map.canvas.classList.add('panning');
      const tr0 = viewTransform(drag.view, plotRect());
      app.state.view = roundView(pan(drag.view, -dx / tr0.kx, dy / tr0.ky));
      viewChanged();
    }
  });
  const end = (ev) => {
    const wasClick = drag && !drag.moved && pointers.size === 1 && ev.type === 'pointerup';
    pointers.delete(ev.pointerId);
    if (pointers.size < 2) pinch = null;
    map.canvas.classList.remove('panning');
    if (wasClick && ev.pointerType === 'touch' && app.playing) {
      // a tap while playing (easily made while scrolling) would restart every run
      $('map-readout').textContent = app.t('map.pauseFirst');
      clearTimeout(map.readoutTimer);
      map.readoutTimer = setTimeout(() => { $('map-readout').textContent = ''; }, 3000);
    } else if (wasClick) setStart(toData(ev), ev.shiftKey);
    if (pointers.size === 0) drag = null;
  };
  map.canvas.addEventListener('pointerup', end);
  map.canvas.addEventListener('pointercancel', end);
  map.canvas.addEventListener('pointerleave', (ev) => { if (ev.pointerType !== 'touch') $('map-readout').textContent = ''; });
  // the keyboard: arrows pan, + and − zoom about the centre, Enter puts the
  // selected run's start (Shift+Enter: every run's) at the centre
  map.canvas.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tr = currentTransform();
    const v = tr.view, w = v.xmax - v.xmin, h = v.ymax - v.ymin;
    const cx = (v.xmin + v.xmax) / 2, cy = (v.ymin + v.ymax) / 2;
    const moves = { ArrowLeft: [-0.1 * w, 0], ArrowRight: [0.1 * w, 0], ArrowUp: [0, 0.1 * h], ArrowDown: [0, -0.1 * h] };
    const zooms = { '+': 0.8, '=': 0.8, '-': 1.25, _: 1.25 };
    if (moves[ev.key]) app.state.view = roundView(pan(v, ...moves[ev.key]));
    else if (zooms[ev.key]) app.state.view = roundView(zoomAt(v, cx, cy, zooms[ev.key]));
    else if (ev.key === 'Enter') {
      ev.preventDefault();
      ev.stopPropagation();
      setStart({ tr, x: cx, y: cy, px: tr.rect.left + tr.rect.width / 2, py: tr.rect.top + tr.rect.height / 2 }, ev.shiftKey);
      return;
    } else return;
    ev.preventDefault();
    ev.stopPropagation(); // not the page's → (step)
    viewChanged();
  });
  map.canvas.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const p = toData(ev);
    const scale = ev.deltaMode === 1 ? 30 : 1;
    const factor = Math.exp(Math.max(-1, Math.min(1, ev.deltaY * scale * 0.0015)));
    app.state.view = roundView(zoomAt(p.tr.view, p.x, p.y, factor));
    viewChanged();
  }, { passive: false });
}

function setStart(p, all) {
  if (locked()) return;
  const { tr } = p;
  if (p.px < tr.rect.left || p.px > tr.rect.left + tr.rect.width || p.py < tr.rect.top || p.py > tr.rect.top + tr.rect.height) return;
  const round = (v) => Number(v.toPrecision(4));
  const targets = all ? app.state.runs : [app.state.runs[app.selected]];
  for (const r of targets) if (r) { r.x = round(p.x); r.y = round(p.y); }
  changed(true);
}

// ---------------------------------------------------------------- keys

function installKeys() {
  document.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tgt = ev.target;
    if (tgt && (tgt.closest('input, select, textarea, [contenteditable]') || (tgt.tagName === 'BUTTON' && (ev.key === ' ' || ev.key === 'Enter')))) return;
    if (ev.key === 'ArrowLeft') { ev.preventDefault(); if (app.playing) pauseAll(); timeline.back(); return; }
    if (ev.key === ' ') { ev.preventDefault(); action('play'); } else if (ev.key === 'ArrowRight') { ev.preventDefault(); action('step'); } else if (ev.key === 'r' || ev.key === 'R') { ev.preventDefault(); action('reset'); }
  });
}

// ---------------------------------------------------------------- drawing

let frameQueued = false;
function schedule() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(draw);
}

function draw() {
  frameQueued = false;
  const t0 = performance.now();
  for (const [i, parts] of app.pendingSets) send(setMessage(i, parts));
  app.pendingSets.clear();

  const resized = sizeMap();
  const tSize = performance.now();
  const tr = currentTransform();
  if (resized || !map.tr || !sameBox(tr.view, map.tr.view) || tr.rect.width !== map.tr.rect.width || tr.rect.height !== map.tr.rect.height) {
    map.tr = tr;
    app.need.bg = true;
    app.need.trails = true;
    if (resized) fetchGrid();
  }
  if (app.need.bg) {
    // A grid that has just come waits one frame when the runs have new
    // points to draw (the view is the same, so trails and background still
    // match): the points are not held up by the map's repaint.
    if (app.gridFresh === 1 && !app.need.trails && app.pendingTrail.size) {
      app.gridFresh = 2;
      schedule();
    } else {
      paintBackground();
      app.need.bg = false;
      app.gridFresh = 0;
      if (app.grid) app.bgHasGrid = true;
    }
  }
  const tBg = performance.now();
  let more = false;
  if (app.need.trails) { paintTrailsFull(); app.need.trails = false; } else more = !paintTrailsNew(t0 + 2);
  const tTrails = performance.now();
  compose();
  const tCompose = performance.now();
  if (!app.firstPoint && app.data.some((d) => d && d.n > 0)) { app.firstPoint = true; firstPointDrawn(); }

  if (app.need.chartsFull) {
    charts.forEach((c) => c.setData(app.data, app.state.steps));
    app.need.chartsFull = false;
    app.need.charts = false;
  } else if (app.need.charts) {
    // in chunks too, until 3 ms into the frame (each chart draws at least one)
    let done = true;
    for (const c of charts) if (!c.append(t0 + 3)) done = false;
    app.need.charts = !done;
    if (!done) more = true;
  }
  if (view3d && view3d.shown()) view3d.draw();
  if (more) schedule();
  // drawStats: the canvases' drawing time (map and charts); the panels'
  // DOM updates are counted apart, in panelsMs.
  const s = app.drawStats;
  const t1 = performance.now();
  // where the frame's time went (ms): the map's size, its background, the
  // trails, the composition, the charts; and the longest of each so far
  s.lastParts = { size: tSize - t0, bg: tBg - tSize, trails: tTrails - tBg, compose: tCompose - tTrails, charts: t1 - tCompose };
  s.maxParts = s.maxParts || {};
  for (const [k, v] of Object.entries(s.lastParts)) if (!(s.maxParts[k] >= v)) s.maxParts[k] = v;
  s.lastFrameMs = t1 - t0;
  if (s.lastFrameMs > s.maxFrameMs) s.maxFrameMs = s.lastFrameMs;
  // the last 1,000 frames' times, for medians
  if (!Array.isArray(s.times)) s.times = [];
  s.times.push(s.lastFrameMs);
  if (s.times.length > 1000) s.times.shift();
  s.frames++;
  if (app.need.panels) {
    renderPanels();
    app.need.panels = false;
    s.lastPanelsMs = performance.now() - t1;
    s.maxPanelsMs = Math.max(s.maxPanelsMs || 0, s.lastPanelsMs);
  }
  if (app.booted && !app.readyMarked) { app.readyMarked = true; performance.mark('lab:ready'); }
  // body[data-ready]: the grid is drawn and the later panels are mounted
  if (app.bgHasGrid && later.done && room.settled && document.body.dataset.ready !== '1') document.body.dataset.ready = '1';
}

// ---------------------------------------------------------------- Analysis panels (finder, sweep, gauge, flat share, formula)
// The panels own their DOM inside #analysis (and the gauge beside the LR
// slider, the checks under the formula field); main.js hands them the state
// and its own paths for changes: the LR slider's (changeRun), addRun, the
// socket, the map's repaint. The LR range test and the LR sweep live here
// (finder.js, sweep.js); analysis.js is their pure arithmetic, tested by
// test/analysis.test.js.

// (finder.js, sweep.js, gauge.js, flatshare.js and formula.js load later: loadLater, in lazy.)

const anPanels = { list: [], finder: null };

function analysisView() {
  return {
    state: app.state, info: surfaceInfo(), selected: app.selected, data: app.data,
    lambda: lambdaFor(app.data[app.selected]), t: app.t, lang: app.lang, theme: app.theme, dark: app.dark,
    colors: (i) => runColor(i, app.dark),
  };
}

function mountAnalysisPanels() {
  const root = $('analysis');
  const hooks = {
    view: analysisView,
    surface: () => toScenario(app.state, app.catalog).surface,
    setLR: (lr) => changeRun('optimizer.lr', lr, { live: true }),
    addRun: (optimizer, lr, noise, label) => {
      if (app.state.runs.length >= LIMITS.runs) return false;
      const base = app.state.runs[app.selected];
      const r = newRun(optimizer.name, lr);
      Object.assign(r.optimizer, optimizer, { lr });
      if (base) { r.x = base.x; r.y = base.y; r.seed = base.seed; }
      r.noise = noise || 0;
      if (label) r.label = label;
      addRun(r);
      return true;
    },
    send: (msg) => send(msg),
    redraw: schedule,
    setFormula: (f) => changeGlobal('formula', f),
  };
  const section = (id) => {
    const s = document.createElement('section');
    s.id = id;
    s.className = 'an-panel';
    root.append(s);
    return s;
  };
  anPanels.list.push(lazy.mountFormula($('surface-panel'), hooks));
  if (!root) return;
  const heading = document.createElement('h2');
  heading.id = 'analysis-heading';
  heading.className = 'an-heading';
  root.append(heading);
  root.setAttribute('aria-labelledby', 'analysis-heading');
  anPanels.finder = lazy.mountFinder(section('an-finder'), hooks);
  anPanels.list.push(anPanels.finder, lazy.mountSweep(section('an-sweep'), hooks),
    lazy.mountGauge(section('an-sharpness'), hooks), lazy.mountFlatShare(section('an-flat'), hooks));
}

function renderAnalysisPanels() {
  const h = $('analysis-heading');
  if (h) h.textContent = app.t('analysis.section');
  // the loss chart draws the test loss dashed: say so when there is one
  const cap = $('cap-loss');
  let note = cap.querySelector('small.an-test');
  if (app.state.shift && !note) { note = document.createElement('small'); note.className = 'an-test'; cap.append(note); }
  if (note) { note.textContent = app.t('chart.testDashed'); note.hidden = !app.state.shift; }
  for (const p of anPanels.list) p.render();
}

function drawAnalysisOverlay(ctx) {
  if (anPanels.finder) anPanels.finder.drawOverlay(ctx, map.tr);
}

/** analysisMessage gives the socket's message to the panels; true when one took it. */
function analysisMessage(m) {
  return anPanels.list.some((p) => p.onMessage && p.onMessage(m));
}

// ---------------------------------------------------------------- Sharing, lessons and export
// The lessons panel (lessons.js), "Copy link" and "Embed" (share.js), the
// exports (export.js) and the reference card (refcard.js). They own their
// DOM in two panels made here, under the legend; main.js hands them the
// state, the share query and the map's canvas.

// (share.js, export.js, lessons.js and refcard.js load later: loadLater, in lazy.)

const sharePanels = { list: [] };

function mountSharePanels() {
  const { mountRefCard, mountShare, mountExport, mountLessons, shareLink } = lazy;
  mountRefCard($('card'), app.lang);
  const legendBox = $('legend');
  if (!legendBox) return;
  const mk = (id, cls) => { const s = document.createElement('section'); s.id = id; s.className = `panel ${cls}`; return s; };
  const lessons = mk('lessons', 'lessons');
  const share = mk('share', 'share-panel');
  ($('run-panel') || legendBox).after(lessons, share); // in the order of Tab: after the selected run
  const heading = document.createElement('h2');
  heading.id = 'share-heading';
  share.setAttribute('aria-labelledby', 'share-heading');
  const shareRow = document.createElement('div');
  shareRow.className = 'share-row';
  const exportRow = document.createElement('div');
  exportRow.className = 'export-row';
  const msg = document.createElement('p');
  msg.className = 'share-msg';
  msg.setAttribute('role', 'status');
  share.append(heading, shareRow, exportRow, msg);

  const say = (text, kind) => { msg.textContent = text; msg.dataset.kind = kind || ''; };
  const view = () => ({ state: app.state, data: app.data, selected: app.selected, t: app.t, lang: app.lang, theme: app.theme });
  const query = () => encodeQuery({ ...app.state, embed: false }, app.catalog);
  const names = () => app.state.runs.map((r, i) => runName(app.t, r, i));
  const hooks = {
    view, query, names, say,
    link: () => shareLink(location.origin, query()),
    scenario: () => toScenario(app.state, app.catalog),
    colors: (i) => runColor(i, app.dark),
    statusText: (i) => {
      const d = app.data[i];
      if (!d) return '';
      if (d.status === 'diverged') return app.t('status.diverged', { n: d.divergedAt ?? d.n - 1 });
      return d.status === 'converged' ? app.t('status.converged') : '';
    },
    mapCanvas: () => $('map'),
    charts: () => ['loss', 'lr', 'grad'].map((k) => ({ canvas: $(`chart-${k}`), caption: ($(`cap-${k}`).firstChild || {}).textContent || '' })),
    current: (presets) => {
      const p = presetOf(presets, app.state, app.catalog);
      return p ? presets.findIndex((q) => q.id === p.id) : -1;
    },
    open: (p) => { location.href = `${p.link || '/p/' + encodeURIComponent(p.id)}${app.lang === 'ja' ? '?lang=ja' : ''}`; },
  };
  sharePanels.heading = heading;
  sharePanels.list.push(mountLessons(lessons, hooks), mountShare(shareRow, hooks), mountExport(exportRow, hooks));
  if (app.state.embed) {
    // the embedded view: a way out to the whole lab
    const out = document.createElement('a');
    out.className = 'embed-open';
    out.target = '_blank';
    out.rel = 'noopener';
    out.textContent = `${app.t('share.openFull')} ↗`;
    out.href = shareLink(location.origin, query());
    $('transport').append(out);
    sharePanels.embedLink = out;
  }
  renderSharePanels();
}

function renderSharePanels() {
  if (sharePanels.heading) sharePanels.heading.textContent = app.t('share.section');
  if (sharePanels.embedLink) sharePanels.embedLink.href = lazy.shareLink(location.origin, encodeQuery({ ...app.state, embed: false }, app.catalog));
  for (const p of sharePanels.list) p.render();
}

// ---------------------------------------------------------------- Data surfaces (linreg, logreg)
// The data panel (data.js, data.css) loads only when a data surface is
// shown. Pasted rows are described by the server (POST
// /api/v1/surfaces/{name}: the view and start depend on the data), and
// their grid is asked for by POST (loadGrid).

const dataPanel = { mod: null, loading: null, ui: null, root: null, datasets: null, pasted: null, pastedKey: '', asking: '' };

function datasetsList() {
  if (!dataPanel.datasets) {
    dataPanel.datasets = fetch('/api/v1/datasets').then((r) => (r.ok ? r.json() : { datasets: [] })).catch(() => ({ datasets: [] }));
    dataPanel.datasets.then((d) => { dataPanel.list = d.datasets || []; app.need.panels = true; schedule(); });
  }
  return dataPanel.datasets;
}

/**
 * withData returns the catalog entry with the view, start, minima and
 * description of the data in use: the server's description of it once
 * fetched (describePasted), else the data set's view and start.
 */
function withData(info) {
  if (!info || !info.data || !app.state) return info;
  const st = app.state;
  const p = dataPanel.pasted;
  if (p && dataPanel.pastedKey === pastedKey()) {
    return { ...info, view: p.view, start: p.start, minima: p.minima || [], description: p.description, data: { ...info.data, rows: p.data ? p.data.rows : info.data.rows } };
  }
  if (st.data) return { ...info, start: [0, 0] };
  const d = dataInfo(st, info);
  return d ? { ...info, view: d.view, start: d.start, minima: st.dataset && st.dataset !== info.data.dataset ? [] : info.minima } : info;
}

// pastedKey names the data in use: the rows, or a data set other than the default.
const pastedKey = () => `${app.state.surface}:${app.state.data ? JSON.stringify(app.state.data) : app.state.dataset || ''}`;
const needsDescription = () => app.state.data || app.state.dataset;

async function describePasted() {
  const key = pastedKey();
  if (dataPanel.asking === key) return;
  dataPanel.asking = key;
  try {
    const res = await fetch(`/api/v1/surfaces/${encodeURIComponent(app.state.surface)}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(app.state.data ? { data: app.state.data } : { dataset: app.state.dataset }),
    });
    const body = await res.json();
    if (!res.ok) {
      app.errors = [{ field: `surface.${body.field || 'data'}`, message: body.error || 'error', server: true }];
      showErrors();
      return;
    }
    if (pastedKey() !== key) return;
    dataPanel.pasted = body;
    dataPanel.pastedKey = key;
    fetchGrid(); // the view may have changed
    app.need.bg = true;
    app.need.trails = true;
    changed(false);
  } catch { /* the map keeps its view */ } finally {
    dataPanel.asking = '';
  }
}

function dataChanged() {
  for (const r of app.state.runs) { r.x = null; r.y = null; }
  app.state.view = null;
  app.grid = null;
  app.gridKey = '';
  if (needsDescription()) describePasted();
  fetchGrid();
  app.need.bg = true;
  changed(true);
}

function renderDataPanel() {
  const info = surfaceInfo();
  if (!info || !info.data) {
    if (dataPanel.root) dataPanel.root.hidden = true;
    return;
  }
  if (needsDescription() && dataPanel.pastedKey !== pastedKey()) describePasted();
  if (!dataPanel.mod) {
    if (!dataPanel.loading) {
      dataPanel.loading = Promise.all([import('./data.js'), loadStyle('data.css')]).then(([m]) => { dataPanel.mod = m; app.need.panels = true; schedule(); });
    }
    return;
  }
  if (!dataPanel.root) {
    dataPanel.root = document.createElement('section');
    dataPanel.root.id = 'data-panel';
    dataPanel.root.className = 'panel data-panel';
    $('run-panel').before(dataPanel.root);
    dataPanel.ui = dataPanel.mod.mountData(dataPanel.root, {
      lang: () => app.lang,
      datasets: datasetsList,
      onDataset: (name) => { app.state.dataset = name; app.state.data = null; dataChanged(); },
      onData: (rows) => { app.state.data = rows; app.state.dataset = ''; dataChanged(); },
      onBatch: (b) => changeRun('batch_size', b),
      scenario: () => toScenario(app.state, app.catalog),
      openScenario: (sc) => {
        const st = fromScenario(sc);
        st.lang = app.state.lang;
        st.rate = app.state.rate;
        app.state = st;
        app.selected = 0;
        app.grid = null;
        app.gridKey = '';
        if (st.data || st.dataset) describePasted();
        fetchGrid();
        app.need.bg = true;
        app.need.chartsFull = true;
        changed(true);
      },
    });
  }
  dataPanel.root.hidden = false;
  datasetsList();
  const st = app.state;
  let rows = st.data;
  if (!rows && dataPanel.list) {
    const ds = dataPanel.list.find((d) => d.name === (st.dataset || info.data.dataset));
    rows = ds ? ds.data : null;
  }
  const run = st.runs[app.selected];
  const d = app.data[app.selected];
  const p = d && d.n > 0 ? [d.x[d.n - 1], d.y[d.n - 1]] : run ? runStart(run, info) : [NaN, NaN];
  dataPanel.ui.render({
    state: st, info, rows, w: p[0], b: p[1], n: d ? Math.max(0, d.n - 1) : 0,
    batch: run ? run.batch_size : null, color: runColor(app.selected, app.dark), run: d, steps: st.steps,
  });
}

// ---------------------------------------------------------------- Classroom (classroom.js)
// On the lab, "Start a class" and "Join a class" (loaded later); on /r/CODE
// the room, loaded before the socket is taken over: the teacher's page
// drives the room with the usual messages, a student's follows it with the
// controls locked (locked()) and may leave for a solo copy (exchange).

const room = { mod: null, promise: null, settled: false };
const locked = () => !!(room.mod && room.mod.locked());
const teaching = () => !!(room.mod && room.mod.teaching());

function loadClassroom() {
  if (!room.promise) {
    // mounted once its stylesheet is in, so that the header does not move twice
    room.promise = Promise.all([import('./classroom.js'), loadStyle('classroom.css')]).then(([m]) => { room.mod = m.mountClassroom(classroomHooks()); })
      .catch((e) => { app.errors = [{ field: '', message: String(e && e.message ? e.message : e) }]; showErrors(); })
      .finally(() => { room.settled = true; schedule(); });
  }
  return room.promise;
}

function classroomHooks() {
  return {
    view: () => ({
      state: app.state, data: app.data, t: app.t, lang: app.lang, info: surfaceInfo(), presets: app.presets,
      lesson: app.lessonShown || null, started: app.started, playing: app.playing, conn: app.conn,
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
      app.playing = c.running && !c.paused;
      if (Number.isFinite(c.rate)) app.state.rate = c.rate;
      if (!c.running && locked()) clearData();
      app.need.panels = true;
      schedule();
    },
    // swaps the page's session (a student's solo copy and the class's)
    exchange: (next) => {
      const prev = { state: app.state, data: app.data, started: app.started, playing: app.playing, selected: app.selected, socket: app.socket };
      const old = app.state;
      Object.assign(app, { state: next.state, data: next.data, started: next.started, playing: next.playing, socket: next.socket, wantStart: null });
      app.selected = Math.min(next.selected || 0, Math.max(0, app.state.runs.length - 1));
      app.pendingTrail.clear();
      app.pendingSets.clear();
      roomRedraw(old);
      charts.forEach((c) => c.setData(app.data, app.state.steps));
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

// ---------------------------------------------------------------- test hook

window.__lab = {
  get state() { return app.state; },
  get runs() { return app.data; },
  get drawStats() { return app.drawStats; },
  get selected() { return app.selected; },
  get playing() { return app.playing; },
  chartY: (chart, v) => charts[chart].yAt(v),
  get cursor() { return app.cursor; },
  // canvas pixel (device pixels) of the data point (x, y) on the map
  toPixel: (x, y) => (map.tr ? [map.tr.x(x) * map.dpr, map.tr.y(y) * map.dpr] : null),
  query: () => encodeQuery(app.state, app.catalog),
  get room() { return room.mod; },
  get started() { return app.started; },
};

boot();
