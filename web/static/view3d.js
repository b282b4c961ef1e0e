// view3d.js: the loss surface as a lit mesh in WebGL (written here, no
// third-party code), with every run's trajectory drawn on it in the run's
// colour and its point at the timeline's step. Height and colour are the
// map's own: the heat map's normaliser (heatmap.js) and viridis
// (colormap.js). Drag rotates, the wheel zooms; the 2D map is one click
// away. Where WebGL is missing it says so and the 2D map stays.

import { el } from './controls.js';
import { colorAt } from './colormap.js';
import { gridNormalizer } from './heatmap.js';

const MAX_SIDE = 128; // mesh vertices per side (the grid is sampled down to it)
const HEIGHT = 0.9; // the surface's height in units of the half-width

const VS = `
attribute vec3 aPos; attribute vec3 aNormal; attribute vec3 aColor;
uniform mat4 uMVP; uniform float uPoint;
varying vec3 vColor; varying vec3 vNormal;
void main() {
  gl_Position = uMVP * vec4(aPos, 1.0);
  gl_PointSize = uPoint;
  vColor = aColor; vNormal = aNormal;
}`;
const FS = `
precision mediump float;
varying vec3 vColor; varying vec3 vNormal;
uniform float uLit; uniform vec3 uLight;
void main() {
  float d = max(dot(normalize(vNormal), uLight), 0.0);
  float k = mix(1.0, 0.38 + 0.72 * d, uLit);
  gl_FragColor = vec4(vColor * k, 1.0);
}`;

/** hexColor returns [r, g, b] in 0…1 of "#rrggbb". */
export function hexColor(css) {
  const m = /^#([0-9a-f]{6})$/i.exec(css || '');
  if (!m) return [1, 1, 1];
  const v = parseInt(m[1], 16);
  return [(v >> 16) / 255, ((v >> 8) & 255) / 255, (v & 255) / 255];
}

/** mat4 multiply (column-major, as WebGL reads them): a·b. */
function mul(a, b) {
  const o = new Float32Array(16);
  for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
    o[c * 4 + r] = s;
  }
  return o;
}
function perspective(fovy, aspect, near, far) {
  const f = 1 / Math.tan(fovy / 2), nf = 1 / (near - far);
  return new Float32Array([f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) * nf, -1, 0, 0, 2 * far * near * nf, 0]);
}
const translate = (x, y, z) => new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, y, z, 1]);
function rotX(a) { const c = Math.cos(a), s = Math.sin(a); return new Float32Array([1, 0, 0, 0, 0, c, s, 0, 0, -s, c, 0, 0, 0, 0, 1]); }
function rotY(a) { const c = Math.cos(a), s = Math.sin(a); return new Float32Array([c, 0, -s, 0, 0, 1, 0, 0, s, 0, c, 0, 0, 0, 0, 1]); }

/**
 * surfaceMesh builds the mesh of grid: positions (x right, y up, z toward
 * the viewer; the grid's box mapped to [−1, 1] on its longer side),
 * normals, colours and triangle indices, sampled to at most MAX_SIDE
 * vertices a side. It also returns place(x, y, loss) → [X, Y, Z], which
 * puts a point of a run on the same axes (null outside the box).
 */
export function surfaceMesh(grid) {
  const norm = gridNormalizer(grid);
  const { nx, ny, box } = grid;
  const sx = Math.max(1, Math.ceil(nx / MAX_SIDE)), sy = Math.max(1, Math.ceil(ny / MAX_SIDE));
  const cols = Math.floor((nx - 1) / sx) + 1, rows = Math.floor((ny - 1) / sy) + 1;
  const half = Math.max(box.xmax - box.xmin, box.ymax - box.ymin) / 2;
  const cx = (box.xmin + box.xmax) / 2, cy = (box.ymin + box.ymax) / 2;
  const X = (x) => (x - cx) / half, Z = (y) => -(y - cy) / half;
  const H = (v) => (Number.isFinite(v) ? norm(v) : 1) * HEIGHT;
  const pos = new Float32Array(cols * rows * 3), col = new Float32Array(cols * rows * 3), nrm = new Float32Array(cols * rows * 3);
  const h = new Float32Array(cols * rows);
  for (let j = 0; j < rows; j++) for (let i = 0; i < cols; i++) {
    const gi = Math.min(nx - 1, i * sx), gj = Math.min(ny - 1, j * sy);
    const v = grid.values[gj * nx + gi];
    const k = j * cols + i;
    h[k] = H(v);
    const x = box.xmin + (gi / (nx - 1)) * (box.xmax - box.xmin), y = box.ymin + (gj / (ny - 1)) * (box.ymax - box.ymin);
    pos.set([X(x), h[k], Z(y)], k * 3);
    const c = colorAt(h[k] / HEIGHT);
    col.set([c[0] / 255, c[1] / 255, c[2] / 255], k * 3);
  }
  for (let j = 0; j < rows; j++) for (let i = 0; i < cols; i++) {
    const k = j * cols + i;
    const l = pos[(j * cols + Math.max(0, i - 1)) * 3], r = pos[(j * cols + Math.min(cols - 1, i + 1)) * 3];
    const dhx = (h[j * cols + Math.min(cols - 1, i + 1)] - h[j * cols + Math.max(0, i - 1)]) / (r - l || 1);
    const d = pos[(Math.max(0, j - 1) * cols + i) * 3 + 2], u = pos[(Math.min(rows - 1, j + 1) * cols + i) * 3 + 2];
    const dhz = (h[Math.min(rows - 1, j + 1) * cols + i] - h[Math.max(0, j - 1) * cols + i]) / (u - d || 1);
    const len = Math.hypot(dhx, 1, dhz);
    nrm.set([-dhx / len, 1 / len, -dhz / len], k * 3);
  }
  const idx = new Uint16Array((cols - 1) * (rows - 1) * 6);
  let n = 0;
  for (let j = 0; j < rows - 1; j++) for (let i = 0; i < cols - 1; i++) {
    const a = j * cols + i, b = a + 1, c = a + cols, d = c + 1;
    idx.set([a, c, b, b, c, d], n);
    n += 6;
  }
  const place = (x, y, loss) => {
    if (!(x >= box.xmin && x <= box.xmax && y >= box.ymin && y <= box.ymax)) return null;
    return [X(x), H(loss) + 0.012, Z(y)];
  };
  return { pos, nrm, col, idx, place };
}

/**
 * mountView3D mounts the 3D canvas over the map in wrap (main.js loads
 * this module when its 3D button is first pressed, and owns the button).
 * hooks: grid(), data() → run records, cursor() → step or null, colors(i)
 * → "#rrggbb", t() → translator. It returns {toggle() → shown, render()
 * (texts), draw() (when shown), shown()}.
 */
export function mountView3D(wrap, hooks) {
  const canvas = el('canvas', { id: 'view3d', role: 'img', tabindex: '0' });
  const note = el('p', { class: 'view3d-note' });
  const box = el('div', { class: 'view3d-box', hidden: true }, canvas, note);
  wrap.append(box);
  let shown = false, gl = null, prog = null, tried = false, mesh = null, meshOf = null;
  const buf = {};
  const cam = { yaw: -0.6, pitch: 0.62, dist: 3.4 };

  function toggle() {
    shown = !shown;
    box.hidden = !shown;
    wrap.classList.toggle('in3d', shown);
    if (shown && !tried) init();
    return shown;
  }

  function init() {
    tried = true;
    try {
      gl = canvas.getContext('webgl', { antialias: true, preserveDrawingBuffer: true });
    } catch { gl = null; }
    if (!gl) return;
    const sh = (type, src) => {
      const s = gl.createShader(type);
      gl.shaderSource(s, src);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
      return s;
    };
    try {
      prog = gl.createProgram();
      gl.attachShader(prog, sh(gl.VERTEX_SHADER, VS));
      gl.attachShader(prog, sh(gl.FRAGMENT_SHADER, FS));
      gl.linkProgram(prog);
      if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(prog));
    } catch {
      gl = null;
      return;
    }
    for (const k of ['pos', 'nrm', 'col', 'idx', 'tpos', 'tcol']) buf[k] = gl.createBuffer();
  }

  // drag rotates, the wheel zooms
  let drag = null;
  canvas.addEventListener('pointerdown', (ev) => { canvas.setPointerCapture(ev.pointerId); drag = { x: ev.clientX, y: ev.clientY }; });
  canvas.addEventListener('pointermove', (ev) => {
    if (!drag) return;
    rotate((ev.clientX - drag.x) * 0.01, (ev.clientY - drag.y) * 0.01);
    drag = { x: ev.clientX, y: ev.clientY };
  });
  const end = () => { drag = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    cam.dist = Math.min(9, Math.max(1.4, cam.dist * Math.exp(Math.max(-1, Math.min(1, ev.deltaY * (ev.deltaMode === 1 ? 30 : 1) * 0.0015)))));
    draw();
  }, { passive: false });
  canvas.addEventListener('keydown', (ev) => {
    // the arrow keys step the runs (main.js); a, d, w, s rotate
    const k = ev.key.toLowerCase();
    const d = { a: [-0.1, 0], d: [0.1, 0], w: [0, -0.1], s: [0, 0.1] }[k];
    if (d) { ev.preventDefault(); rotate(d[0], d[1]); }
  });
  function rotate(dyaw, dpitch) {
    cam.yaw += dyaw;
    cam.pitch = Math.min(1.5, Math.max(0.05, cam.pitch + dpitch));
    draw();
  }

  function attrib(name, b, size) {
    const loc = gl.getAttribLocation(prog, name);
    if (loc < 0) return;
    gl.bindBuffer(gl.ARRAY_BUFFER, b);
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, size, gl.FLOAT, false, 0, 0);
  }

  function draw() {
    if (!shown) return;
    if (!gl) { note.textContent = hooks.t()('view3d.noWebGL'); note.classList.add('fallback'); return; }
    note.textContent = hooks.t()('view3d.hint');
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(50, Math.round(canvas.clientWidth * dpr)), h = Math.max(50, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    gl.viewport(0, 0, w, h);
    const dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
    const bg = dark ? [0.12, 0.13, 0.15] : [0.96, 0.96, 0.95];
    gl.clearColor(bg[0], bg[1], bg[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    const grid = hooks.grid();
    if (!grid) return;
    gl.useProgram(prog);
    if (meshOf !== grid) {
      mesh = surfaceMesh(grid);
      meshOf = grid;
      gl.bindBuffer(gl.ARRAY_BUFFER, buf.pos); gl.bufferData(gl.ARRAY_BUFFER, mesh.pos, gl.STATIC_DRAW);
      gl.bindBuffer(gl.ARRAY_BUFFER, buf.nrm); gl.bufferData(gl.ARRAY_BUFFER, mesh.nrm, gl.STATIC_DRAW);
      gl.bindBuffer(gl.ARRAY_BUFFER, buf.col); gl.bufferData(gl.ARRAY_BUFFER, mesh.col, gl.STATIC_DRAW);
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, buf.idx); gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, mesh.idx, gl.STATIC_DRAW);
    }
    const mv = mul(translate(0, -0.15, -cam.dist), mul(rotX(cam.pitch), rotY(cam.yaw)));
    const mvp = mul(perspective(0.75, w / h, 0.1, 50), mv);
    gl.uniformMatrix4fv(gl.getUniformLocation(prog, 'uMVP'), false, mvp);
    const L = [0.35, 0.85, 0.4], ll = Math.hypot(...L);
    gl.uniform3f(gl.getUniformLocation(prog, 'uLight'), L[0] / ll, L[1] / ll, L[2] / ll);
    gl.enable(gl.DEPTH_TEST);
    gl.depthFunc(gl.LEQUAL);
    // the surface, lit
    gl.uniform1f(gl.getUniformLocation(prog, 'uLit'), 1);
    gl.uniform1f(gl.getUniformLocation(prog, 'uPoint'), 1);
    attrib('aPos', buf.pos, 3); attrib('aNormal', buf.nrm, 3); attrib('aColor', buf.col, 3);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, buf.idx);
    gl.drawElements(gl.TRIANGLES, mesh.idx.length, gl.UNSIGNED_SHORT, 0);

    // the trajectories (segments between points inside the box) and the points at the cursor
    const data = hooks.data(), k = hooks.cursor();
    const lines = [], lcol = [], dots = [], dcol = [];
    data.forEach((d, r) => {
      if (!d || d.n < 1) return;
      const c = hexColor(hooks.colors(r));
      const last = k === null ? d.n - 1 : Math.min(d.n - 1, k);
      let prev = mesh.place(d.x[0], d.y[0], d.loss[0]);
      for (let i = 1; i <= last; i++) {
        const p = mesh.place(d.x[i], d.y[i], d.loss[i]);
        if (p && prev) { lines.push(...prev, ...p); lcol.push(...c, ...c); }
        prev = p;
      }
      const p = mesh.place(d.x[last], d.y[last], d.loss[last]);
      if (p) { dots.push(...p); dcol.push(...c); }
    });
    gl.uniform1f(gl.getUniformLocation(prog, 'uLit'), 0);
    const nloc = gl.getAttribLocation(prog, 'aNormal');
    if (nloc >= 0) { gl.disableVertexAttribArray(nloc); gl.vertexAttrib3f(nloc, 0, 1, 0); }
    const put = (pts, cols, mode, size) => {
      if (!pts.length) return;
      gl.bindBuffer(gl.ARRAY_BUFFER, buf.tpos); gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(pts), gl.DYNAMIC_DRAW);
      attrib('aPos', buf.tpos, 3);
      gl.bindBuffer(gl.ARRAY_BUFFER, buf.tcol); gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(cols), gl.DYNAMIC_DRAW);
      attrib('aColor', buf.tcol, 3);
      gl.uniform1f(gl.getUniformLocation(prog, 'uPoint'), size);
      gl.drawArrays(mode, 0, pts.length / 3);
    };
    put(lines, lcol, gl.LINES, 1);
    put(lines, lcol, gl.POINTS, 2.5 * dpr);
    // the current points over everything, with a dark rim
    gl.disable(gl.DEPTH_TEST);
    put(dots, dots.map(() => 0.05), gl.POINTS, 15 * dpr);
    put(dots, dcol, gl.POINTS, 11 * dpr);
    gl.enableVertexAttribArray(nloc);
  }

  function render() {
    canvas.setAttribute('aria-label', hooks.t()('view3d.label'));
  }

  return { toggle, render, draw, shown: () => shown };
}
