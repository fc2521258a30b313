import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pythonHas } from '../../helpers/python.ts';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../../shared/random.ts';
import {
  psnr,
  ssim,
  nrmse,
  percentile,
  percentileAffine,
  confidenceBand,
  tQuantile975,
  evaluateStack,
} from '../../../shared/metrics/index.ts';

// Independent reference: scikit-image 0.19 / numpy / scipy from Debian (docs/method.md §7 metrics).
const PY = '/usr/bin/python3';
const hasSkimage = pythonHas('skimage.metrics', 'scipy.stats');

interface Case {
  name: string;
  h: number;
  w: number;
  ref: Float32Array;
  test: Float32Array;
  range: number;
}

function makeCases(): Case[] {
  const rng = createRng(11);
  const cases: Case[] = [];
  const rand = (h: number, w: number, f: (y: number, x: number) => number) => {
    const a = new Float32Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[y * w + x] = f(y, x);
    return a;
  };
  // Random uniform images.
  cases.push({ name: 'random', h: 37, w: 52, ref: rand(37, 52, () => rng.next()), test: rand(37, 52, () => rng.next()), range: 1 });
  // Structured: disks and a ramp, and a blurred noisy copy of it.
  const structured = (y: number, x: number) =>
    0.3 * (x / 64) + (Math.hypot(y - 20, x - 25) < 9 ? 0.5 : 0) + (Math.hypot(y - 40, x - 45) < 12 ? 0.3 : 0) - 0.5;
  const ref = rand(64, 64, structured);
  const noisy = rand(64, 64, (y, x) => structured(y, x) + 0.08 * rng.normal());
  cases.push({ name: 'structured+noise', h: 64, w: 64, ref, test: noisy, range: 1 });
  cases.push({ name: 'structured scaled', h: 64, w: 64, ref, test: rand(64, 64, (y, x) => 0.8 * structured(y, x) + 0.05), range: 1 });
  // Smallest legal size for the 11-tap window, and a data range other than 1.
  cases.push({ name: 'tiny 11x13', h: 11, w: 13, ref: rand(11, 13, () => 200 * rng.next()), test: rand(11, 13, () => 200 * rng.next()), range: 255 });
  return cases;
}

function runPython(dir: string, script: string): unknown {
  const r = spawnSync(PY, ['-c', script, dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('PSNR, SSIM (Gaussian window) and NRMSE agree with scikit-image to 1e-4', { skip: !hasSkimage && 'no Debian scikit-image' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-metrics-'));
  try {
    const cases = makeCases();
    cases.forEach((c, i) => {
      writeFileSync(join(dir, `${i}_ref.f32`), Buffer.from(c.ref.buffer));
      writeFileSync(join(dir, `${i}_test.f32`), Buffer.from(c.test.buffer));
    });
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases.map((c) => ({ h: c.h, w: c.w, range: c.range }))));
    const out = runPython(
      dir,
      `
import sys, json, numpy as np
from skimage.metrics import peak_signal_noise_ratio, structural_similarity, normalized_root_mse
d = sys.argv[1]
res = []
for i, c in enumerate(json.load(open(d + '/cases.json'))):
    r = np.fromfile(f'{d}/{i}_ref.f32', dtype=np.float32).reshape(c['h'], c['w']).astype(np.float64)
    t = np.fromfile(f'{d}/{i}_test.f32', dtype=np.float32).reshape(c['h'], c['w']).astype(np.float64)
    res.append(dict(
        psnr=peak_signal_noise_ratio(r, t, data_range=c['range']),
        ssim=structural_similarity(r, t, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=c['range']),
        nrmse=normalized_root_mse(r, t)))
print(json.dumps(res))
`,
    ) as Array<{ psnr: number; ssim: number; nrmse: number }>;
    cases.forEach((c, i) => {
      const ours = { psnr: psnr(c.ref, c.test, c.range), ssim: ssim(c.ref, c.test, c.h, c.w, { dataRange: c.range }), nrmse: nrmse(c.ref, c.test) };
      for (const k of ['psnr', 'ssim', 'nrmse'] as const) {
        assert.ok(Math.abs(ours[k] - out[i][k]) < 1e-4, `${c.name} ${k}: ours ${ours[k]} skimage ${out[i][k]}`);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('percentile/affine normalisation and t quantiles agree with numpy/scipy', { skip: !hasSkimage && 'no Debian numpy/scipy' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'n2s-norm-'));
  try {
    const rng = createRng(5);
    const n = 997;
    const ref = Float32Array.from({ length: n }, () => 1000 * rng.next() ** 3);
    const pred = Float32Array.from(ref, (v) => 0.2 * v + 30 + 20 * rng.normal());
    writeFileSync(join(dir, 'ref.f32'), Buffer.from(ref.buffer));
    writeFileSync(join(dir, 'pred.f32'), Buffer.from(pred.buffer));
    const out = runPython(
      dir,
      `
import sys, json, numpy as np, scipy.stats
d = sys.argv[1]
r = np.fromfile(d + '/ref.f32', dtype=np.float32).astype(np.float64)
p = np.fromfile(d + '/pred.f32', dtype=np.float32).astype(np.float64)
lo, hi = np.percentile(r, [0.1, 99.9])
rn = (r - lo) / (hi - lo)
A = np.stack([p, np.ones_like(p)], 1)
coef = np.linalg.lstsq(A, rn, rcond=None)[0]
pf = A @ coef
print(json.dumps(dict(lo=lo, hi=hi, p37=np.percentile(r, 37.3), mse=float(np.mean((pf - rn) ** 2)),
    t=[scipy.stats.t.ppf(0.975, df) for df in [1, 2, 7, 30, 45, 100, 1000]])))
`,
    ) as { lo: number; hi: number; p37: number; mse: number; t: number[] };
    assert.ok(Math.abs(percentile(ref, 0.1) - out.lo) < 1e-6 * 1000);
    assert.ok(Math.abs(percentile(ref, 99.9) - out.hi) < 1e-6 * 1000);
    assert.ok(Math.abs(percentile(ref, 37.3) - out.p37) < 1e-6 * 1000);
    const fitted = percentileAffine(pred, ref);
    let mse = 0;
    for (let i = 0; i < n; i++) mse += (fitted.prediction[i] - fitted.reference[i]) ** 2;
    assert.ok(Math.abs(mse / n - out.mse) < 1e-9, `affine fit mse ${mse / n} vs lstsq ${out.mse}`);
    [1, 2, 7, 30, 45, 100, 1000].forEach((df, i) => assert.ok(Math.abs(tQuantile975(df) - out.t[i]) < 2e-3, `t(${df})`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('percentile-affine makes a scaled, offset copy score perfectly; none does not', () => {
  const rng = createRng(2);
  const ref = Float32Array.from({ length: 4 * 16 * 16 }, () => rng.next());
  const pred = Float32Array.from(ref, (v) => 5 * v + 100);
  const R = { depth: 4, height: 16, width: 16, data: ref };
  const P = { depth: 4, height: 16, width: 16, data: pred };
  const fitted = evaluateStack(P, R, { normalization: 'percentile-affine' });
  assert.ok(fitted.psnr > 100 && fitted.ssim > 0.9999, `psnr ${fitted.psnr}`);
  assert.equal(fitted.planes.length, 4);
  const raw = evaluateStack(P, R, { normalization: 'none' });
  assert.ok(raw.psnr < 0);
  assert.throws(() => evaluateStack({ ...P, depth: 3, data: pred.subarray(0, 768) }, R), /3×16×16/);
});

test('confidence band covers the mean and narrows with more stacks', () => {
  const rng = createRng(9);
  const few = Array.from({ length: 4 }, () => 30 + rng.normal());
  const many = Array.from({ length: 64 }, () => 30 + rng.normal());
  const a = confidenceBand(few);
  const b = confidenceBand(many);
  assert.ok(a.low < a.mean && a.mean < a.high);
  assert.ok(b.high - b.low < a.high - a.low);
  assert.ok(b.low < 30 && b.high > 30);
  assert.deepEqual(confidenceBand([3]), { mean: 3, low: 3, high: 3, n: 1 });
});
