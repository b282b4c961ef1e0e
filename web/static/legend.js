// legend.js: the live list of runs. mountLegend owns one row per run
// (colour, label, step, loss, LR now, status) and the run buttons; actions go
// up through the callbacks.

import { el, setText } from './controls.js';
import { formatNum, formatInt } from './i18n.js';
import { optimizerLR } from './state.js';
import { divergeReason, basinOf } from './outcome.js';

/**
 * runName returns the label of run i, or "SGD lr 0.1"-style text when the
 * run has none.
 */
export function runName(t, run, i) {
  if (run.label) return run.label;
  const sched = run.scheduler.name !== 'constant' ? ` · ${run.scheduler.name}` : '';
  const mom = run.optimizer.momentum ? ` m${run.optimizer.momentum}` : '';
  const y = run.opt_y || (run.optimizer_y && run.optimizer_y.lr !== undefined)
    ? ` · y: ${run.opt_y ? t(`opt.${run.opt_y}`) + ' ' : ''}${run.optimizer_y && run.optimizer_y.lr !== undefined ? 'lr ' + formatNum(run.optimizer_y.lr, 3) : ''}`
    : '';
  return `${t(`opt.${run.optimizer.name}`)}${mom} lr ${formatNum(optimizerLR(run), 3)}${y}${sched}`;
}

// copyIcon draws two overlapping squares (the font may lack a copy sign).
function copyIcon() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '14');
  svg.setAttribute('height', '14');
  svg.setAttribute('aria-hidden', 'true');
  for (const [x, y] of [[1, 5], [5, 1]]) {
    const r = document.createElementNS(ns, 'rect');
    for (const [k, v] of Object.entries({ x, y, width: 10, height: 10, rx: 1.5, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.6 })) r.setAttribute(k, String(v));
    svg.append(r);
  }
  return svg;
}

/**
 * mountLegend mounts into root. cb: onSelect(i), onDuplicate(i),
 * onRemove(i), onAdd(), onCompare(). It returns {render(view)} with
 * view = {state, data (protocol records), selected, t, colors: i ↦ css, max}.
 */
export function mountLegend(root, cb) {
  const heading = el('h2', { id: 'legend-heading' });
  const list = el('ol', { class: 'runs', 'aria-labelledby': 'legend-heading' });
  const add = el('button', { type: 'button', id: 'add-run' });
  const compare = el('button', { type: 'button', id: 'compare-lrs' });
  const note = el('p', { class: 'note', hidden: true });
  const msg = el('p', { class: 'note legend-msg', role: 'status', hidden: true }); // what "Compare LRs" could not add
  root.append(heading, list, el('div', { class: 'buttons' }, add, compare), note, msg);
  add.addEventListener('click', () => cb.onAdd());
  compare.addEventListener('click', () => cb.onCompare());
  list.addEventListener('click', (ev) => {
    const btn = ev.target.closest('button[data-act]');
    const row = ev.target.closest('[data-run]');
    if (!row) return;
    const i = Number(row.dataset.run);
    if (btn) {
      if (btn.dataset.act === 'dup') cb.onDuplicate(i);
      if (btn.dataset.act === 'del') cb.onRemove(i);
      if (btn.dataset.act === 'sel') cb.onSelect(i);
    }
  });

  let rows = [];
  let key = '';

  function build(view) {
    const { t, state } = view;
    list.replaceChildren();
    rows = state.runs.map((run, i) => {
      const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
      const name = el('span', { class: 'name' });
      const sel = el('button', { type: 'button', class: 'select', 'data-act': 'sel', 'aria-pressed': 'false' }, swatch, name);
      const stepV = el('span', { class: 'num', 'data-field': 'step' });
      const lossV = el('span', { class: 'num', 'data-field': 'loss' });
      const lrV = el('span', { class: 'num', 'data-field': 'lr' });
      const status = el('span', { class: 'status', 'data-status': 'idle', role: 'status' });
      const dup = el('button', { type: 'button', class: 'icon', 'data-act': 'dup', title: t('legend.duplicateTip'), 'aria-label': t('legend.duplicate') }, copyIcon());
      const del = el('button', { type: 'button', class: 'icon', 'data-act': 'del', title: t('legend.removeTip'), 'aria-label': t('legend.remove') }, '✕');
      const stats = el('div', { class: 'stats' },
        el('span', { class: 'k', text: t('legend.step') }), stepV,
        el('span', { class: 'k', text: t('legend.loss') }), lossV,
        el('span', { class: 'k', text: t('legend.lrNow') }), lrV);
      const extra = el('div', { class: 'stats an-extra', hidden: true }); // train–test gap and basin (analysis.js)
      const li = el('li', { class: 'run', 'data-run': String(i) }, sel, el('span', { class: 'acts' }, dup, del), stats, extra, status);
      list.append(li);
      return { li, swatch, name, sel, stepV, lossV, lrV, status, dup, del, extra };
    });
  }

  function render(view) {
    const { t, state, data, selected } = view;
    setText(heading, t('legend.section'));
    setText(add, `+ ${t('legend.add')}`);
    add.title = t('legend.addTip');
    setText(compare, `×0.1 ×1 ×10 ${t('legend.compare')}`);
    compare.title = t('legend.compareTip');
    const full = state.runs.length >= view.max;
    add.disabled = full;
    compare.disabled = state.runs.length === 0 || state.runs.length > view.max;
    note.hidden = !full;
    setText(note, t('legend.full', { n: view.max }));
    const k = `${view.lang}|${state.runs.length}`;
    if (k !== key) { key = k; build(view); }
    state.runs.forEach((run, i) => {
      const r = rows[i];
      const d = data[i];
      r.swatch.style.background = view.colors(i);
      r.li.style.setProperty('--run', view.colors(i));
      const nm = runName(t, run, i);
      setText(r.name, nm);
      r.sel.setAttribute('aria-pressed', i === selected ? 'true' : 'false');
      r.sel.title = t('legend.select', { n: i + 1 });
      r.li.classList.toggle('selected', i === selected);
      r.del.disabled = state.runs.length <= 1;
      r.dup.disabled = state.runs.length >= view.max;
      const n = d ? d.n : 0;
      const last = n - 1;
      setText(r.stepV, n > 0 ? formatInt(last) : '–');
      let loss = n > 0 ? formatNum(d.loss[last]) : '–';
      if (n > 0 && d.test_loss && d.test_loss.length > last && Number.isFinite(d.test_loss[last])) {
        loss += ` (${t('legend.testLoss')} ${formatNum(d.test_loss[last])})`;
      }
      setText(r.lossV, loss);
      setText(r.lrV, n > 0 ? formatNum(d.lr[last], 3) : formatNum(optimizerLR(run), 3));
      renderExtra(view, r, d, last);
      // a run the session holds still (paused, or after single steps) is not "running"
      const st = d ? (d.status === 'running' && view.playing === false ? 'paused' : d.status) : 'idle';
      let text;
      if (st === 'diverged') {
        const at = d.divergedAt ?? last;
        if (d.doneLR > 0 && typeof d.doneSharpness === 'number') {
          const why = divergeReason(at, d.doneLR, d.doneSharpness, run.optimizer, d);
          text = t(why.key, { ...why.vars, lr: formatNum(why.vars.lr, 2), limit: formatNum(why.vars.limit, 2) });
        } else text = t('status.diverged', { n: at });
      } else text = t(`status.${st}`);
      setText(r.status, text);
      r.status.dataset.status = st;
    });
  }

  /**
   * renderExtra writes a run's train–test gap (when the scenario has a test
   * shift) and the labelled minimum it is in (when the surface has several,
   * or a test shift), from the run's last point.
   */
  function renderExtra(view, r, d, last) {
    const { t, state, info } = view;
    const minima = info ? (info.minima || []).filter((m) => m.label !== 'saddle') : [];
    const want = !!state.shift || minima.length > 1;
    const parts = [];
    if (want && d && last >= 0) {
      const test = d.test_loss && d.test_loss[last];
      if (state.shift && Number.isFinite(test)) {
        parts.push(el('span', { class: 'k', text: t('legend.gap') }), el('span', { class: 'num', text: formatNum(test - d.loss[last], 3) }));
      }
      const b = info ? basinOf(d.x[last], d.y[last], minima, info.view) : null;
      parts.push(el('span', { class: b ? `basin basin-${b.label}` : 'basin', text: b ? t('legend.near', { name: t(`map.minimum.${b.label}`) }) : t('legend.nearNone') }));
    }
    const text = parts.map((p) => p.textContent).join(' ');
    if (r.extra.dataset.text === text) return;
    r.extra.dataset.text = text;
    r.extra.replaceChildren(...parts);
    r.extra.hidden = parts.length === 0;
  }

  /** say writes text under the run buttons ('' clears it). */
  function say(text) {
    setText(msg, text || '');
    msg.hidden = !text;
  }

  return { render, say };
}
