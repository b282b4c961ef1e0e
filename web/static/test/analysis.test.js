import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  stabilityLimit, gaugeFraction, logSpace, suggestionList, offerOrder, roundLR, nearestPoint, groupSweep, bestLR,
  formulaColumn, splitAtColumn, basinOf, divergeReason, limitSeries, logExtent, goodBand, lossRange, curvatureLimit, limitFactor,
} from '../analysis.js';

const close = (a, b, rel = 1e-12) => assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)), `${a} vs ${b}`);

// spectralRadius of SGD (PyTorch's update) on f = ½λp², from the 2×2 map on (v, p).
function spectralRadius(lr, lambda, { momentum: b = 0, dampening: d = 0, nesterov = false } = {}) {
  // v' = b v + (1−d) λ p ; p' = p − lr (nesterov ? λp + b v' : v')
  const g = 1 - d;
  const a11 = b, a12 = g * lambda;
  let a21, a22;
  if (nesterov) { a21 = -lr * b * b; a22 = 1 - lr * lambda - lr * b * g * lambda; } else { a21 = -lr * b; a22 = 1 - lr * g * lambda; }
  const tr = a11 + a22, det = a11 * a22 - a12 * a21;
  const disc = tr * tr - 4 * det;
  if (disc >= 0) return Math.max(Math.abs((tr + Math.sqrt(disc)) / 2), Math.abs((tr - Math.sqrt(disc)) / 2));
  return Math.sqrt(det);
}

test('stability limit of plain gradient descent is 2/λmax', () => {
  const l = stabilityLimit(10, { name: 'sgd' });
  assert.equal(l.lr, 0.2);
  assert.equal(l.formula, '2/λmax');
  assert.equal(stabilityLimit(10, { name: 'sgd', weight_decay: 0.5 }).lr, 2 / 10.5);
});

test('stability limits with momentum match the spectral radius of the update', () => {
  for (const opt of [
    { name: 'sgd' },
    { name: 'sgd', momentum: 0.9 },
    { name: 'sgd', momentum: 0.5, dampening: 0.3 },
    { name: 'sgd', momentum: 0.9, nesterov: true },
  ]) {
    const lam = 7;
    const { lr } = stabilityLimit(lam, opt);
    assert.ok(spectralRadius(lr * 0.999, lam, opt) < 1, `${JSON.stringify(opt)} below`);
    assert.ok(spectralRadius(lr * 1.001, lam, opt) > 1, `${JSON.stringify(opt)} above`);
  }
  assert.equal(stabilityLimit(10, { name: 'sgd', momentum: 0.9 }).formula, '2(1+β)/λmax');
  close(stabilityLimit(10, { name: 'sgd', momentum: 0.9 }).lr, 0.38);
});

test('adaptive optimizers get the 2/λmax reference line; no limit for non-positive curvature', () => {
  // sim.StabilityLimit's rule (the golden table checks every optimizer)
  assert.deepEqual(stabilityLimit(10, { name: 'adam' }), { lr: 0.2, formula: '2/λmax', beta: 0, adaptive: true });
  assert.equal(stabilityLimit(0, { name: 'adam' }).lr, null);
  assert.equal(stabilityLimit(-1, { name: 'sgd' }).lr, null);
  assert.equal(stabilityLimit(0, { name: 'sgd' }).formula, 'none');
  assert.equal(stabilityLimit(NaN, { name: 'sgd' }).lr, null);
});

test('gauge fraction puts the limit at two thirds, clamped', () => {
  close(gaugeFraction(0.2, 0.2), 2 / 3);
  close(gaugeFraction(0.002, 0.2), 0);
  assert.equal(gaugeFraction(1e-9, 0.2), 0);
  assert.equal(gaugeFraction(100, 0.2), 1);
  assert.equal(gaugeFraction(0.1, null), 0);
});

test('logSpace has exact ends and equal ratios', () => {
  const v = logSpace(1e-5, 10, 7);
  assert.equal(v.length, 7);
  assert.equal(v[0], 1e-5);
  assert.equal(v[6], 10);
  for (let i = 1; i < 7; i++) close(v[i] / v[i - 1], 10, 1e-9);
  assert.deepEqual(logSpace(3, 5, 1), [3]);
  assert.deepEqual(logSpace(1, 2, 0), []);
});

test('suggestions come in rule order and skip empty ones', () => {
  const s = suggestionList({
    minimum: { lr: 0.05, index: 70, rule: 'minimum/10' },
    valley: { lr: 0.001, index: 40, rule: 'valley' },
    steep: { lr: 0, index: 0, rule: 'steep' },
  });
  assert.deepEqual(s.map((x) => x.id), ['valley', 'minimum']);
  assert.equal(s[1].rule, 'minimum/10');
  assert.equal(s[0].index, 40);
  assert.deepEqual(suggestionList(null), []);
  assert.equal(roundLR(0.012345), 0.012);
});

test('nearestPoint finds the closest point within the radius', () => {
  const pts = [{ px: 0, py: 0 }, { px: 10, py: 0 }, { px: NaN, py: 1 }];
  assert.equal(nearestPoint(pts, 7, 1, 5), 1);
  assert.equal(nearestPoint(pts, 2, 0, 5), 0);
  assert.equal(nearestPoint(pts, 50, 50, 5), -1);
  assert.equal(nearestPoint([], 0, 0), -1);
});

test('groupSweep groups by optimizer label, sorted by LR; bestLR skips diverged', () => {
  const g = groupSweep([
    { optimizer: 'sgd', label: 'SGD', lr: 0.1, final_loss: 1, diverged: false },
    { optimizer: 'adam', label: 'Adam', lr: 0.01, final_loss: 2, diverged: false },
    { optimizer: 'sgd', label: 'SGD', lr: 0.01, final_loss: 3, diverged: false },
    { optimizer: 'sgd', label: 'SGD', lr: 1, final_loss: 0.1, diverged: true },
  ]);
  assert.deepEqual(g.map((x) => x.label), ['SGD', 'Adam']);
  assert.deepEqual(g[0].points.map((p) => p.lr), [0.01, 0.1, 1]);
  assert.equal(bestLR(g[0].points).lr, 0.1);
  assert.equal(bestLR([]), null);
});

test('formula errors: the column is read from the message and split by characters', () => {
  assert.equal(formulaColumn("unknown function 'sinn' at column 14; known: sin, cos"), 14);
  assert.equal(formulaColumn('formula is empty; write an expression'), 0);
  assert.deepEqual(splitAtColumn('x^2 + sinn(y)', 7), ['x^2 + ', 'sinn', '(y)']);
  assert.deepEqual(splitAtColumn('x + 2*)', 7), ['x + 2*', ')', '']);
  assert.deepEqual(splitAtColumn('2*(x + 1', 9), ['2*(x + 1', '', '']);
  assert.deepEqual(splitAtColumn('x·y + z', 7), ['x·y + ', 'z', '']);
  assert.deepEqual(splitAtColumn('2*x + 1e999', 7), ['2*x + ', '1e999', '']);
  assert.deepEqual(splitAtColumn('𝑥 + z', 5), ['𝑥 + ', 'z', '']);
  assert.deepEqual(splitAtColumn('abc', 0), ['abc', '', '']);
  assert.deepEqual(splitAtColumn('abc', 9), ['abc', '', '']);
});

test('basinOf picks the nearest labelled minimum within an eighth of the diagonal', () => {
  const view = { xmin: -3, xmax: 3, ymin: -2, ymax: 2 }; // diagonal 7.21 → radius 0.9
  const minima = [{ x: -0.9, y: 0.7, label: 'sharp' }, { x: 1.5, y: -0.5, label: 'flat' }, { x: 0, y: 0, label: 'saddle' }];
  assert.equal(basinOf(1.2, -0.3, minima, view).label, 'flat');
  assert.equal(basinOf(-0.8, 0.6, minima, view).label, 'sharp');
  assert.equal(basinOf(0.05, 0, minima, view), null);
  assert.equal(basinOf(NaN, 0, minima, view), null);
});

test('divergeReason says the LR passed the limit, with the numbers', () => {
  const r = divergeReason(133, 0.21, 10, { name: 'sgd' });
  assert.equal(r.key, 'status.divergedOver');
  assert.equal(r.vars.n, 133);
  close(r.vars.limit, 0.2);
  assert.equal(r.vars.formula, '2/λmax');
  assert.equal(divergeReason(5, 0.1, 10, { name: 'sgd' }).key, 'status.divergedAt');
  assert.equal(divergeReason(5, 0.1, 10, { name: 'adam' }).key, 'status.divergedAdaptive');
  assert.equal(divergeReason(5, 0.5, 10, { name: 'sgd', momentum: 0.9 }).vars.formula, '2(1+β)/λmax');
});

test('limitSeries and logExtent', () => {
  const s = limitSeries([10, -1, 4], 3, { name: 'sgd' });
  assert.equal(s[0], 0.2);
  assert.ok(Number.isNaN(s[1]));
  assert.equal(s[2], 0.5);
  assert.deepEqual(logExtent([1, 100], [0, -1, NaN]), [1, 100]);
  const e = logExtent([2, 2]);
  close(e[1] / e[0], 10);
  assert.equal(logExtent([0], []), null);
});

test('goodBand is the widest stretch of LRs that got most of the way down', () => {
  const pts = [
    { lr: 1e-4, final_loss: 10, diverged: false },
    { lr: 1e-3, final_loss: 0.05, diverged: false },
    { lr: 1e-2, final_loss: 0.01, diverged: false },
    { lr: 1e-1, final_loss: 0.02, diverged: false },
    { lr: 1, final_loss: 0.01, diverged: true },
    { lr: 10, final_loss: 0.01, diverged: false },
  ];
  const r = lossRange(pts);
  assert.deepEqual(r, { best: 0.01, worst: 10 });
  const b = goodBand(pts, r.best, r.worst);
  assert.equal(b.lo, 1e-3);
  assert.equal(b.hi, 0.1);
  close(b.decades, 2);
  assert.equal(goodBand(pts, 1, 1), null);
  assert.equal(goodBand([{ lr: 1, final_loss: 5, diverged: false }], 0, 10), null);
  assert.equal(lossRange([{ lr: 1, final_loss: 1, diverged: true }]), null);
});

test('curvatureLimit is the other side of stabilityLimit', () => {
  for (const opt of [{ name: 'sgd' }, { name: 'sgd', momentum: 0.9, weight_decay: 0.1 }, { name: 'sgd', momentum: 0.5, nesterov: true }]) {
    const lam = 3;
    const { lr } = stabilityLimit(lam, opt);
    close(curvatureLimit(lr, opt), lam, 1e-12);
  }
  assert.ok(Number.isNaN(curvatureLimit(0.1, { name: 'adam' })));
  assert.equal(limitFactor({ name: 'sgd', momentum: 0.5, dampening: 1 }).F, null);
});

test('the suggestion that trained best is offered first, the others in fastai\'s order', () => {
  const list = suggestionList({
    valley: { lr: 1.2e-3, index: 51, rule: 'valley', final_loss: 2.02, diverged: false },
    steep: { lr: 0.0331, index: 69, rule: 'steep', final_loss: 4.4e-6, diverged: false },
    minimum: { lr: 0.331, index: 94, rule: 'minimum/10', final_loss: 4.9e12, diverged: true },
  });
  assert.deepEqual(list.map((s) => [s.id, s.finalLoss, s.diverged]), [['valley', 2.02, false], ['steep', 4.4e-6, false], ['minimum', 4.9e12, true]]);
  const offer = offerOrder(list, 'steep');
  assert.deepEqual(offer.map((s) => [s.id, s.first]), [['steep', true], ['valley', false], ['minimum', false]]);
  // every one diverged: fastai's order, none first
  assert.deepEqual(offerOrder(list, null).map((s) => [s.id, s.first]), [['valley', false], ['steep', false], ['minimum', false]]);
});
