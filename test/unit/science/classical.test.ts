import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../shared/random.ts';
import { makeStack } from '../../../shared/stack.ts';
import { evaluateStack, psnr } from '../../../shared/metrics/index.ts';
import { denoiseNlMeans, estimateNoiseSigma, nlMeansPlane } from '../../../main/science/classical.ts';
import { generateMicroscopy } from '../../../main/science/synth-microscopy.ts';

function cartoon(h: number, w: number): Float32Array {
  const a = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0.2 + 0.2 * (x / w);
      if (Math.hypot(y - 20, x - 22) < 10) v = 0.8;
      if (Math.abs(y - 45) < 6 && x > 10 && x < 55) v = 0.5;
      a[y * w + x] = v;
    }
  }
  return a;
}

test('Immerkær σ estimate is within 10 % of the true noise level', () => {
  const rng = createRng(4);
  const clean = cartoon(64, 64);
  for (const s of [0.02, 0.1]) {
    const noisy = clean.map((v) => v + s * rng.normal());
    const est = estimateNoiseSigma(noisy, 64, 64);
    assert.ok(Math.abs(est - s) < 0.1 * s + 0.003, `σ ${s}: estimated ${est}`);
  }
});

test('non-local means improves PSNR on Gaussian noise by > 5 dB and keeps a flat image flat', () => {
  const rng = createRng(8);
  const clean = cartoon(64, 64);
  const noisy = clean.map((v) => v + 0.1 * rng.normal());
  const den = nlMeansPlane(noisy, 64, 64);
  const before = psnr(clean, noisy);
  const after = psnr(clean, den);
  assert.ok(after > before + 5, `PSNR ${before.toFixed(2)} → ${after.toFixed(2)}`);
  const flat = nlMeansPlane(new Float32Array(32 * 32).fill(0.3), 32, 32, { sigma: 0.05 });
  assert.ok(flat.every((v) => Math.abs(v - 0.3) < 1e-6));
});

test('non-local means improves synthetic low-exposure microscopy against the high exposure', () => {
  const m = generateMicroscopy({ seed: 6, depth: 3, height: 48, width: 48, focusPlane: 1 });
  const den = denoiseNlMeans(m.low);
  const before = evaluateStack(m.low, m.clean, { normalization: 'percentile-affine' });
  const after = evaluateStack(den, m.clean, { normalization: 'percentile-affine' });
  assert.ok(after.psnr > before.psnr + 2, `PSNR ${before.psnr.toFixed(2)} → ${after.psnr.toFixed(2)}`);
  assert.ok(after.ssim > before.ssim);
  assert.match(den.meta.name, /non-local means/);
  const s = makeStack(1, 16, 16, undefined, { name: 'zeros' });
  assert.equal(denoiseNlMeans(s).data.length, 256);
});
