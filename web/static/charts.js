// charts.js: a small line chart for per-step series of every run (loss, LR,
// gradient norm), on a log y axis, all runs overlaid in their colours, with
// a hover read-out. It draws incrementally: new points are appended to the
// canvas, which keeps what was drawn; only a change of scale or size redraws
// everything, and then each pixel column draws the min and max of its points.

import { logScale, linearScale } from './scale.js';
import { formatNum, formatTick } from './i18n.js';

const M = { left: 52, right: 18, top: 8, bottom: 24 };

// CHUNK is how many points of a run's series append draws at a time when it has a deadline.
const CHUNK = 2000;
// RESCALE_MS: the least time between two redraws for a new y range while points stream in.
const RESCALE_MS = 250;

/**
 * strokeColumns strokes the series ys[from … to−1] (x = index) through the
 * scales sx, sy, drawing for each pixel column the line to its first point,
 * its min–max range and its last point: a polyline of at most 4 vertices per
 * column however many points fall in it. Non-finite values break the line.
 * sy must be monotonic: a column's values are compared as they are and only
 * its first, last, least and greatest are mapped.
 */
export function strokeColumns(ctx, ys, from, to, sx, sy) {
  let col = NaN, first = 0, last = 0, lo = 0, hi = 0, open = false;
  ctx.beginPath();
  const flush = () => {
    if (Number.isNaN(col)) return;
    const pf = sy(first);
    if (!open) { ctx.moveTo(col, pf); open = true; } else ctx.lineTo(col, pf);
    const a = sy(lo), b = sy(hi);
    if (a !== b) { ctx.lineTo(col, Math.min(a, b)); ctx.lineTo(col, Math.max(a, b)); }
    ctx.lineTo(col, sy(last));
  };
  // the column of index i, without a call per point
  const x0 = sx(0), kx = sx(1) - x0;
  for (let i = from; i < to; i++) {
    const v = ys[i];
    if (!Number.isFinite(v)) { flush(); col = NaN; open = false; continue; }
    const px = Math.round(x0 + i * kx) + 0.5;
    if (px !== col) {
      flush();
      col = px; first = last = lo = hi = v;
    } else {
      last = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  flush();
  ctx.stroke();
}

/** strokeRecords strokes the column records of a chart's columnsOf as strokeColumns would have drawn their points. */
function strokeRecords(ctx, c, sy) {
  ctx.beginPath();
  for (let r = 0; r < c.px.length; r++) {
    const px = c.px[r], pf = sy(c.first[r]);
    if (c.brk[r]) ctx.moveTo(px, pf); else ctx.lineTo(px, pf);
    const a = sy(c.lo[r]), b = sy(c.hi[r]);
    if (a !== b) { ctx.lineTo(px, Math.min(a, b)); ctx.lineTo(px, Math.max(a, b)); }
    ctx.lineTo(px, sy(c.last[r]));
  }
  ctx.stroke();
}

/**
 * createChart mounts a chart on canvas (inside figure, which gets the hover
 * cursor and read-out). opts: {series: ['loss', 'test_loss'?], dashed: the
 * series drawn dashed (default ['test_loss']), label,
 * colors: i ↦ css colour, runLabel: i ↦ text, theme: {ink, muted, grid,
 * font}, emptyText}. It returns {setData(runs, steps), append(changes),
 * redraw(), resize(), setTheme(theme)}: runs are protocol.js records.
 */
export function createChart(figure, canvas, opts) {
  const series = opts.series || ['loss'];
  let runs = [], steps = 1, theme = opts.theme || {};
  let width = 0, height = 0, dpr = 1;
  let domain = null; // [lo, hi] of the y axis
  const drawn = []; // per run and series: points drawn so far
  let sx = null, sy = null;
  let logAxis = true; // false once a value is negative
  const ctx = canvas.getContext('2d');

  const cursor = document.createElement('div');
  cursor.className = 'chart-cursor';
  cursor.hidden = true;
  const readout = document.createElement('div');
  readout.className = 'chart-readout';
  readout.hidden = true;
  readout.setAttribute('aria-live', 'off');
  figure.append(cursor, readout);
  // the timeline's step (timeline.js): a line at that step, null for none
  const stepLine = document.createElement('div');
  stepLine.className = 'chart-step';
  stepLine.hidden = true;
  figure.append(stepLine);
  let stepAt = null;
  function placeStep() {
    stepLine.hidden = stepAt === null || !sx;
    if (stepLine.hidden) return;
    stepLine.style.left = `${Math.round(sx(stepAt))}px`;
    stepLine.style.top = `${M.top}px`;
    stepLine.style.height = `${height - M.top - M.bottom}px`;
  }

  function size() {
    const r = canvas.getBoundingClientRect();
    dpr = window.devicePixelRatio || 1;
    width = Math.max(50, r.width);
    height = Math.max(40, r.height);
    const w = Math.round(width * dpr), h = Math.round(height * dpr);
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  }

  // extent returns the range of the finite values, and whether any is < 0
  // (a loss can be negative on a game or a custom surface: then the axis
  // is linear, since a log axis cannot show it).
  // Once the x scale is known it reads the extents kept by columnsOf, which
  // go over the points that came since the last call only.
  function extent() {
    let lo = Infinity, hi = -Infinity, plo = Infinity;
    runs.forEach((d, r) => {
      if (!d) return;
      for (const s of series) {
        const a = d[s];
        if (!a) continue;
        if (sx) {
          const c = columnsOf(r, s, a, Math.min(d.n, a.length));
          if (c.min < lo) lo = c.min;
          if (c.max > hi) hi = c.max;
          if (c.pmin < plo) plo = c.pmin;
          continue;
        }
        for (let i = 0; i < d.n; i++) {
          const v = a[i];
          if (!Number.isFinite(v)) continue;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
          if (v > 0 && v < plo) plo = v;
        }
      }
    });
    if (!(lo <= hi)) return null;
    if (lo < 0) return { log: false, range: [lo, hi] };
    return plo <= hi ? { log: true, range: [plo, hi] } : null; // zeros sit on the floor
  }

  // niceDomain pads the extent to whole decades (at least one), with room to grow.
  function niceDomain(e) {
    if (!e.log) {
      const [a, b] = e.range;
      const pad = (b - a) * 0.08 || Math.abs(a) * 0.1 || 1;
      return [a - pad, b + pad];
    }
    // a tenth of a decade of room, so that a value on a power of ten is not drawn on the frame
    let lo = 10 ** Math.floor(Math.log10(e.range[0]) - 0.1);
    let hi = 10 ** Math.ceil(Math.log10(e.range[1]) + 0.1);
    if (hi <= lo * 10) hi = lo * 10;
    if (hi / lo > 1e24) lo = hi / 1e24; // keep some resolution for the upper part
    return [lo, hi];
  }

  function scales() {
    sx = linearScale(0, Math.max(1, steps), M.left, width - M.right);
    if (!domain) sy = null;
    else sy = (logAxis ? logScale : linearScale)(domain[0], domain[1], height - M.bottom, M.top);
  }

  function frame() {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = theme.font || '12px sans-serif';
    ctx.strokeStyle = theme.grid || 'rgba(128,128,128,0.3)';
    ctx.fillStyle = theme.muted || '#666';
    ctx.lineWidth = 1;
    const pw = width - M.left - M.right, ph = height - M.top - M.bottom;
    ctx.strokeRect(M.left - 0.5, M.top - 0.5, pw + 1, ph + 1);
    // x ticks
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    ctx.beginPath();
    for (const v of sx.ticks(Math.max(2, Math.round(pw / 80)))) {
      if (!Number.isInteger(v)) continue;
      const x = Math.round(sx(v)) + 0.5;
      ctx.moveTo(x, M.top); ctx.lineTo(x, M.top + ph);
      ctx.fillText(formatNum(v), x, M.top + ph + 4);
    }
    if (sy) {
      ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
      const ticks = sy.ticks(Math.max(2, Math.round(ph / 28)));
      for (const v of ticks) {
        const y = Math.round(sy(v)) + 0.5;
        ctx.moveTo(M.left, y); ctx.lineTo(M.left + pw, y);
        ctx.fillText(formatTick(v), M.left - 4, y);
      }
    }
    ctx.stroke();
    if (!sy && opts.emptyText) {
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      ctx.fillStyle = theme.muted || '#666';
      ctx.fillText(opts.emptyText(), M.left + pw / 2, M.top + ph / 2);
    }
  }

  function drawRange(i, s, from, to) {
    const d = runs[i];
    if (!d || !d[s] || to - from < 1 || !sy) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(M.left, M.top, width - M.left - M.right, height - M.top - M.bottom);
    ctx.clip();
    ctx.strokeStyle = opts.colors(i);
    ctx.lineWidth = opts.selected && opts.selected() === i ? 2.5 : 1.5;
    ctx.lineJoin = 'round';
    if ((opts.dashed || ['test_loss']).includes(s)) {
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.25;
    }
    const a = d[s];
    // monotonic (strokeColumns): on a log axis what is below the floor sits on it
    const floor = domain[0];
    const clamp = logAxis ? (v) => sy(v > floor ? v : floor) : sy;
    // from the start: the columns kept from earlier frames, so that a new
    // y scale does not go over every point again
    if (from === 0) strokeRecords(ctx, columnsOf(i, s, a, to), clamp);
    else {
      strokeColumns(ctx, a, from - 1, to, sx, clamp);
      columnsOf(i, s, a, to); // kept up to date, so that a redraw has nothing to catch up
    }
    ctx.restore();
  }

  // colCache[i][s]: the columns strokeColumns would draw for run i's series
  // s from its first point, as records (pixel column, first, last, least and
  // greatest value, whether the line breaks before it), extended as points
  // come and rebuilt when the x scale or the data change; with the extent of
  // those points (min, max, least positive pmin).
  const colCache = [];
  function columnsOf(i, s, a, n) {
    const x0 = sx(0), kx = sx(1) - x0, key = `${x0} ${kx}`;
    const byRun = colCache[i] || (colCache[i] = {});
    let c = byRun[s];
    if (!c || c.arr !== a || c.key !== key || c.n > n) {
      c = byRun[s] = { arr: a, key, n: 0, px: [], first: [], last: [], lo: [], hi: [], brk: [], broken: true, min: Infinity, max: -Infinity, pmin: Infinity };
    }
    for (let k = c.n; k < n; k++) {
      const v = a[k];
      if (!Number.isFinite(v)) { c.broken = true; continue; }
      if (v < c.min) c.min = v;
      if (v > c.max) c.max = v;
      if (v > 0 && v < c.pmin) c.pmin = v;
      const px = Math.round(x0 + k * kx) + 0.5;
      const m = c.px.length - 1;
      if (!c.broken && c.px[m] === px) {
        c.last[m] = v;
        if (v < c.lo[m]) c.lo[m] = v;
        if (v > c.hi[m]) c.hi[m] = v;
      } else {
        c.px.push(px); c.first.push(v); c.last.push(v); c.lo.push(v); c.hi.push(v); c.brk.push(c.broken);
        c.broken = false;
      }
    }
    c.n = n;
    return c;
  }

  // marks draws a short dashed line at each step from which a run's
  // settings were changed while it ran (the set_ok steps), once each.
  let marked = [];
  function marks(all) {
    if (!sy) return;
    if (all) marked = [];
    runs.forEach((d, i) => {
      if (!d || !d.setFrom) return;
      const done = marked[i] || 0;
      if (d.setFrom.length <= done) return;
      ctx.save();
      ctx.strokeStyle = opts.colors(i);
      ctx.lineWidth = 1;
      ctx.setLineDash([2, 3]);
      ctx.beginPath();
      for (let k = done; k < d.setFrom.length; k++) {
        const x = Math.round(sx(d.setFrom[k])) + 0.5;
        ctx.moveTo(x, M.top); ctx.lineTo(x, height - M.bottom);
      }
      ctx.stroke();
      ctx.restore();
      marked[i] = d.setFrom.length;
    });
  }

  // ext is the extent of every point drawn: extent() at a redraw, then
  // grown by append over the new points only.
  let ext = null;
  // a new y range waits while the last redraw is less than RESCALE_MS old
  // (appends with a deadline: streaming); the points meanwhile are drawn at
  // the old scale (clipped, or on the floor)
  let lastFull = -Infinity, rescale = false;

  /**
   * redraw draws everything anew at the current scale; measure: the
   * canvas's size is read again (not when only the y range changed).
   */
  function redraw(measure = true, e = extent()) {
    lastFull = performance.now();
    rescale = false;
    if (measure || !width) size();
    ext = e ? { log: e.log, range: [...e.range] } : null;
    logAxis = e ? e.log : true;
    domain = e ? niceDomain(e) : null;
    scales();
    frame();
    marks(true);
    placeStep();
    drawn.length = 0;
    runs.forEach((d, i) => {
      drawn[i] = {};
      for (const s of series) {
        const n = d && d[s] ? Math.min(d.n, d[s].length) : 0;
        drawRange(i, s, 0, n);
        drawn[i][s] = n;
      }
    });
  }

  /**
   * append draws the points each run got since the last call; it redraws
   * everything when a point falls outside the y range or a run restarted.
   * With a deadline (performance.now()), it draws in chunks of CHUNK points
   * per run and series, until the deadline passes (at least one chunk), and
   * returns false when points are left for the next call.
   */
  function append(deadline = Infinity) {
    if (rescale && performance.now() - lastFull >= RESCALE_MS) { redraw(false); return true; }
    let full = !sy, restarted = false, left = false;
    const news = [];
    // the extent grown by the new points (as extent() would find it)
    let lo = ext && !ext.log ? ext.range[0] : Infinity, hi = ext ? ext.range[1] : -Infinity;
    let plo = ext && ext.log ? ext.range[0] : Infinity, neg = !!ext && !ext.log, outside = false;
    runs.forEach((d, i) => {
      if (!d) return;
      for (const s of series) {
        const a = d[s];
        if (!a) continue;
        const all = Math.min(d.n, a.length);
        const from = drawn[i] ? drawn[i][s] || 0 : 0;
        if (all < from) { restarted = true; continue; }
        if (all === from) continue;
        if (deadline !== Infinity && news.length && performance.now() > deadline) { left = true; continue; }
        const n = deadline === Infinity ? all : Math.min(all, from + CHUNK);
        if (n < all) left = true;
        for (let k = from; k < n; k++) {
          const v = a[k];
          if (!Number.isFinite(v)) continue;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
          if (v > 0 && v < plo) plo = v;
          if (v < 0) neg = true;
          // outside the axis (zeros excepted on a log axis, where they sit on the floor)
          if (domain && !(logAxis && v === 0) && (v < domain[0] || v > domain[1])) outside = true;
        }
        news.push([i, s, from, n]);
      }
    });
    if (restarted) { redraw(false); return true; }
    // outside the axis, or the first negative value: rescale, when that
    // changes the axis (a log axis spans at most 24 decades: below that
    // the line sits on the floor)
    let e = null;
    if (neg) e = { log: false, range: [Math.min(lo, plo), hi] };
    else if (plo <= hi) e = { log: true, range: [plo, hi] };
    if (e && (!domain || e.log !== logAxis)) full = true;
    else if (e && outside) {
      const nd = niceDomain(e);
      if (nd[0] !== domain[0] || nd[1] !== domain[1]) full = true;
    }
    if (!full && e) ext = e;
    if (full && deadline !== Infinity && sy && e && e.log === logAxis && performance.now() - lastFull < RESCALE_MS) {
      full = false;
      rescale = true;
    }
    // (a redraw draws every point: then the extent of them all)
    if (full) { redraw(false, left || !e ? extent() : e); return true; }
    marks(false);
    for (const [i, s, from, n] of news) {
      drawRange(i, s, from, n);
      if (!drawn[i]) drawn[i] = {};
      drawn[i][s] = n;
    }
    return !left && !rescale;
  }

  function hover(ev) {
    if (!sx || !runs.length) return;
    const r = canvas.getBoundingClientRect();
    const px = ev.clientX - r.left;
    if (px < M.left || px > width - M.right) { leave(); return; }
    const step = Math.round(sx.invert(px));
    cursor.hidden = false;
    cursor.style.left = `${Math.round(sx(step))}px`;
    cursor.style.top = `${M.top}px`;
    cursor.style.height = `${height - M.top - M.bottom}px`;
    readout.replaceChildren();
    const head = document.createElement('div');
    head.textContent = `${opts.stepLabel ? opts.stepLabel() : 'step'} ${step}`;
    readout.append(head);
    runs.forEach((d, i) => {
      if (!d || step >= d.n) return;
      const row = document.createElement('div');
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = opts.colors(i);
      row.append(sw, document.createTextNode(`${opts.runLabel(i)}: ${series.filter((s) => d[s] && d[s].length > step).map((s) => formatNum(d[s][step])).join(' / ')}`));
      readout.append(row);
    });
    readout.hidden = readout.childElementCount < 2;
    const left = px > width / 2;
    readout.style.left = left ? '' : `${px + 12}px`;
    readout.style.right = left ? `${width - px + 12}px` : '';
  }
  function leave() { cursor.hidden = true; readout.hidden = true; }
  canvas.addEventListener('pointermove', hover);
  canvas.addEventListener('pointerleave', leave);

  return {
    setData(newRuns, newSteps) {
      runs = newRuns;
      if (newSteps !== steps) { steps = newSteps; }
      redraw();
    },
    append,
    redraw,
    resize: redraw,
    setTheme(t) { theme = t; redraw(); },
    /** setCursor shows the timeline's step k on the chart (null: none). */
    setCursor(k) { stepAt = k; placeStep(); },
  };
}
