// grid-decode-bench.mjs: how long web/static/grid.js takes to decode one
// grid, first (cold, as the page's first visit decodes it) and warm (the
// mean of 20 more). Prints figures; asserts nothing.
//
//   go run ./cmd/server -addr 127.0.0.1:8080 &
//   curl -s -o /tmp/grid.bin 'http://127.0.0.1:8080/api/v1/surfaces/quadratic/grid?xmin=-3&xmax=3&ymin=-3&ymax=3&n=256&format=lrg2'
//   node scripts/grid-decode-bench.mjs /tmp/grid.bin [path/to/grid.js]
//
// Each run is a fresh process, so "cold" is a first call; run it a few
// times and take the median.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [file, mod = 'web/static/grid.js'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/grid-decode-bench.mjs GRID.bin [grid.js]');
  process.exit(2);
}
const { decodeGrid } = await import(pathToFileURL(resolve(mod)).href);
const bytes = readFileSync(file);
const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
let t = performance.now();
const g = decodeGrid(buf);
const cold = performance.now() - t;
t = performance.now();
for (let i = 0; i < 20; i++) decodeGrid(buf);
const warm = (performance.now() - t) / 20;
const segs = g.levels.reduce((s, l) => s + l.segments.length / 4, 0);
console.log(`${g.nx}×${g.ny}, ${g.levels.length} levels, ${segs} segments: cold ${cold.toFixed(1)} ms, warm ${warm.toFixed(2)} ms`);
