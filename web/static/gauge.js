// gauge.js: the stability gauge beside the LR slider (the selected run's LR
// against its stability limit at the run's current point: 2/λmax, or
// 2(1+β)/λmax for SGD with heavy-ball momentum β; red past the limit) and
// the chart of the sharpness λmax along the run against the largest λmax
// its LR tolerates (2/lr…).

import { el } from './controls.js';
import { formatNum } from './i18n.js';
import { optimizerLR } from './state.js';
import { plotChart } from './plot.js';
import { stabilityLimit, gaugeFraction, curvatureLimit, limitFactor, logExtent } from './analysis.js';


/**
 * mountGauge builds the gauge, which places itself after the LR slider's
 * #lr-limit line whenever the run panel is rebuilt, and the sharpness chart
 * in chartRoot. app: {view() → {state, info, selected, data, lambda, t,
 * theme, dark, colors(i)}}. It returns {render()}.
 */
export function mountGauge(chartRoot, app) {
  // ---- gauge
  const fill = el('span', { class: 'an-gauge-ok' });
  const needle = el('span', { class: 'an-gauge-needle' });
  const limitTick = el('span', { class: 'an-gauge-limit' });
  const track = el('span', { class: 'an-gauge-track', 'aria-hidden': 'true' }, fill, limitTick, needle);
  const text = el('span', { class: 'an-gauge-text' });
  const gauge = el('div', { class: 'an-gauge', id: 'lr-gauge', role: 'status' }, track, text);

  // ---- sharpness chart
  const title = el('h2');
  const canvas = el('canvas', { class: 'an-chart', role: 'img' });
  const key = el('ul', { class: 'an-key' });
  const note = el('p', { class: 'note' });
  chartRoot.append(title, el('figure', { class: 'an-fig' }, canvas, key), note);

  let lastView = null, drawnKey = '', lastDraw = 0, timer = 0;

  function place() {
    const anchor = document.getElementById('lr-limit');
    if (anchor && gauge.previousElementSibling !== anchor) anchor.after(gauge);
  }

  function render() {
    const view = app.view();
    lastView = view;
    place();
    renderGauge(view);
    const d = view.data[view.selected];
    const k = [view.lang, view.dark, view.selected, d ? d.n : 0, d ? d.status : '', view.state.runs.length].join('|');
    if (k === drawnKey) return;
    // at most about 8 redraws a second while a run streams
    const now = performance.now();
    clearTimeout(timer);
    if (now - lastDraw < 120) { timer = setTimeout(render, 130); return; }
    drawnKey = k;
    lastDraw = now;
    drawChart(view);
  }

  function renderGauge(view) {
    const { t, state, selected, data } = view;
    const run = state.runs[selected];
    if (!run) { gauge.hidden = true; return; }
    gauge.hidden = false;
    const d = data[selected];
    const n = d ? d.n : 0;
    const lr = run.scheduler.name !== 'constant' && n > 0 && d.lr[n - 1] > 0 ? d.lr[n - 1] : optimizerLR(run);
    const lambda = view.lambda;
    const lim = stabilityLimit(lambda, run.optimizer);
    gauge.title = t('gauge.tip');
    let state2 = 'unknown', msg;
    if (typeof lambda !== 'number' || !Number.isFinite(lambda)) {
      msg = t('gauge.unknown');
    } else if (lim.formula === 'adaptive') {
      const ref = stabilityLimit(lambda, { name: 'sgd' });
      msg = ref.lr ? t('gauge.adaptive', { opt: t(`opt.${run.optimizer.name}`), limit: formatNum(ref.lr, 2) }) : t('gauge.none');
      state2 = 'adaptive';
    } else if (lim.lr === null) {
      msg = t('gauge.none');
      state2 = 'none';
    } else {
      const over = lr > lim.lr;
      state2 = over ? 'over' : 'ok';
      msg = `${t('gauge.value', { lr: formatNum(lr, 2), formula: lim.formula, limit: formatNum(lim.lr, 2), r: formatNum(lr / lim.lr, 3) })} ${t(over ? 'gauge.over' : 'gauge.under')}`;
      needle.style.left = `${(gaugeFraction(lr, lim.lr) * 100).toFixed(2)}%`;
    }
    gauge.dataset.state = state2;
    track.hidden = state2 !== 'ok' && state2 !== 'over';
    if (text.textContent !== msg) text.textContent = msg;
  }

  function drawChart(view) {
    const { t, state, selected, data, theme } = view;
    const run = state.runs[selected];
    const d = data[selected];
    const f = run ? limitFactor(run.optimizer) : null;
    const tl = f && f.F !== null ? (f.beta ? (run.optimizer.nesterov ? '2(1+β)/((1+2β)·lr)' : '2(1+β)/lr') : '2/lr') : '';
    title.textContent = t('sharp.title');
    canvas.setAttribute('aria-label', t('sharp.title'));
    note.textContent = f && f.F === null ? t('sharp.adaptive') : t('sharp.note', { limit: tl || '2/lr' });
    key.replaceChildren();
    const spec = { x: { log: false, label: t('sharp.xLabel') }, y: { log: true }, lines: [], vlines: [], empty: t('sharp.empty') };
    const n = d ? Math.min(d.n, d.sharpness.length) : 0;
    if (run && n > 1) {
      const xs = Array.from({ length: n }, (_, k) => k);
      const lam = d.sharpness.slice(0, n);
      const lim = f && f.F !== null ? d.lr.slice(0, n).map((lr) => curvatureLimit(lr, run.optimizer)) : [];
      const ext = logExtent(lam, lim);
      if (ext) {
        spec.x.domain = [0, Math.max(n - 1, 1)];
        spec.y.domain = [ext[0] / 1.5, ext[1] * 1.5];
        const color = view.colors(selected);
        if (lim.length) spec.lines.push({ xs, ys: lim, color: theme.ink, width: 2, dash: [6, 4] });
        spec.lines.push({ xs, ys: lam, color, width: 2 });
        const sw = el('span', { class: 'an-line', 'aria-hidden': 'true' });
        sw.style.borderColor = color;
        key.append(el('li', {}, sw, t('sharp.lambda')));
        if (lim.length) {
          const sw2 = el('span', { class: 'an-line dashed', 'aria-hidden': 'true' });
          sw2.style.borderColor = theme.ink;
          key.append(el('li', {}, sw2, t('sharp.limit', { limit: tl })));
        }
        if (lam.some((v) => v <= 0)) key.append(el('li', { class: 'note', text: t('sharp.negative') }));
      }
    }
    plotChart(canvas, spec, theme);
  }

  new ResizeObserver(() => { if (lastView) drawChart(lastView); }).observe(canvas);
  return { render };
}
