/**
 * Blind-spot masking (Noise2Void and Noise2Stack with a blind spot) against the reference recipe
 * (docs/n2v.md): stratified positions at the requested fraction, each replaced by a different pixel
 * of its 5×5 window inside the patch, never by itself, loss mask exactly on those pixels; the
 * neighbour planes of n2s-bs untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../shared/random.ts';
import { blindSpotPositions, streamBatches, type SamplerOptions, type Volume } from '../../../main/engine/sampler.ts';

/** Plane z holds z·10⁴ + a distinct value per pixel, so a value tells its plane and position. */
function coded(depth: number, h: number, w: number): Volume {
  const a = new Float32Array(depth * h * w);
  for (let z = 0; z < depth; z++) for (let i = 0; i < h * w; i++) a[z * h * w + i] = z * 1e4 + i;
  return { depth, height: h, width: w, a };
}

const base: SamplerOptions = { method: 'n2v', mode: 'copy', k: 0, patch: 64, batch: 32, augment: 'none', maxShift: 0, n2vFraction: 0.00198, n2vRadius: 2 };

test('stratified blind spots: one per 22×22 box at 0.198 %, distinct, inside the patch', () => {
  const rng = createRng(4);
  let total = 0;
  for (let rep = 0; rep < 200; rep++) {
    const q = blindSpotPositions(64, 0.00198, rng);
    assert.equal(new Set(q).size, q.length, 'no pixel twice');
    assert.ok(q.length >= 4 && q.length <= 9, `${q.length} positions`);
    const boxes = new Set(q.map((i) => `${Math.floor(Math.floor(i / 64) / 22)},${Math.floor((i % 64) / 22)}`));
    assert.equal(boxes.size, q.length, 'at most one per box');
    assert.ok(q.every((i) => i >= 0 && i < 64 * 64));
    total += q.length;
  }
  const fraction = total / (200 * 64 * 64);
  // Expected (64/22)² / 64² = 0.207 %; the reference implementations give the same box layout.
  assert.ok(fraction > 0.0017 && fraction < 0.0024, `fraction ${fraction}`);
});

test('Noise2Void: masked pixels take a different pixel of their 5×5 window, never their own value; the rest is untouched', () => {
  const v = coded(3, 96, 80);
  const b = streamBatches([v], [{ volume: 0, plane: 1 }], base, 7).next().value;
  assert.ok(b.mask);
  const p = 64;
  let masked = 0;
  const offsets = new Set<string>();
  for (let s = 0; s < b.n; s++) {
    for (let q = 0; q < p * p; q++) {
      const i = s * p * p + q;
      if (b.mask[i] !== 1) {
        assert.equal(b.x[i], b.y[i]);
        continue;
      }
      masked++;
      assert.notEqual(b.x[i], b.y[i], 'the centre value never leaks');
      // Find the pixel of this patch whose target holds the replacement value.
      const src = Array.from({ length: p * p }, (_, j) => j).find((j) => b.y[s * p * p + j] === b.x[i]);
      assert.ok(src !== undefined, 'replacement comes from the same patch');
      const dr = Math.floor(src / p) - Math.floor(q / p);
      const dc = (src % p) - (q % p);
      assert.ok(Math.abs(dr) <= 2 && Math.abs(dc) <= 2 && (dr !== 0 || dc !== 0), `offset ${dr},${dc}`);
      offsets.add(`${dr},${dc}`);
    }
  }
  assert.ok(masked / (b.n * p * p) > 0.0015 && masked / (b.n * p * p) < 0.003, `masked ${masked}`);
  assert.ok(offsets.size >= 18, `only ${offsets.size} of the 24 offsets seen`);
});

test('n2s-bs: only the target plane (middle channel) is blind-spot masked; neighbour planes are as read', () => {
  const v = coded(5, 64, 64);
  const o: SamplerOptions = { ...base, method: 'n2s-bs', k: 1, batch: 8, augment: 'rot-flip' };
  const b = streamBatches([v], [{ volume: 0, plane: 2 }], o, 3).next().value;
  assert.equal(b.cin, 3);
  assert.ok(b.mask);
  const p = 64;
  let masked = 0;
  for (let i = 0; i < b.n * p * p; i++) {
    // Channels 0 and 2 are planes 1 and 3 at the same pixel as the target (plane 2).
    assert.equal(b.x[i * 3], b.y[i] - 1e4);
    assert.equal(b.x[i * 3 + 2], b.y[i] + 1e4);
    if (b.mask[i] === 1) {
      masked++;
      assert.notEqual(b.x[i * 3 + 1], b.y[i]);
      assert.equal(Math.floor(b.x[i * 3 + 1] / 1e4), 2, 'replacement from the target plane');
    } else assert.equal(b.x[i * 3 + 1], b.y[i]);
  }
  assert.ok(masked >= b.n * 4, `masked ${masked}`);
});
