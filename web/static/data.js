// data.js: the data panel of the data surfaces (linreg, logreg): pick a
// built-in data set or paste CSV, a scatter plot of the rows with the line
// (or sigmoid) of the selected run's current (w, b), and the selected run's
// mini-batch size. Loaded by main.js only when a data surface is shown.
// parseCSV and fitCurve are pure (tested by test/data.test.js); mountData
// owns its DOM and reports changes through hooks.

import { el } from './controls.js';
import { DATA_LIMITS } from './state.js';

// STRINGS are the panel's texts (here, not in i18n-*.js, so that they load
// only with the panel); "{name}" marks a value.
const STRINGS = {
  en: {
    'data.title': 'Your data',
    'data.set': 'Data set',
    'data.own': 'Your own (pasted below)',
    'data.set.line': 'A clean line (21 points)',
    'data.set.noisy_line': 'A noisy line (100 points)',
    'data.set.hundreds': 'x in the hundreds, raw (50 points)',
    'data.set.hundreds_std': 'x in the hundreds, standardised (50 points)',
    'data.set.separable': 'Two separable classes (40 points)',
    'data.set.overlapping': 'Two overlapping classes (100 points)',
    'data.paste': 'Paste CSV: two columns x, y (a header line is optional)',
    'data.apply': 'Use these rows',
    'data.batch': 'Batch size B',
    'data.batchOf': 'of {n} rows (B = {n}: full batch)',
    'data.curveLin': 'the selected run at step {step}: ŷ = {w}·x + {b}',
    'data.curveLog': 'the selected run at step {step}: ŷ = sigmoid({w}·x + {b})',
    'data.scatterLabel': 'Scatter plot of {n} rows with the selected run’s current model',
    'data.tooLong': '{n} rows are more than a share link carries ({max}): download the scenario JSON below and open that file again to restore it.',
    'data.err.at': 'line {line}, column {column}: {what}',
    'data.err.columns': 'a row needs exactly two numbers, x and y; this line has {n}',
    'data.err.number': '‘{text}’ is not a number',
    'data.err.range': '‘{text}’ is outside −1e6 … 1e6',
    'data.err.label': 'a label must be 0 or 1, not ‘{text}’',
    'data.err.rows': 'at most {n} rows',
    'data.err.empty': 'no rows: paste two columns of numbers',
    'data.err.batch': 'the batch size must be a whole number from 1 to {n}',
    'data.download': 'Download scenario JSON',
    'data.open': 'Open scenario JSON…',
    'data.openFailed': 'That file is not a scenario: {msg}',
    'data.batchLoss': 'Loss of each mini-batch',
    'data.batchLossNote': 'line: the loss on the whole data (the map’s); dots: the loss of the mini-batch each step used (log scale)',
  },
  ja: {
    'data.title': '自分のデータ',
    'data.set': 'データセット',
    'data.own': '自分のデータ(下に貼り付け)',
    'data.set.line': 'きれいな直線(21 点)',
    'data.set.noisy_line': 'ノイズのある直線(100 点)',
    'data.set.hundreds': 'x が数百(生のまま、50 点)',
    'data.set.hundreds_std': 'x が数百(標準化済み、50 点)',
    'data.set.separable': '分離できる 2 クラス(40 点)',
    'data.set.overlapping': '重なり合う 2 クラス(100 点)',
    'data.paste': 'CSV を貼り付け:x と y の 2 列(見出し行はあってもなくても可)',
    'data.apply': 'この行を使う',
    'data.batch': 'バッチサイズ B',
    'data.batchOf': '/ {n} 行(B = {n} で全データ)',
    'data.curveLin': '選択中の実行のステップ {step}:ŷ = {w}·x + {b}',
    'data.curveLog': '選択中の実行のステップ {step}:ŷ = sigmoid({w}·x + {b})',
    'data.scatterLabel': '{n} 行の散布図と、選択中の実行の現在のモデル',
    'data.tooLong': '{n} 行は共有リンクに入る上限({max} 行)を超えています。下のボタンでシナリオの JSON を保存し、そのファイルを開き直せば元に戻せます。',
    'data.err.at': '{line} 行目 {column} 文字目:{what}',
    'data.err.columns': '1 行に x と y の 2 つの数が必要ですが、この行には {n} 個あります',
    'data.err.number': '‘{text}’ は数ではありません',
    'data.err.range': '‘{text}’ は −1e6 … 1e6 の範囲外です',
    'data.err.label': 'ラベルは 0 か 1 です(‘{text}’ は使えません)',
    'data.err.rows': '最大 {n} 行までです',
    'data.err.empty': '行がありません。数の 2 列を貼り付けてください',
    'data.err.batch': 'バッチサイズは 1 から {n} までの整数です',
    'data.download': 'シナリオの JSON を保存',
    'data.open': 'シナリオの JSON を開く…',
    'data.openFailed': 'シナリオのファイルではありません:{msg}',
    'data.batchLoss': 'ミニバッチごとの損失',
    'data.batchLossNote': '線:データ全体での損失(マップと同じ)、点:各ステップが使ったミニバッチの損失(対数目盛)',
  },
};

/** text returns the panel's string key in lang (English when missing) with {name} filled from vars. */
export function text(lang, key, vars = {}) {
  const table = STRINGS[lang] || STRINGS.en;
  const s = key in table ? table[key] : STRINGS.en[key];
  if (s === undefined) return key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/**
 * parseCSV reads two columns of numbers (x, y), separated by commas, tabs,
 * semicolons or spaces, one row a line; the first line may be a header.
 * Blank lines are skipped. It returns {rows} or {error: {line, column, key,
 * vars}}: the 1-based line and column of the culprit and a message key of
 * data.err.* with its values, as the formula field reports its errors.
 * surface "logreg" wants labels 0 or 1 in the second column.
 */
export function parseCSV(text, surface = 'linreg') {
  const rows = [];
  const lines = String(text).split(/\r\n|\n|\r/);
  let header = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const fields = [];
    const re = /[^,;\t ]+/g;
    let m;
    while ((m = re.exec(line)) !== null) fields.push({ text: m[0], column: m.index + 1 });
    const num = (s) => (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : NaN);
    if (!header && rows.length === 0 && fields.length >= 1 && fields.some((f) => Number.isNaN(num(f.text)))) {
      header = true; // the first line with words in it is a header
      continue;
    }
    if (fields.length < 2) return { error: { line: i + 1, column: line.length + 1, key: 'data.err.columns', vars: { n: fields.length } } };
    if (fields.length > 2) return { error: { line: i + 1, column: fields[2].column, key: 'data.err.columns', vars: { n: fields.length } } };
    const row = [];
    for (const f of fields) {
      const v = num(f.text);
      if (!Number.isFinite(v)) return { error: { line: i + 1, column: f.column, key: 'data.err.number', vars: { text: f.text } } };
      if (Math.abs(v) > DATA_LIMITS.maxValue) return { error: { line: i + 1, column: f.column, key: 'data.err.range', vars: { text: f.text } } };
      row.push(v);
    }
    if (surface === 'logreg' && row[1] !== 0 && row[1] !== 1) {
      return { error: { line: i + 1, column: fields[1].column, key: 'data.err.label', vars: { text: fields[1].text } } };
    }
    rows.push(row);
    if (rows.length > DATA_LIMITS.rows) return { error: { line: i + 1, column: 1, key: 'data.err.rows', vars: { n: DATA_LIMITS.rows } } };
  }
  if (rows.length === 0) return { error: { line: 1, column: 1, key: 'data.err.empty', vars: {} } };
  return { rows };
}

/** toCSV writes rows as two comma-separated columns with a header. */
export function toCSV(rows, surface = 'linreg') {
  return [surface === 'logreg' ? 'x,label' : 'x,y', ...rows.map((r) => `${r[0]},${r[1]}`)].join('\n');
}

/**
 * fitCurve returns the model's curve over [xmin, xmax] as n+1 points [x, ŷ]:
 * the line w·x + b (linreg) or sigmoid(w·x + b) (logreg).
 */
export function fitCurve(surface, w, b, xmin, xmax, n = 48) {
  const out = [];
  for (let i = 0; i <= n; i++) {
    const x = xmin + ((xmax - xmin) * i) / n;
    const z = w * x + b;
    out.push([x, surface === 'logreg' ? 1 / (1 + Math.exp(-z)) : z]);
  }
  return out;
}

/** bounds returns the box of the rows, padded by a twentieth on each side (y in [−0.1, 1.1] for labels). */
export function bounds(rows, surface) {
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (const [x, y] of rows) {
    xmin = Math.min(xmin, x); xmax = Math.max(xmax, x);
    ymin = Math.min(ymin, y); ymax = Math.max(ymax, y);
  }
  if (!(xmax > xmin)) { xmin -= 1; xmax += 1; }
  if (surface === 'logreg') { ymin = 0; ymax = 1; }
  if (!(ymax > ymin)) { ymin -= 1; ymax += 1; }
  const px = (xmax - xmin) / 20, py = (ymax - ymin) / 20;
  return { xmin: xmin - px, xmax: xmax + px, ymin: ymin - py * (surface === 'logreg' ? 2 : 1), ymax: ymax + py * (surface === 'logreg' ? 2 : 1) };
}

let uid = 0;

/**
 * mountData builds the data panel in root. hooks: onDataset(name),
 * onData(rows) (pasted, already checked), onBatch(B or null), lang() (the
 * page's language), datasets() (a promise of GET /api/v1/datasets). It
 * returns {render(view)} with view = {state, info, rows, w, b, color, n,
 * batch, dark}: rows of the data in use (null while loading), (w, b) the
 * selected run's current point.
 */
export function mountData(root, hooks) {
  const id = `data-${++uid}`;
  const t = (key, vars) => text(hooks.lang(), key, vars);
  const heading = el('h2', { id: `${id}-h` });
  const select = el('select', { id: `${id}-set` });
  const setLabel = el('label', { for: `${id}-set` });
  const area = el('textarea', { id: `${id}-csv`, rows: 5, spellcheck: false, class: 'data-csv' });
  const areaLabel = el('label', { for: `${id}-csv` });
  const apply = el('button', { type: 'button', class: 'data-apply' });
  const err = el('p', { class: 'data-error', role: 'alert', hidden: true });
  const note = el('p', { class: 'note data-note' });
  const canvas = el('canvas', { class: 'data-scatter', role: 'img' });
  const caption = el('p', { class: 'note data-caption' });
  const batch = el('input', { type: 'number', id: `${id}-b`, min: 1, step: 1, inputmode: 'numeric', class: 'data-batch' });
  const batchLabel = el('label', { for: `${id}-b` });
  const batchNote = el('span', { class: 'note' });
  const lossToggle = el('input', { type: 'checkbox', id: `${id}-bl`, checked: true });
  const lossLabel = el('label', { for: `${id}-bl` });
  const lossCanvas = el('canvas', { class: 'data-losses', role: 'img' });
  const lossCaption = el('p', { class: 'note data-caption' });
  const lossFigure = el('figure', { class: 'data-figure' }, lossCanvas, lossCaption);
  const download = el('button', { type: 'button', class: 'data-download' });
  const file = el('input', { type: 'file', accept: '.json,application/json', id: `${id}-file`, class: 'sr-only' });
  const open = el('label', { for: `${id}-file`, class: 'button data-open', tabindex: 0 });
  root.replaceChildren(heading,
    el('div', { class: 'data-row' }, setLabel, select),
    el('div', { class: 'data-row' }, batchLabel, batch, batchNote),
    el('figure', { class: 'data-figure' }, canvas, caption),
    el('div', { class: 'data-row' }, lossToggle, lossLabel), lossFigure,
    areaLabel, area, el('div', { class: 'data-row' }, apply), err, note,
    el('div', { class: 'data-row' }, download, open, file));
  root.setAttribute('aria-labelledby', heading.id);

  let list = [];
  let last = null;
  hooks.datasets().then((d) => { list = d.datasets || []; if (last) render(last); });

  select.addEventListener('change', () => {
    if (select.value === '__own') { area.focus(); return; }
    hooks.onDataset(select.value);
  });
  apply.addEventListener('click', () => {
    const surface = last ? last.state.surface : 'linreg';
    const res = parseCSV(area.value, surface);
    if (res.error) {
      const e = res.error;
      err.textContent = t('data.err.at', { line: e.line, column: e.column, what: t(e.key, e.vars) });
      err.hidden = false;
      area.focus();
      // select the culprit, as the formula field underlines it
      const lines = area.value.split(/\r\n|\n|\r/);
      let off = 0;
      for (let i = 0; i < e.line - 1 && i < lines.length; i++) off += lines[i].length + 1;
      area.setSelectionRange(off + e.column - 1, off + Math.max(e.column, (lines[e.line - 1] || '').length));
      return;
    }
    err.hidden = true;
    hooks.onData(res.rows);
  });
  download.addEventListener('click', () => {
    const blob = new Blob([JSON.stringify(hooks.scenario(), null, 1)], { type: 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: `lrlab-${last ? last.state.surface : 'data'}-scenario.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  lossToggle.addEventListener('change', () => { if (last) render(last); });
  open.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); file.click(); } });
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    try {
      const doc = JSON.parse(await f.text());
      const sc = doc && doc.scenario && doc.scenario.surface ? doc.scenario : doc;
      if (!sc || !sc.surface || !Array.isArray(sc.runs)) throw new Error('no "surface" and "runs"');
      err.hidden = true;
      hooks.openScenario(sc);
    } catch (e) {
      err.textContent = t('data.openFailed', { msg: e.message });
      err.hidden = false;
    }
    file.value = '';
  });
  batch.addEventListener('change', () => {
    const n = last && last.rows ? last.rows.length : 0;
    const v = Number(batch.value);
    if (!Number.isInteger(v) || v < 1 || (n && v > n)) {
      err.textContent = t('data.err.batch', { n: n || '?' });
      err.hidden = false;
      return;
    }
    err.hidden = true;
    hooks.onBatch(v === n ? null : v);
  });

  function render(view) {
    last = view;
    const { state, rows } = view;
    heading.textContent = t('data.title');
    setLabel.textContent = t('data.set');
    areaLabel.textContent = t('data.paste');
    apply.textContent = t('data.apply');
    batchLabel.textContent = t('data.batch');
    download.textContent = t('data.download');
    lossLabel.textContent = t('data.batchLoss');
    open.textContent = t('data.open');
    area.placeholder = state.surface === 'logreg' ? 'x,label\n-1.2,0\n0.8,1' : 'x,y\n0,1.1\n1,2.9';
    const own = !!state.data;
    const names = list.filter((d) => d.surface === state.surface);
    const want = [...names.map((d) => d.name), '__own'];
    if (select.options.length !== want.length || [...select.options].some((o, i) => o.value !== want[i]) || select.dataset.lang !== t('data.own')) {
      select.replaceChildren(...names.map((d) => el('option', { value: d.name, text: t(`data.set.${d.name}`) === `data.set.${d.name}` ? d.title : t(`data.set.${d.name}`) })),
        el('option', { value: '__own', text: t('data.own') }));
      select.dataset.lang = t('data.own');
    }
    select.value = own ? '__own' : state.dataset || (view.info && view.info.data ? view.info.data.dataset : '');
    const n = rows ? rows.length : 0;
    if (document.activeElement !== batch) batch.value = String(view.batch || n || '');
    batch.max = String(n || DATA_LIMITS.rows);
    batchNote.textContent = n ? t('data.batchOf', { n }) : '';
    note.textContent = own && n > DATA_LIMITS.linkRows ? t('data.tooLong', { n, max: DATA_LIMITS.linkRows }) : '';
    if (rows && !own && document.activeElement !== area && area.dataset.for !== (state.dataset || 'default') + state.surface) {
      area.value = toCSV(rows, state.surface);
      area.dataset.for = (state.dataset || 'default') + state.surface;
    }
    draw(view);
    lossFigure.hidden = !lossToggle.checked;
    if (lossToggle.checked) drawLosses(view);
  }

  // drawLosses plots the selected run's loss on the whole data (line) and
  // the loss of each step's mini-batch (dots), log scale.
  function drawLosses(view) {
    const d = view.run;
    const css = lossCanvas.getBoundingClientRect();
    const w = Math.max(120, Math.round(css.width || 280)), h = Math.round(w * 0.4);
    const dpr = window.devicePixelRatio || 1;
    if (lossCanvas.width !== Math.round(w * dpr) || lossCanvas.height !== Math.round(h * dpr)) {
      lossCanvas.width = Math.round(w * dpr); lossCanvas.height = Math.round(h * dpr);
      lossCanvas.style.height = `${h}px`;
    }
    const ctx = lossCanvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    lossCaption.textContent = t('data.batchLossNote');
    if (!d || !d.n || !d.batch_loss || !d.batch_loss.length) return;
    const n = d.n;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) {
      for (const v of [d.loss[i], d.batch_loss[i]]) if (v > 0 && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    if (!(hi > lo)) { hi = lo * 10 || 1; lo = hi / 100; }
    const L = 6, R = 6, T = 6, B = 6;
    const steps = Math.max(1, view.steps || n - 1);
    const px = (i) => L + (i / steps) * (w - L - R);
    const py = (v) => h - B - ((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * (h - T - B);
    const style = getComputedStyle(root);
    ctx.strokeStyle = style.getPropertyValue('--muted') || '#888'; ctx.globalAlpha = 0.5;
    ctx.strokeRect(L - 0.5, T - 0.5, w - L - R + 1, h - T - B + 1);
    ctx.globalAlpha = 0.55;
    ctx.fillStyle = style.getPropertyValue('--ink') || '#222';
    for (let i = 1; i < n; i++) {
      const v = d.batch_loss[i];
      if (v > 0) ctx.fillRect(px(i) - 1, py(v) - 1, 2, 2);
    }
    ctx.globalAlpha = 1;
    ctx.strokeStyle = view.color || '#e69f00'; ctx.lineWidth = 2;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const v = d.loss[i];
      if (!(v > 0)) continue;
      if (i === 0) ctx.moveTo(px(i), py(v)); else ctx.lineTo(px(i), py(v));
    }
    ctx.stroke();
    lossCanvas.setAttribute('aria-label', t('data.batchLossNote'));
  }

  function draw(view) {
    const { rows, state } = view;
    const css = canvas.getBoundingClientRect();
    const w = Math.max(120, Math.round(css.width || 280)), h = Math.round(w * 0.62);
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    if (!rows || !rows.length) return;
    const box = bounds(rows, state.surface);
    const L = 8, R = 8, T = 8, B = 8;
    const px = (x) => L + ((x - box.xmin) / (box.xmax - box.xmin)) * (w - L - R);
    const py = (y) => h - B - ((y - box.ymin) / (box.ymax - box.ymin)) * (h - T - B);
    const style = getComputedStyle(root);
    const ink = style.getPropertyValue('--ink') || '#222', muted = style.getPropertyValue('--muted') || '#888';
    ctx.strokeStyle = muted; ctx.lineWidth = 1; ctx.globalAlpha = 0.5;
    ctx.strokeRect(L - 0.5, T - 0.5, w - L - R + 1, h - T - B + 1);
    if (state.surface === 'logreg') {
      for (const v of [0, 1]) { ctx.beginPath(); ctx.moveTo(L, py(v)); ctx.lineTo(w - R, py(v)); ctx.setLineDash([3, 3]); ctx.stroke(); }
      ctx.setLineDash([]);
    }
    ctx.globalAlpha = 1;
    const r = rows.length > 400 ? 1.5 : 2.5;
    for (const [x, y] of rows) {
      ctx.fillStyle = state.surface === 'logreg' ? (y ? '#0072b2' : '#d55e00') : ink;
      ctx.globalAlpha = rows.length > 400 ? 0.5 : 0.8;
      ctx.beginPath(); ctx.arc(px(x), py(y), r, 0, 2 * Math.PI); ctx.fill();
    }
    ctx.globalAlpha = 1;
    if (Number.isFinite(view.w) && Number.isFinite(view.b)) {
      const pts = fitCurve(state.surface, view.w, view.b, box.xmin, box.xmax);
      ctx.save();
      ctx.beginPath(); ctx.rect(L, T, w - L - R, h - T - B); ctx.clip();
      ctx.strokeStyle = view.color || '#e69f00'; ctx.lineWidth = 2.5;
      ctx.beginPath();
      pts.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
      ctx.stroke();
      ctx.restore();
      const fmt = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(3));
      caption.textContent = t(state.surface === 'logreg' ? 'data.curveLog' : 'data.curveLin', { w: fmt(view.w), b: fmt(view.b), step: view.n });
      canvas.dataset.w = String(view.w);
      canvas.dataset.b = String(view.b);
    }
    canvas.setAttribute('aria-label', t('data.scatterLabel', { n: rows.length }));
  }

  return { render };
}
