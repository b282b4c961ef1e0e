// gridworker.js: a worker that decodes the map's grids (grid.js decodeGrid)
// off the page's main thread, so that a grid arriving while a run starts
// does not hold up its first points (gridthread.js is the page's side).
// It answers {id, buf} with {id, grid}, the grid's arrays transferred, or
// {id, error}: the message decodeGrid threw.

import { decodeGrid } from './grid.js';

/** answer is the worker's reply to a request {id, buf}: [message, the buffers to transfer]. */
export function answer({ id, buf }) {
  let grid;
  try {
    grid = decodeGrid(buf);
  } catch (e) {
    return [{ id, error: String((e && e.message) || e) }, []];
  }
  const bufs = new Set([grid.values.buffer]);
  for (const l of grid.levels) bufs.add(l.segments.buffer);
  return [{ id, grid }, [...bufs]];
}

// in a worker (not when a test imports the module)
if (typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope) {
  self.onmessage = (ev) => self.postMessage(...answer(ev.data));
}
