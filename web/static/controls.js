// controls.js: the control panels. mountControls builds and owns the
// playback bar, the surface panel and the selected run's panel; data comes
// down through render(view), user actions go up through the callbacks.

import { OPTIMIZERS, OPTIMIZER_NAMES, SCHEDULERS, SCHEDULER_NAMES, RUN, resolve, checkValue } from './schema.js';
import { optimizerLR, LIMITS } from './state.js';
import { check, stepValue } from './numfield.js';
import { lrCurve } from './lrcurve.js';
import { formatNum } from './i18n.js';

/** LR_MIN and LR_MAX bound the LR slider (log scale). */
export const LR_MIN = 1e-5, LR_MAX = 10;
const SPEED_MAX_POS = 3.3; // slider position past log10(1000) that means "max"

/** el creates an element with attributes (on* and style excluded by design) and children. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/**
 * setText writes text into node only when it differs. The panels render on
 * every frame that brings points; writing the same text again still
 * replaces the node's text, and the page is laid out anew (about 0.06 ms
 * an element in headless Chromium: 3 ms for the 40-odd texts of the
 * controls and the legend).
 */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** setValue is setText for a field's value (writing the same value also moves the caret to the end). */
export function setValue(input, value) {
  if (input.value !== value) input.value = value;
}

/** speedToPos and posToSpeed convert between a rate (0 = max) and the speed slider. */
export const speedToPos = (rate) => (rate === 0 ? SPEED_MAX_POS : Math.log10(Math.min(1000, Math.max(1, rate))));
export const posToSpeed = (pos) => (pos > 3.1 ? 0 : Math.max(1, Math.round(10 ** pos)));

/** snapLR rounds an LR from the slider to 3 significant digits. */
export const snapLR = (lr) => Number(lr.toPrecision(lr < 1 ? 2 : 3));

// the RUN rows shown with player y on a game, and those shown elsewhere (batch_size: the data panel, data.js)
const GAME_ROWS = ['optimizer_y', 'updates'], ELSEWHERE = ['batch_size'];

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

/**
 * mountControls mounts into roots {transport, surface, run}. cb:
 * onAction(name) for 'play' | 'step' | 'reset' | 'resetView';
 * onGlobal(key, value) for 'steps' | 'rate' | 'surface' | 'param' ({name, value}) | 'formula' | 'shift';
 * onRun(path, value, {live}) for a change of the selected run ("optimizer.lr",
 * "scheduler.name", a run row's key, "x"…); live is true while a slider moves.
 * It returns {render(view), invalid(), say(text)} with view = {state, catalog,
 * selected, playing, lambda (λmax at the selected run's current point, or
 * null), t, dark}; invalid() lists the fields holding a refused value
 * ({input, label, message}), say(text, kind) writes a message beside Play
 * (kind 'error', or 'info' for news such as a restart).
 */
export function mountControls(roots, cb) {
  let view = null;
  let surfaceKey = '', runKey = '';

  // ---- number fields (numfield.js): ↑/↓ step within the range; a value out
  // of it is refused beside the field, with the range, and not sent
  const invalid = new Map(); // input → {input, label, message}
  function guard(input, spec, send, host, label) {
    const msg = el('p', { class: 'field-msg', id: nextId('msg'), 'aria-live': 'polite', hidden: true });
    host.append(msg);
    input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), msg.id].filter(Boolean).join(' '));
    const apply = () => {
      const r = check(spec(), input.value, view.t);
      if (r.ok) {
        input.removeAttribute('aria-invalid');
        invalid.delete(input);
      } else {
        input.setAttribute('aria-invalid', 'true');
        invalid.set(input, { input, label, message: r.message });
      }
      msg.hidden = r.ok;
      setText(msg, r.ok ? '' : r.message);
      if (r.ok) send(r.value);
    };
    input.addEventListener('change', apply);
    input.addEventListener('keydown', (ev) => {
      if ((ev.key !== 'ArrowUp' && ev.key !== 'ArrowDown') || ev.altKey || ev.ctrlKey || ev.metaKey) return;
      ev.preventDefault();
      const v = input.value.trim() === '' ? NaN : Number(input.value);
      const next = stepValue(spec(), v, ev.key === 'ArrowUp' ? 1 : -1);
      if (next !== v) { setValue(input, String(next)); apply(); }
    });
    input.addEventListener('wheel', (ev) => { if (document.activeElement === input) ev.preventDefault(); }, { passive: false });
    return { clear: () => { input.removeAttribute('aria-invalid'); invalid.delete(input); msg.hidden = true; setText(msg, ''); } };
  }
  const isInvalid = (input) => invalid.has(input) && input.isConnected;

  // ---- playback bar (built once; texts refreshed in render)
  const play = el('button', { id: 'play', type: 'button', class: 'primary play', 'aria-pressed': 'false' });
  const step = el('button', { id: 'step', type: 'button' });
  const reset = el('button', { id: 'reset', type: 'button' });
  const speed = el('input', { id: 'speed', type: 'range', min: '0', max: String(SPEED_MAX_POS), step: '0.01' });
  const speedOut = el('output', { for: 'speed', class: 'speed-out' });
  const speedLabel = el('label', { for: 'speed' });
  const steps = el('input', { id: 'steps', type: 'number', min: '1', max: String(LIMITS.steps), step: '1', inputmode: 'numeric' });
  const stepsLabel = el('label', { for: 'steps' });
  const stepsBox = el('div', { class: 'steps' }, stepsLabel, steps);
  const playMsg = el('p', { id: 'play-msg', class: 'play-msg', role: 'status', hidden: true });
  roots.transport.append(
    el('div', { class: 'buttons' }, play, step, reset),
    el('div', { class: 'speed' }, speedLabel, speed, speedOut),
    stepsBox, playMsg,
  );
  play.addEventListener('click', () => cb.onAction('play'));
  step.addEventListener('click', () => cb.onAction('step'));
  reset.addEventListener('click', () => cb.onAction('reset'));
  speed.addEventListener('input', () => {
    const r = posToSpeed(Number(speed.value));
    setText(speedOut, speedText(r));
    cb.onGlobal('rate', r);
  });
  // the server's -max-steps (LIMITS, from the page)
  guard(steps, () => ({ key: 'steps', type: 'int', min: 1, max: LIMITS.steps }), (n) => cb.onGlobal('steps', n), stepsBox, () => view.t('transport.steps'));

  const speedText = (r) => (r === 0 ? view.t('transport.speedMax') : view.t(r === 1 ? 'transport.perSecondOne' : 'transport.perSecond', { n: r }));

  function render(v) {
    view = v;
    const { t, state } = v;
    setText(play, v.playing ? `❚❚ ${t('transport.pause')}` : `▶ ${t('transport.play')}`);
    play.setAttribute('aria-pressed', v.playing ? 'true' : 'false');
    play.title = t('transport.playTip');
    setText(step, `▸| ${t('transport.step')}`);
    step.title = t('transport.stepTip');
    setText(reset, `↺ ${t('transport.reset')}`);
    reset.title = t('transport.resetTip');
    setText(speedLabel, t('transport.speed'));
    speed.title = t('transport.speedTip');
    setText(stepsLabel, t('transport.steps'));
    steps.title = t('transport.stepsTip');
    if (document.activeElement !== speed) setValue(speed, String(speedToPos(state.rate)));
    setText(speedOut, speedText(state.rate));
    if (document.activeElement !== steps && !isInvalid(steps)) setValue(steps, String(state.steps));

    const info = v.catalog ? v.catalog[state.surface] : null;
    const sk = [v.lang, state.surface, !!v.catalog, Object.keys(v.catalog || {}).length].join('|');
    if (sk !== surfaceKey) { surfaceKey = sk; buildSurface(info); }
    syncSurface(info);

    const run = state.runs[v.selected];
    const rk = run ? [v.lang, v.selected, run.optimizer.name, run.scheduler.name, info ? info.kind : ''].join('|') : `none|${v.lang}`;
    if (rk !== runKey) { runKey = rk; buildRun(run, info); }
    if (run) syncRun(run, info);
  }

  // ---- surface panel
  let surfSelect, paramInputs = {}, formulaInput, shiftX, shiftY, viewBtn;
  function buildSurface(info) {
    const { t, state } = view;
    const root = roots.surface;
    root.replaceChildren();
    root.append(el('h2', { text: t('surface.section') }));
    const sid = 'surface-select';
    surfSelect = el('select', { id: sid, title: t('surface.selectTip') });
    const names = view.catalog ? Object.keys(view.catalog) : [state.surface];
    if (!names.includes('custom')) names.push('custom'); // a formula of one's own (formula.js checks it)
    for (const n of names) {
      const c = view.catalog && view.catalog[n];
      surfSelect.append(el('option', { value: n, text: surfaceTitle(t, n, c) }));
    }
    surfSelect.addEventListener('change', () => cb.onGlobal('surface', surfSelect.value));
    root.append(el('div', { class: 'field' }, el('label', { for: sid, text: t('surface.select') }), surfSelect));
    const dkey = `surfdesc.${state.surface}`;
    const desc = t(dkey) !== dkey ? t(dkey) : (info && info.description) || '';
    if (desc) root.append(el('p', { class: 'note surface-desc', text: desc }));
    if (info && info.formula) root.append(el('p', { class: 'formula', text: info.formula }));
    if (info && info.kind === 'game') root.append(el('p', { class: 'note', text: t('surface.kind.game') }));
    paramInputs = {};
    const grid = el('div', { class: 'fields' });
    for (const p of (info && info.params) || []) {
      const id = nextId('param');
      const pkey = `param.${state.surface}.${p.name}`; // the page's language, else the server's English
      const tip = t(pkey) !== pkey ? t(pkey) : p.description || '';
      const input = el('input', { id, type: 'number', step: 'any', inputmode: 'decimal', title: tip });
      const ranged = p.min !== undefined && p.max !== undefined && p.min < p.max;
      if (ranged) { input.min = String(p.min); input.max = String(p.max); }
      paramInputs[p.name] = input;
      const box = el('div', { class: 'field' }, el('label', { for: id, text: p.name, title: tip }), input);
      const spec = ranged ? { key: p.name, type: 'float', min: p.min, max: p.max, step: niceStep(p.max - p.min) } : { key: p.name, type: 'float' };
      guard(input, () => spec, (val) => cb.onGlobal('param', { name: p.name, value: val }), box, p.name);
      grid.append(box);
    }
    if (grid.childElementCount) root.append(grid);
    formulaInput = null;
    if (state.surface === 'custom') {
      const id = nextId('formula');
      formulaInput = el('input', { id, type: 'text', spellcheck: 'false', autocomplete: 'off', maxlength: '500', title: t('surface.formulaTip'), class: 'wide' });
      formulaInput.addEventListener('change', () => cb.onGlobal('formula', formulaInput.value));
      root.append(el('div', { class: 'field wide' }, el('label', { for: id, text: t('surface.formula') }), formulaInput));
    }
    const sxid = nextId('shift');
    shiftX = el('input', { id: sxid, type: 'number', step: 'any', 'aria-label': 'dx', title: t('surface.shiftTip') });
    shiftY = el('input', { type: 'number', step: 'any', 'aria-label': 'dy', title: t('surface.shiftTip') });
    const onShift = () => {
      const a = shiftX.value, b = shiftY.value;
      if (a === '' && b === '') cb.onGlobal('shift', null);
      else if (Number.isFinite(Number(a)) && Number.isFinite(Number(b))) cb.onGlobal('shift', [Number(a || 0), Number(b || 0)]);
    };
    shiftX.addEventListener('change', onShift);
    shiftY.addEventListener('change', onShift);
    root.append(el('div', { class: 'field' }, el('label', { for: sxid, text: t('surface.shift'), title: t('surface.shiftTip') }), el('div', { class: 'pair' }, shiftX, shiftY)));
    viewBtn = el('button', { type: 'button', class: 'small', text: t('surface.view'), title: t('surface.viewTip') });
    viewBtn.addEventListener('click', () => cb.onAction('resetView'));
    root.append(viewBtn);
  }
  function syncSurface(info) {
    const { state } = view;
    if (surfSelect && document.activeElement !== surfSelect) setValue(surfSelect, state.surface);
    for (const p of (info && info.params) || []) {
      const input = paramInputs[p.name];
      if (input && document.activeElement !== input && !isInvalid(input)) setValue(input, String(formatField(state.params[p.name] ?? p.default)));
    }
    if (formulaInput && document.activeElement !== formulaInput) setValue(formulaInput, state.formula);
    if (document.activeElement !== shiftX && document.activeElement !== shiftY) {
      setValue(shiftX, state.shift ? String(state.shift[0]) : '');
      setValue(shiftY, state.shift ? String(state.shift[1]) : '');
    }
  }

  // ---- selected run panel
  let lrSlider, lrInput, lrLimit, finishedNote, preview, lrYSlider = null, fields = [];
  function buildRun(run, info) {
    const { t } = view;
    const root = roots.run;
    root.replaceChildren();
    fields = [];
    lrYSlider = null;
    root.append(el('h2', { id: 'run-heading', text: t('run.section') }));
    if (!run) { root.append(el('p', { class: 'note', text: t('run.none') })); return; }

    // optimizer
    const oid = nextId('opt');
    const opt = el('select', { id: oid, title: t('run.optimizerTip') });
    for (const n of OPTIMIZER_NAMES) opt.append(el('option', { value: n, text: t(`opt.${n}`) }));
    setValue(opt, run.optimizer.name);
    opt.addEventListener('change', () => cb.onRun('optimizer.name', opt.value, {}));
    root.append(el('div', { class: 'field' }, el('label', { for: oid, text: t('run.optimizer'), title: t('run.optimizerTip') }), opt));

    // learning rate: log slider and number field
    lrSlider = el('input', { id: 'lr-slider', type: 'range', min: String(Math.log10(LR_MIN)), max: String(Math.log10(LR_MAX)), step: '0.01', title: t('run.lrTip'), 'aria-describedby': 'lr-limit' });
    lrInput = el('input', { id: 'lr-input', type: 'number', step: 'any', min: String(LR_MIN), inputmode: 'decimal', title: t('run.lrTip'), 'aria-label': `${t('run.lr')} (lr)` });
    lrLimit = el('p', { id: 'lr-limit', class: 'note lr-limit' });
    const lrBox = el('div', { class: 'field lr' },
      el('label', { for: 'lr-slider', text: `${t('run.lr')} (lr)`, title: t('run.lrTip') }),
      el('div', { class: 'lr-row' }, lrSlider, lrInput),
      el('div', { class: 'lr-scale', 'aria-hidden': 'true' }, ...['1e-5', '1e-4', '1e-3', '0.01', '0.1', '1', '10'].map((s) => el('span', { text: s }))));
    const lrGuard = guard(lrInput, () => OPTIMIZERS[run.optimizer.name].find((x) => x.key === 'lr'), (lr) => cb.onRun('optimizer.lr', lr, { live: true }), lrBox, 'lr');
    finishedNote = el('p', { class: 'note run-finished', hidden: true });
    lrBox.append(lrLimit, finishedNote);
    lrSlider.addEventListener('input', () => {
      const lr = snapLR(10 ** Number(lrSlider.value));
      setValue(lrInput, String(lr));
      lrGuard.clear();
      cb.onRun('optimizer.lr', lr, { live: true });
    });
    root.append(lrBox);

    const ofields = el('div', { class: 'fields' });
    for (const spec of OPTIMIZERS[run.optimizer.name]) {
      if (spec.key === 'lr') continue;
      ofields.append(field(spec, 'optimizer'));
    }
    root.append(ofields);

    // scheduler with its preview
    const schid = nextId('sched');
    const sch = el('select', { id: schid, title: t('run.schedulerTip') });
    for (const n of SCHEDULER_NAMES) sch.append(el('option', { value: n, text: t(`sched.${n}`) }));
    setValue(sch, run.scheduler.name);
    sch.addEventListener('change', () => cb.onRun('scheduler.name', sch.value, {}));
    root.append(el('div', { class: 'field' }, el('label', { for: schid, text: t('run.scheduler'), title: t('run.schedulerTip') }), sch));
    const sfields = el('div', { class: 'fields' });
    for (const spec of SCHEDULERS[run.scheduler.name]) sfields.append(field(spec, 'scheduler'));
    if (sfields.childElementCount) root.append(sfields);
    preview = el('canvas', { class: 'preview', role: 'img', 'aria-label': t('run.preview'), title: t('run.previewTip'), width: '300', height: '70' });
    root.append(el('figure', { class: 'preview-fig' }, el('figcaption', { text: t('run.preview') }), preview));
    watchPreview(preview);

    // game: player y (its optimizer and update order are RUN rows, its LR the optimizer_y group's lr)
    if (info && info.kind === 'game') {
      const gfields = el('div', { class: 'fields' });
      for (const spec of RUN) {
        if (!GAME_ROWS.includes(spec.key)) continue;
        gfields.append(runField(spec));
        if (spec.key === 'optimizer_y') gfields.append(lrYField());
      }
      root.append(gfields);
    }

    // the other run-level settings: the schema's RUN rows, in its order
    const rfields = el('div', { class: 'fields' });
    for (const spec of RUN) if (!GAME_ROWS.includes(spec.key) && !ELSEWHERE.includes(spec.key)) rfields.append(runField(spec));
    root.append(rfields);
  }

  // lrYField is player y's LR: a number field with a log slider like x's
  function lrYField() {
    const { t } = view;
    const lrY = plainNumber('lr_y', 'optimizer_y.lr', t('run.lrY'), t('run.lrYTip'), (r) => (r.optimizer_y && r.optimizer_y.lr) ?? optimizerLR(r), { min: 0, exclusiveMin: true });
    const yInput = lrY.querySelector('input');
    lrYSlider = el('input', { id: 'lr-y-slider', type: 'range', min: String(Math.log10(LR_MIN)), max: String(Math.log10(LR_MAX)), step: '0.01', title: t('run.lrYTip'), 'aria-label': t('run.lrY') });
    lrYSlider.addEventListener('input', () => {
      const v = snapLR(10 ** Number(lrYSlider.value));
      setValue(yInput, String(v));
      yInput.dispatchEvent(new Event('change'));
    });
    lrY.classList.add('wide');
    lrY.insertBefore(el('div', { class: 'lr-row' }, lrYSlider, yInput), lrY.querySelector('.field-msg'));
    return lrY;
  }

  /**
   * runField builds the field of RUN row spec from the row (type, range,
   * step, options), labelled by the i18n keys run.<key> and run.<key>Tip.
   * The page's run object names the setting by its query name when it has
   * one (reducer.js's runField), the start pair as x and y.
   */
  function runField(spec) {
    const { t } = view;
    const path = spec.query || spec.key;
    const text = t(`run.${spec.key}`), tip = t(`run.${spec.key}Tip`);
    const id = nextId(path);
    const live = { live: !!spec.live };
    // a setting not given takes its default; player y's optimizer is the run's own
    const get = (r) => r[path] ?? (spec.key === 'optimizer_y' ? r.optimizer.name : spec.def);
    const label = el('label', { for: id, text, title: tip });
    if (spec.type === 'enum') {
      const input = el('select', { id, title: tip });
      for (const o of spec.options) input.append(el('option', { value: o, text: optionText(spec, o) }));
      input.addEventListener('change', () => cb.onRun(path, input.value, live));
      fields.push({ input, get, kind: 'select' });
      return el('div', { class: 'field' }, label, input);
    }
    if (spec.type === 'string') {
      const input = el('input', { id, type: 'text', maxlength: spec.maxLength ? String(spec.maxLength) : null, autocomplete: 'off', title: tip });
      input.addEventListener('change', () => cb.onRun(path, input.value.trim(), live));
      fields.push({ input, get: (r) => r[path], kind: 'text' });
      return el('div', { class: 'field wide' }, label, input);
    }
    if (spec.type === 'pair') {
      // the start: shown as the point the run starts from (view.start), sent as [x, y]
      const one = { ...spec, key: `${spec.key}[0]`, type: 'float' };
      const a = el('input', { id, type: 'number', step: 'any', inputmode: 'decimal', title: tip, 'aria-label': `${text} x`, 'data-key': 'x' });
      const b = el('input', { type: 'number', step: 'any', inputmode: 'decimal', title: tip, 'aria-label': `${text} y`, 'data-key': 'y' });
      const box = el('div', { class: 'field' }, label, el('div', { class: 'pair' }, a, b));
      const send = () => {
        const v = [Number(a.value), Number(b.value)];
        if (!isInvalid(a) && !isInvalid(b) && !checkValue(spec, v)) cb.onRun(path, v, live);
      };
      guard(a, () => one, send, box, `${text} x`);
      guard(b, () => ({ ...one, key: `${spec.key}[1]` }), send, box, `${text} y`);
      fields.push({ input: a, get: () => view.start[0], kind: 'number' });
      fields.push({ input: b, get: () => view.start[1], kind: 'number' });
      return box;
    }
    return plainNumber(spec.key, path, text, tip, get, spec);
  }

  // optionText is the label of option o of an enum row: the i18n key <key>.<o>, an optimizer's name, or o
  function optionText(spec, o) {
    const k = `${spec.key}.${o}`;
    if (view.t(k) !== k) return view.t(k);
    return OPTIMIZER_NAMES.includes(o) ? view.t(`opt.${o}`) : o;
  }

  function plainNumber(key, path, text, tip, get, range) {
    const id = nextId(path);
    const input = el('input', { id, type: 'number', step: range.type === 'int' ? '1' : 'any', inputmode: range.type === 'int' ? 'numeric' : 'decimal', title: tip, 'data-key': path });
    const box = el('div', { class: 'field' }, el('label', { for: id, text, title: tip }), input);
    const spec = { type: 'float', ...range, key };
    guard(input, () => spec, (v) => cb.onRun(path, v, { live: !!spec.live || key === 'lr_y' }), box, text);
    fields.push({ input, get, kind: 'number' });
    return box;
  }

  function field(spec, group) {
    const { t } = view;
    const id = nextId(spec.key);
    const tip = t(`tip.${spec.key}`);
    const path = `${group}.${spec.key}`;
    const get = (r) => resolve([spec], r[group], { steps: view.state.steps, lr: optimizerLR(r) })[spec.key];
    const live = { live: true };
    let input, wrap;
    if (spec.type === 'bool') {
      input = el('input', { id, type: 'checkbox', title: tip });
      input.addEventListener('change', () => cb.onRun(path, input.checked, live));
      fields.push({ input, get, kind: 'bool' });
      return el('div', { class: 'field check' }, input, el('label', { for: id, text: spec.key, title: tip }));
    }
    if (spec.type === 'enum') {
      input = el('select', { id, title: tip });
      for (const o of spec.options) input.append(el('option', { value: o, text: o }));
      input.addEventListener('change', () => cb.onRun(path, input.value, live));
      fields.push({ input, get, kind: 'select' });
      return el('div', { class: 'field' }, el('label', { for: id, text: spec.key, title: tip }), input);
    }
    if (spec.type === 'pair') {
      const a = el('input', { id, type: 'number', step: 'any', title: tip, 'aria-label': `${spec.key}[0]` });
      const b = el('input', { type: 'number', step: 'any', title: tip, 'aria-label': `${spec.key}[1]` });
      const box = el('div', { class: 'field' }, el('label', { for: id, text: spec.key, title: tip }), el('div', { class: 'pair' }, a, b));
      const one = { ...spec, type: 'float' };
      const send = () => {
        const v = [Number(a.value), Number(b.value)];
        if (!isInvalid(a) && !isInvalid(b) && !checkValue(spec, v)) cb.onRun(path, v, live);
      };
      guard(a, () => one, send, box, `${spec.key}[0]`);
      guard(b, () => one, send, box, `${spec.key}[1]`);
      fields.push({ input: a, get: (r) => get(r)[0], kind: 'number' });
      fields.push({ input: b, get: (r) => get(r)[1], kind: 'number' });
      return box;
    }
    if (spec.type === 'ints') {
      input = el('input', { id, type: 'text', inputmode: 'numeric', title: tip, placeholder: '50;75' });
      input.addEventListener('change', () => {
        const v = input.value.split(/[;,\s]+/).filter(Boolean).map(Number);
        const bad = checkValue(spec, v);
        input.toggleAttribute('aria-invalid', !!bad);
        if (!bad) cb.onRun(path, v, live);
      });
      fields.push({ input, get: (r) => get(r).join(';'), kind: 'text' });
      wrap = el('div', { class: 'field' }, el('label', { for: id, text: spec.key, title: tip }), input);
      return wrap;
    }
    input = el('input', { id, type: 'number', step: spec.type === 'int' ? '1' : 'any', inputmode: spec.type === 'int' ? 'numeric' : 'decimal', title: tip, 'data-key': path });
    if (spec.min !== undefined && !spec.exclusiveMin) input.min = String(spec.min);
    if (spec.max !== undefined && !spec.exclusiveMax) input.max = String(spec.max);
    wrap = el('div', { class: 'field' }, el('label', { for: id, text: spec.key, title: tip }), input);
    guard(input, () => spec, (v) => cb.onRun(path, v, live), wrap, spec.key);
    fields.push({ input, get: (r) => get(r) ?? '', kind: 'number' });
    return wrap;
  }

  function syncRun(run) {
    const { t } = view;
    const lr = optimizerLR(run);
    if (document.activeElement !== lrSlider) setValue(lrSlider, String(Math.log10(Math.min(LR_MAX, Math.max(LR_MIN, lr)))));
    if (document.activeElement !== lrInput && !isInvalid(lrInput)) setValue(lrInput, String(lr));
    lrSlider.setAttribute('aria-valuetext', `lr ${formatNum(lr)}`);
    if (view.lambda > 0) {
      const limit = 2 / view.lambda;
      const ratio = lr / limit;
      setText(lrLimit, `${t('run.lrLimit', { v: formatNum(limit, 3) })} · ${t('run.lrRatio', { r: formatNum(ratio, 2) })}`);
      lrLimit.classList.toggle('over', ratio > 1);
    } else {
      setText(lrLimit, '');
      lrLimit.classList.remove('over');
    }
    for (const f of fields) {
      if (document.activeElement === f.input || isInvalid(f.input)) continue;
      const v = f.get(run);
      if (f.kind === 'bool') f.input.checked = !!v;
      else setValue(f.input, v === null || v === undefined ? '' : String(f.kind === 'number' ? formatField(v) : v));
    }
    if (lrYSlider && document.activeElement !== lrYSlider) {
      const ly = (run.optimizer_y && run.optimizer_y.lr) ?? lr;
      setValue(lrYSlider, String(Math.log10(Math.min(LR_MAX, Math.max(LR_MIN, ly)))));
      lrYSlider.setAttribute('aria-valuetext', `lr_y ${formatNum(ly)}`);
    }
    // a finished run changed runs again from step 0: said before it happens
    finishedNote.hidden = !view.finished;
    setText(finishedNote, view.finished ? t('run.finishedNote') : '');
    drawPreview(run, lr);
  }

  // The preview's size comes from a ResizeObserver, read after layout: asking
  // for clientWidth while the panels are being built forced the page's first
  // layout in the middle of its first render. It is redrawn only when what it
  // shows changes, not on every render while the runs play.
  let previewSize = null, previewKey = '', previewArgs = null;
  const previewObserver = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => {
    if (!preview) return;
    previewSize = { w: preview.clientWidth, h: preview.clientHeight };
    if (previewArgs) drawPreview(...previewArgs);
  });
  function watchPreview(canvas) {
    previewSize = null;
    previewKey = '';
    if (!previewObserver) { previewSize = { w: 300, h: 70 }; return; }
    previewObserver.disconnect();
    previewObserver.observe(canvas);
  }

  function drawPreview(run, lr) {
    if (!preview) return;
    previewArgs = [run, lr];
    if (!previewSize) return; // drawn when the observer has the size
    const dpr = window.devicePixelRatio || 1;
    const w = previewSize.w || 300, h = previewSize.h || 70;
    const key = JSON.stringify([run.scheduler, lr, view.state.steps, view.color, view.theme.grid, view.theme.muted, view.theme.smallFont, w, h, dpr]);
    if (key === previewKey) return;
    previewKey = key;
    if (preview.width !== Math.round(w * dpr)) { preview.width = Math.round(w * dpr); preview.height = Math.round(h * dpr); }
    const ctx = preview.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const n = view.state.steps;
    const curve = lrCurve(run.scheduler, lr, n);
    let hi = 0;
    for (const v of curve) if (v > hi) hi = v;
    if (!(hi > 0)) return;
    const left = 4, right = w - 4, top = 14, bottom = h - 4;
    ctx.strokeStyle = view.theme.grid;
    ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(left, bottom + 0.5); ctx.lineTo(right, bottom + 0.5); ctx.stroke();
    ctx.strokeStyle = view.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    const cols = Math.max(2, Math.round(right - left));
    for (let c = 0; c <= cols; c++) {
      // the max over the steps of this column, so that short spikes show
      const a = Math.floor(c / (cols + 1) * n), b = Math.max(a + 1, Math.floor((c + 1) / (cols + 1) * n));
      let v = 0;
      for (let k = a; k < b && k < n; k++) if (curve[k] > v) v = curve[k];
      const x = left + c, y = bottom - v / hi * (bottom - top);
      if (c === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    ctx.stroke();
    ctx.fillStyle = view.theme.muted;
    ctx.font = view.theme.smallFont || '11px sans-serif';
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText(`max ${formatNum(hi, 3)}`, left, 0);
    ctx.textAlign = 'right';
    ctx.fillText(`${formatNum(curve[n - 1], 3)} @ ${n - 1}`, right, 0);
  }

  function say(text, kind = 'error') {
    setText(playMsg, text || '');
    playMsg.dataset.kind = kind;
    playMsg.hidden = !text;
  }

  return {
    render,
    invalid: () => [...invalid.values()].filter((f) => f.input.isConnected).map((f) => ({ ...f, label: typeof f.label === 'function' ? f.label() : f.label })),
    say,
  };
}

/** formatField writes a number for a field: at most 6 significant digits (θ = 0.523599, not 0.5235987755982989). */
export function formatField(v) {
  return typeof v === 'number' && Number.isFinite(v) && v !== 0 ? Number(v.toPrecision(6)) : v;
}

/** niceStep is a round step near a hundredth of span (1 → 0.01, 20 → 0.1). */
export function niceStep(span) {
  return span > 0 ? 10 ** Math.floor(Math.log10(span / 100) + 0.3) : 0.01;
}

/** surfaceTitle returns the name of a surface in the page's language. */
export function surfaceTitle(t, name, info) {
  const key = `surf.${name}`;
  const s = t(key);
  if (s !== key) return s;
  return (info && info.title) || name;
}
