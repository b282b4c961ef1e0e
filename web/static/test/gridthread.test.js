// gridthread.js hands grids to gridworker.js and gives back what
// decodeGrid gives, with the grid's colour scale and pixels (heatmap.js's
// gridScale, gridPixels); these tests stand a fake Worker in for the browser's,
// one that runs gridworker.js's answer() as the worker would (structured
// clone and transfer included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeGrid } from '../grid.js';
import { answer } from '../gridworker.js';
import { heightScale, gridPixels } from '../heatmap.js';

const golden = (name) => {
  const b = readFileSync(new URL(`./golden/${name}`, import.meta.url));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};

// coloured is what the worker answers for buf: decodeGrid's grid, with its
// colour scale and its image's pixels
const coloured = (buf) => {
  const g = decodeGrid(buf);
  g.scale = heightScale(g.values, g.vmin, g.vmax);
  g.pixels = gridPixels(g);
  return g;
};

// a fresh copy of gridthread.js per test: its worker is module state
let n = 0;
const fresh = () => import(`../gridthread.js?fresh=${n++}`);
// the worker's module, as the page names it in <meta name="grid-worker">
const WORKER = new URL('../gridworker.js', import.meta.url).href;

class FakeWorker {
  static made = [];
  constructor(url, opts) {
    this.url = url; this.opts = opts; this.posted = 0; this.terminated = false;
    FakeWorker.made.push(this);
  }
  postMessage(data, transfer) {
    this.posted++;
    // what the browser does: the message is cloned, the listed buffers moved
    const req = structuredClone(data, { transfer });
    setTimeout(() => {
      const [msg, moved] = answer(req);
      this.onmessage({ data: structuredClone(msg, { transfer: moved }) });
    }, 0);
  }
  terminate() { this.terminated = true; }
}

test('decodes and colours in the worker what decodeGrid decodes, and moves the buffer there', async (t) => {
  globalThis.Worker = FakeWorker;
  t.after(() => { delete globalThis.Worker; });
  const gt = await fresh();
  gt.startGridWorker('/static/x/b-gridworker.js');
  const w = FakeWorker.made.at(-1);
  assert.equal(w.url, '/static/x/b-gridworker.js');
  assert.deepEqual(w.opts, { type: 'module' });
  assert.equal(gt.gridDecoder(), 'worker');
  for (const name of ['grid-quadratic.lrg2.bin', 'grid-rosenbrock.lrg2.bin', 'grid-log.lrg2.bin']) {
    const buf = golden(name);
    const want = coloured(buf.slice(0));
    const got = await gt.decodeGridOffThread(buf);
    assert.equal(buf.byteLength, 0, `${name}: the buffer was transferred, not copied`);
    assert.deepEqual(got, want, name);
  }
  assert.equal(w.posted, 3);
});

test('a bad grid rejects with decodeGrid\'s error, from the worker', async (t) => {
  globalThis.Worker = FakeWorker;
  t.after(() => { delete globalThis.Worker; });
  const gt = await fresh();
  gt.startGridWorker('/w.js');
  const bad = new TextEncoder().encode('LRG2xx').buffer;
  let want;
  try { decodeGrid(bad.slice(0)); } catch (e) { want = e.message; }
  await assert.rejects(gt.decodeGridOffThread(bad), (e) => e.message === want && /truncated/.test(want));
});

test('a worker that fails to load: its grids, and the later ones, are decoded here', async (t) => {
  class Broken extends FakeWorker {
    postMessage() { this.posted++; setTimeout(() => this.onerror({ message: 'no such script', preventDefault() {} }), 0); }
  }
  globalThis.Worker = Broken;
  const warn = console.warn;
  const warned = [];
  console.warn = (...a) => warned.push(a.join(' '));
  t.after(() => { delete globalThis.Worker; console.warn = warn; });
  const gt = await fresh();
  gt.startGridWorker(WORKER);
  const buf = golden('grid-quadratic.lrg2.bin');
  const want = coloured(buf.slice(0));
  assert.deepEqual(await gt.decodeGridOffThread(buf), want);
  const w = Broken.made.at(-1);
  assert.ok(w.terminated);
  assert.equal(gt.gridDecoder(), 'main');
  assert.equal(warned.length, 1);
  assert.match(warned[0], /no such script/);
  assert.deepEqual(await gt.decodeGridOffThread(golden('grid-quadratic.lrg2.bin')), want);
  assert.equal(w.posted, 1, 'nothing more is sent to a failed worker');
});

test('without Worker (or without the page\'s URL) grids are decoded on the main thread', async () => {
  const gt = await fresh();
  gt.startGridWorker(WORKER); // Node has no global Worker
  assert.equal(gt.gridDecoder(), 'main');
  const buf = golden('grid-quadratic.lrg2.bin');
  assert.deepEqual(await gt.decodeGridOffThread(buf), coloured(golden('grid-quadratic.lrg2.bin')));
  await assert.rejects(gt.decodeGridOffThread(new ArrayBuffer(3)), /grid:/);
});
