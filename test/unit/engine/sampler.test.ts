import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelPlanes, streamBatches, splitPlanes, type SamplerOptions, type Volume } from '../../../main/engine/sampler.ts';

test('self-supervised channel planes of a 5-plane stack, k = 1 and k = 2 (docs/method.md §2)', () => {
  const k1 = [[1, 1], [0, 2], [1, 3], [2, 4], [3, 3]];
  const k2 = [[1, 1, 1, 2], [0, 0, 2, 3], [0, 1, 3, 4], [1, 2, 4, 4], [2, 3, 3, 3]];
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(channelPlanes(i, 5, 'self', 1), k1[i], `k=1 plane ${i}`);
    assert.deepEqual(channelPlanes(i, 5, 'self', 2), k2[i], `k=2 plane ${i}`);
  }
});

test('copy-supervised channel planes of a 5-plane stack, k = 1 and k = 2; k = 0 is Noise2Noise', () => {
  const k1 = [[0, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 4]];
  const k2 = [[0, 0, 0, 1, 2], [0, 0, 1, 2, 3], [0, 1, 2, 3, 4], [1, 2, 3, 4, 4], [2, 3, 4, 4, 4]];
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(channelPlanes(i, 5, 'copy', 1), k1[i], `k=1 plane ${i}`);
    assert.deepEqual(channelPlanes(i, 5, 'copy', 2), k2[i], `k=2 plane ${i}`);
    assert.deepEqual(channelPlanes(i, 5, 'copy', 0), [i]);
  }
});

test('self-supervised input never contains the target plane, for any depth ≥ 2 and k ≤ 4', () => {
  for (let depth = 2; depth <= 9; depth++) {
    for (let k = 1; k <= 4; k++) {
      for (let i = 0; i < depth; i++) {
        const ch = channelPlanes(i, depth, 'self', k);
        assert.equal(ch.length, 2 * k);
        assert.ok(!ch.includes(i), `depth ${depth} k ${k} plane ${i}: ${ch}`);
        assert.ok(ch.every((j) => j >= 0 && j < depth));
      }
    }
  }
  assert.throws(() => channelPlanes(0, 5, 'self', -1), /K must be/);
});

/** value = 1000·z + 10·y + x/10: from a value one can tell its plane and position. */
function codedVolume(depth: number, h: number, w: number): Volume {
  const a = new Float32Array(depth * h * w);
  for (let z = 0; z < depth; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a[(z * h + y) * w + x] = 1000 * z + 10 * y + x / 10;
  return { depth, height: h, width: w, a };
}

const base: SamplerOptions = { method: 'n2s', mode: 'self', k: 2, patch: 8, batch: 16, augment: 'rot-flip', maxShift: 4, n2vFraction: 0.02, n2vRadius: 2 };

test('streamed self-supervised batches: no target leakage, channels co-registered under rot/flip', () => {
  const v = codedVolume(5, 20, 24);
  const it = streamBatches([v], splitPlanes([v], 0, 'plane').train, base, 3);
  const seenPlanes = new Set<number>();
  for (let b = 0; b < 20; b++) {
    const batch = it.next().value;
    assert.equal(batch.cin, 4);
    for (let s = 0; s < batch.n; s++) {
      const tz = Math.round(batch.y[s * 64] / 1000 - 0.45);
      seenPlanes.add(tz);
      const expected = channelPlanes(tz, 5, 'self', 2);
      for (let q = 0; q < 64; q++) {
        const t = batch.y[s * 64 + q];
        for (let c = 0; c < 4; c++) {
          const xv = batch.x[(s * 64 + q) * 4 + c];
          // Same pixel position in every channel, and the channel's plane is the expected one.
          assert.ok(Math.abs(xv - t - 1000 * (expected[c] - tz)) < 1e-2, `slot ${s} px ${q} ch ${c}`);
        }
      }
    }
  }
  assert.equal(seenPlanes.size, 5);
});

test('augmentation produces rotated/flipped patches and is seeded', () => {
  const v = codedVolume(3, 16, 16);
  const o: SamplerOptions = { ...base, k: 1, batch: 64 };
  const b1 = streamBatches([v], splitPlanes([v], 0, 'plane').train, o, 9).next().value;
  const b2 = streamBatches([v], splitPlanes([v], 0, 'plane').train, o, 9).next().value;
  assert.deepEqual(b1.x, b2.x);
  // Direction of increasing x (value +0.1) along a patch row: identity keeps it, rotations change it.
  const dirs = new Set<string>();
  for (let s = 0; s < 64; s++) dirs.add((b1.y[s * 64 + 1] - b1.y[s * 64]).toFixed(1));
  assert.ok(dirs.size >= 3, `row directions seen: ${[...dirs]}`);
});

test('Noise2Void batches mask ~fraction of pixels with a neighbour value', () => {
  const v = codedVolume(2, 64, 64);
  const o: SamplerOptions = { ...base, method: 'n2v', mode: 'copy', k: 0, patch: 32, batch: 4, augment: 'none', n2vFraction: 0.01 };
  const b = streamBatches([v], [{ volume: 0, plane: 1 }], o, 1).next().value;
  assert.ok(b.mask);
  for (let s = 0; s < 4; s++) {
    let m = 0;
    for (let q = 0; q < 1024; q++) {
      const i = s * 1024 + q;
      if (b.mask[i] === 1) {
        m++;
        assert.notEqual(b.x[i], b.y[i], 'blind spot replaced');
        const dyPix = Math.abs(Math.round((b.x[i] - b.y[i]) / 10));
        assert.ok(dyPix <= 2, 'replacement from the 5×5 neighbourhood');
      } else assert.equal(b.x[i], b.y[i]);
    }
    // Stratified: one per 10×10 box; the 3 full boxes per axis always land, the 4th (rows 30–39) only
    // in 2 of 10 draws, so 9…16 per patch (10.24 expected, the requested 1 %).
    assert.ok(m >= 9 && m <= 16, `masked ${m}`);
  }
});

test('validation split by plane holds planes out; bad layouts fail clearly', () => {
  const v = codedVolume(10, 16, 16);
  const { train, val } = splitPlanes([v], 0.2, 'plane');
  assert.equal(val.length, 2);
  assert.equal(train.length, 8);
  assert.ok(val.every((p) => !train.some((t) => t.plane === p.plane)));
  assert.throws(() => streamBatches([v], train, { ...base, patch: 32 }, 0).next(), /patch 32 is larger than the image \(16×16\)/);
  assert.throws(() => streamBatches([codedVolume(2, 16, 16)], train, { ...base, k: 2 }, 0).next(), /has 2 planes; self-supervised K=2 needs at least 5/);
  assert.throws(() => streamBatches([v], train, { ...base, mode: 'copy' }, 0).next(), /second noisy copy/);
});
