// export.js: the runs as files. The pure part turns the runs' points into CSV
// and JSON (the points shown, or a /api/v1/simulate answer when nothing has
// been played); mountExport adds the buttons CSV, JSON, Image (the map with
// its legend, as a PNG) and "Copy as PyTorch" to the share panel.

import { el } from './controls.js';
import { copyText } from './share.js';

/** CSV_COLUMNS are the columns of the CSV export, in order. */
export const CSV_COLUMNS = ['run', 'label', 'step', 'x', 'y', 'loss', 'grad_norm', 'lr'];

/**
 * Trajectory is one run for export:
 * {run, label, status, diverged_at, x[], y[], loss[], grad_norm[], lr[]},
 * where point k is the start (k = 0) or the point after step k, and lr[k] is
 * the LR of the step that produced point k (for the start point, the LR the
 * first step uses): the websocket's convention, one LR per point.
 */

/**
 * fromLive makes trajectories of the page's run records (protocol.js):
 * data[i] = {n, x, y, loss, grad_norm, lr, status, divergedAt}; names[i] is
 * run i's label as the legend shows it.
 */
export function fromLive(data, names) {
  return data.map((d, i) => {
    const n = d ? d.n : 0;
    const cut = (a) => Array.from((a || []).slice(0, n));
    return {
      run: i, label: names[i] ?? `#${i + 1}`, status: d ? d.status : 'idle', diverged_at: d && d.divergedAt != null ? d.divergedAt : null,
      x: cut(d && d.x), y: cut(d && d.y), loss: cut(d && d.loss), grad_norm: cut(d && d.grad_norm), lr: cut(d && d.lr),
    };
  });
}

/**
 * fromSimulate makes trajectories of a POST /api/v1/simulate answer, whose
 * lr[t] is the LR used at step t (one fewer than the points): it is shifted
 * to one LR per point as fromLive has it.
 */
export function fromSimulate(resp, names) {
  return (resp.runs || []).map((r, i) => {
    const n = (r.x || []).length;
    const lr = [];
    for (let k = 0; k < n; k++) lr.push(k === 0 ? r.lr[0] : r.lr[k - 1]);
    return {
      run: i, label: names[i] ?? r.label ?? `#${i + 1}`, status: r.status, diverged_at: r.diverged_at ?? null,
      x: r.x || [], y: r.y || [], loss: r.loss || [], grad_norm: r.grad_norm || [], lr: lr.map((v) => (v === undefined ? null : v)),
    };
  });
}

/** csvField writes one CSV field: quoted when it holds a comma, quote or line break; "" for a missing or non-finite number. */
export function csvField(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** toCSV writes the trajectories as CSV with CSV_COLUMNS, one row per point, lines ending in CRLF (RFC 4180). */
export function toCSV(runs) {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of runs) {
    const n = r.x.length;
    for (let k = 0; k < n; k++) {
      lines.push([r.run, r.label, k, r.x[k], r.y[k], r.loss[k], r.grad_norm[k], r.lr[k]].map(csvField).join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}

/** toJSON writes {query, scenario, runs} as indented JSON; non-finite numbers become null. */
export function toJSON(query, scenario, runs) {
  const clean = (a) => a.map((v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
  return JSON.stringify({
    app: 'learning-rate lab',
    query,
    scenario,
    lr_convention: 'lr[k] is the LR of the step that produced point k; lr[0] is the LR of the first step',
    runs: runs.map((r) => ({ ...r, x: clean(r.x), y: clean(r.y), loss: clean(r.loss), grad_norm: clean(r.grad_norm), lr: clean(r.lr) })),
  }, null, 1) + '\n';
}

/** pointCount is the number of points of the trajectories together. */
export const pointCount = (runs) => runs.reduce((s, r) => s + r.x.length, 0);

/** fileName returns "lrlab-{surface}-{yyyymmdd-hhmmss}.{ext}" for date d (UTC). */
export function fileName(surface, ext, d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  return `lrlab-${String(surface || 'scenario').replace(/[^\w-]+/g, '_')}-${stamp}.${ext}`;
}

/**
 * legendLayout places the legend's entries under a map of width w:
 * rows of {x, y, color, text} with a swatch before each text, wrapping
 * when a row is full. measure(text) gives a text's width. Returns
 * {items, height}.
 */
export function legendLayout(entries, w, measure, { pad = 12, line = 22, swatch = 18, gap = 20 } = {}) {
  const items = [];
  let x = pad, y = pad;
  for (const e of entries) {
    const width = swatch + 6 + measure(e.text);
    if (x > pad && x + width > w - pad) { x = pad; y += line; }
    items.push({ x, y, color: e.color, text: e.text, dashed: !!e.dashed });
    x += width + gap;
  }
  return { items, height: entries.length ? y + line + pad / 2 : 0 };
}

// ------------------------------------------------------------ the buttons

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: name, class: 'sr-only' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * mountExport mounts the export buttons into root. hooks: view() → {state,
 * data, selected, t, lang, theme}, query() → the share query, scenario() →
 * the scenario as JSON, names() → each run's legend label, statusText(i) →
 * run i's status in words or "", colors(i), mapCanvas() → the map's canvas,
 * charts() → [{canvas, caption}] of the charts to put under it (optional),
 * say(text, kind). Returns {render()}.
 */
export function mountExport(root, hooks) {
  const csv = el('button', { type: 'button', id: 'export-csv' });
  const json = el('button', { type: 'button', id: 'export-json' });
  const png = el('button', { type: 'button', id: 'export-png' });
  const torch = el('button', { type: 'button', id: 'export-pytorch' });
  const pre = el('pre', { class: 'pytorch-code', tabindex: '0' });
  const title = el('h2', { id: 'pytorch-title' });
  const closeBtn = el('button', { type: 'button', class: 'small' });
  const note = el('p', { class: 'note' });
  const dialog = el('dialog', { id: 'pytorch-dialog', class: 'pytorch-dialog', 'aria-labelledby': 'pytorch-title' },
    el('div', { class: 'dialog-head' }, title, closeBtn), note, pre);
  root.append(el('div', { class: 'buttons' }, csv, json, png, torch));
  document.body.append(dialog);
  closeBtn.addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (ev) => { if (ev.target === dialog) dialog.close(); });

  // trajectories: the points shown, or the whole runs from the server when nothing has been played.
  async function trajectories() {
    const v = hooks.view();
    const names = hooks.names();
    if (v.data.some((d) => d && d.n > 0)) return { runs: fromLive(v.data, names), live: true };
    const res = await fetch('/api/v1/simulate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(hooks.scenario()) });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error || String(res.status));
    return { runs: fromSimulate(body, names), live: false };
  }

  async function saveData(kind) {
    const v = hooks.view();
    try {
      const { runs, live } = await trajectories();
      const name = fileName(v.state.surface, kind);
      const text = kind === 'csv' ? toCSV(runs) : toJSON(hooks.query(), hooks.scenario(), runs);
      download(new Blob([text], { type: kind === 'csv' ? 'text/csv;charset=utf-8' : 'application/json' }), name);
      hooks.say(v.t(live ? 'export.shown' : 'export.simulated', { name, n: pointCount(runs) }), 'ok');
    } catch (e) {
      hooks.say(v.t('export.failed', { msg: e.message }), 'warn');
    }
  }

  function savePNG() {
    const v = hooks.view();
    const src = hooks.mapCanvas();
    const dpr = src.width / Math.max(1, src.clientWidth || src.width);
    const w = src.width;
    const font = `${Math.round(13 * dpr)}px system-ui, sans-serif`;
    const out = document.createElement('canvas');
    const mctx = out.getContext('2d');
    mctx.font = font;
    const names = hooks.names();
    const entries = v.state.runs.map((_, i) => {
      const st = hooks.statusText(i);
      return { color: hooks.colors(i), text: st ? `${names[i]} — ${st}` : names[i] };
    });
    const lay = legendLayout(entries, w, (s) => mctx.measureText(s).width, { pad: 12 * dpr, line: 22 * dpr, swatch: 18 * dpr, gap: 20 * dpr });
    // the charts (loss, LR, gradient norm) in a row under the legend, each
    // scaled to a third of the width, with its caption
    const charts = (hooks.charts ? hooks.charts() : []).filter((c) => c.canvas && c.canvas.width > 0 && c.canvas.height > 0);
    const gap = 10 * dpr, cap = 22 * dpr;
    const cw = charts.length ? (w - gap * (charts.length + 1)) / charts.length : 0;
    const ch = charts.length ? Math.max(...charts.map((c) => c.canvas.height * cw / c.canvas.width)) : 0;
    const chartsH = charts.length ? Math.ceil(cap + ch + gap) : 0;
    out.width = w;
    out.height = src.height + Math.ceil(lay.height) + chartsH;
    const ctx = out.getContext('2d');
    ctx.fillStyle = v.theme && v.theme.bg ? v.theme.bg : '#fff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, 0, 0);
    ctx.font = font;
    ctx.textBaseline = 'middle';
    for (const it of lay.items) {
      const y = src.height + it.y + 9 * dpr;
      ctx.strokeStyle = it.color;
      ctx.lineWidth = 3 * dpr;
      ctx.beginPath();
      ctx.moveTo(it.x, y);
      ctx.lineTo(it.x + 18 * dpr, y);
      ctx.stroke();
      ctx.fillStyle = v.theme && v.theme.ink ? v.theme.ink : '#000';
      ctx.fillText(it.text, it.x + 24 * dpr, y);
    }
    const top = src.height + Math.ceil(lay.height);
    charts.forEach((c, k) => {
      const x = gap + k * (cw + gap);
      ctx.fillStyle = v.theme && v.theme.ink ? v.theme.ink : '#000';
      ctx.font = `600 ${font}`;
      ctx.fillText(c.caption || '', x, top + cap / 2);
      ctx.drawImage(c.canvas, x, top + cap, cw, c.canvas.height * cw / c.canvas.width);
    });
    const name = fileName(v.state.surface, 'png');
    out.toBlob((blob) => {
      if (!blob) { hooks.say(v.t('export.failed', { msg: 'canvas' }), 'warn'); return; }
      download(blob, name);
      hooks.say(v.t('export.saved', { name }), 'ok');
    }, 'image/png');
  }

  async function copyTorch() {
    const v = hooks.view();
    const i = Math.max(0, Math.min(v.selected, v.state.runs.length - 1));
    try {
      const res = await fetch(`/api/v1/pytorch?${hooks.query()}&index=${i}`);
      const text = await res.text();
      if (!res.ok) {
        let msg = text;
        try { msg = JSON.parse(text).error || text; } catch { /* plain text */ }
        throw new Error(msg);
      }
      pre.textContent = text;
      title.textContent = v.t('export.pytorchTitle', { run: hooks.names()[i] });
      const ok = await copyText(text);
      note.textContent = v.t(ok ? 'export.pytorchCopied' : 'export.pytorchManual');
      if (!dialog.open) dialog.showModal();
      if (!ok) {
        const sel = window.getSelection();
        const range = document.createRange();
        range.selectNodeContents(pre);
        sel.removeAllRanges();
        sel.addRange(range);
      }
      hooks.say(note.textContent, ok ? 'ok' : 'warn');
    } catch (e) {
      hooks.say(v.t('export.failed', { msg: e.message }), 'warn');
    }
  }

  csv.addEventListener('click', () => saveData('csv'));
  json.addEventListener('click', () => saveData('json'));
  png.addEventListener('click', savePNG);
  torch.addEventListener('click', copyTorch);

  return {
    render() {
      const { t } = hooks.view();
      csv.textContent = `↓ ${t('export.csv')}`;
      csv.title = t('export.csvTip');
      json.textContent = `↓ ${t('export.json')}`;
      json.title = t('export.jsonTip');
      png.textContent = `↓ ${t('export.png')}`;
      png.title = t('export.pngTip');
      torch.textContent = t('export.pytorch');
      torch.title = t('export.pytorchTip');
      closeBtn.textContent = t('share.close');
    },
  };
}
