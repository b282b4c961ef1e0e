// gridview.js: what the page reads from a decoded grid (grid.js
// decodeGrid): whether it covers a view, and the loss at a point; and the
// format the page asks for. Pure: no DOM.

/** GRID_FORMAT is the format the page asks for (the query's format=). */
export const GRID_FORMAT = 'lrg2';

/**
 * gridCovers reports whether a grid over box can stand for the view: the
 * view lies inside the box and spans at least COVER_SHARE of it on each
 * axis, so the map shows the grid's points at nearly the density a new
 * grid would have.
 */
export function gridCovers(box, view) {
  const w = box.xmax - box.xmin, h = box.ymax - box.ymin;
  return view.xmin >= box.xmin && view.xmax <= box.xmax && view.ymin >= box.ymin && view.ymax <= box.ymax
    && view.xmax - view.xmin >= COVER_SHARE * w && view.ymax - view.ymin >= COVER_SHARE * h;
}

/** COVER_SHARE is the least share of a grid's box a view it stands for spans. */
export const COVER_SHARE = 0.9;

/**
 * sampleGrid returns the loss at data point (x, y) by bilinear
 * interpolation, or NaN outside the grid.
 */
export function sampleGrid(g, x, y) {
  const fx = (x - g.box.xmin) / (g.box.xmax - g.box.xmin) * (g.nx - 1);
  const fy = (y - g.box.ymin) / (g.box.ymax - g.box.ymin) * (g.ny - 1);
  if (!(fx >= 0 && fy >= 0 && fx <= g.nx - 1 && fy <= g.ny - 1)) return NaN;
  const i = Math.min(g.nx - 2, Math.floor(fx)), j = Math.min(g.ny - 2, Math.floor(fy));
  const u = fx - i, v = fy - j;
  let sum = 0;
  const add = (a, b, w) => { if (w > 0) sum += w * g.values[b * g.nx + a]; };
  add(i, j, (1 - u) * (1 - v)); add(i + 1, j, u * (1 - v)); add(i, j + 1, (1 - u) * v); add(i + 1, j + 1, u * v);
  return sum;
}
