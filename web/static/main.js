// main.js: the page's boot. It takes over the websocket early.js opened,
// reads what the page carries inline (the settings schema, read by
// schema.js as it loads; the surfaces; a room), restores the state from the
// URL, mounts the components and the map, fetches the map's grid and
// starts the draw loop. The parts of the page live in their own modules:
//
//   app.js       the page's state, declared in one place, and schedule/send
//   reducer.js   the changes of the scenario, pure (changes.js carries out their effects)
//   session.js   the session with the server, a phase machine
//   map.js       the map and the draw loop
//   texts.js     the static texts, presets menu, lesson banner, errors
//   tools.js     undo/redo, branch here, presentation, the 3D view (loaded when asked for)
//   panels.js    the panels loaded after the first paint (analysis, sharing …), with import()
//   datapanel.js the data surfaces' panel (loaded when one is shown)
//   roomglue.js  the classroom (loaded with the panels, or first on /r/CODE)
//
// Performance marks: lab:ready (the page is mounted and drawn, play works),
// lab:first-point (a run's first point drawn on the map).

import { app, $, schedule, surfaceInfo, ended, locked } from './app.js';
import { decodeQuery, encodeQuery, catalogIndex, cloneRun, runStart, LIMITS } from './state.js';
import { runColor } from './colormap.js';
import { translator, pageLanguage } from './i18n.js';
import { createChart } from './charts.js';
import { mountControls, setText } from './controls.js';
import { mountLegend, runName } from './legend.js';
import { connect } from './socket.js';
import { early } from './early.js';
import { mountTimeline, atStep } from './timeline.js';
import { dispatch, changed, writeURL } from './changes.js';
import { live, onMessage, socketState, togglePlay, stepOnce, resetSession, pauseAll, setCursor, restoreProgress } from './session.js';
import { map, mountMap, loadGrid } from './map.js';
import { gridDecoder } from './gridthread.js';
import { readTheme, staticTexts, showErrors, showLesson } from './texts.js';
import { mountTools, renderTools, recordHistory } from './tools.js';
import { laterTriggers, firstPointDrawn, renderAnalysisPanels, renderDataPanel, drawAnalysisOverlay, lambdaFor, later, loadClassroom } from './panels.js';

async function boot() {
  const q = new URLSearchParams(location.search);
  app.lang = pageLanguage();
  app.t = translator(app.lang);
  // a class's page (/r/CODE) joins its room over the socket (classroom.js)
  if (location.pathname.startsWith('/r/')) await loadClassroom();
  // The socket opens first (early.js opened it even before main.js loaded),
  // while the page is built and the grid loads.
  const handlers = { onMessage, onState: socketState };
  app.socket = connect(app.room.mod ? app.room.mod.wrap(handlers) : handlers, undefined, early);
  readTheme();
  staticTexts();

  // The catalog is in the page (<script type="application/json" id="surfaces-data">);
  // a page without it asks the server. The server's live limits (-max-runs,
  // -max-steps) come with the settings schema (schema-data, schema.js).
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

  const { state, errors } = decodeQuery(location.search, app.catalog);
  if (q.get('lang') === null) state.lang = app.lang;
  app.state = state;
  // (a link without runs, bare or not, opens state.js's defaultRun; the URL
  // is rewritten at once with it, so it reopens exactly)
  app.errors.push(...errors);
  document.body.classList.toggle('embed', !!state.embed);

  mountAll();
  mountMap({
    overlay: drawAnalysisOverlay,
    onFirstPoint: firstPointDrawn,
    renderPanels,
    settled: () => later.done && app.room.settled,
  });
  loadGrid();
  showErrors();
  showLesson();
  installKeys();
  app.booted = true;
  if (app.room.mod) app.room.mod.booted();
  app.branchRuns = app.state.runs.slice();
  recordHistory();
  schedule();
  writeURL();
  laterTriggers();
  restoreProgress();
}


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

// ---------------------------------------------------------------- components

function mountAll() {
  const ui = app.ui;
  ui.controls = mountControls({ transport: $('transport'), surface: $('surface-panel'), run: $('run-panel') }, {
    onAction: action,
    onGlobal: (key, value) => dispatch({ type: 'global', key, value }),
    onRun: (path, value) => dispatch({ type: 'run', path, value }),
  });
  ui.legend = mountLegend($('legend'), {
    onSelect: (i) => dispatch({ type: 'select', index: i }),
    onDuplicate: (i) => dispatch({ type: 'addRun', run: cloneRun(app.state.runs[i]) }),
    onRemove: (i) => dispatch({ type: 'removeRun', index: i }),
    onAdd: () => dispatch({ type: 'addRun' }),
    onCompare: () => dispatch({ type: 'compare' }),
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
  ui.charts = [
    createChart($('chart-loss').parentElement, $('chart-loss'), chartOpts(['loss', 'test_loss'])),
    createChart($('chart-lr').parentElement, $('chart-lr'), { ...chartOpts(['lr', 'limit', 'lr_y']), dashed: ['limit'], dotted: ['lr_y'] }),
    createChart($('chart-grad').parentElement, $('chart-grad'), chartOpts(['grad_norm'])),
  ];
  app.need.chartsFull = true; // drawn in the first frame, after the page's first layout (not forcing one here)
  ui.timeline = mountTimeline(document.querySelector('.map-wrap'), {
    data: () => app.data, steps: () => app.state.steps, cursor: () => app.cursor,
    setCursor, rate: () => app.state.rate, t: () => app.t,
    onScrub: () => { if (app.session.playing) pauseAll(); },
  });
  mountTools($('transport'));
  // The observer's first report is the page as first laid out, which the
  // first frame has already drawn: only a box that changed is drawn anew.
  // The map's own size is read by every frame (map.js sizeMap); a chart
  // says whether its box still fits what it drew.
  const ro = new ResizeObserver(() => {
    if (ui.charts.some((c) => c.stale())) app.need.chartsFull = true;
    schedule();
  });
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
    ui.charts.forEach((c) => c.setTheme(app.theme));
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
  const { ui, session: S } = app;
  const info = surfaceInfo();
  // on a game the LR chart also draws player y's LR, dotted: say so
  const game = !!(info && info.kind === 'game');
  let yNote = $('cap-lr').querySelector('small.lr-y');
  if (game && !yNote) { yNote = document.createElement('small'); yNote.className = 'lr-y'; $('cap-lr').append(yNote); }
  if (yNote) { setText(yNote, app.t('chart.lrYDotted')); yNote.hidden = !game; }
  const run = app.state.runs[app.selected];
  const d = app.data[app.selected];
  ui.controls.render({
    state: app.state, catalog: app.catalog, selected: app.selected, playing: S.playing,
    lambda: lambdaFor(d), t: app.t, lang: app.lang, theme: app.theme,
    color: runColor(app.selected, app.dark), start: run ? runStart(run, info) : [0, 0],
    finished: !!(live() && ended(d)),
  });
  ui.timeline.render();
  renderTools();
  ui.legend.render({
    state: app.state, data: app.cursor === null ? app.data : app.data.map(legendAt), selected: app.selected, t: app.t, lang: app.lang,
    colors: (i) => runColor(i, app.dark), max: LIMITS.runs, info, playing: S.playing,
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

function action(name) {
  if (locked()) return;
  switch (name) {
    case 'play': togglePlay(); break;
    case 'step': stepOnce(); break;
    case 'reset': resetSession(); break;
    case 'resetView': dispatch({ type: 'view', view: null }); break;
  }
}

function installKeys() {
  document.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tgt = ev.target;
    if (tgt && (tgt.closest('input, select, textarea, [contenteditable]') || (tgt.tagName === 'BUTTON' && (ev.key === ' ' || ev.key === 'Enter')))) return;
    if (ev.key === 'ArrowLeft') { ev.preventDefault(); if (app.session.playing) pauseAll(); app.ui.timeline.back(); return; }
    if (ev.key === ' ') { ev.preventDefault(); action('play'); } else if (ev.key === 'ArrowRight') { ev.preventDefault(); action('step'); } else if (ev.key === 'r' || ev.key === 'R') { ev.preventDefault(); action('reset'); }
  });
}

// ---------------------------------------------------------------- test hook

window.__lab = {
  get state() { return app.state; },
  get runs() { return app.data; },
  get drawStats() { return app.drawStats; },
  get selected() { return app.selected; },
  get playing() { return app.session.playing; },
  chartY: (chart, v) => app.ui.charts[chart].yAt(v),
  // per chart: its box has changed since it last drew (charts.js stale)
  get chartsStale() { return app.ui.charts.map((c) => c.stale()); },
  get cursor() { return app.cursor; },
  // canvas pixel (device pixels) of the data point (x, y) on the map
  toPixel: (x, y) => (map.tr ? [map.tr.x(x) * map.dpr, map.tr.y(y) * map.dpr] : null),
  query: () => encodeQuery(app.state, app.catalog),
  get room() { return app.room.mod; },
  get started() { return live(); },
  // where the map's grids are decoded: "worker" (gridworker.js) or "main"
  get gridDecoder() { return gridDecoder(); },
};

boot();
