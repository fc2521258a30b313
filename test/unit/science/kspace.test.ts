import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pythonHas } from '../../helpers/python.ts';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../../shared/random.ts';
import { makeStack } from '../../../shared/stack.ts';
import { Dft1d, realToSpectrum, spectrumToReal } from '../../../main/science/fft.ts';
import {
  drawMask,
  reimposeSampled,
  samplingDensity,
  undersamplePlane,
  undersampleStack,
} from '../../../main/science/kspace.ts';
import { gaussianFilter2d } from '../../../shared/metrics/gaussian-filter.ts';

/** A head-like phantom: nested ellipses with a few small bright features, in [−0.5, 0.5]. */
function phantom(h: number, w: number): Float32Array {
  const a = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = (x - w / 2) / (0.42 * w);
      const v = (y - h / 2) / (0.48 * h);
      let val = -0.5;
      if (u * u + v * v < 1) val = 0.1;
      if (u * u + v * v < 0.8) val = -0.1 + 0.2 * Math.sin(6 * u) * Math.cos(5 * v);
      if ((u - 0.3) ** 2 + (v + 0.2) ** 2 < 0.02) val = 0.45;
      a[y * w + x] = val;
    }
  }
  return a;
}

const mse = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
};

test('1-D DFT (fft.js and Bluestein) matches a direct sum; 2-D round trip on odd sizes', () => {
  const rng = createRng(1);
  for (const n of [1, 2, 8, 64, 5, 12, 181]) {
    const x = Float64Array.from({ length: 2 * n }, () => rng.normal());
    const got = Float64Array.from(x);
    new Dft1d(n).run(got);
    for (let k = 0; k < n; k++) {
      let re = 0;
      let im = 0;
      for (let j = 0; j < n; j++) {
        const ang = (-2 * Math.PI * ((j * k) % n)) / n;
        re += x[2 * j] * Math.cos(ang) - x[2 * j + 1] * Math.sin(ang);
        im += x[2 * j] * Math.sin(ang) + x[2 * j + 1] * Math.cos(ang);
      }
      assert.ok(Math.abs(got[2 * k] - re) < 1e-9 * n && Math.abs(got[2 * k + 1] - im) < 1e-9 * n, `n=${n} k=${k}`);
    }
    new Dft1d(n).run(got, true);
    for (let i = 0; i < 2 * n; i++) assert.ok(Math.abs(got[i] - x[i]) < 1e-10);
  }
  const img = Float32Array.from({ length: 45 * 37 }, () => rng.next());
  const back = spectrumToReal(realToSpectrum(img, 45, 37), 45, 37);
  assert.ok(mse(img, back) < 1e-12);
});

test('λ gives an expected 10 % and the masks keep 10 % ± 0.5 % of frequencies', () => {
  for (const [h, w] of [
    [128, 128],
    [217, 181],
  ]) {
    const d = samplingDensity(h, w, 0.1);
    const meanP = d.p.reduce((s, v) => s + v, 0) / d.p.length;
    assert.ok(Math.abs(meanP - 0.1) < 1e-9, `mean p ${meanP}`);
    assert.equal(d.p[0], 1, 'DC always kept');
    const rng = createRng(7);
    let kept = 0;
    const planes = 6;
    for (let z = 0; z < planes; z++) kept += drawMask(d, h, w, rng).reduce((s, v) => s + v, 0);
    const frac = kept / (planes * h * w);
    assert.ok(Math.abs(frac - 0.1) < 0.005, `${h}×${w}: kept ${(100 * frac).toFixed(2)} %`);
  }
});

test('copies are seeded, independent and noisy; masks are Hermitian so noisy planes are real', () => {
  const clean = makeStack(2, 64, 48, new Float32Array([...phantom(64, 48), ...phantom(64, 48)]), { name: 'phantom' });
  const a = undersampleStack(clean, { seed: 3, copies: 2 });
  const b = undersampleStack(clean, { seed: 3, copies: 2 });
  assert.deepEqual(a.copies[0].data, b.copies[0].data);
  assert.notDeepEqual(a.masks[0].data, a.masks[1].data);
  const err = mse(a.copies[0].data, clean.data);
  assert.ok(err > 1e-3, `noisy copy differs from clean (mse ${err})`);
  // The noise of the two copies is (nearly) uncorrelated, as copy-supervised training needs.
  let c = 0;
  let n0 = 0;
  let n1 = 0;
  for (let i = 0; i < clean.data.length; i++) {
    const e0 = a.copies[0].data[i] - clean.data[i];
    const e1 = a.copies[1].data[i] - clean.data[i];
    c += e0 * e1;
    n0 += e0 * e0;
    n1 += e1 * e1;
  }
  assert.ok(Math.abs(c / Math.sqrt(n0 * n1)) < 0.2, `noise correlation ${c / Math.sqrt(n0 * n1)}`);
  // Hermitian mask: the spectrum of the noisy plane is zero exactly where the mask is 0.
  const spec = realToSpectrum(a.copies[0].data.subarray(0, 64 * 48), 64, 48);
  const m = a.masks[0].data;
  for (let i = 0; i < 64 * 48; i++) if (!m[i]) assert.ok(Math.hypot(spec[2 * i], spec[2 * i + 1]) < 1e-4);
});

test('undersampling matches numpy.fft on the same mask', { skip: !pythonHas('numpy') }, () => {
  const h = 40;
  const w = 30;
  const img = phantom(h, w);
  const d = samplingDensity(h, w);
  const mask = drawMask(d, h, w, createRng(2));
  const ours = undersamplePlane(img, h, w, d, mask);
  const dir = mkdtempSync(join(tmpdir(), 'n2s-kspace-'));
  try {
    writeFileSync(join(dir, 'img.f32'), Buffer.from(img.buffer));
    writeFileSync(join(dir, 'p.f64'), Buffer.from(Float64Array.from(d.p).buffer));
    writeFileSync(join(dir, 'mask.u8'), Buffer.from(mask.buffer));
    const py = `
import sys, numpy as np
d = sys.argv[1]
img = np.fromfile(d + '/img.f32', np.float32).reshape(${h}, ${w}).astype(np.float64)
p = np.fromfile(d + '/p.f64').reshape(${h}, ${w}); m = np.fromfile(d + '/mask.u8', np.uint8).reshape(${h}, ${w})
out = np.fft.ifft2(np.fft.fft2(img) * m / p)
assert np.abs(out.imag).max() < 1e-9
out.real.astype(np.float32).tofile(d + '/out.f32')
`;
    const r = spawnSync('/usr/bin/python3', ['-c', py, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ref = new Float32Array(new Uint8Array(readFileSync(join(dir, 'out.f32'))).buffer);
    assert.ok(mse(ours, ref) < 1e-12, `mse to numpy ${mse(ours, ref)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('post-processing restores the clean plane from itself, is idempotent, and reduces error', () => {
  const h = 64;
  const w = 64;
  const clean = phantom(h, w);
  const d = samplingDensity(h, w);
  const mask = drawMask(d, h, w, createRng(9));
  const noisy = undersamplePlane(clean, h, w, d, mask);
  // The measured frequencies are the clean plane's own, so re-imposing them on it changes nothing.
  assert.ok(mse(reimposeSampled(clean, noisy, mask, h, w, d), clean) < 1e-10);
  // A crude "denoiser": Gaussian blur of the noisy plane.
  const denoised = Float32Array.from(gaussianFilter2d(noisy, h, w, 1.2));
  const once = reimposeSampled(denoised, noisy, mask, h, w, d);
  const twice = reimposeSampled(once, noisy, mask, h, w, d);
  assert.ok(mse(once, twice) < 1e-10, 'idempotent');
  const before = mse(denoised, clean);
  const after = mse(once, clean);
  assert.ok(after < 0.9 * before, `post-processing mse ${after} vs ${before}`);
  // Re-imposing the 1/p-re-weighted values instead makes it worse (why 'measured' is the default).
  assert.ok(mse(reimposeSampled(denoised, noisy, mask, h, w, d, 'reweighted'), clean) > after);
});
