import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLORMAP_NAMES, colormapLUT, colormapRGB, lutColour } from '../../../shared/viewer/colormaps.ts';
import { normalise, symmetricLimits, clampGamma } from '../../../shared/viewer/contrast.ts';
import { labelColour, labelHash } from '../../../shared/viewer/labels.ts';

const close = (a: number[], b: number[], tol: number): void => {
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol, `${a} vs ${b} (tol ${tol})`));
};

test('contrast: linear within limits, clamped outside, gamma applied after', () => {
  const c = { lo: 100, hi: 300, gamma: 1 };
  assert.equal(normalise(150, c), 0.25);
  assert.equal(normalise(50, c), 0);
  assert.equal(normalise(1000, c), 1);
  assert.equal(normalise(200, { ...c, gamma: 2 }), 0.25); // 0.5² by hand
  assert.ok(Math.abs(normalise(125, { ...c, gamma: 0.5 }) - Math.sqrt(0.125)) < 1e-15);
  // 16-bit values one count apart stay distinguishable with tight limits (no 8-bit step first)
  assert.equal(normalise(40001, { lo: 40000, hi: 40002, gamma: 1 }), 0.5);
  assert.equal(normalise(Number.NaN, c), 0);
  assert.equal(normalise(5, { lo: 5, hi: 5, gamma: 1 }), 1);
  assert.deepEqual(symmetricLimits(-3, 7), [-7, 7]);
  assert.throws(() => clampGamma(0), /positive/);
});

test('single-hue maps ramp from black to the hue', () => {
  assert.deepEqual(colormapRGB('gray', 0.5), [0.5, 0.5, 0.5]);
  assert.deepEqual(colormapRGB('magenta', 0.25), [0.25, 0, 0.25]);
  assert.deepEqual(colormapRGB('green', 2), [0, 1, 0]);
  assert.deepEqual(colormapRGB('cyan', -1), [0, 0, 0]);
});

test('perceptual maps agree with matplotlib 3.6 within 2/255', () => {
  // reference values: matplotlib.colormaps[name](t)[:3] * 255
  const ref: Array<[Parameters<typeof colormapRGB>[0], number, number[]]> = [
    ['viridis', 0.3, [52.7, 94.8, 141.0]],
    ['viridis', 0.77, [105.3, 204.8, 91.1]],
    ['magma', 0.3, [99.5, 25.6, 128.0]],
    ['magma', 0.77, [252.7, 146.0, 101.7]],
    ['inferno', 0.3, [106.2, 23.0, 110.4]],
    ['inferno', 0.77, [250.9, 151.4, 6.1]],
    ['diverging', 0.3, [144.5, 196.0, 221.5]],
    ['diverging', 0.77, [222.2, 114.9, 91.5]],
  ];
  for (const [name, t, rgb] of ref) close(colormapRGB(name, t).map((v) => v * 255), rgb, 2);
  // endpoints are the first and last matplotlib colours
  close(colormapRGB('viridis', 0).map((v) => v * 255), [0x44, 0x01, 0x54], 1e-9);
  close(colormapRGB('viridis', 1).map((v) => v * 255), [0xfd, 0xe7, 0x25], 1e-9);
});

test('diverging map is blue below, near-white at, and red above the centre', () => {
  const [r0, , b0] = colormapRGB('diverging', 0.1);
  const mid = colormapRGB('diverging', 0.5);
  const [r1, , b1] = colormapRGB('diverging', 0.9);
  assert.ok(b0 > r0 && r1 > b1);
  assert.ok(Math.min(...mid) > 0.95);
});

test('LUT sampling reproduces the colormap to within rounding', () => {
  for (const name of COLORMAP_NAMES) {
    const lut = colormapLUT(name);
    assert.equal(lut.length, 1024);
    for (const t of [0, 0.123, 0.5, 0.999, 1]) close(lutColour(lut, t), colormapRGB(name, t).map((v) => v * 255), 1.5);
  }
});

test('label colours: hash matches a hand-run of lowbias32, distinct and never dark', () => {
  // lowbias32(1) by hand: 1 ^ 0 = 1; ×0x7feb352d = 0x7feb352d; ^ >>15 = 0x7feb352d ^ 0xffd6 = 0x7febcafb;
  // ×0x846ca68b mod 2³² = 0x6889f849 (checked with Python); ^ >>16 → 0x688990c0
  assert.equal(labelHash(1), 0x688990c0);
  const cols = Array.from({ length: 64 }, (_, i) => labelColour(i + 1));
  for (const c of cols) assert.ok(Math.min(...c) >= 0.25);
  let minDist = Infinity;
  for (let i = 1; i < cols.length; i++) {
    const d = Math.hypot(cols[i][0] - cols[i - 1][0], cols[i][1] - cols[i - 1][1], cols[i][2] - cols[i - 1][2]);
    minDist = Math.min(minDist, d);
  }
  assert.ok(minDist > 0.05, `neighbouring labels too similar: ${minDist}`);
});
