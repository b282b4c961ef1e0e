// gauge.js: the stability gauge beside the LR slider (the selected run's LR
// against its stability limit at the run's current point, as the server
// computed it for the run's optimizer: 2/λmax, 2(1+β)/λmax with heavy-ball
// momentum, (2+2β₁)/((1−β₁)·λ₁(P⁻¹H)) for Adam…; red past the limit; for a
// diverged run, the limit where it began to overshoot) and the chart of the
// sharpness along the run against the sharpness its LR tolerates (2/lr,
// 38/lr for Adam…). Games get no such verdict.

import { el, setText } from './controls.js';
import { formatNum } from './i18n.js';
import { optimizerLR } from './state.js';
import { plotChart } from './plot.js';
import { stabilityLimit, gaugeFraction, logExtent, edgeLabel } from './analysis.js';


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
    const { t, state, selected, data, info } = view;
    const run = state.runs[selected];
    if (!run) { gauge.hidden = true; return; }
    gauge.hidden = false;
    const d = data[selected];
    const g = gaugeOf(view, run, d);
    gauge.title = t(g.adaptive ? 'gauge.tipAdaptive' : 'gauge.tip');
    let state2 = 'unknown', msg;
    if (info && info.kind === 'game') {
      // simultaneous descent–ascent on x·y spirals out at any LR (|eigenvalues| = √(1 + lr²) > 1)
      msg = t(info.name === 'bilinear' && (run.updates || 'simultaneous') === 'simultaneous' ? 'gauge.gameBilinear' : 'gauge.game');
      state2 = 'none';
    } else if (g.limit === null && g.sharpness === null) {
      msg = t(g.adaptive ? 'gauge.unknownAdaptive' : 'gauge.unknown');
    } else if (g.limit === null) {
      msg = t('gauge.none');
      state2 = 'none';
    } else {
      const over = g.lr > g.limit;
      state2 = over ? 'over' : 'ok';
      const vars = { lr: formatNum(g.lr, 4), formula: g.formula, limit: formatNum(g.limit, 2), r: formatNum(g.lr / g.limit, 3) };
      msg = `${t('gauge.value', vars)} ${t(over ? 'gauge.over' : 'gauge.under')}`;
      if (g.from !== null) msg = `${t('gauge.from', { k: g.from })} ${msg}`;
      needle.style.left = `${(gaugeFraction(g.lr, g.limit) * 100).toFixed(2)}%`;
    }
    gauge.dataset.state = state2;
    track.hidden = state2 !== 'ok' && state2 !== 'over';
    setText(text, msg);
  }

  function drawChart(view) {
    const { t, state, selected, data, theme, info } = view;
    const run = state.runs[selected];
    const d = data[selected];
    const adaptive = !!run && run.optimizer.name !== 'sgd';
    const game = !!info && info.kind === 'game';
    const formula = (d && d.limitFormula) || '';
    const tl = edgeLabel(formula) || (adaptive ? '(2+2β₁)/((1−β₁)·lr)' : '2/lr');
    title.textContent = t(adaptive ? 'sharp.titleAdaptive' : 'sharp.title');
    canvas.setAttribute('aria-label', title.textContent);
    note.textContent = game ? t('sharp.game') : t(adaptive ? 'sharp.noteAdaptive' : 'sharp.note', { limit: tl });
    key.replaceChildren();
    const spec = { x: { log: false, label: t('sharp.xLabel') }, y: { log: true }, lines: [], vlines: [], empty: t('sharp.empty') };
    const n = d ? Math.min(d.n, d.sharpness.length) : 0;
    if (run && n > 1) {
      const xs = Array.from({ length: n }, (_, k) => k);
      // S, the curvature the optimizer's step sees (λmax for SGD, λ₁(P⁻¹H)
      // for the adaptive ones), and the sharpness at which this step's LR is
      // at the limit: F/lr = limit·S/lr, both as the server computed them.
      const serverS = d.edge_sharpness && d.edge_sharpness.length >= n;
      const lam = serverS && !game ? d.edge_sharpness.slice(0, n) : d.sharpness.slice(0, n);
      // (F/lr depends only on the LR and the momentum rule, so unlike the
      // LR chart's limit it stays meaningful after a blow-up)
      const lim = serverS && !game ? lam.map((s, k) => {
        const l = d.stability_limit[k], lr = d.lr[k];
        return l > 0 && s > 0 && lr > 0 ? (l * s) / lr : NaN;
      }) : [];
      const ext = logExtent(lam, lim);
      if (ext) {
        spec.x.domain = [0, Math.max(n - 1, 1)];
        spec.y.domain = [ext[0] / 1.5, ext[1] * 1.5];
        const color = view.colors(selected);
        spec.lines.push({ xs, ys: lam, color, width: 2 });
        // the dashed edge on top: at the edge of stability the two coincide
        if (lim.some((v) => v > 0)) spec.lines.push({ xs, ys: lim, color: theme.ink, width: 2, dash: [6, 4] });
        const sw = el('span', { class: 'an-line', 'aria-hidden': 'true' });
        sw.style.borderColor = color;
        key.append(el('li', {}, sw, t(adaptive && !game ? 'sharp.lambdaAdaptive' : 'sharp.lambda')));
        if (lim.some((v) => v > 0)) {
          const sw2 = el('span', { class: 'an-line dashed', 'aria-hidden': 'true' });
          sw2.style.borderColor = theme.ink;
          key.append(el('li', {}, sw2, t(adaptive ? 'sharp.limitAdaptive' : 'sharp.limit', { limit: tl })));
        }
        if (lam.some((v) => v <= 0)) key.append(el('li', { class: 'note', text: t('sharp.negative') }));
      }
    }
    plotChart(canvas, spec, theme);
  }

  new ResizeObserver(() => { if (lastView) drawChart(lastView); }).observe(canvas);
  return { render };
}

/**
 * gaugeOf returns what the gauge shows for run (settings) with data d:
 * {lr, limit, sharpness, formula, from, adaptive}. It reads the server's
 * gauge at the run's last point; for a diverged run the point where it
 * began to overshoot (from: its step); before any point, the SGD limit on
 * the quadratic bowl from view.lambda (the same rule, checked against the
 * server's by a golden table). limit and sharpness are null when unknown.
 */
export function gaugeOf(view, run, d) {
  const adaptive = run.optimizer.name !== 'sgd';
  const n = d ? d.n : 0;
  const lrNow = run.scheduler.name !== 'constant' && n > 0 && d.lr[n - 1] > 0 ? d.lr[n - 1] : optimizerLR(run);
  const out = { lr: lrNow, limit: null, sharpness: null, formula: '', from: null, adaptive };
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  if (d && d.overshoot) {
    const o = d.overshoot;
    return { ...out, lr: o.lr > 0 ? o.lr : lrNow, limit: num(o.limit) && o.limit > 0 ? o.limit : null, sharpness: num(o.edge), formula: o.formula, from: o.step };
  }
  if (n > 0 && d.stability_limit && d.stability_limit.length >= n) {
    const l = num(d.stability_limit[n - 1]);
    return { ...out, limit: l && l > 0 ? l : null, sharpness: num(d.edge_sharpness[n - 1]), formula: d.limitFormula || '' };
  }
  if (!adaptive && typeof view.lambda === 'number' && Number.isFinite(view.lambda)) {
    const lim = stabilityLimit(view.lambda, run.optimizer);
    return { ...out, limit: lim.lr, sharpness: view.lambda, formula: lim.formula };
  }
  return out;
}
