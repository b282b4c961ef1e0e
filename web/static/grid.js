// grid.js: decodes the binary grids of GET /api/v1/surfaces/{name}/grid:
// "LRG1" (every number a float32) and "LRG2" (quantised and delta-coded,
// what the page asks for with format=lrg2; server/gridformat.go, formats in
// docs/API.md). Pure: no DOM. The page decodes in a worker (gridworker.js,
// gridthread.js) and reads the grids with gridview.js, a module of its own
// so that the decoder is loaded only into the worker.

/** MAGIC is the first four bytes of the LRG1 format; MAGIC2 of LRG2. */
export const MAGIC = 'LRG1';
export const MAGIC2 = 'LRG2';


/**
 * decodeGrid reads an ArrayBuffer (or a typed array / DataView over one) and
 * returns {nx, ny, box: {xmin, xmax, ymin, ymax}, vmin, vmax, values, levels}:
 * values is a Float32Array of ny rows of nx (row 0 at ymin, NaN where the
 * loss is not finite); levels is [{level, segments}] with segments a
 * Float32Array of x0, y0, x1, y1 quadruples in data coordinates.
 * It throws an Error saying what is wrong when the data is not a whole grid.
 */
export function decodeGrid(buf) {
  const view = buf instanceof DataView ? buf
    : ArrayBuffer.isView(buf) ? new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
      : new DataView(buf);
  const len = view.byteLength;
  let off = 0;
  const need = (n, what) => {
    if (off + n > len) throw new Error(`grid: truncated at ${what} (need ${off + n} bytes, have ${len})`);
  };
  need(4, 'magic');
  const magic = String.fromCharCode(view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3));
  if (magic === MAGIC2) return decodeGrid2(view);
  if (magic !== MAGIC) throw new Error(`grid: bad magic ${JSON.stringify(magic)}, want "${MAGIC}" or "${MAGIC2}"`);
  off = 4;
  need(32, 'header');
  const nx = view.getUint32(off, true), ny = view.getUint32(off + 4, true);
  off += 8;
  const f = () => { const v = view.getFloat32(off, true); off += 4; return v; };
  const box = { xmin: f(), xmax: f(), ymin: f(), ymax: f() };
  const vmin = f(), vmax = f();
  if (nx < 2 || ny < 2 || nx > 4096 || ny > 4096) throw new Error(`grid: bad size ${nx}×${ny}`);
  const count = nx * ny;
  need(count * 4, 'values');
  const values = readFloats(view, off, count);
  off += count * 4;
  need(4, 'level count');
  const nlevels = view.getUint32(off, true);
  off += 4;
  const levels = [];
  for (let k = 0; k < nlevels; k++) {
    need(8, `level ${k}`);
    const level = view.getFloat32(off, true);
    const nseg = view.getUint32(off + 4, true);
    off += 8;
    need(nseg * 16, `segments of level ${k}`);
    levels.push({ level, segments: readFloats(view, off, nseg * 4) });
    off += nseg * 16;
  }
  return { nx, ny, box, vmin, vmax, values, levels };
}

/**
 * decodeGrid2 reads the LRG2 format (server/gridformat.go encodeGridV2 says
 * it in full): a header of float64s, each value's 16-bit code as a zigzag
 * varint residual of the plane predictor, and per level polylines of coded
 * points as differences. It returns what decodeGrid returns: the values
 * decoded from their codes, the polylines expanded into segments.
 */
function decodeGrid2(view) {
  const len = view.byteLength;
  let off = 4;
  const need = (n, what) => {
    if (off + n > len) throw new Error(`grid: truncated at ${what} (need ${off + n} bytes, have ${len})`);
  };
  need(8 + 7 * 8, 'header');
  const nx = view.getUint32(off, true), ny = view.getUint32(off + 4, true);
  off += 8;
  const f = () => { const v = view.getFloat64(off, true); off += 8; return v; };
  const box = { xmin: f(), xmax: f(), ymin: f(), ymax: f() };
  const vmin = f(), vmax = f(), s = f();
  if (nx < 2 || ny < 2 || nx > 4096 || ny > 4096) throw new Error(`grid: bad size ${nx}×${ny}`);
  // an unsigned varint (Go's binary.AppendUvarint; < 2³⁵ here), and a
  // signed one in zigzag form (binary.AppendVarint). Read from the bytes
  // directly, in one place: the page decodes a grid once, often before
  // the JIT has warmed up, so the loops below stay small.
  const bytes = new Uint8Array(view.buffer, view.byteOffset, len);
  const uvarint = (what) => {
    let u = 0, mul = 1, b;
    do {
      if (off >= len) need(1, what);
      b = bytes[off++];
      u += (b & 0x7f) * mul;
      mul *= 128;
      if (mul > 2 ** 35) throw new Error(`grid: bad number at ${what}`);
    } while (b & 0x80);
    return u;
  };
  const varint = (what) => { const u = uvarint(what); return u % 2 ? -(u + 1) / 2 : u / 2; };
  const top = Math.log1p((vmax - vmin) / s);
  const n = nx * ny;
  const codes = new Uint16Array(n);
  const values = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const i = k % nx;
    const left = i > 0 ? codes[k - 1] : 0, up = k >= nx ? codes[k - nx] : 0, ul = i > 0 && k >= nx ? codes[k - nx - 1] : 0;
    // the residual's varint, inline (most are one byte)
    let b = off < len ? bytes[off++] : need(1, 'values');
    let u = b & 0x7f;
    for (let mul = 128; b & 0x80; mul *= 128) {
      if (mul >= 2 ** 35) throw new Error('grid: bad number at values'); // a sixth byte, as uvarint
      b = off < len ? bytes[off++] : need(1, 'values');
      u += (b & 0x7f) * mul;
    }
    const c = (left + up - ul + (u % 2 ? -(u + 1) / 2 : u / 2)) & 0xffff;
    codes[k] = c;
    values[k] = c === NOT_FINITE ? NaN : vmin + s * Math.expm1((c / QUANTUM) * top);
  }
  need(4, 'level count');
  const nlevels = view.getUint32(off, true);
  off += 4;
  const levels = [];
  const sx = (box.xmax - box.xmin) / COORDS, sy = (box.ymax - box.ymin) / COORDS;
  let px = 0, py = 0;
  for (let k = 0; k < nlevels; k++) {
    need(8, `level ${k}`);
    const level = view.getFloat64(off, true);
    off += 8;
    const nlines = uvarint(`level ${k}`);
    const segs = [];
    for (let l = 0; l < nlines; l++) {
      const npoints = uvarint(`polyline of level ${k}`);
      if (npoints < 2) throw new Error(`grid: a polyline of ${npoints} points in level ${k}`);
      for (let p = 0; p < npoints; p++) {
        const x = (px + varint(`points of level ${k}`)) & 0xffff, y = (py + varint(`points of level ${k}`)) & 0xffff;
        if (p > 0) segs.push(box.xmin + px * sx, box.ymin + py * sy, box.xmin + x * sx, box.ymin + y * sy);
        px = x; py = y;
      }
    }
    levels.push({ level, segments: new Float32Array(segs) });
  }
  if (off !== len) throw new Error(`grid: ${len - off} bytes after the last level`);
  return { nx, ny, box, vmin, vmax, values, levels };
}

// LRG2's codes: values 0 … QUANTUM, NOT_FINITE for NaN and ±Inf; contour
// coordinates 0 … COORDS across the box.
const QUANTUM = 65534, NOT_FINITE = 65535, COORDS = 65535;

function readFloats(view, off, n) {
  const abs = view.byteOffset + off;
  // Aligned and little-endian host: a copy of the bytes is the array.
  if (abs % 4 === 0 && LITTLE) return new Float32Array(view.buffer.slice(abs, abs + n * 4));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(off + i * 4, true);
  return out;
}

const LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * encodeGrid writes a grid object back into the binary format; the tests use
 * it to build inputs, and it documents the layout once more.
 */
export function encodeGrid(g) {
  const nseg = g.levels.reduce((s, l) => s + l.segments.length / 4, 0);
  const size = 4 + 8 + 24 + g.nx * g.ny * 4 + 4 + g.levels.length * 8 + nseg * 16;
  const view = new DataView(new ArrayBuffer(size));
  let off = 0;
  for (const c of MAGIC) view.setUint8(off++, c.charCodeAt(0));
  view.setUint32(off, g.nx, true); view.setUint32(off + 4, g.ny, true); off += 8;
  for (const v of [g.box.xmin, g.box.xmax, g.box.ymin, g.box.ymax, g.vmin, g.vmax]) { view.setFloat32(off, v, true); off += 4; }
  for (const v of g.values) { view.setFloat32(off, v, true); off += 4; }
  view.setUint32(off, g.levels.length, true); off += 4;
  for (const l of g.levels) {
    view.setFloat32(off, l.level, true); view.setUint32(off + 4, l.segments.length / 4, true); off += 8;
    for (const v of l.segments) { view.setFloat32(off, v, true); off += 4; }
  }
  return view.buffer;
}
