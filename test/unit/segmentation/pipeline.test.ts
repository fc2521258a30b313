import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSegmentations, segmentNuclei, planeObjectStats, matchObjects } from '../../../shared/segmentation/index.ts';
import { syntheticNuclei } from './synthetic-nuclei.ts';

const g = syntheticNuclei({ seed: 1, depth: 6, height: 96, width: 96, pairs: 5, singles: 8 });
const shape = { depth: g.depth, height: g.height, width: g.width };

test('clean synthetic nuclei: object F1 ≥ 0.9 plane by plane and in 3-D, Dice ≥ 0.95', () => {
  const r2 = segmentNuclei(g.clean, shape, { mode: '2d' });
  const a2 = compareSegmentations(r2.labels, g.labels, shape, '2d');
  assert.ok(a2.f1 >= 0.9, `2-D object F1 ${a2.f1.toFixed(3)}`);
  assert.ok(a2.dice >= 0.95, `2-D Dice ${a2.dice.toFixed(3)}`);
  assert.equal(r2.thresholds.length, g.depth);
  // These ellipsoids span all 6 planes and have no defocus haze: every plane is in focus.
  const r3 = segmentNuclei(g.clean, shape, { mode: '3d', focusFraction: 0 });
  const a3 = compareSegmentations(r3.labels, g.labels, shape, '3d');
  assert.ok(a3.f1 >= 0.9, `3-D object F1 ${a3.f1.toFixed(3)}`);
  // In 3-D each nucleus is one object spanning all planes.
  assert.ok(Math.abs(r3.count - g.count) <= 2, `3-D count ${r3.count} vs ${g.count}`);
});

test('the watershed split separates touching pairs: F1 clearly higher than without splitting', () => {
  const withSplit = compareSegmentations(segmentNuclei(g.clean, shape, { mode: '2d' }).labels, g.labels, shape);
  const without = compareSegmentations(segmentNuclei(g.clean, shape, { mode: '2d', split: false }).labels, g.labels, shape);
  // 5 of 18 nuclei are in touching pairs: unsplit, each pair loses at least one match per plane.
  assert.ok(without.f1 < 0.88, `unsplit F1 ${without.f1.toFixed(3)}`);
  assert.ok(withSplit.f1 - without.f1 >= 0.08, `split ${withSplit.f1.toFixed(3)} vs unsplit ${without.f1.toFixed(3)}`);
});

test('threshold options, hole filling and small-object removal behave', () => {
  const noisy = g.noisy(4, 9);
  for (const threshold of ['otsu', 'li', 'triangle'] as const) {
    const a = compareSegmentations(segmentNuclei(noisy, shape, { threshold, mode: '2d' }).labels, g.labels, shape);
    assert.ok(a.dice > 0.8, `${threshold}: Dice ${a.dice.toFixed(3)}`);
  }
  // A ring (nucleus with a dark centre) is filled; a speck smaller than minSize vanishes.
  const h = 40;
  const w = 40;
  const img = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - 15, y - 15);
      if (d < 9 && d > 4) img[y * w + x] = 1;
      if (Math.hypot(x - 33, y - 33) < 2) img[y * w + x] = 1;
    }
  }
  const one = { depth: 1, height: h, width: w };
  const r = segmentNuclei(img, one, { sigma: 0, threshold: 0.5, minSize: 30 });
  assert.equal(r.count, 1);
  assert.ok(r.labels[15 * w + 15]! > 0, 'hole filled');
  assert.equal(r.labels[33 * w + 33], 0, 'speck removed');
  const noFill = segmentNuclei(img, one, { sigma: 0, threshold: 0.5, minSize: 0, fillHoles: false });
  assert.equal(noFill.labels[15 * w + 15], 0);
  assert.equal(noFill.count, 2);
});

test('degenerate input: empty and constant planes give no objects and no crash', () => {
  const s = { depth: 2, height: 16, width: 16 };
  const r = segmentNuclei(new Float32Array(512).fill(3), s);
  assert.equal(r.count, 0);
  assert.throws(() => segmentNuclei(new Float32Array(10), s), /expected 2×16×16/);
});

test('metrics: object matching, Dice and per-plane statistics on hand-made labels', () => {
  // Plane of 4×4: ref objects 1 (4 px) and 2 (4 px); pred matches 1 exactly, covers half of 2.
  const ref = Uint32Array.from([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 2, 2, 0, 0, 2, 2]);
  const pred = Uint32Array.from([5, 5, 0, 0, 5, 5, 0, 0, 0, 0, 7, 7, 0, 0, 0, 0]);
  const m = matchObjects(pred, ref);
  // IoU(7, 2) = 2/4 = 0.5, not above 0.5: not a match.
  assert.deepEqual([m.tp, m.fp, m.fn], [1, 1, 1]);
  assert.equal(m.f1, 0.5);
  const a = compareSegmentations(pred, ref, { depth: 1, height: 4, width: 4 });
  assert.equal(a.dice, (2 * 6) / (6 + 8));
  const st = planeObjectStats(ref, { depth: 1, height: 4, width: 4 });
  assert.deepEqual(st, [{ z: 0, count: 2, meanSize: 4, medianSize: 4 }]);
});
