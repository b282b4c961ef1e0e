// gridthread.js: the page's side of gridworker.js. decodeGridOffThread(buf)
// decodes a grid in the worker and resolves to what grid.js decodeGrid
// returns (or rejects with its error). Where the page can start no worker
// (no Worker, no worker URL, or the worker failed to load), the page loads
// gridworker.js as a module and decodes on the main thread, saying so once
// in the console when a worker failed. The decoder is therefore loaded
// into the page only then.

const worker = { w: null, url: '', next: 1, waiting: new Map(), failed: false, here: null };

/**
 * startGridWorker starts the worker from url (the page's
 * <meta name="grid-worker">), so that it has loaded by the time the first
 * grid arrives; it does nothing once started or failed.
 */
export function startGridWorker(url) {
  if (worker.w || worker.failed) return;
  worker.url = url || '';
  if (!url || typeof Worker === 'undefined') { worker.failed = true; return; }
  try {
    worker.w = new Worker(url, { type: 'module' });
  } catch (e) {
    fail(e.message);
    return;
  }
  worker.w.onmessage = (ev) => {
    const { id, grid, error } = ev.data;
    const job = worker.waiting.get(id);
    if (!job) return;
    worker.waiting.delete(id);
    if (error !== undefined) job.reject(new Error(error));
    else job.resolve(grid);
  };
  worker.w.onerror = (ev) => { ev.preventDefault(); fail(ev.message || 'the worker did not load'); };
}

/**
 * decodeHere decodes buf on the main thread with the worker's own module,
 * imported from the worker's URL (so the page's bundle keeps the decoder
 * in the worker's file alone), or from its source beside this module.
 */
async function decodeHere(buf) {
  if (!worker.here) {
    const url = worker.url || new URL('./gridworker.js', import.meta.url).href;
    try {
      worker.here = import(url);
    } catch (e) {
      worker.here = Promise.reject(e);
    }
  }
  const [msg] = (await worker.here).answer({ id: 0, buf });
  if (msg.error !== undefined) throw new Error(msg.error);
  return msg.grid;
}

/** fail stops using the worker: the grids it was decoding are decoded here. */
function fail(why) {
  console.warn(`grid worker: ${why}; decoding grids on the main thread`);
  worker.failed = true;
  if (worker.w) worker.w.terminate();
  worker.w = null;
  for (const job of worker.waiting.values()) decodeHere(job.copy).then(job.resolve, job.reject);
  worker.waiting.clear();
}

/**
 * decodeGridOffThread resolves to decodeGrid(buf), computed in the worker.
 * buf (an ArrayBuffer) is handed to the worker: the caller must not use it
 * afterwards.
 */
export function decodeGridOffThread(buf) {
  if (!worker.w) return decodeHere(buf);
  return new Promise((resolve, reject) => {
    const id = worker.next++;
    // a copy is kept while the worker has the original, in case it fails
    worker.waiting.set(id, { resolve, reject, copy: buf.slice(0) });
    worker.w.postMessage({ id, buf }, [buf]);
  });
}

/** gridDecoder says where grids are decoded: "worker" or "main". */
export const gridDecoder = () => (worker.w ? 'worker' : 'main');
