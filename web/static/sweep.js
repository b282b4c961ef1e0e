// sweep.js: the LR sweep panel. mountSweep runs several optimizers from the
// selected run's start at many LRs (over the websocket, with progress, or
// with POST /api/v1/sweep when the socket is down) and plots final loss
// against LR on log–log axes, one curve per optimizer in the run palette,
// diverged points as crosses, the stability limit as a line. Clicking a point
// adds that optimizer at that LR as a run.

import { SERIES_PALETTE, SERIES_DASHES } from './colormap.js';
import { el } from './controls.js';
import { formatNum } from './i18n.js';
import { runStart, analysisRun } from './state.js';
import { plotChart } from './plot.js';
import { groupSweep, bestLR, nearestPoint, lossRange, goodBand, logExtent } from './analysis.js';

/** SWEEP_OPTIMIZERS are the optimizers a sweep compares, with PyTorch's settings. */
export const SWEEP_OPTIMIZERS = [
  { name: 'sgd' },
  { name: 'sgd', momentum: 0.9 },
  { name: 'adam' },
  { name: 'rmsprop' },
  { name: 'adagrad' },
];
const NUM = 31, LR_MIN = 1e-5, LR_MAX = 10;
// seeds asked for: the server runs one when the runs are not random (the
// same run for every seed) and says how many it ran
const SEEDS = 5;

/**
 * mountSweep mounts the panel into root. app: {view() → {state, info,
 * selected, t, theme, dark, colors(i)}, surface(), send(msg) → bool (false
 * when the socket is not open), addRun(optimizer, lr, settings) → bool}.
 * It returns {render(), onMessage(m) → bool (true when the message was the
 * sweep's)}.
 */
export function mountSweep(root, app) {
  const title = el('h2');
  const intro = el('p', { class: 'note' });
  const runBtn = el('button', { type: 'button', class: 'primary', id: 'sweep-run' });
  const bar = el('progress', { class: 'an-progress', max: '1', value: '0', hidden: true });
  const barText = el('span', { class: 'an-progress-text' });
  const canvas = el('canvas', { class: 'an-chart an-click', role: 'img', tabindex: '0' });
  const readout = el('p', { class: 'an-readout', 'aria-live': 'polite' });
  const key = el('ul', { class: 'an-key an-sweep-key' });
  const hint = el('p', { class: 'note' });
  const status = el('p', { class: 'an-status', role: 'status', hidden: true });
  root.append(title, intro, el('div', { class: 'an-row' }, runBtn, bar, barText), status,
    el('figure', { class: 'an-fig' }, canvas, readout), key, hint);

  let result = null, busy = false, error = '', done = 0, total = 0, pending = null, seq = 0;
  let plotted = null, pts = [], lastView = null, drawnKey = '', drawnResult = null, message = '';

  const v = () => app.view();

  function request() {
    const { state, info, selected } = v();
    const run = state.runs[selected];
    if (!run) return null;
    // the run's own settings (clipping, batch size …) as the schema lists
    // them for the sweep; the server shortens the runs when the scenario's
    // steps would pass its work budget (fit_steps), and says so
    return {
      surface: app.surface(), start: runStart(run, info), steps: state.steps, fit_steps: true,
      optimizers: SWEEP_OPTIMIZERS.map((o) => ({ ...o, lr: 1e-3 })),
      lr_min: LR_MIN, lr_max: LR_MAX, num: NUM, seeds: SEEDS, ...analysisRun(run, 'sweep'),
    };
  }

  runBtn.addEventListener('click', () => {
    const body = request();
    if (!body) return;
    busy = true; error = ''; done = 0; total = 0; message = '';
    const id = `sweep-${++seq}`;
    pending = { id, body, via: 'ws' };
    if (!app.send({ type: 'sweep', id, ...body })) viaPost(pending);
    render();
  });

  async function viaPost(p) {
    p.via = 'post';
    try {
      const res = await fetch('/api/v1/sweep', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(p.body) });
      const b = await res.json().catch(() => ({}));
      if (pending !== p) return;
      if (!res.ok) throw new Error(b.error ? (b.field ? `${b.field}: ${b.error}` : b.error) : `HTTP ${res.status}`);
      finish(b);
    } catch (e) {
      if (pending !== p) return;
      fail(e.message);
    }
  }

  function finish(b) {
    result = {
      results: b.results || [], stability_limit: b.stability_limit, steps: b.steps,
      asked: pending ? pending.body.steps : b.steps, run: pending ? analysisRun(pending.body, 'sweep') : {},
    };
    pending = null; busy = false;
    render();
  }
  function fail(msg) {
    pending = null; busy = false; error = msg;
    render();
  }

  function onMessage(m) {
    if (!pending) return false;
    if (m.type === 'sweep_progress' && m.id === pending.id) {
      done = m.done; total = m.total;
      render();
      return true;
    }
    if (m.type === 'sweep_result' && m.id === pending.id) { finish(m); return true; }
    if (m.type === 'error' && (m.id === pending.id || (pending.via === 'ws' && /\bsweep\b/.test(m.error || '') && m.field === 'type'))) {
      // a server without the socket's sweep: ask over HTTP instead
      if (m.id !== pending.id) { viaPost(pending); return true; }
      fail(m.field ? `${m.field}: ${m.error}` : m.error);
      return true;
    }
    return false;
  }

  function render() {
    const view = v();
    lastView = view;
    const { t, state } = view;
    const game = view.info && view.info.kind === 'game';
    title.textContent = t('sweep.title');
    intro.textContent = t('sweep.intro', { n: NUM, steps: state.steps });
    runBtn.textContent = busy ? t('sweep.running') : t('sweep.run');
    runBtn.title = t('sweep.runTip');
    runBtn.disabled = busy || game || !state.runs[view.selected];
    canvas.setAttribute('aria-label', `${t('sweep.chartLabel')}. ${t('sweep.keys')}`);
    bar.hidden = !busy;
    if (busy) {
      if (total > 0) { bar.max = total; bar.value = done; barText.textContent = t('sweep.progress', { done, total }); } else { bar.removeAttribute('value'); barText.textContent = ''; }
    } else barText.textContent = '';
    status.textContent = game ? t('sweep.noGame') : error ? t('sweep.failed', { msg: error }) : message;
    status.classList.toggle('error', !!error);
    status.hidden = !status.textContent;
    // runs the server shortened to its work budget say so, on a line of their own
    if (!result) hint.replaceChildren();
    else if (result.steps < result.asked) hint.replaceChildren(t('sweep.shortened', { steps: result.steps, asked: result.asked }), el('br'), t('sweep.click'));
    else hint.textContent = t('sweep.click');
    const k = [view.lang, view.dark].join('|');
    if (k === drawnKey && result === drawnResult) return;
    drawnKey = k; drawnResult = result;
    draw(view);
  }

  function draw(view) {
    const { t, theme } = view;
    const spec = { x: { log: true, label: t('sweep.xLabel') }, y: { log: true }, lines: [], marks: [], vlines: [], empty: t('sweep.empty') };
    pts = [];
    key.replaceChildren();
    if (result && result.results.length) {
      const groups = groupSweep(result.results);
      const range = lossRange(result.results);
      // y: from the loss where runs barely moved (≈ the start's) down ten
      // decades; lower losses sit on the bottom edge (≈ 0 for the eye), and
      // diverged runs, whose last finite loss is huge, on the top edge.
      const ext = logExtent(result.results.filter((p) => !p.diverged).map((p) => p.final_loss));
      if (ext) {
        spec.x.domain = [LR_MIN, LR_MAX];
        spec.y.domain = [Math.max(ext[0] / 2, ext[1] * 1e-10), ext[1] * 10];
        spec.y.clamp = true;
      }
      groups.forEach((g, gi) => {
        const color = SERIES_PALETTE[gi % SERIES_PALETTE.length]; // not the runs' colours: these are optimizers
        const oi = Number.isInteger(g.optimizer) ? g.optimizer : gi;
        const label = SWEEP_OPTIMIZERS[oi] ? optName(t, SWEEP_OPTIMIZERS[oi]) : g.label;
        const ok = g.points.map((p) => (p.diverged ? NaN : p.final_loss));
        spec.lines.push({ xs: g.points.map((p) => p.lr), ys: ok, color, width: 2.5, dash: SERIES_DASHES[gi % SERIES_DASHES.length] });
        for (const p of g.points) {
          spec.marks.push({ x: p.lr, y: p.final_loss, color, shape: p.diverged ? 'cross' : 'dot', r: p.diverged ? 3.5 : 2.5 });
          pts.push({ p, gi, label, color });
        }
        const best = bestLR(g.points);
        const band = range ? goodBand(g.points, range.best, range.worst) : null;
        const sw = el('span', { class: 'swatch', 'aria-hidden': 'true' });
        sw.style.background = color;
        const parts = [el('strong', { text: label })];
        if (best) parts.push(` ${t('sweep.best', { lr: formatNum(best.lr, 2), loss: formatNum(best.final_loss, 2) })}`);
        if (band) parts.push(el('br'), el('span', { class: 'note', text: t('sweep.band', { lo: formatNum(band.lo, 2), hi: formatNum(band.hi, 2), d: formatNum(band.decades, 2) }) }));
        key.append(el('li', {}, sw, el('span', {}, ...parts)));
      });
      if (result.stability_limit > 0) {
        spec.vlines.push({ x: result.stability_limit, color: theme.ink, width: 2, label: `2/λmax ${formatNum(result.stability_limit, 2)}` });
      }
      const cross = el('span', { class: 'an-cross', 'aria-hidden': 'true', text: '×' });
      key.append(el('li', { class: 'note' }, cross, t('sweep.diverged')));
    }
    plotted = plotChart(canvas, spec, theme);
    if (plotted) {
      const [lo, hi] = plotted.sy.domain;
      for (const q of pts) { q.px = plotted.sx(q.p.lr); q.py = plotted.sy(Math.min(hi, Math.max(lo, q.p.final_loss > 0 ? q.p.final_loss : lo))); }
    }
  }

  function hit(ev, radius = 9) {
    if (!plotted) return -1;
    const r = canvas.getBoundingClientRect();
    return nearestPoint(pts, ev.clientX - r.left, ev.clientY - r.top, radius);
  }
  canvas.addEventListener('pointermove', (ev) => {
    const i = hit(ev);
    canvas.classList.toggle('an-hover', i >= 0);
    if (!lastView) return;
    const { t } = lastView;
    readout.textContent = i >= 0 ? describe(t, pts[i]) : '';
  });
  canvas.addEventListener('pointerleave', () => { canvas.classList.remove('an-hover'); readout.textContent = ''; });
  canvas.addEventListener('click', (ev) => add(hit(ev, 12))); // a little more room than for hovering: a tap is less precise
  // keyboard: ← → walk along a curve, ↑ ↓ change curve, Enter adds the point
  let focus = -1;
  canvas.addEventListener('keydown', (ev) => {
    if (!pts.length || !lastView) return;
    const cur = pts[focus] || pts[0];
    let next = -1;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
      const same = pts.map((q, i) => i).filter((i) => pts[i].gi === cur.gi);
      const k = same.indexOf(focus);
      next = same[Math.max(0, Math.min(same.length - 1, k < 0 ? 0 : k + (ev.key === 'ArrowRight' ? 1 : -1)))];
    } else if (ev.key === 'ArrowUp' || ev.key === 'ArrowDown') {
      const gis = [...new Set(pts.map((q) => q.gi))];
      const g = gis[(gis.indexOf(cur.gi) + (ev.key === 'ArrowDown' ? 1 : gis.length - 1)) % gis.length];
      const cands = pts.map((q, i) => i).filter((i) => pts[i].gi === g);
      next = cands.reduce((b, i) => (Math.abs(Math.log(pts[i].p.lr / cur.p.lr)) < Math.abs(Math.log(pts[b].p.lr / cur.p.lr)) ? i : b), cands[0]);
    } else if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      ev.stopPropagation(); // not the page's play/pause
      add(focus);
      return;
    } else return;
    ev.preventDefault();
    ev.stopPropagation(); // not the page's step
    focus = next;
    readout.textContent = describe(lastView.t, pts[focus]);
  });
  canvas.addEventListener('blur', () => { focus = -1; });

  function add(i) {
    if (i < 0 || !lastView || !pts[i]) return;
    const q = pts[i];
    const opt = { ...SWEEP_OPTIMIZERS[Number.isInteger(q.p.optimizer) ? q.p.optimizer : q.gi] };
    const lr = Number(q.p.lr.toPrecision(3));
    const { t } = lastView;
    message = app.addRun(opt, lr, result.run) ? t('sweep.added', { name: `${q.label} lr ${formatNum(lr, 3)}` }) : t('sweep.full');
    render();
  }

  function describe(t, q) {
    const p = q.p;
    const what = p.diverged ? t('sweep.pointDiverged', { n: p.diverged_at }) : t('sweep.pointLoss', { loss: formatNum(p.final_loss, 3) });
    return `${q.label}, lr ${formatNum(p.lr, 3)}: ${what}`;
  }

  new ResizeObserver(() => { if (lastView) draw(lastView); }).observe(canvas);
  return { render, onMessage };
}

/** optName names a sweep's optimizer in the page's language ("SGD, momentum 0.9"). */
export function optName(t, cfg) {
  const base = t(`opt.${cfg.name}`);
  return cfg.momentum ? t('sweep.withMomentum', { opt: base, m: cfg.momentum }) : base;
}
