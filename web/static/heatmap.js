// heatmap.js: paints a decoded grid at its own resolution (one pixel per
// grid point) with log-scaled loss, and draws that small image scaled onto
// the map, letting the canvas interpolate.

import { lookupTable } from './colormap.js';

const LUT = lookupTable(256);

/**
 * heightScale returns the scale s of the log colour map for a grid: the
 * height above vmin at which the colours turn from linear to logarithmic
 * (Infinity: linear throughout). It is the geometric mean of a thousandth of
 * the range, which keeps the valleys' detail, and the scale that would put
 * the map's median height at the middle of the colours, which spreads the
 * colours over the map: plateaus next to steep walls (Beale) keep their
 * contrast, and a map whose heights sit near the top (shallow wells) is
 * coloured linearly.
 */
export function heightScale(values, vmin, vmax) {
  const range = vmax - vmin;
  if (!(range > 0)) return 1;
  const step = Math.max(1, Math.floor(values.length / 4096));
  const sample = [];
  for (let i = 0; i < values.length; i += step) {
    const v = values[i];
    if (Number.isFinite(v)) sample.push(v - vmin);
  }
  if (!sample.length) return range * 1e-3;
  sample.sort((p, q) => p - q);
  const m = sample[Math.floor(sample.length / 2)];
  // log1p(m/s) / log1p(range/s) = 1/2  ⇔  s = m² / (range − 2m)
  if (range - 2 * m <= range * 1e-9) return Infinity;
  const sMedian = Math.max(range * 1e-9, (m * m) / (range - 2 * m));
  return Math.sqrt(range * 1e-3 * sMedian);
}

/**
 * logNormalizer returns v ↦ [0, 1] for losses in [vmin, vmax]: a log scale
 * of the height above vmin, log1p(h/s) (s: heightScale, default a thousandth
 * of the range), so that the low valleys where the runs go get most of the
 * colours; linear when vmin < 0. Its inverse is norm.invert(t).
 */
export function logNormalizer(vmin, vmax, s = (vmax - vmin) * 1e-3) {
  const range = vmax - vmin;
  if (!(range > 0)) {
    const f = () => 0.5;
    f.invert = () => vmin;
    return f;
  }
  // A loss that goes negative (a game's payoff, a saddle) has no floor to be
  // near: its colours are spread evenly instead.
  if (vmin < 0) {
    const f = (v) => (v - vmin) / range;
    f.invert = (t) => vmin + t * range;
    return f;
  }
  if (!(s < range * 1e6)) { // so large a scale is linear (and log1p would lose it)
    const f = (v) => Math.max(0, v - vmin) / range;
    f.invert = (t) => vmin + t * range;
    return f;
  }
  const top = Math.log1p(range / s);
  const f = (v) => Math.log1p(Math.max(0, v - vmin) / s) / top;
  f.invert = (t) => vmin + s * Math.expm1(t * top);
  return f;
}

/**
 * gridScaleIsLog reports whether the map colours grid on a log scale (false
 * when its losses go negative or sit so near the top that the scale is linear).
 */
export function gridScaleIsLog(grid) {
  const range = grid.vmax - grid.vmin;
  return grid.vmin >= 0 && range > 0 && gridScale(grid) < range * 1e6;
}

/**
 * gridScale is heightScale of the grid, kept on it as grid.scale: the
 * colour bar, the 3D view and the image all ask for it, and it sorts a
 * sample of the grid. The grid worker sets it with the grid (gridworker.js).
 */
export function gridScale(grid) {
  if (grid.scale === undefined) grid.scale = heightScale(grid.values, grid.vmin, grid.vmax);
  return grid.scale;
}

/** gridNormalizer returns the logNormalizer the map uses for grid. */
export const gridNormalizer = (grid) => logNormalizer(grid.vmin, grid.vmax, gridScale(grid));

/**
 * gridPixels returns the grid's colours as nx × ny RGBA pixels; row 0 of
 * the grid (y = ymin) is the bottom row of the image, and points whose loss
 * is not finite are transparent. The grid worker computes them with the
 * grid, as grid.pixels, off the page's main thread.
 */
export function gridPixels(grid) {
  const { nx, ny, values } = grid;
  const px = new Uint8ClampedArray(nx * ny * 4);
  const norm = gridNormalizer(grid);
  for (let j = 0; j < ny; j++) {
    const row = (ny - 1 - j) * nx;
    for (let i = 0; i < nx; i++) {
      const v = values[j * nx + i];
      if (!Number.isFinite(v)) continue;
      const o = (row + i) * 4;
      const k = Math.min(255, Math.max(0, Math.round(norm(v) * 255))) * 3;
      px[o] = LUT[k]; px[o + 1] = LUT[k + 1]; px[o + 2] = LUT[k + 2]; px[o + 3] = 255;
    }
  }
  return px;
}

/** paintGrid returns a canvas of nx × ny pixels holding the grid's colours (gridPixels). */
export function paintGrid(grid, doc = document) {
  const { nx, ny } = grid;
  const canvas = doc.createElement('canvas');
  canvas.width = nx;
  canvas.height = ny;
  canvas.getContext('2d').putImageData(new ImageData(grid.pixels || gridPixels(grid), nx, ny), 0, 0);
  return canvas;
}

/**
 * drawHeatmap draws the image of paintGrid onto ctx where the grid's box
 * lies under the view transform tr (each grid point at the centre of its
 * pixel), smoothly scaled.
 */
export function drawHeatmap(ctx, image, grid, tr) {
  const { box, nx, ny } = grid;
  const dx = (box.xmax - box.xmin) / (nx - 1), dy = (box.ymax - box.ymin) / (ny - 1);
  const x0 = tr.x(box.xmin - dx / 2), x1 = tr.x(box.xmax + dx / 2);
  const y0 = tr.y(box.ymax + dy / 2), y1 = tr.y(box.ymin - dy / 2);
  ctx.save();
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(image, x0, y0, x1 - x0, y1 - y0);
  ctx.restore();
}

/**
 * drawColorbar draws the colour scale of the grid as a bar of w × h pixels
 * with its top-left corner at (x, y): the lowest loss on the left, the
 * highest on the right, in the same log scale as the map, with the two end
 * values and a caption above it.
 */
export function drawColorbar(ctx, grid, x, y, w, h, { caption = 'loss', font = '11px sans-serif', ink = '#fff', halo = 'rgba(0,0,0,0.75)', format = String } = {}) {
  const norm = gridNormalizer(grid);
  ctx.save();
  ctx.font = font;
  const capW = ctx.measureText(caption).width;
  const left = Math.min(x, x + w - capW);
  ctx.fillStyle = halo;
  ctx.fillRect(left - 6, y - 16, x + w - left + 12, h + 34);
  for (let i = 0; i < w; i++) {
    const t = i / (w - 1);
    const c = Math.round(t * 255) * 3;
    ctx.fillStyle = `rgb(${LUT[c]} ${LUT[c + 1]} ${LUT[c + 2]})`;
    ctx.fillRect(x + i, y, 1, h);
  }
  ctx.font = font;
  ctx.fillStyle = ink;
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'left';
  ctx.fillText(caption, left, y - 2);
  ctx.textBaseline = 'top';
  ctx.fillText(format(grid.vmin), x, y + h + 2);
  ctx.textAlign = 'right';
  ctx.fillText(format(grid.vmax), x + w, y + h + 2);
  // the loss at the middle of the bar, to show that the scale is not linear
  if (w >= 120) {
    ctx.textAlign = 'center';
    ctx.fillText(format(norm.invert(0.5)), x + w / 2, y + h + 2);
  }
  ctx.restore();
}
