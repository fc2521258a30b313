/** Up-front training checks in the form's words (issue 17): K against planes, patch against pixels. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxKFor, trainFitProblems } from '../../../shared/config/train-fit-check.ts';
import { minPlanes } from '../../../shared/model/neighbours.ts';

const stack = { depth: 10, height: 128, width: 128 };
const n2s = { method: 'n2s', mode: 'self', neighbours: 2, patch: 64 } as const;

test('a configuration that fits has no problems', () => {
  assert.deepEqual(trainFitProblems(stack, n2s), []);
});

test('K = 30 on 10 planes names the planes needed and the largest K that fits', () => {
  assert.deepEqual(trainFitProblems(stack, { ...n2s, neighbours: 30 }), [
    'K = 30 needs at least 61 planes (K on each side of a plane), but this stack has 10: choose K ≤ 4.',
  ]);
});

test('the largest K agrees with the sampler’s own minimum number of planes', () => {
  for (const mode of ['self', 'copy'] as const) {
    for (let depth = 1; depth <= 40; depth++) {
      const k = maxKFor(depth, mode);
      if (k > 0) assert.ok(depth >= minPlanes(mode, k), `${mode} depth ${depth}: K ${k} fits`);
      if (k < 16) assert.ok(depth < minPlanes(mode, k + 1), `${mode} depth ${depth}: K ${k + 1} does not fit`);
    }
  }
});

test('K above the network’s limit on a deep stack says so', () => {
  assert.match(trainFitProblems({ ...stack, depth: 100 }, { ...n2s, neighbours: 30 })[0] ?? '', /more than the 16 the network takes: choose K ≤ 16/);
});

test('a stack too thin for any K says how many planes Noise2Stack needs', () => {
  assert.deepEqual(trainFitProblems({ ...stack, depth: 2 }, { ...n2s, neighbours: 1 }), ['This stack has 2 planes; Noise2Stack needs at least 3.']);
});

test('a patch larger than the image proposes the largest multiple that fits', () => {
  assert.deepEqual(trainFitProblems({ depth: 10, height: 100, width: 130 }, { ...n2s, patch: 512 }), [
    'Patch 512 is larger than the image (100 × 130 pixels): choose a patch of at most 100.',
  ]);
  assert.match(trainFitProblems({ depth: 10, height: 100, width: 130 }, { ...n2s, patch: 512, arch: 'n2n' })[0] ?? '', /at most 96\./);
});

test('Noise2Noise and Noise2Void do not check K', () => {
  assert.deepEqual(trainFitProblems({ ...stack, depth: 1 }, { method: 'n2n', mode: 'copy', neighbours: 0, patch: 64 }), []);
  assert.deepEqual(trainFitProblems({ ...stack, depth: 1 }, { method: 'n2v', mode: 'copy', neighbours: 0, patch: 64 }), []);
});
