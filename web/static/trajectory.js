// trajectory.js: draws the runs on the map: each trail as a polyline with
// its points, the start and current point, the gradient and momentum
// arrows, the surface's minima and the axes.

import { niceTicks } from './scale.js';
import { formatNum } from './i18n.js';

const LIMIT = 1e5; // pixels: coordinates further out are clamped for the canvas

const clampPx = (v) => (v > LIMIT ? LIMIT : v < -LIMIT ? -LIMIT : v);

/**
 * drawTrail strokes the part of a run's trail from point `from` to point
 * `to` (exclusive), joined to the point before `from`, so that calling it
 * with the new points of each frame draws the trail incrementally.
 * The line has a thin contrasting halo so it reads on every colour of the map.
 */
export function drawTrail(ctx, d, from, to, tr, color, { width = 2, halo = 'rgba(0,0,0,0.55)', dots = true, selected = false } = {}) {
  const start = Math.max(0, from - 1);
  if (to - start < 1) return;
  const w = selected ? width * 1.5 : width;
  // Points less than half a pixel from the last vertex add nothing to the
  // line: they are left out (the range's first and last points never are),
  // so a run that has settled costs next to nothing to draw.
  const path = new Path2D();
  let lx = clampPx(tr.x(d.x[start])), ly = clampPx(tr.y(d.y[start]));
  path.moveTo(lx, ly);
  for (let i = start + 1; i < to; i++) {
    const x = clampPx(tr.x(d.x[i])), y = clampPx(tr.y(d.y[i]));
    if (i < to - 1 && Math.abs(x - lx) < 0.5 && Math.abs(y - ly) < 0.5) continue;
    path.lineTo(x, y);
    lx = x; ly = y;
  }
  ctx.save();
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  ctx.strokeStyle = halo;
  ctx.lineWidth = w + (selected ? 3 : 2);
  ctx.stroke(path);
  ctx.strokeStyle = color;
  ctx.lineWidth = w;
  ctx.stroke(path);
  if (dots) {
    ctx.fillStyle = color;
    const r = w * 0.9 + 0.5;
    for (let i = Math.max(from, 0); i < to; i++) {
      const x = tr.x(d.x[i]), y = tr.y(d.y[i]);
      if (Math.abs(x) > LIMIT || Math.abs(y) > LIMIT) continue;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, Math.PI * 2);
      ctx.fill();
    }
  }
  ctx.restore();
}

/**
 * drawArrow draws an arrow from (x0, y0) by (dx, dy) pixels, shortened to
 * at most maxLen pixels (then drawn dashed, to show it was cut).
 */
export function drawArrow(ctx, x0, y0, dx, dy, color, maxLen = 120, halo = null) {
  let len = Math.hypot(dx, dy);
  if (!(len > 2)) return;
  let cut = false;
  if (len > maxLen) { dx *= maxLen / len; dy *= maxLen / len; len = maxLen; cut = true; }
  const x1 = x0 + dx, y1 = y0 + dy;
  const ux = dx / len, uy = dy / len;
  const head = Math.min(13, len * 0.45);
  ctx.save();
  // a halo first (when given), so that the arrow shows on light and dark ground
  for (const [style, w] of halo ? [[halo, 6], [color, 3.5]] : [[color, 3.5]]) {
    ctx.strokeStyle = style;
    ctx.fillStyle = style;
    ctx.lineWidth = w;
    ctx.lineJoin = 'round';
    ctx.setLineDash(cut ? [6, 4] : []);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1 - ux * head * 0.8, y1 - uy * head * 0.8);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - ux * head - uy * head * 0.5, y1 - uy * head + ux * head * 0.5);
    ctx.lineTo(x1 - ux * head + uy * head * 0.5, y1 - uy * head - ux * head * 0.5);
    ctx.closePath();
    ctx.fill();
    if (style === halo) ctx.stroke();
  }
  ctx.restore();
}

/**
 * drawRunMarkers draws, for one run, its start point (a ring), its current
 * point (a filled disc, larger when selected, a cross when it diverged) and
 * optionally the arrows at the current point: −lr·∇f, the step plain
 * gradient descent would take, and −lr·velocity, the optimizer's momentum.
 */
export function drawRunMarkers(ctx, d, start, tr, color, { selected = false, arrows = false, ink = '#fff', halo = '#000', startGrad = null, lr = NaN } = {}) {
  ctx.save();
  const sx = tr.x(start[0]), sy = tr.y(start[1]);
  ctx.lineWidth = selected ? 3 : 2;
  ctx.strokeStyle = halo;
  ctx.beginPath(); ctx.arc(sx, sy, selected ? 8 : 6, 0, Math.PI * 2); ctx.stroke();
  ctx.strokeStyle = color;
  ctx.lineWidth = selected ? 2 : 1.5;
  ctx.beginPath(); ctx.arc(sx, sy, selected ? 8 : 6, 0, Math.PI * 2); ctx.stroke();
  // before the run has a point: the first step −lr·∇f from the start (∇f from the map)
  if (arrows && !(d && d.n > 0) && startGrad && Number.isFinite(lr)) {
    drawArrow(ctx, sx, sy, -lr * startGrad[0] * tr.kx, lr * startGrad[1] * tr.ky, color, 120, halo);
  }
  if (d && d.n > 0) {
    const i = d.n - 1;
    const x = clampPx(tr.x(d.x[i])), y = clampPx(tr.y(d.y[i]));
    if (arrows && d.status !== 'diverged') {
      const lr = d.lr[i];
      if (d.grad && Number.isFinite(lr)) drawArrow(ctx, x, y, -lr * d.grad[0] * tr.kx, lr * d.grad[1] * tr.ky, color, 120, halo);
      if (d.velocity && Number.isFinite(lr)) drawArrow(ctx, x, y, -lr * d.velocity[0] * tr.kx, lr * d.velocity[1] * tr.ky, ink, 120, halo);
    }
    const r = selected ? 7 : 5.5;
    if (d.status === 'diverged') {
      ctx.strokeStyle = halo; ctx.lineWidth = 5;
      cross(ctx, x, y, r + 2);
      ctx.strokeStyle = color; ctx.lineWidth = 3;
      cross(ctx, x, y, r + 2);
    } else {
      ctx.fillStyle = color;
      ctx.strokeStyle = ink;
      ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(x, y, r, 0, Math.PI * 2); ctx.fill(); ctx.stroke();
    }
  }
  ctx.restore();
}

function cross(ctx, x, y, r) {
  ctx.beginPath();
  ctx.moveTo(x - r, y - r); ctx.lineTo(x + r, y + r);
  ctx.moveTo(x - r, y + r); ctx.lineTo(x + r, y - r);
  ctx.stroke();
}

/**
 * drawMinima marks the surface's known stationary points: a star for
 * minima, a diamond for saddles and equilibria, with a label when labelFor
 * gives one.
 */
export function drawMinima(ctx, minima, tr, { ink = '#fff', halo = '#000', font = '12px sans-serif', labelFor = null } = {}) {
  ctx.save();
  ctx.font = font;
  ctx.textBaseline = 'middle';
  for (const m of minima || []) {
    const x = tr.x(m.x), y = tr.y(m.y);
    if (x < tr.rect.left || x > tr.rect.left + tr.rect.width || y < tr.rect.top || y > tr.rect.top + tr.rect.height) continue;
    ctx.beginPath();
    if (m.label === 'saddle' || m.label === 'equilibrium') {
      ctx.moveTo(x, y - 7); ctx.lineTo(x + 7, y); ctx.lineTo(x, y + 7); ctx.lineTo(x - 7, y); ctx.closePath();
    } else {
      for (let k = 0; k < 10; k++) {
        const a = -Math.PI / 2 + k * Math.PI / 5, r = k % 2 ? 3.5 : 8;
        ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
      }
      ctx.closePath();
    }
    ctx.fillStyle = ink; ctx.strokeStyle = halo; ctx.lineWidth = 1.5;
    ctx.fill(); ctx.stroke();
    const label = labelFor ? labelFor(m) : '';
    if (label) {
      ctx.lineWidth = 3; ctx.strokeStyle = halo; ctx.fillStyle = ink;
      ctx.strokeText(label, x + 11, y);
      ctx.fillText(label, x + 11, y);
    }
  }
  ctx.restore();
}

/**
 * drawAxes draws the frame of the plot rectangle with nice ticks and their
 * values on the left and bottom margins.
 */
export function drawAxes(ctx, tr, { ink = '#222', muted = '#666', font = '12px sans-serif', xLabel = 'x', yLabel = 'y' } = {}) {
  const { left, top, width, height } = tr.rect;
  ctx.save();
  ctx.font = font;
  ctx.fillStyle = muted;
  ctx.strokeStyle = muted;
  ctx.lineWidth = 1;
  ctx.strokeRect(left - 0.5, top - 0.5, width + 1, height + 1);
  const xt = niceTicks(tr.view.xmin, tr.view.xmax, Math.max(2, Math.round(width / 90)));
  const yt = niceTicks(tr.view.ymin, tr.view.ymax, Math.max(2, Math.round(height / 70)));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.beginPath();
  for (const v of xt) {
    const x = Math.round(tr.x(v)) + 0.5;
    ctx.moveTo(x, top + height); ctx.lineTo(x, top + height + 5);
    if (x < left + width - 24) ctx.fillText(formatNum(v), x, top + height + 7); // room for the axis name
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of yt) {
    const y = Math.round(tr.y(v)) + 0.5;
    ctx.moveTo(left - 5, y); ctx.lineTo(left, y);
    if (y > top + 16) ctx.fillText(formatNum(v), left - 7, y);
  }
  ctx.stroke();
  ctx.fillStyle = ink;
  ctx.font = `italic ${font}`;
  ctx.textAlign = 'left'; ctx.textBaseline = 'top';
  ctx.fillText(xLabel, left + width - parseFloat(font), top + height + 7);
  ctx.textAlign = 'right'; ctx.textBaseline = 'top';
  ctx.fillText(yLabel, left - 7, top);
  ctx.restore();
}
