import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogram, percentiles, finiteRange } from '../../../shared/viewer/stats.ts';
import { difference, neighbourResidual } from '../../../shared/viewer/derived.ts';

const a = new Float32Array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]);

test('percentiles match numpy linear interpolation (sorted: 1 1 2 3 3 4 5 5 5 6 9)', () => {
  // p25: rank 0.25·10 = 2.5 → 2 + 0.5·(3 − 2) = 2.5; p50: rank 5 → 4; p90: rank 9 → 6
  assert.deepEqual(percentiles(a, [0, 10, 25, 50, 90, 100]), [1, 1, 2.5, 4, 6, 9]);
  assert.deepEqual(percentiles(new Float32Array([Number.NaN, 2, Number.NaN, 4]), [50]), [3]);
  assert.ok(Number.isNaN(percentiles(new Float32Array([Number.NaN]), [50])[0]));
  assert.throws(() => percentiles(a, [101]), /0–100/);
});

test('percentiles of a large stack from the strided sample stay close to exact', () => {
  const n = 3_000_000;
  const big = new Float32Array(n);
  for (let i = 0; i < n; i++) big[i] = (i * 7919) % 65536; // uniform-ish 16-bit ramp
  const [p1, p99] = percentiles(big, [1, 99]);
  assert.ok(Math.abs(p1 - 655) < 200 && Math.abs(p99 - 64880) < 200, `${p1} ${p99}`);
});

test('histogram bins like numpy.histogram (last bin closed)', () => {
  const h = histogram(a, 4);
  assert.equal(h.lo, 1);
  assert.equal(h.hi, 9);
  assert.deepEqual([...h.counts], [3, 3, 4, 1]);
  assert.deepEqual([...histogram(a, 2, [2, 4]).counts], [1, 3]); // [2,3): 2 — [3,4]: 3 3 4
  assert.deepEqual(finiteRange(a), [1, 9]);
});

test('difference and neighbour-plane residual by hand', () => {
  assert.deepEqual([...difference(new Float32Array([5, 2]), new Float32Array([1, 4]))], [4, -2]);
  // 3 planes of 1 voxel: 1, 5, 3 → r0 = 1 − 5, r1 = 5 − (1 + 3)/2 = 3, r2 = 3 − 5
  const r = neighbourResidual(new Float32Array([1, 5, 3]), { depth: 3, height: 1, width: 1 });
  assert.deepEqual([...r], [-4, 3, -2]);
});
