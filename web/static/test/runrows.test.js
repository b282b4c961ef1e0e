// runrows.test.js: a plain run-level setting the server's schema adds is
// read and written by the share link and the scenario JSON with no change
// to the page's code (model.js, SHAPED and RUN_RULES).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installSchema } from '../schema.js';

const golden = JSON.parse(readFileSync(new URL('./golden/schema.json', import.meta.url), 'utf8'));
// the schema as a server with one more run-level setting would send it
const extra = { key: 'clip_norm', type: 'float', min: 0, exclusiveMin: true, optional: true, step: 0.1 };
const note = { key: 'note', type: 'string', def: '', maxLength: 5 };
const tempo = { key: 'tempo', type: 'float', min: 0, optional: true, only: 'game' }; // a row of games only
// (the server lists the new row for the analyses too, as scenario.AnalysisRunKeys would)
installSchema({ ...golden, run: [...golden.run, extra, note, tempo],
  analysis_run: Object.fromEntries(Object.entries(golden.analysis_run).map(([k, keys]) => [k, [...keys, 'clip_norm']])) });
// imported after the schema is in place, as the page's modules are
const { decodeQuery, encodeQuery, catalogIndex, toScenario, fromScenario, newRun, analysisRun } = await import('../state.js');

const catalog = catalogIndex([
  { name: 'quadratic', kind: 'minimize', params: [{ name: 'a', default: 1 }, { name: 'b', default: 10 }], view: { xmin: -3, xmax: 3, ymin: -2, ymax: 2 }, start: [-2.5, 1.5] },
  { name: 'bilinear_game', kind: 'game', params: [], view: { xmin: -1, xmax: 1, ymin: -1, ymax: 1 }, start: [0.5, 0.5] },
]);

test('a new run has the new settings unset or at their default', () => {
  const r = newRun('sgd');
  assert.equal(r.clip_norm, null);
  assert.equal(r.note, '');
});

test('a link carries a new setting: read, checked, written after the known ones', () => {
  const q = 'surface=quadratic&run=sgd,lr=0.1,noise=0.5,clip_norm=2,note=a%2Cb';
  const { state, errors } = decodeQuery(q, catalog);
  assert.deepEqual(errors, []);
  assert.equal(state.runs[0].clip_norm, 2);
  assert.equal(state.runs[0].note, 'a,b');
  // a comma in a string is escaped twice, as a label's is (the run's own %2C, then the query's %25)
  const canonical = 'surface=quadratic&run=sgd,lr=0.1,noise=0.5,clip_norm=2,note=a%252Cb';
  assert.equal(encodeQuery(state, catalog), canonical);
  assert.equal(decodeQuery(canonical, catalog).state.runs[0].note, 'a,b');
});

test('a new setting out of its bounds is refused naming the field and what is allowed', () => {
  const { state, errors } = decodeQuery('surface=quadratic&run=sgd,lr=0.1,clip_norm=0,note=toolong', catalog);
  assert.deepEqual(errors, [
    { field: 'runs[0].clip_norm', message: 'must be > 0, got 0' },
    { field: 'runs[0].note', message: 'must be at most 5 characters' },
  ]);
  assert.equal(state.runs[0].clip_norm, null);
  const bad = decodeQuery('surface=quadratic&run=sgd,lr=0.1,clip_norm=x', catalog).errors;
  assert.deepEqual(bad, [{ field: 'runs[0].clip_norm', message: 'cannot read "x"' }]);
});

test('the scenario JSON carries a set value and leaves an unset one out, both ways', () => {
  const st = decodeQuery('surface=quadratic&run=sgd,lr=0.1,clip_norm=1.5&run=adam', catalog).state;
  const sc = toScenario(st, catalog);
  assert.equal(sc.runs[0].clip_norm, 1.5);
  assert.equal('clip_norm' in sc.runs[1], false);
  const back = fromScenario(sc);
  assert.equal(back.runs[0].clip_norm, 1.5);
  assert.equal(back.runs[1].clip_norm, null);
  // a value the schema does not allow is not taken from a scenario
  assert.equal(fromScenario({ ...sc, runs: [{ ...sc.runs[0], clip_norm: -1 }] }).runs[0].clip_norm, null);
});

test('the known plain rows keep their rules: the update order on games only, batch size on data only', () => {
  const { errors } = decodeQuery('surface=quadratic&run=sgd,lr=0.1,updates=alternating,batch_size=4', catalog);
  assert.deepEqual(errors.map((e) => e.message), ['only a game surface has an update order', 'only the data surfaces linreg and logreg take a batch size']);
  const g = decodeQuery('surface=bilinear_game&run=sgd,lr=0.1,updates=alternating,clip_norm=3', catalog);
  assert.deepEqual(g.errors, []);
  // the update order is written last, after the player y, as the server writes it
  assert.equal(encodeQuery(g.state, catalog), 'surface=bilinear_game&run=sgd,lr=0.1,clip_norm=3,updates=alternating');
  assert.deepEqual(decodeQuery('surface=bilinear_game&run=sgd,lr=0.1,updates=sometimes', catalog).errors,
    [{ field: 'runs[0].updates', message: 'unknown value "sometimes"; allowed: simultaneous, alternating' }]);
});

test('a new row of some surfaces only is refused elsewhere, and a game’s is written with the game’s rows', () => {
  assert.deepEqual(decodeQuery('surface=quadratic&run=sgd,lr=0.1,tempo=2', catalog).errors,
    [{ field: 'runs[0].tempo', message: 'only a game surface takes this setting' }]);
  const g = decodeQuery('surface=bilinear_game&run=sgd,lr=0.1,tempo=2,updates=alternating', catalog);
  assert.deepEqual(g.errors, []);
  assert.equal(encodeQuery(g.state, catalog), 'surface=bilinear_game&run=sgd,lr=0.1,updates=alternating,tempo=2');
  assert.equal(toScenario(g.state, catalog).runs[0].tempo, 2);
  assert.equal('tempo' in toScenario(decodeQuery('surface=quadratic&run=sgd,lr=0.1', catalog).state, catalog).runs[0], false);
});

test('each analysis gets the run settings the schema lists for it, a new one included, and no label', () => {
  const r = { ...newRun('sgd', 0.1), noise: 0.5, seed: 3, clip_norm: 2, note: 'x', label: 'mine' };
  assert.deepEqual(analysisRun(r, 'lr_finder'), { noise: 0.5, seed: 3, clip_norm: 2 });
  assert.deepEqual(analysisRun(r, 'sweep'), { noise: 0.5, clip_norm: 2 }); // its seeds are its own
  assert.deepEqual(analysisRun(r, 'flat_share'), { clip_norm: 2 }); // noise levels and seeds are its axes
  assert.deepEqual(analysisRun(r, 'no_such_analysis'), {});
});
