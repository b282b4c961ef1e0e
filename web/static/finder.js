// finder.js: the LR range test panel. mountFinder owns a button that runs
// POST /api/v1/lr-finder for the selected run's optimizer and start, the
// loss-against-LR chart (log x; the smoothed loss, and the raw loss when the
// run has gradient noise), the three suggestions with their rules, the
// stability limit at the start, "Use this LR" buttons (each adds a run at
// that LR, labelled with it) and a replay of the test's own path on the map.
// The test is fastai's lr_find (sim/finder.go); the server also tries each
// suggestion for the scenario's steps, and the one that trained best is
// offered first.

import { el } from './controls.js';
import { formatNum, addStrings } from './i18n.js';
import { optimizerLR, runStart, formatNumber, analysisRun } from './state.js';
import { plotChart } from './plot.js';
import { suggestionList, offerOrder, roundLR, logExtent } from './analysis.js';
import FINDER_TEXT from './text-finder.js';

addStrings(FINDER_TEXT); // the panel's own texts, before it draws

const RULE_COLOR = { valley: '#009E73', steep: '#0072B2', minimum: '#CC79A7' };
const ANIM_MS = 4000;

/**
 * mountFinder mounts the panel into root. app: {view() → {state, info,
 * selected, t, theme, dark}, surface() → the scenario's surface object,
 * addRun(optimizer, lr, settings, label) → bool (false when the runs are
 * full), redraw() (repaint the map)}.
 * It returns {render(), drawOverlay(ctx, tr)}: drawOverlay paints the
 * test's path on the map when the user asked for it.
 */
export function mountFinder(root, app) {
  const title = el('h2', { id: 'finder-heading' });
  const intro = el('p', { class: 'note' });
  const runBtn = el('button', { type: 'button', class: 'primary', id: 'finder-run' });
  const forText = el('span', { class: 'an-for' });
  const canvas = el('canvas', { class: 'an-chart', role: 'img' });
  const key = el('ul', { class: 'an-key' });
  const sugg = el('ul', { class: 'an-suggestions', 'aria-live': 'polite' });
  const valleyNote = el('p', { class: 'note an-valley', hidden: true });
  const stopNote = el('p', { class: 'note', hidden: true });
  const useMsg = el('p', { class: 'note an-use', role: 'status', hidden: true });
  const status = el('p', { class: 'an-status', role: 'status' });
  const animBox = el('input', { type: 'checkbox', id: 'finder-animate' });
  const animLabel = el('label', { for: 'finder-animate' });
  const anim = el('div', { class: 'field check an-anim', hidden: true }, animBox, animLabel);
  root.append(title, intro, el('div', { class: 'an-row' }, runBtn, forText), status,
    el('figure', { class: 'an-fig' }, canvas, key), sugg, useMsg, valleyNote, stopNote, anim);

  let result = null, resultKey = '', busy = false, error = '', abort = null;
  let animStart = 0, animating = false, lastView = null;
  let drawnKey = '', drawnResult = null;

  const v = () => app.view();

  // inputs of a test: what must match for a result to still describe the selected run
  function inputs() {
    const { state, info, selected } = v();
    const run = state.runs[selected];
    if (!run) return null;
    const start = runStart(run, info);
    const opt = { ...run.optimizer };
    delete opt.lr;
    // the run's own settings (noise, seed, clipping, batch size …), as the schema lists them for the test
    return { surface: app.surface(), start, optimizer: { ...opt, lr: optimizerLR(run) }, run: analysisRun(run, 'lr_finder') };
  }
  const keyOf = (inp) => (inp ? JSON.stringify({ ...inp, optimizer: { ...inp.optimizer, lr: 0 } }) : '');

  runBtn.addEventListener('click', run);
  async function run() {
    const inp = inputs();
    if (!inp) return;
    if (abort) abort.abort();
    abort = new AbortController();
    busy = true; error = '';
    render();
    const body = {
      surface: inp.surface, start: inp.start, optimizer: inp.optimizer,
      start_lr: 1e-7, end_lr: 10, num_iter: 100, smooth: 0.98, diverge: 4,
      ...inp.run, steps: v().state.steps,
    };
    try {
      const res = await fetch('/api/v1/lr-finder', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: abort.signal,
      });
      const b = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(b.error ? (b.field ? `${b.field}: ${b.error}` : b.error) : `HTTP ${res.status}`);
      result = b;
      result._noise = inp.run.noise || 0; // the raw curve shows only for a noisy test
      resultKey = keyOf(inp);
      animStart = performance.now();
      if (animBox.checked) startAnim();
    } catch (e) {
      if (e.name === 'AbortError') return;
      error = e.message;
      result = null;
    } finally {
      busy = false;
      render();
    }
  }

  animBox.addEventListener('change', () => { if (animBox.checked) { animStart = performance.now(); startAnim(); } else { animating = false; app.redraw(); } });
  function startAnim() {
    if (animating) return;
    animating = true;
    const tick = () => {
      if (!animating) return;
      app.redraw();
      if (performance.now() - animStart < ANIM_MS) requestAnimationFrame(tick); else { animating = false; app.redraw(); }
    };
    requestAnimationFrame(tick);
  }

  function render() {
    const view = v();
    lastView = view;
    const { t, state, info, selected } = view;
    const run = state.runs[selected];
    title.textContent = t('finder.title');
    intro.textContent = t('finder.intro');
    runBtn.textContent = busy ? t('finder.running') : t('finder.run');
    runBtn.title = t('finder.runTip');
    const game = info && info.kind === 'game';
    runBtn.disabled = busy || !run || game;
    animLabel.textContent = t('finder.animate');
    animLabel.title = t('finder.animateTip');
    canvas.setAttribute('aria-label', t('finder.chartLabel'));
    const inp = inputs();
    forText.textContent = inp ? t('finder.for', { opt: t(`opt.${inp.optimizer.name}`), x: formatNum(inp.start[0], 3), y: formatNum(inp.start[1], 3) }) : '';
    const stale = result && keyOf(inp) !== resultKey;
    status.textContent = game ? t('finder.noGame') : error ? t('finder.failed', { msg: error }) : stale ? t('finder.stale') : '';
    status.classList.toggle('error', !!error);
    status.hidden = !status.textContent;
    anim.hidden = !result;
    // the chart and the buttons change only with the result, the language or the theme
    const k = [view.lang, view.dark, busy, result ? resultKey : '', !!result].join('|');
    if (k === drawnKey && result === drawnResult) return;
    drawnKey = k; drawnResult = result;
    draw(view);
    renderSuggestions(view);
  }

  function draw(view) {
    const { t, theme } = view;
    const r = result;
    const runColor = view.colors(view.selected);
    const spec = { x: { log: true, label: t('finder.xLabel') }, y: { log: true }, lines: [], marks: [], vlines: [], empty: t('finder.empty') };
    key.replaceChildren();
    if (r && Array.isArray(r.lr) && r.lr.length) {
      const lo = r.lr[0], hi = r.lr[r.lr.length - 1];
      const limit = r.stability_limit;
      spec.x.domain = [Math.min(lo, limit > 0 ? limit : lo), Math.max(hi, limit > 0 ? limit * 1.5 : hi)];
      // y: the smoothed curve decides; the raw loss may spike, so cap it at 10× the smoothed top
      const sm = logExtent(r.smoothed);
      const raw = showRaw() ? logExtent(r.loss) : null;
      if (sm) spec.y.domain = [Math.min(sm[0], raw ? raw[0] : sm[0]) / 1.3, Math.min(raw ? raw[1] : sm[1], sm[1] * 10) * 1.3];
      if (showRaw()) spec.lines.push({ xs: r.lr, ys: r.loss, color: theme.muted, width: 1 });
      spec.lines.push({ xs: r.lr, ys: r.smoothed, color: runColor, width: 2.5 });
      for (const s of suggestionList(r.suggestions)) {
        // the mark sits on the smoothed curve at the suggested LR (minimum/10 is a tenth of the lowest point's LR)
        let k = 0;
        r.lr.forEach((lr, i) => { if (Math.abs(Math.log(lr / s.lr)) < Math.abs(Math.log(r.lr[k] / s.lr))) k = i; });
        const y = r.smoothed[k];
        spec.vlines.push({ x: s.lr, color: RULE_COLOR[s.id], dash: [5, 3], label: `${t(s.key)} ${formatNum(s.lr, 2)}` });
        spec.marks.push({ x: s.lr, y, color: RULE_COLOR[s.id], shape: 'diamond', r: 4 });
      }
      if (limit > 0) spec.vlines.push({ x: limit, color: theme.ink, width: 2, label: `2/λmax ${formatNum(limit, 2)}` });
      if (showRaw()) key.append(keyItem(theme.muted, t('finder.raw'), 'thin'));
      key.append(keyItem(runColor, t('finder.smoothed')));
      if (limit > 0) key.append(keyItem(theme.ink, t('finder.limit')));
    }
    plotChart(canvas, spec, theme);
  }

  // the raw loss is drawn only when the test had gradient noise (otherwise it equals the smoothed curve's shape)
  const showRaw = () => !!(result && result._noise > 0);

  function renderSuggestions(view) {
    const { t } = view;
    sugg.replaceChildren();
    valleyNote.hidden = true;
    stopNote.hidden = true;
    useMsg.hidden = true;
    if (!result) return;
    const list = offerOrder(suggestionList(result.suggestions), result.first);
    const steps = result.steps || view.state.steps;
    for (const s of list) {
      const lr = roundLR(s.lr);
      const use = el('button', { type: 'button', class: s.first ? 'small primary' : 'small', text: t('finder.use'), title: t('finder.useTip', { lr: formatNum(lr) }) });
      use.addEventListener('click', () => useLR(s, lr));
      const sw = el('span', { class: 'an-dash', 'aria-hidden': 'true' });
      sw.style.borderColor = RULE_COLOR[s.id];
      const tried = s.diverged ? t('finder.triedDiverged', { n: steps })
        : s.finalLoss !== null ? t('finder.tried', { n: steps, loss: formatNum(s.finalLoss, 3) }) : '';
      sugg.append(el('li', { class: s.first ? 'an-first' : '', 'data-rule': s.id },
        sw,
        el('span', { class: 'an-rule', text: s.first ? `${t(s.key)} · ${t('finder.best')}` : t(s.key), title: t(`finder.ruleTip.${s.id}`) }),
        el('code', { text: `lr ${formatNum(lr)}` }),
        el('span', { class: 'an-ruletip', text: `${t(`finder.ruleTip.${s.id}`)}${tried ? ` ${t('finder.triedLead', { what: tried })}` : ''}` }),
        use));
    }
    if (list.length && !list.some((s) => s.first)) sugg.append(el('li', { class: 'note', text: t('finder.noneTrains', { n: steps }) }));
    else if (list.length) sugg.prepend(el('li', { class: 'note an-firstnote', text: t('finder.firstNote', { n: steps }) }));
    if (!list.length) {
      const w = result.window || [0, 0];
      sugg.append(el('li', { class: 'note', text: t('finder.none', { n: (result.lr || []).length, lo: w[0] }) }));
    }
    if (!(result._noise > 0) && list.some((s) => s.id === 'valley')) {
      valleyNote.hidden = false;
      valleyNote.textContent = t('finder.valleyNote');
    }
    if (result.stopped_at > 0) {
      stopNote.hidden = false;
      const sm = result.smoothed || [];
      stopNote.textContent = !result.diverged ? t('finder.complete', { lr: formatNum(result.stopped_at, 2), n: result.lr.length })
        : sm.length && !(sm[sm.length - 1] > 0) ? t('finder.nonPositive', { lr: formatNum(result.stopped_at, 2), n: result.lr.length })
          : t('finder.stopped', { lr: formatNum(result.stopped_at, 2), n: result.lr.length });
    }
  }

  // "Use this LR": a new run at the suggested LR, labelled with it; the
  // runs already there, the one the lesson compares against among them,
  // are left as they are.
  function useLR(s, lr) {
    const { t } = v();
    const inp = inputs();
    if (!inp) return;
    const label = t('finder.runLabel', { lr: formatNumber(lr), rule: t(s.key) });
    const ok = app.addRun({ ...inp.optimizer, lr }, lr, inp.run, label);
    useMsg.hidden = false;
    useMsg.textContent = ok ? t('finder.added', { name: label }) : t('finder.full');
  }

  function keyItem(color, text, cls = '') {
    const sw = el('span', { class: `an-line ${cls}`, 'aria-hidden': 'true' });
    sw.style.borderColor = color;
    return el('li', {}, sw, text);
  }

  /** drawOverlay draws the test's path up to the animation's current step on the map (ctx in CSS pixels, clipped). */
  function drawOverlay(ctx, tr) {
    if (!animBox.checked || !result || !Array.isArray(result.x) || result.x.length < 2) return;
    const n = result.x.length;
    const f = Math.min(1, (performance.now() - animStart) / ANIM_MS);
    const k = Math.max(1, Math.min(n - 1, Math.round(f * (n - 1))));
    const clamp = (p) => Math.max(-1e5, Math.min(1e5, p));
    ctx.save();
    ctx.lineJoin = 'round';
    ctx.beginPath();
    for (let i = 0; i <= k; i++) {
      const x = clamp(tr.x(result.x[i])), y = clamp(tr.y(result.y[i]));
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    ctx.strokeStyle = 'rgba(0,0,0,0.7)';
    ctx.lineWidth = 4;
    ctx.stroke();
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.stroke();
    ctx.setLineDash([]);
    const px = clamp(tr.x(result.x[k])), py = clamp(tr.y(result.y[k]));
    ctx.fillStyle = '#fff';
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(px, py, 5, 0, Math.PI * 2);
    ctx.fill();
    ctx.stroke();
    const lr = result.lr[Math.min(k - 1, result.lr.length - 1)];
    const t = lastView ? lastView.t : (s) => s;
    const text = t('finder.onMap', { lr: formatNum(lr, 2) });
    ctx.font = (lastView && lastView.theme.font) || '12px sans-serif';
    ctx.textBaseline = 'bottom';
    ctx.textAlign = 'left';
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(0,0,0,0.75)';
    ctx.strokeText(text, px + 8, py - 6);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, px + 8, py - 6);
    ctx.restore();
  }

  new ResizeObserver(() => { if (lastView) draw(lastView); }).observe(canvas);
  return { render, drawOverlay };
}
