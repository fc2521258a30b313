import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { createRng } from '../../../shared/random.ts';
import { TrainingConfig } from '../../../shared/config/training.ts';
import { activationBytesPerPixel, denoiseStack, axisTiles, axisWeights, planTiles, receptiveRadius, tileSettings } from '../../../main/engine/predict.ts';
import { TfjsPredictor } from '../../../main/engine/tfjs/engine.ts';
import { loadModel, readWeights, saveModel } from '../../../main/engine/model-store.ts';
import { blobStack } from './helpers.ts';

const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1], widthScale: 0.25 });

/** Seeded weights with non-zero biases, so every weight matters for the comparisons. */
function weights(seed: number) {
  const w = initWeights(spec, seed);
  const rng = createRng(seed + 100);
  for (const [name, v] of w) if (name.endsWith('/bias')) for (let i = 0; i < v.data.length; i++) v.data[i] = 0.05 * rng.normal();
  return w;
}

const layout = { mode: 'self' as const, k: 1 };
const none = { kind: 'none' as const };

test('blending weights of overlapping tiles sum to 1 and vanish within the margin', () => {
  const { starts, size } = axisTiles(200, 80, 40);
  assert.deepEqual(starts, [0, 40, 80, 120]);
  const sum = new Float32Array(200);
  starts.forEach((s, i) => axisWeights(starts, size, i, 12).forEach((w, u) => (sum[s + u] += w)));
  for (const v of sum) assert.ok(Math.abs(v - 1) < 1e-6);
  const w1 = axisWeights(starts, size, 1, 12);
  assert.equal(w1[0], 0);
  assert.equal(w1[11], 0);
  assert.ok(w1[12] > 0);
  assert.equal(w1[79], 0);
});

test('tiled prediction equals untiled prediction to 1e-4 relative', async () => {
  const s = blobStack(3, 4, 100, 92, 0.1);
  const p = await TfjsPredictor.create(spec, weights(1), 'wasm');
  const ts = tileSettings(spec);
  const shape = { depth: 4, height: 100, width: 92 };
  const untiled = await denoiseStack(p, s.noisy, shape, { spec, layout, normalisation: none, tile: 512 });
  const tiled = await denoiseStack(p, s.noisy, shape, { spec, layout, normalisation: none, tile: ts.overlap + 8, batchTiles: 3 });
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < untiled.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(untiled[i] - tiled[i]));
    maxAbs = Math.max(maxAbs, Math.abs(untiled[i]));
  }
  p.dispose();
  assert.ok(maxAbs > 0.05, 'the network output is not trivial');
  assert.ok(maxDiff / maxAbs < 1e-4, `relative difference ${maxDiff / maxAbs}`);
});

test('default tiles: the whole plane when it fits the memory budget, else the fewest tiles with the receptive-field overlap', () => {
  const full = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1] });
  const bpp = activationBytesPerPixel(full);
  const whole = planTiles(full, 1024, 1024, { memory: 1024 * 1024 * bpp });
  assert.deepEqual([whole.ty.starts, whole.tx.starts, whole.th, whole.tw], [[0], [0], 1024, 1024]);
  const margin = Math.ceil(receptiveRadius(full) / full.divisor) * full.divisor;
  const split = planTiles(full, 2160, 2160, { memory: 1024 * 1024 * bpp });
  assert.equal(split.overlap, 2 * margin + full.divisor, 'overlap = what the receptive field needs');
  assert.ok(split.th * split.tw <= 1024 * 1024, 'each tile fits the budget');
  const work = split.ty.starts.length * split.tx.starts.length * split.th * split.tw;
  assert.ok(work < 1.12 * 2160 * 2160, `computed pixels ${work} vs plane ${2160 * 2160}`);
  // The old default (512² tiles, same overlap) computed ~1.4× the plane.
  const old = planTiles(full, 2160, 2160, { tile: 512 });
  assert.ok(work < old.ty.starts.length * old.tx.starts.length * 512 * 512);
  // Tiles cover the plane; consecutive tiles overlap by at least the needed amount.
  for (const [t, len, size] of [[split.ty, 2160, split.th], [split.tx, 2160, split.tw]] as const) {
    assert.equal(t.starts[0], 0);
    assert.equal(t.starts.at(-1)! + size, len);
    for (let i = 1; i < t.starts.length; i++) assert.ok(t.starts[i - 1] + size - t.starts[i] >= split.overlap);
  }
});

test('whole-plane, budget-split (non-square) and small square tiles give the same result to 1e-4', async () => {
  const s = blobStack(5, 3, 96, 200, 0.1);
  const p = await TfjsPredictor.create(spec, weights(3), 'wasm');
  const shape = { depth: 3, height: 96, width: 200 };
  const o = { spec, layout, normalisation: none };
  const bpp = activationBytesPerPixel(spec);
  const whole = await denoiseStack(p, s.noisy, shape, o);
  const plan = planTiles(spec, 96, 200, { memory: 96 * 120 * bpp });
  assert.ok(plan.tx.starts.length > 1 && plan.th !== plan.tw, `budget split into non-square tiles (${plan.th}×${plan.tw})`);
  const budget = await denoiseStack(p, s.noisy, shape, { ...o, tileMemory: 96 * 120 * bpp });
  const small = await denoiseStack(p, s.noisy, shape, { ...o, tile: tileSettings(spec).overlap + 8, batchTiles: 2 });
  p.dispose();
  let maxAbs = 0;
  for (const v of whole) maxAbs = Math.max(maxAbs, Math.abs(v));
  assert.ok(maxAbs > 0.05, 'the network output is not trivial');
  for (const [name, other] of [['budget', budget], ['small', small]] as const) {
    let d = 0;
    for (let i = 0; i < whole.length; i++) d = Math.max(d, Math.abs(whole[i] - other[i]));
    assert.ok(d / maxAbs < 1e-4, `${name}: relative difference ${d / maxAbs}`);
  }
});

test('save/load round trip gives identical weights and predictions; model.json loads in tfjs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'n2s-model-'));
  try {
    const w = weights(2);
    await saveModel(dir, {
      spec,
      weights: w,
      config: {
        training: TrainingConfig.parse({ widthScale: 0.25 }),
        layout: { mode: 'self', k: 1, inChannels: 2 },
        normalisation: { kind: 'percentile', pLow: 3, pHigh: 99.8, low: 0.1, high: 0.9 },
        losses: { finalLoss: 0.1, bestValLoss: 0.2, bestEpoch: 1 },
        history: [],
        engine: { engine: 'tfjs', backend: 'wasm' },
      },
    });
    const back = await readWeights(dir);
    for (const [name, v] of w) assert.deepEqual(back.get(name)?.data, v.data, name);
    const loaded = await loadModel(dir);
    assert.equal(loaded.config.normalisation.kind, 'percentile');
    const s = blobStack(4, 3, 40, 44, 0.1);
    const shape = { depth: 3, height: 40, width: 44 };
    const p1 = await TfjsPredictor.create(spec, w, 'wasm');
    const p2 = await TfjsPredictor.create(loaded.spec, loaded.weights, 'wasm');
    const a = await denoiseStack(p1, s.noisy, shape, { spec, layout, normalisation: none });
    const b = await denoiseStack(p2, s.noisy, shape, { spec: loaded.spec, layout, normalisation: none });
    assert.deepEqual(a, b);
    // The folder is genuine tfjs layers format: tfjs itself loads it and predicts the same.
    const mj = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const bin = await readFile(join(dir, 'weights.bin'));
    const m = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: mj.modelTopology, weightSpecs: mj.weightsManifest[0].weights, weightData: new Uint8Array(bin).buffer }),
    );
    const x = tf.randomNormal([1, 40, 44, 2]);
    const y1 = m.predict(x) as tf.Tensor;
    const y2 = await p1.predictBatch((await x.data()) as Float32Array, 1, 40, 44, 2);
    assert.deepEqual(Array.from(await y1.data()), Array.from(y2));
    tf.dispose([x, y1]);
    m.dispose();
    p1.dispose();
    p2.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a background pattern is subtracted on the fly (same as denoising the subtracted stack) and stored with the model', async () => {
  const { subtractBackground, estimateBackground } = await import('../../../main/engine/normalise.ts');
  const s = blobStack(8, 3, 36, 40, 0.1);
  const rng = createRng(5);
  const bg = Float32Array.from({ length: 36 * 40 }, () => 0.3 * rng.next());
  const withBg = new Float32Array(s.noisy.length);
  for (let i = 0; i < withBg.length; i++) withBg[i] = s.noisy[i] + bg[i % bg.length];
  // The per-pixel median of planes that all carry the same pattern on a zero signal is the pattern.
  const dark = new Float32Array(5 * bg.length);
  for (let i = 0; i < dark.length; i++) dark[i] = bg[i % bg.length];
  assert.deepEqual(estimateBackground([{ data: dark, depth: 5 }], 36, 40), bg);
  const p = await TfjsPredictor.create(spec, weights(3), 'wasm');
  const shape = { depth: 3, height: 36, width: 40 };
  const a = await denoiseStack(p, withBg, shape, { spec, layout, normalisation: none, background: bg });
  const b = await denoiseStack(p, subtractBackground(withBg, bg), shape, { spec, layout, normalisation: none });
  p.dispose();
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  assert.ok(d < 1e-6, `max difference ${d}`);

  const dir = await mkdtemp(join(tmpdir(), 'n2s-model-bg-'));
  try {
    await saveModel(dir, {
      spec,
      weights: weights(3),
      background: { data: bg, height: 36, width: 40 },
      config: {
        training: TrainingConfig.parse({ widthScale: 0.25 }),
        layout: { mode: 'self', k: 1, inChannels: 2 },
        normalisation: { kind: 'percentile', pLow: 3, pHigh: 99.8, low: 0, high: 1, background: true },
        losses: { finalLoss: null, bestValLoss: null, bestEpoch: 1 },
        history: [],
        engine: { engine: 'tfjs', backend: 'wasm' },
      },
    });
    const loaded = await loadModel(dir);
    assert.deepEqual(loaded.background, bg);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
