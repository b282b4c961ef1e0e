import './schema-install.test.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogIndex, decodeQuery, encodeQuery, fromScenario, presetOf } from '../state.js';

// A data surface as GET /api/v1/surfaces lists it (trimmed).
const catalog = catalogIndex([{
  name: 'linreg', kind: 'minimize', params: [], view: { xmin: -1, xmax: 4, ymin: -1.5, ymax: 3.5 }, start: [-0.5, -1],
  data: {
    dataset: 'noisy_line', rows: 100, datasets: [
      { name: 'noisy_line', rows: 100, view: { xmin: -1, xmax: 4, ymin: -1.5, ymax: 3.5 }, start: [-0.5, -1] },
      { name: 'hundreds', rows: 50, view: { xmin: -0.06, xmax: 0.12, ymin: -3, ymax: 7 }, start: [-0.04, 6] },
    ],
  },
}]);

// The server's normalised scenario (a room's started) writes every run's
// batch_size, N at full batch; a link leaves it out at N. The state of the
// one must be the lesson of the other, or a student following a data lesson
// gets no lesson banner (and the teacher none after a reload).
test('a normalised data scenario (batch_size = N) is the lesson whose link leaves it out', () => {
  const url = '/p/normalise-inputs?surface=linreg&dataset=hundreds&run=sgd,lr=7e-5&run=sgd,lr=8e-5';
  const presets = [{ id: 'normalise-inputs', url }];
  const started = {
    surface: { name: 'linreg', dataset: 'hundreds' }, steps: 200,
    runs: [
      { start: [-0.04, 6], optimizer: { name: 'sgd', lr: 7e-5 }, batch_size: 50 },
      { start: [-0.04, 6], optimizer: { name: 'sgd', lr: 8e-5 }, batch_size: 50 },
    ],
  };
  const st = fromScenario(started);
  assert.equal(encodeQuery(st, catalog), 'surface=linreg&dataset=hundreds&run=sgd,lr=7e-5&run=sgd,lr=8e-5');
  assert.equal(presetOf(presets, st, catalog)?.id, 'normalise-inputs');
  // a real mini-batch stays in the link, and is another scenario
  st.runs[0].batch_size = 8;
  assert.equal(encodeQuery(st, catalog), 'surface=linreg&dataset=hundreds&run=sgd,lr=7e-5,batch_size=8&run=sgd,lr=8e-5');
  assert.equal(presetOf(presets, st, catalog), null);
  // and the link reads back as it was
  assert.equal(decodeQuery('?' + encodeQuery(st, catalog), catalog).state.runs[0].batch_size, 8);
});
