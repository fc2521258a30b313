import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateMicroscopy } from '../../../main/science/synth-microscopy.ts';

const planeMean = (d: Float32Array, z: number, n: number) => {
  let s = 0;
  for (let i = z * n; i < (z + 1) * n; i++) s += d[i];
  return s / n;
};

test('synthetic microscopy is seeded, shaped and labelled', () => {
  const a = generateMicroscopy({ seed: 3, depth: 6, height: 48, width: 40 });
  const b = generateMicroscopy({ seed: 3, depth: 6, height: 48, width: 40 });
  const c = generateMicroscopy({ seed: 4, depth: 6, height: 48, width: 40 });
  assert.deepEqual(a.low.data, b.low.data);
  assert.notDeepEqual(a.low.data, c.low.data);
  for (const s of [a.low, a.high, a.clean, a.labels]) {
    assert.deepEqual([s.depth, s.height, s.width], [6, 48, 40]);
    assert.equal(s.meta.flavour, 'synthetic');
    assert.match(s.meta.name, /synthetic/);
  }
  // Labels are integer ids and the middle planes contain nuclei.
  assert.ok(a.labels.data.every((v) => Number.isInteger(v) && v >= 0));
  const n = 48 * 40;
  const mid = a.labels.data.subarray(2 * n, 3 * n).filter((v) => v > 0).length;
  assert.ok(mid > 0.05 * n, `middle plane has nuclei (${mid} px)`);
});

test('high exposure has ~5× the photons and a better SNR than low exposure', () => {
  const r = generateMicroscopy({ seed: 1, depth: 4, height: 64, width: 64 });
  const n = 64 * 64;
  let sigLow = 0;
  let sigHigh = 0;
  let errLow = 0;
  let errHigh = 0;
  for (let i = 0; i < r.low.data.length; i++) {
    const bg = r.background[i % n];
    const l = r.low.data[i] - bg;
    const h = r.high.data[i] - bg;
    sigLow += l;
    sigHigh += h;
    // Both rescaled to the clean image's units (high exposure); the autofluorescence (15 ADU at
    // 100 ms by default) is not part of `clean`, so remove it first.
    errLow += (5 * l - 15 - r.clean.data[i]) ** 2;
    errHigh += (h - 15 - r.clean.data[i]) ** 2;
  }
  const ratio = sigHigh / sigLow;
  assert.ok(ratio > 4.5 && ratio < 5.5, `exposure ratio ${ratio}`);
  assert.ok(errHigh < errLow / 3, `high exposure closer to clean (${errHigh} vs ${errLow})`);
});

test('defocus: planes far from focus are blurrier (less high-frequency energy) than the focal plane', () => {
  const r = generateMicroscopy({ seed: 2, depth: 10, height: 64, width: 64, focusPlane: 4.5 });
  const n = 64 * 64;
  const grad = (z: number) => {
    let g = 0;
    const d = r.clean.data;
    for (let y = 0; y < 64; y++) for (let x = 1; x < 64; x++) g += (d[z * n + y * 64 + x] - d[z * n + y * 64 + x - 1]) ** 2;
    return g / planeMean(d, z, n) ** 2;
  };
  assert.ok(grad(0) < grad(4) / 4, `edge plane ${grad(0)} vs focus ${grad(4)}`);
  assert.ok(grad(9) < grad(5) / 4);
});

test('the camera pattern is the same in low and high exposure (fixed pattern)', () => {
  const r = generateMicroscopy({ seed: 5, depth: 10, height: 32, width: 32, nuclei: 0 });
  // Without nuclei, the per-pixel median over planes of the two exposures differ only by the
  // autofluorescence level, so their difference is nearly flat while the pattern itself is not.
  const n = 32 * 32;
  const med = (d: Float32Array, i: number) => {
    const v = Array.from({ length: 10 }, (_, z) => d[z * n + i]).sort((p, q) => p - q);
    return (v[4] + v[5]) / 2;
  };
  const diff: number[] = [];
  for (let i = 0; i < n; i++) diff.push(med(r.high.data, i) - med(r.low.data, i));
  const sd = (a: ArrayLike<number>) => {
    const m = Array.from(a).reduce((s, v) => s + v, 0) / a.length;
    return Math.sqrt(Array.from(a).reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
  };
  assert.ok(sd(r.background) > 2 * sd(diff), `pattern sd ${sd(r.background)} vs residual ${sd(diff)}`);
});

test('stacks of different seeds share the camera pattern unless another camera is asked for', () => {
  const a = generateMicroscopy({ seed: 1, depth: 2, height: 16, width: 16 });
  const b = generateMicroscopy({ seed: 2, depth: 2, height: 16, width: 16 });
  const c = generateMicroscopy({ seed: 2, depth: 2, height: 16, width: 16, cameraSeed: 9 });
  assert.deepEqual(a.background, b.background);
  assert.notDeepEqual(b.background, c.background);
  assert.notDeepEqual(a.low.data, b.low.data);
});
