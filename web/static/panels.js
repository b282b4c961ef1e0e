// panels.js: what the page loads after its first paint, with import().
// loadLater loads the secondary panels (analysis: finder, sweep, gauge,
// flat share, formula checks; sharing, lessons, export, reference card)
// with their glue (laterpanels.js, which imports them), their stylesheets, the presets and the
// classroom: when the page is idle after the first point is drawn, when the
// analysis or the card scrolls into view or the card is opened, or at the
// latest 700 ms after the page is ready (laterTriggers). share.js also
// loads on its own for the errors box (loadShare), the data panel when a
// data surface is first shown (renderDataPanel). The analysis panels, once
// in, render, draw on the map and take socket messages from here.

import { app, $, schedule, surfaceInfo, idle, loadStyle } from './app.js';
import { setText } from './controls.js';
import { showErrors, fillPresets } from './texts.js';
import { presetsURL } from './state.js';

/** later is the loading of the later panels: its promise, and whether it has settled. */
export const later = { promise: null, done: false };

/** lazy holds what the later modules export, once loaded (and sharePromise: share.js on its way). */
export const lazy = { sharePromise: null, data: null, dataLoading: null, presets: null };

/**
 * loadLater loads and mounts the secondary panels (analysis: finder, sweep,
 * gauge, flat share, formula checks; sharing, lessons, export, reference
 * card) with their stylesheets, and the presets; once.
 */
export function loadLater() {
  if (later.promise) return later.promise;
  loadClassroom(); // "Start a class" and "Join a class", with the panels (the page is ready once both are in)
  const styles = ['analysis.css', 'share.css'].map(loadStyle);
  later.promise = Promise.all([import('./laterpanels.js'), loadShare(), ...styles]).then(([glue]) => {
    glue.mountAnalysisPanels();
    glue.mountSharePanels();
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

/** loadShare loads share.js (the panels', and the errors box's localised messages). */
export function loadShare() {
  if (!lazy.sharePromise) {
    lazy.sharePromise = import('./share.js').then((m) => {
      Object.assign(lazy, { mountShare: m.mountShare, shareLink: m.shareLink, describeError: m.describeError });
    });
  }
  return lazy.sharePromise;
}

/**
 * laterTriggers arranges loadLater: when the page is idle after the first
 * point is drawn (firstPointDrawn), when the analysis or the card scrolls
 * into view or the card is opened, or at the latest 700 ms after the page
 * is ready.
 */
export function laterTriggers() {
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

/**
 * firstPointDrawn marks lab:first-point (a run's first point is on the map;
 * detail.frame: how many frames the map had drawn before this one) and
 * loads the panels once the page is idle.
 */
export function firstPointDrawn() {
  performance.mark('lab:first-point', { detail: { frame: app.drawStats.frames } });
  idle(loadLater);
}

/**
 * presets resolves to the lesson list (GET /api/v1/presets), fetched once
 * for both the header's menu and the lessons panel; it rejects when the
 * list cannot be had.
 */
export function presets() {
  if (!lazy.presets) {
    lazy.presets = fetch(presetsURL(app.lang)).then(async (res) => {
      if (!res.ok) throw new Error(String(res.status));
      const body = await res.json();
      return Array.isArray(body) ? body : body.presets || [];
    });
  }
  return lazy.presets;
}

async function loadPresets() {
  try {
    app.presets = await presets();
    fillPresets();
  } catch { /* the page works without presets */ }
}

// λmax at the selected run's current point; on the quadratic bowl it is known before running.
export function lambdaFor(d) {
  if (d && d.n > 0 && d.sharpness.length >= d.n && d.sharpness[d.n - 1] > 0) return d.sharpness[d.n - 1];
  const info = surfaceInfo();
  if (info && info.name === 'quadratic') {
    const p = (k) => app.state.params[k] ?? (info.params.find((x) => x.name === k) || {}).default;
    const a = p('a'), b = p('b');
    if (a > 0 || b > 0) return Math.max(a || 0, b || 0);
  }
  return null;
}

/** anPanels are the analysis panels once mounted (finder: the LR finder, which draws on the map). */
export const anPanels = { list: [], finder: null };

export function renderAnalysisPanels() {
  const h = $('analysis-heading');
  if (h) setText(h, app.t('analysis.section'));
  // the loss chart draws the test loss dashed: say so when there is one
  const cap = $('cap-loss');
  let note = cap.querySelector('small.an-test');
  if (app.state.shift && !note) { note = document.createElement('small'); note.className = 'an-test'; cap.append(note); }
  if (note) { setText(note, app.t('chart.testDashed')); note.hidden = !app.state.shift; }
  for (const p of anPanels.list) p.render();
}

export function drawAnalysisOverlay(ctx, tr) {
  if (anPanels.finder) anPanels.finder.drawOverlay(ctx, tr);
}

/** analysisMessage gives the socket's message to the panels; true when one took it. */
export function analysisMessage(m) {
  return anPanels.list.some((p) => p.onMessage && p.onMessage(m));
}

/** loadClassroom loads and mounts the classroom (roomglue.js, classroom.js) with its stylesheet, once. */
export function loadClassroom() {
  const room = app.room;
  if (!room.promise) {
    // mounted once its stylesheet is in, so that the header does not move twice
    room.promise = Promise.all([import('./roomglue.js'), loadStyle('classroom.css')]).then(([m]) => m.mountRoom())
      .catch((e) => { app.errors = [{ field: '', message: String(e && e.message ? e.message : e) }]; showErrors(); })
      .finally(() => { room.settled = true; schedule(); });
  }
  return room.promise;
}

/** renderDataPanel shows a data surface's panel (datapanel.js, loaded when one is first shown). */
export function renderDataPanel() {
  if (lazy.data) { lazy.data.renderDataPanel(); return; }
  const info = surfaceInfo();
  if (!info || !info.data || lazy.dataLoading) return;
  lazy.dataLoading = import('./datapanel.js').then((m) => { lazy.data = m; app.need.panels = true; schedule(); });
}
