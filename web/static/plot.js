// plot.js: one painter for the analysis panels' small charts (loss against
// LR, final loss against LR, sharpness along a run, flat share): axes on a
// log or linear scale, lines, point marks (dot, cross, diamond), vertical
// and horizontal reference lines with labels. Each call draws everything.

import { logScale, linearScale } from './scale.js';
import { formatNum } from './i18n.js';

const M = { left: 50, right: 12, top: 10, bottom: 34 };

/**
 * plotChart draws spec on canvas (sized to its CSS box at the device's
 * pixel ratio) and returns {sx, sy, rect} for hit-testing, or null when the
 * canvas has no size. spec: {x: {log, domain: [lo, hi], label}, y: {log,
 * domain, label, format?}, lines: [{xs, ys, color, width?, dash?}], marks:
 * [{x, y, color, shape: 'dot'|'cross'|'diamond'|'ring', r?}], vlines: [{x,
 * color, dash?, label?}], hlines: [{y, color, dash?, label?}], band: {from,
 * to, color} (a shaded x range), empty: text shown when there is nothing}.
 * With y.clamp, values beyond the y domain are drawn on its edges.
 * theme: {ink, muted, grid, font, smallFont}.
 */
export function plotChart(canvas, spec, theme = {}) {
  const r = canvas.getBoundingClientRect();
  if (!(r.width > 0 && r.height > 0)) return null;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(r.width * dpr), h = Math.round(r.height * dpr);
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, r.width, r.height);
  const rect = { left: M.left, top: M.top, width: Math.max(10, r.width - M.left - M.right), height: Math.max(10, r.height - M.top - M.bottom) };
  const x0 = rect.left, x1 = rect.left + rect.width, y0 = rect.top + rect.height, y1 = rect.top;
  ctx.font = theme.smallFont || theme.font || '11px sans-serif';
  ctx.lineWidth = 1;
  ctx.strokeStyle = theme.grid || 'rgba(128,128,128,0.3)';
  ctx.strokeRect(x0 - 0.5, y1 - 0.5, rect.width + 1, rect.height + 1);
  const xd = spec.x && spec.x.domain, yd = spec.y && spec.y.domain;
  if (!xd || !yd) {
    if (spec.empty) {
      ctx.fillStyle = theme.muted || '#666';
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      wrapText(ctx, spec.empty, (x0 + x1) / 2, (y0 + y1) / 2, rect.width - 16, 16);
    }
    return null;
  }
  const sx = spec.x.log ? logScale(xd[0], xd[1], x0, x1) : linearScale(xd[0], xd[1], x0, x1);
  const sy = spec.y.log ? logScale(yd[0], yd[1], y0, y1) : linearScale(yd[0], yd[1], y0, y1);
  const fy = spec.y.format || ((v) => formatNum(v, 2));

  // shaded band and grid with tick labels
  if (spec.band) {
    const a = Math.max(x0, sx(spec.band.from)), b = Math.min(x1, sx(spec.band.to));
    if (b > a) { ctx.fillStyle = spec.band.color; ctx.fillRect(a, y1, b - a, rect.height); }
  }
  ctx.beginPath();
  ctx.fillStyle = theme.muted || '#666';
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  let lastRight = -Infinity;
  for (const v of sx.ticks(Math.max(2, Math.round(rect.width / 60)))) {
    const px = Math.round(sx(v)) + 0.5;
    if (px < x0 - 1 || px > x1 + 1) continue;
    ctx.moveTo(px, y1); ctx.lineTo(px, y0);
    const s = formatNum(v, 2);
    const tw = ctx.measureText(s).width;
    if (px - tw / 2 > lastRight + 4) { ctx.fillText(s, px, y0 + 3); lastRight = px + tw / 2; }
  }
  ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  for (const v of sy.ticks(Math.max(2, Math.round(rect.height / 26)))) {
    const py = Math.round(sy(v)) + 0.5;
    if (py < y1 - 1 || py > y0 + 1) continue;
    ctx.moveTo(x0, py); ctx.lineTo(x1, py);
    ctx.fillText(fy(v), x0 - 4, py);
  }
  ctx.stroke();
  if (spec.x.label) {
    ctx.textAlign = 'center'; ctx.textBaseline = 'bottom';
    ctx.fillText(spec.x.label, (x0 + x1) / 2, r.height - 1);
  }

  ctx.save();
  ctx.beginPath();
  ctx.rect(x0, y1 - 1, rect.width, rect.height + 2);
  ctx.clip();
  // with y.clamp, values outside the domain sit on its edges (a log axis always lifts v ≤ 0 to the bottom)
  const clampY = spec.y.clamp
    ? (v) => sy(Math.min(yd[1], Math.max(yd[0], spec.y.log && !(v > 0) ? yd[0] : v)))
    : (v) => sy(spec.y.log ? (v > 0 ? v : yd[0]) : v);
  for (const l of spec.vlines || []) {
    if (!(spec.x.log ? l.x > 0 : Number.isFinite(l.x))) continue;
    const px = Math.round(sx(l.x)) + 0.5;
    ctx.strokeStyle = l.color; ctx.lineWidth = l.width || 1.5; ctx.setLineDash(l.dash || []);
    ctx.beginPath(); ctx.moveTo(px, y1); ctx.lineTo(px, y0); ctx.stroke();
  }
  for (const l of spec.hlines || []) {
    if (!Number.isFinite(l.y)) continue;
    const py = Math.round(clampY(l.y)) + 0.5;
    ctx.strokeStyle = l.color; ctx.lineWidth = l.width || 1.5; ctx.setLineDash(l.dash || []);
    ctx.beginPath(); ctx.moveTo(x0, py); ctx.lineTo(x1, py); ctx.stroke();
  }
  ctx.setLineDash([]);
  for (const l of spec.lines || []) {
    ctx.strokeStyle = l.color; ctx.lineWidth = l.width || 1.8; ctx.lineJoin = 'round';
    ctx.setLineDash(l.dash || []);
    ctx.beginPath();
    let open = false;
    for (let i = 0; i < l.xs.length; i++) {
      const xv = l.xs[i], yv = l.ys[i];
      if (!Number.isFinite(xv) || !Number.isFinite(yv) || (spec.x.log && !(xv > 0))) { open = false; continue; }
      const px = sx(xv), py = clampY(yv);
      if (open) ctx.lineTo(px, py); else { ctx.moveTo(px, py); open = true; }
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  for (const m of spec.marks || []) {
    if (!Number.isFinite(m.x) || !Number.isFinite(m.y)) continue;
    mark(ctx, sx(m.x), clampY(m.y), m.shape || 'dot', m.color, m.r || 3.5, theme);
  }
  ctx.restore();

  // labels of the reference lines, on top, kept apart
  ctx.font = theme.smallFont || '11px sans-serif';
  ctx.textBaseline = 'top';
  const placed = [];
  for (const l of spec.vlines || []) {
    if (!l.label || !(spec.x.log ? l.x > 0 : Number.isFinite(l.x))) continue;
    const px = sx(l.x);
    if (px < x0 - 1 || px > x1 + 1) continue;
    const tw = ctx.measureText(l.label).width + 6;
    const left = px + tw + 2 > x1 ? px - tw - 2 : px + 2;
    let row = 0;
    while (placed.some((p) => p.row === row && left < p.right && left + tw > p.left)) row++;
    placed.push({ row, left, right: left + tw });
    const ty = y1 + 2 + row * 15;
    ctx.fillStyle = theme.bg || 'rgba(255,255,255,0.85)';
    ctx.globalAlpha = 0.85;
    ctx.fillRect(left, ty - 1, tw, 14);
    ctx.globalAlpha = 1;
    ctx.fillStyle = l.color;
    ctx.textAlign = 'left';
    ctx.fillText(l.label, left + 3, ty);
  }
  for (const l of spec.hlines || []) {
    if (!l.label || !Number.isFinite(l.y)) continue;
    const py = clampY(l.y);
    ctx.fillStyle = l.color;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText(l.label, x1 - 3, py - 2);
  }
  return { sx, sy, rect };
}

function mark(ctx, x, y, shape, color, r, theme) {
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  if (shape === 'cross') {
    ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
    ctx.moveTo(x + r, y - r); ctx.lineTo(x - r, y + r);
    ctx.stroke();
  } else if (shape === 'diamond') {
    ctx.moveTo(x, y - r * 1.4); ctx.lineTo(x + r * 1.4, y); ctx.lineTo(x, y + r * 1.4); ctx.lineTo(x - r * 1.4, y); ctx.closePath();
    ctx.fill();
    ctx.strokeStyle = theme.bg || '#fff';
    ctx.lineWidth = 1.2;
    ctx.stroke();
  } else if (shape === 'ring') {
    ctx.arc(x, y, r + 2, 0, Math.PI * 2);
    ctx.stroke();
  } else {
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.fill();
  }
}

function wrapText(ctx, text, cx, cy, maxW, lineH) {
  const words = String(text).split(/(?<=\s)|(?=[、。])/);
  const lines = [];
  let cur = '';
  for (const w of words.length > 1 ? words : Array.from(String(text))) {
    if (ctx.measureText(cur + w).width > maxW && cur) { lines.push(cur.trim()); cur = w; } else cur += w;
  }
  if (cur.trim()) lines.push(cur.trim());
  lines.forEach((s, i) => ctx.fillText(s, cx, cy + (i - (lines.length - 1) / 2) * lineH));
}
