/** The synthetic multi-channel time-lapse: two different channels, slow drift, independent noise per frame. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateMicroscopyHyperstack } from '../../../main/science/synth-microscopy.ts';
import { hyperPlane } from '../../../shared/hyperstack.ts';

function corr(a: Float32Array, b: Float32Array): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i]; mb += b[i]; }
  ma /= a.length; mb /= b.length;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += (a[i] - ma) * (b[i] - mb); aa += (a[i] - ma) ** 2; bb += (b[i] - mb) ** 2; }
  return ab / Math.sqrt(aa * bb);
}

function mse(a: Float32Array, b: Float32Array, scale = 1): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] * scale - b[i]) ** 2;
  return s / a.length;
}

test('synthetic time-lapse: nuclei and membranes differ, the field drifts slowly, each frame has its own noise', () => {
  const g = generateMicroscopyHyperstack({ seed: 2, channels: 2, times: 3, depth: 4, height: 48, width: 48, driftPerFrame: 1 });
  const m = g.low.meta;
  assert.deepEqual([m.times, m.channels, m.depth, m.axes], [3, 2, 4, 'TZCYX']);
  assert.deepEqual(m.channelMeta.map((c) => c.name), ['nuclei', 'membranes']);
  assert.match(m.description ?? '', /synthetic/);
  assert.deepEqual(m.timeIncrement, { value: 60, unit: 's' });
  const z = 2;
  const nuc0 = hyperPlane(g.clean, 0, 0, z);
  const mem0 = hyperPlane(g.clean, 0, 1, z);
  const nuc2 = hyperPlane(g.clean, 2, 0, z);
  assert.ok(corr(nuc0, mem0) < 0.5, `channels are different structures (r=${corr(nuc0, mem0).toFixed(2)})`);
  const drift = corr(nuc0, nuc2);
  assert.ok(drift > 0.5 && drift < 0.999, `frames 0 and 2 are the same field, moved (r=${drift.toFixed(3)})`);
  // Noise: low exposures of the same frame content differ from frame to frame beyond the drift.
  const lowA = hyperPlane(g.low, 0, 0, z);
  const lowB = hyperPlane(g.low, 1, 0, z);
  assert.ok(mse(lowA, lowB) > 0);
  // The high exposure is the better reference of the clean signal (scaled to its exposure).
  const high = hyperPlane(g.high, 1, 1, z);
  const low = hyperPlane(g.low, 1, 1, z);
  const clean = hyperPlane(g.clean, 1, 1, z);
  assert.ok(corr(high, clean) > corr(low, clean));
  const again = generateMicroscopyHyperstack({ seed: 2, channels: 2, times: 3, depth: 4, height: 48, width: 48, driftPerFrame: 1 });
  assert.deepEqual(again.low.data, g.low.data, 'seeded');
});
