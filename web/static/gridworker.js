// gridworker.js: a worker that decodes the map's grids (grid.js decodeGrid)
// and colours them (heatmap.js: grid.scale, grid.pixels) off the page's
// main thread, so that a grid arriving while a run starts or the map is
// zoomed does not hold up its frames (gridthread.js is the page's side).
// It answers {id, buf} with {id, grid}, the grid's arrays transferred, or
// {id, error}: the message decodeGrid threw.

import { decodeGrid } from './grid.js';
import { gridScale, gridPixels } from './heatmap.js';

/** answer is the worker's reply to a request {id, buf}: [message, the buffers to transfer]. */
export function answer({ id, buf }) {
  let grid;
  try {
    grid = decodeGrid(buf);
  } catch (e) {
    return [{ id, error: String((e && e.message) || e) }, []];
  }
  gridScale(grid);
  grid.pixels = gridPixels(grid);
  const bufs = new Set([grid.values.buffer, grid.pixels.buffer]);
  for (const l of grid.levels) bufs.add(l.segments.buffer);
  return [{ id, grid }, [...bufs]];
}

// in a worker (not when a test imports the module)
if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  self.onmessage = (ev) => self.postMessage(...answer(ev.data));
}
