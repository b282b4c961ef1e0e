// flatshare.js: the "which minimum?" panel on the sharp_flat surface.
// mountFlatShare asks POST /api/v1/flat-share for the share of seeds that
// end in the flat well, for the selected run's optimizer and start, at a
// range of LRs and noise levels, and plots share against LR (log x), one
// curve per noise level.

import { el } from './controls.js';
import { formatNum } from './i18n.js';
import { optimizerLR, runStart, analysisRun } from './state.js';
import { plotChart } from './plot.js';
import { logSpace } from './analysis.js';
import { LEVEL_COLORS, SERIES_DASHES } from './colormap.js';

/** FLAT_SURFACE is the surface the panel works on. */
export const FLAT_SURFACE = 'sharp_flat';
const LRS = logSpace(0.005, 0.2, 11); // around the sharp well's limit (≈ 0.018) up to the flat one's
const NOISES = [0, 0.5, 1, 2];
const SEEDS = 20;
const STEPS = 1000; // long enough to cross from one well to the other: 11 LRs × 61 runs × 1000 steps, under the server's budget

/**
 * mountFlatShare mounts the panel into root (hidden on other surfaces).
 * app: {view() → {state, info, selected, t, theme, dark}, surface()}.
 * It returns {render()}.
 */
export function mountFlatShare(root, app) {
  const title = el('h2');
  const intro = el('p', { class: 'note' });
  const runBtn = el('button', { type: 'button', class: 'primary', id: 'flat-run' });
  const canvas = el('canvas', { class: 'an-chart', role: 'img' });
  const key = el('ul', { class: 'an-key' });
  const note = el('p', { class: 'note' });
  const status = el('p', { class: 'an-status', role: 'status', hidden: true });
  root.append(title, intro, el('div', { class: 'an-row' }, runBtn), status, el('figure', { class: 'an-fig' }, canvas, key), note);

  let result = null, busy = false, error = '', lastView = null, drawnKey = '', drawnResult = null, abort = null;
  const colors = LEVEL_COLORS; // ordered and far apart (σ = 0 and 0.5 were two dark blues)

  runBtn.addEventListener('click', async () => {
    const { state, info, selected } = app.view();
    const run = state.runs[selected];
    if (!run) return;
    const opt = { ...run.optimizer, lr: optimizerLR(run) };
    const body = { surface: app.surface(), start: runStart(run, info), optimizer: opt, lrs: LRS, noises: NOISES, seeds: SEEDS, steps: STEPS, ...analysisRun(run, 'flat_share') };
    if (abort) abort.abort();
    abort = new AbortController();
    busy = true; error = '';
    render();
    try {
      const res = await fetch('/api/v1/flat-share', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: abort.signal });
      const b = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(b.error ? (b.field ? `${b.field}: ${b.error}` : b.error) : `HTTP ${res.status}`);
      result = { ...b, lr: opt.lr, opt: opt.name };
    } catch (e) {
      if (e.name === 'AbortError') return;
      error = e.message;
    } finally {
      busy = false;
      render();
    }
  });

  function render() {
    const view = app.view();
    lastView = view;
    const { t, state } = view;
    root.hidden = state.surface !== FLAT_SURFACE;
    if (root.hidden) return;
    const run = state.runs[view.selected];
    title.textContent = t('flat.title');
    intro.textContent = t('flat.intro', { opt: run ? t(`opt.${run.optimizer.name}`) : '', seeds: SEEDS, steps: STEPS });
    runBtn.textContent = busy ? t('flat.running') : t('flat.run');
    runBtn.disabled = busy || !run;
    canvas.setAttribute('aria-label', t('flat.title'));
    status.textContent = error ? t('flat.failed', { msg: error }) : '';
    status.classList.toggle('error', !!error);
    status.hidden = !status.textContent;
    note.textContent = result ? t('flat.note') : '';
    const k = [view.lang, view.dark].join('|');
    if (k === drawnKey && result === drawnResult) return;
    drawnKey = k; drawnResult = result;
    draw(view);
  }

  function draw(view) {
    const { t, theme } = view;
    const spec = {
      x: { log: true, label: t('flat.xLabel') },
      y: { log: false, format: (v) => `${Math.round(v * 100)}%` },
      lines: [], marks: [], vlines: [], empty: t('flat.empty'),
    };
    key.replaceChildren();
    if (result && Array.isArray(result.share) && result.lrs && result.lrs.length) {
      spec.x.domain = [result.lrs[0], result.lrs[result.lrs.length - 1]];
      spec.y.domain = [0, 1];
      result.share.forEach((row, i) => {
        const color = colors[i % colors.length];
        spec.lines.push({ xs: result.lrs, ys: row, color, width: 2.5, dash: SERIES_DASHES[i % SERIES_DASHES.length] });
        row.forEach((s, j) => spec.marks.push({ x: result.lrs[j], y: s, color, shape: 'dot', r: 2.5 }));
        const sw = el('span', { class: 'swatch', 'aria-hidden': 'true' });
        sw.style.background = color;
        key.append(el('li', {}, sw, t('flat.noise', { s: formatNum(result.noises[i], 2) })));
      });
      spec.vlines.push({ x: result.lr, color: theme.ink, dash: [3, 3], label: t('flat.yourLR', { lr: formatNum(result.lr, 2) }) });
    }
    plotChart(canvas, spec, theme);
  }

  new ResizeObserver(() => { if (lastView && !root.hidden) draw(lastView); }).observe(canvas);
  return { render };
}
