import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../shared/random.ts';
import { chooseNeighbours } from '../../../main/science/autok.ts';

/**
 * An interleaved stack: even planes share one white-noise texture, odd planes another, each plane
 * with its own noise. The adjacent planes (K = 1) carry no information about plane i — only planes
 * i ± 2 do — and white texture means nothing can be learnt from within a plane. So the held-out
 * self-supervised loss must pick K = 2 by a wide margin (≈ texture variance apart).
 */
test('automatic K finds the neighbours that carry the signal (interleaved stack → K = 2)', { timeout: 240_000 }, async () => {
  const rng = createRng(3);
  const D = 12;
  const H = 32;
  const W = 32;
  const even = Float64Array.from({ length: H * W }, () => rng.normal());
  const odd = Float64Array.from({ length: H * W }, () => rng.normal());
  const a = new Float32Array(D * H * W);
  for (let z = 0; z < D; z++) {
    const t = z % 2 ? odd : even;
    for (let i = 0; i < H * W; i++) a[z * H * W + i] = t[i] + 0.5 * rng.normal();
  }
  const lines: string[] = [];
  const res = await chooseNeighbours({
    config: { arch: 'csbdeep', widthScale: 0.125, epochs: 6, stepsPerEpoch: 25, batch: 8, patch: 16, lr: 0.003, valFraction: 0.2, normalize: 'none', augment: 'rot-flip', engine: 'onnx', seed: 1 },
    volumes: [{ depth: D, height: H, width: W, a }],
    candidates: [1, 2],
    log: (l) => lines.push(l),
  });
  assert.deepEqual(res.curve.map((p) => p.k), [1, 2]);
  assert.ok(res.heldOut[0].length >= 2);
  const [k1, k2] = res.curve.map((p) => p.heldOutLoss);
  // K = 1 cannot beat texture + noise variance (≈ 1.25); K = 2 heads for noise variance + σ²/2
  // (0.375) and, even after this short run, is far below K = 1. Nothing can beat the noise floor.
  assert.ok(k1 > 1 && k2 < k1 - 0.3 && k2 > 0.25, `held-out losses K=1 ${k1}, K=2 ${k2}`);
  assert.equal(res.best, 2);
  assert.ok(lines.some((l) => l.startsWith('K=2: held-out loss')));
});

test('automatic K refuses stacks too shallow for the candidates and configs without held-out planes', async () => {
  const v = { depth: 4, height: 16, width: 16, a: new Float32Array(4 * 256) };
  await assert.rejects(chooseNeighbours({ config: { patch: 16 }, volumes: [v], candidates: [1, 3] }), /too shallow/);
  await assert.rejects(chooseNeighbours({ config: { patch: 16, valFraction: 0 }, volumes: [{ ...v, depth: 8, a: new Float32Array(8 * 256) }] }), /held-out/);
});
