// map.js: the map. mountMap(hooks) sets up its canvas (a background layer
// with the surface's heatmap, contours and axes, a trails layer the new
// points are drawn onto, composed with the runs' marks each frame), its
// pointer and keyboard handling (pan, zoom, a click moves a start), the
// grid it fetches for the view (fetchGrid: a grid that still covers the
// view is kept), and the page's draw loop (one draw per animation frame,
// app.js's schedule).

import { app, $, schedule, onFrame, send, surfaceInfo, locked } from './app.js';
import { optimizerLR, runStart, roundView } from './state.js';
import { viewTransform, fitAspect, zoomAt, pan, sameBox } from './scale.js';
import { runColor } from './colormap.js';
import { formatNum } from './i18n.js';
import { sampleGrid, gridCovers, GRID_FORMAT } from './gridview.js';
import { decodeGridOffThread, startGridWorker } from './gridthread.js';
import { setMessage } from './protocol.js';
import { paintGrid, drawHeatmap, drawColorbar, gridScaleIsLog } from './heatmap.js';
import { drawContours } from './contours.js';
import { drawTrail, drawRunMarkers, drawMinima, drawAxes } from './trajectory.js';
import { atStep } from './timeline.js';
import { showErrors } from './texts.js';
import { shownCount, holdsForStart } from './session.js';
import { advance, pending } from './playback.js';
import { dispatch, writeURL } from './changes.js';

const MARGIN = { left: 46, right: 8, top: 8, bottom: 26 };

/** map holds the map's canvases and what it last drew with. */
export const map = {
  // #map, what is shown
  canvas: null,
  // offscreen: the background (heatmap, contours, axes)
  bg: null,
  // offscreen: the runs' trails
  trails: null,
  // the view transform the layers were drawn with (scale.js)
  tr: null,
  // the map's CSS size and device pixel ratio
  width: 0, height: 0, dpr: 1,
  // clears the readout's "pause first" note
  readoutTimer: 0,
  // the next loadGrid (debounced, or a retry when the server was busy)
  gridTimer: 0,
  // aborts the fetch of a grid no longer wanted
  gridAbort: null,
  // the custom formula the server last found good
  formulaChecked: '',
  // mountMap's hooks
  hooks: null,
};

/** fadedRun reports whether run i's trail is drawn faintly: another run branches off it. */
const fadedRun = (i) => (app.state.branch || []).some((b) => b.from === i);

function baseView() {
  const info = surfaceInfo();
  return app.state.view || (info ? info.view : { xmin: -3, xmax: 3, ymin: -3, ymax: 3 });
}

function plotRect() {
  return { left: MARGIN.left, top: MARGIN.top, width: Math.max(10, map.width - MARGIN.left - MARGIN.right), height: Math.max(10, map.height - MARGIN.top - MARGIN.bottom) };
}

export function currentTransform() {
  const rect = plotRect();
  // w and b of a data surface are not in the same units: its view fills the map
  const info = surfaceInfo();
  return viewTransform(info && info.data ? baseView() : fitAspect(baseView(), rect.width, rect.height), rect);
}

/** fetchGrid loads the grid of the visible view (debounced), then redraws the map. */
export function fetchGrid() {
  clearTimeout(map.gridTimer);
  map.gridTimer = setTimeout(loadGrid, app.grid ? 180 : 0);
}

export async function loadGrid() {
  if (!app.catalog && !app.state) return;
  startGridWorker(document.querySelector('meta[name="grid-worker"]')?.content);
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
  if (map.gridAbort) map.gridAbort.abort();
  const ctl = map.gridAbort = new AbortController();
  const pending = app.gridPending = { baseKey, box: v };
  try {
    // A custom formula is checked first (GET /api/v1/formula answers 200 for a
    // bad one too): the grid of a bad formula would be a failed request,
    // which the browser logs as an error.
    if (app.state.surface === 'custom' && app.state.formula !== map.formulaChecked) {
      const signal = map.gridAbort.signal;
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
      map.formulaChecked = app.state.formula;
    }
    const res = await fetch(post ? url.slice(0, url.indexOf('?')) : url, post
      ? { method: 'POST', body: post, headers: { 'Content-Type': 'application/json' }, signal: map.gridAbort.signal }
      : { signal: map.gridAbort.signal });
    if (res.status === 429 || res.status === 503) {
      // busy: keep showing the grid there is (scaled) and ask again shortly
      const wait = Number(res.headers.get('Retry-After')) || 1;
      clearTimeout(map.gridTimer);
      map.gridTimer = setTimeout(loadGrid, Math.min(10, wait) * 1000);
      return;
    }
    if (!res.ok) {
      let msg = app.t('errors.grid');
      try { const b = await res.json(); if (b.error) msg = b.error; } catch { /* not JSON */ }
      app.errors = [{ field: 'surface', message: msg, server: true }];
      showErrors();
      return;
    }
    // decoded off the main thread (gridthread.js): a grid that arrives as a
    // run starts does not hold up its first points
    const grid = await decodeGridOffThread(await res.arrayBuffer());
    if (ctl.signal.aborted) return; // a newer view's grid is on its way
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
    const n = shownCount(i);
    if (d && n > 0) { ctx.globalAlpha = fadedRun(i) ? 0.4 : 1; drawTrail(ctx, d, 0, n, map.tr, runColor(i, app.dark), trailOpts(i)); }
  }
  ctx.globalAlpha = 1;
  ctx.restore();
  // the points received but not shown yet are drawn as they are shown (playback.js)
  app.pendingTrail.clear();
  app.data.forEach((d, i) => { if (d && shownCount(i) < d.n) app.pendingTrail.set(i, shownCount(i)); });
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
  let first = true, out = false, progress = true;
  while (app.pendingTrail.size && !out && progress) {
    progress = false;
    for (const [i, from] of app.pendingTrail) {
      const d = app.data[i];
      if (!d || from >= d.n) { app.pendingTrail.delete(i); continue; }
      const n = shownCount(i);
      if (from >= n) continue; // received, not shown yet (playback.js)
      if (!first && performance.now() > deadline) { out = true; break; }
      first = false;
      progress = true;
      const to = Math.min(n, from + TRAIL_CHUNK);
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
  // the timeline's step, or the newest point shown (playback.js)
  const shownAt = (i) => atStep(app.data[i], app.cursor ?? (app.data[i] && shownCount(i) < app.data[i].n ? shownCount(i) - 1 : null));
  app.state.runs.forEach((run, i) => {
    if (i === app.selected) return;
    drawRunMarkers(ctx, shownAt(i), runStart(run, info), map.tr, runColor(i, app.dark), { arrows: app.arrows, halo: haloFor(i, 0.6), startGrad: startGrad(run), lr: optimizerLR(run) });
  });
  const sel = app.state.runs[app.selected];
  if (sel) drawRunMarkers(ctx, shownAt(app.selected), runStart(sel, info), map.tr, runColor(app.selected, app.dark), { selected: true, arrows: app.arrows, halo: haloFor(app.selected, 0.8), startGrad: startGrad(sel), lr: optimizerLR(sel) });
  if (info) {
    // on top of the trails and the runs' marks, so that the labels stay readable
    drawMinima(ctx, info.minima, map.tr, {
      ink: '#fff', halo: '#000', font: app.theme.font,
      labelFor: (m) => (m.label ? app.t(`map.minimum.${m.label}`) : ''),
    });
  }
  map.hooks.overlay(ctx, map.tr);
  ctx.restore();
}

export function viewChanged() {
  app.need.bg = true;
  app.need.trails = true;
  fetchGrid();
  writeURL();
  schedule();
}

/**
 * mountMap mounts the map on #map and makes draw the page's frame. hooks:
 * overlay(ctx, tr) draws over the runs' marks (the LR finder);
 * onFirstPoint() is called when a run's first point is drawn;
 * renderPanels() brings the DOM panels up to date (app.need.panels);
 * settled() reports whether the later panels and the classroom are in
 * (body[data-ready]).
 */
export function mountMap(hooks) {
  map.hooks = hooks;
  onFrame(draw);
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
        setView(roundView(zoomAt(pinch.view, cx, cy, pinch.dist / dist)));
      }
      return;
    }
    if (drag) {
      const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 5) return;
      drag.moved = true;
      map.canvas.classList.add('panning');
      const tr0 = viewTransform(drag.view, plotRect());
      setView(roundView(pan(drag.view, -dx / tr0.kx, dy / tr0.ky)));
    }
  });
  const end = (ev) => {
    const wasClick = drag && !drag.moved && pointers.size === 1 && ev.type === 'pointerup';
    pointers.delete(ev.pointerId);
    if (pointers.size < 2) pinch = null;
    map.canvas.classList.remove('panning');
    if (wasClick && ev.pointerType === 'touch' && app.session.playing) {
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
    let view;
    if (moves[ev.key]) view = roundView(pan(v, ...moves[ev.key]));
    else if (zooms[ev.key]) view = roundView(zoomAt(v, cx, cy, zooms[ev.key]));
    else if (ev.key === 'Enter') {
      ev.preventDefault();
      ev.stopPropagation();
      setStart({ tr, x: cx, y: cy, px: tr.rect.left + tr.rect.width / 2, py: tr.rect.top + tr.rect.height / 2 }, ev.shiftKey);
      return;
    } else return;
    ev.preventDefault();
    ev.stopPropagation(); // not the page's → (step)
    setView(view);
  });
  map.canvas.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const p = toData(ev);
    const scale = ev.deltaMode === 1 ? 30 : 1;
    const factor = Math.exp(Math.max(-1, Math.min(1, ev.deltaY * scale * 0.0015)));
    setView(roundView(zoomAt(p.tr.view, p.x, p.y, factor)));
  }, { passive: false });
}

const setView = (view) => dispatch({ type: 'view', view });

function setStart(p, all) {
  if (locked()) return;
  const { tr } = p;
  if (p.px < tr.rect.left || p.px > tr.rect.left + tr.rect.width || p.py < tr.rect.top || p.py > tr.rect.top + tr.rect.height) return;
  dispatch({ type: 'setStart', x: p.x, y: p.y, all });
}

// ---- the draw loop: what changed, once per animation frame

export function draw() {
  const t0 = performance.now();
  if (holdsForStart(t0)) { schedule(); return; } // a start's answer is on its way (session.js)
  const pb = app.session.playback;
  if (pb) advance(pb, t0); // the runs' points shown at their rate (playback.js)
  for (const [i, parts] of app.pendingSets) send(setMessage(i, parts));
  app.pendingSets.clear();

  const resized = sizeMap();
  const tSize = performance.now();
  const tr = currentTransform();
  const moved = resized || !map.tr || !sameBox(tr.view, map.tr.view) || tr.rect.width !== map.tr.rect.width || tr.rect.height !== map.tr.rect.height;
  if (moved) {
    map.tr = tr;
    app.need.bg = true;
    app.need.trails = true;
    if (resized) fetchGrid();
  }
  if (app.need.bg) {
    // A grid that has just come waits one frame when the runs have new
    // points to draw and the view has not moved (trails and background
    // still match): the points are not held up by the map's repaint. So
    // does one that came between Play and the first points, whose trails
    // are drawn anew (need.trails: cleared at the start).
    if (app.gridFresh === 1 && !moved && app.pendingTrail.size) {
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
  if (!app.firstPoint && app.data.some((d) => d && d.n > 0)) { app.firstPoint = true; map.hooks.onFirstPoint(); }

  if (app.need.chartsFull) {
    app.ui.charts.forEach((c) => c.setData(app.data, app.state.steps));
    app.need.chartsFull = false;
    app.need.charts = false;
  } else if (app.need.charts) {
    // in chunks too, until 3 ms into the frame (each chart draws at least one)
    let done = true;
    for (const c of app.ui.charts) if (!c.append(t0 + 3)) done = false;
    app.need.charts = !done;
    if (!done) more = true;
  }
  if (app.ui.view3d && app.ui.view3d.shown()) app.ui.view3d.draw();
  if (more || (pb && pending(pb))) schedule();
  // drawStats: the canvases' drawing time (map and charts); the panels'
  // DOM updates are counted apart, in panelsMs.
  const s = app.drawStats;
  const t1 = performance.now();
  // where the frame's time went (ms): the map's size, its background, the
  // trails, the composition, the charts; and the longest of each so far
  s.lastParts = { size: tSize - t0, bg: tBg - tSize, trails: tTrails - tBg, compose: tCompose - tTrails, charts: t1 - tCompose };
  for (const [k, v] of Object.entries(s.lastParts)) if (!(s.maxParts[k] >= v)) s.maxParts[k] = v;
  s.lastFrameMs = t1 - t0;
  if (s.lastFrameMs > s.maxFrameMs) s.maxFrameMs = s.lastFrameMs;
  // the last 1,000 frames' times, for medians
  s.times.push(s.lastFrameMs);
  if (s.times.length > 1000) s.times.shift();
  s.frames++;
  if (app.need.panels) {
    map.hooks.renderPanels();
    app.need.panels = false;
    s.lastPanelsMs = performance.now() - t1;
    s.maxPanelsMs = Math.max(s.maxPanelsMs || 0, s.lastPanelsMs);
  }
  if (app.booted && !app.readyMarked) { app.readyMarked = true; performance.mark('lab:ready'); }
  // body[data-ready]: the grid is drawn and the later panels are mounted
  if (app.bgHasGrid && map.hooks.settled() && document.body.dataset.ready !== '1') document.body.dataset.ready = '1';
}
