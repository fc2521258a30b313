import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { trainModel, cosineLr } from '../../../main/engine/train.ts';
import { denoiseStack } from '../../../main/engine/predict.ts';
import { TfjsPredictor } from '../../../main/engine/tfjs/engine.ts';
import { selectBackend } from '../../../main/engine/tfjs/backend.ts';
import type { TrainEvent } from '../../../main/engine/types.ts';
import { blobStack, neighbourMean, psnr, PSNR_TEST_CONFIG } from './helpers.ts';

test('cosine learning rate decays from lr to ~0 over the epochs', () => {
  assert.equal(cosineLr(1e-3, 0, 10), 1e-3);
  assert.ok(Math.abs(cosineLr(1e-3, 5, 10) - 5e-4) < 1e-12);
  assert.ok(cosineLr(1e-3, 9, 10) < 0.03e-3);
});

test('self-supervised N2S on a seeded synthetic stack: ≥ 3 dB over the noisy stack, beats the neighbour mean, no tensor leak', async () => {
  const s = blobStack(5, 8, 64, 64, 0.15);
  await selectBackend('wasm');
  const tensorsBefore = tf.memory().numTensors;
  const events: TrainEvent[] = [];
  const r = await trainModel({
    config: {
      ...PSNR_TEST_CONFIG,
      backend: 'wasm',
    },
    volumes: [{ depth: s.depth, height: s.height, width: s.width, a: s.noisy }],
    onEvent: (e) => events.push(e),
  });
  assert.equal(tf.memory().numTensors, tensorsBefore, 'training leaves no tensors behind');
  const epochs = events.filter((e) => e.type === 'epoch');
  assert.equal(epochs.length, 4);
  assert.ok(epochs.every((e) => e.type === 'epoch' && e.valLoss !== null && e.secondsPerStep > 0));
  assert.equal(events.filter((e) => e.type === 'step').length, 200);
  assert.ok(r.bestValLoss !== null && r.bestValLoss <= Math.min(...epochs.map((e) => (e.type === 'epoch' ? (e.valLoss as number) : Infinity))));

  const p = await TfjsPredictor.create(r.spec, r.weights, 'wasm');
  const out = await denoiseStack(p, s.noisy, s, { spec: r.spec, layout: r.layout, normalisation: r.normalisation });
  p.dispose();
  const before = psnr(s.clean, s.noisy);
  const mean2 = psnr(s.clean, neighbourMean(s, s.noisy));
  const after = psnr(s.clean, out);
  console.log(`PSNR noisy ${before.toFixed(2)} dB, neighbour mean ${mean2.toFixed(2)} dB, N2S ${after.toFixed(2)} dB`);
  assert.ok(after >= before + 3, `N2S ${after.toFixed(2)} dB vs noisy ${before.toFixed(2)} dB`);
  assert.ok(after > mean2 + 0.5, `N2S ${after.toFixed(2)} dB vs neighbour mean ${mean2.toFixed(2)} dB`);
});

test('training stops at an aborted signal and keeps the last complete epoch', async () => {
  const s = blobStack(6, 4, 32, 32, 0.1);
  const ac = new AbortController();
  const r = await trainModel({
    config: { widthScale: 0.125, epochs: 5, stepsPerEpoch: 3, batch: 2, patch: 16, normalize: 'none', valFraction: 0, backend: 'wasm' },
    volumes: [{ depth: 4, height: 32, width: 32, a: s.noisy }],
    onEvent: (e) => {
      if (e.type === 'epoch' && e.epoch === 2) ac.abort();
    },
    signal: ac.signal,
  });
  assert.equal(r.cancelled, true);
  assert.equal(r.history.length, 2);
});

test('masked MSE (Noise2Void) counts only masked pixels', async () => {
  const { mseLoss } = await import('../../../main/engine/tfjs/engine.ts');
  await selectBackend('wasm');
  const pred = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const y = tf.tensor4d([0, 0, 0, 0], [1, 2, 2, 1]);
  const mask = tf.tensor4d([0, 1, 0, 1], [1, 2, 2, 1]);
  const plain = mseLoss(pred, y);
  const masked = mseLoss(pred, y, mask);
  assert.equal((await plain.data())[0], (1 + 4 + 9 + 16) / 4);
  assert.equal((await masked.data())[0], (4 + 16) / 2);
  tf.dispose([pred, y, mask, plain, masked]);
});

test('every method trains with its layout: n2s copy (1+2K), n2n (1), n2c (1+2K), n2v (1, masked, no residual)', async () => {
  const s = blobStack(9, 5, 32, 32, 0.1);
  const vol = { depth: 5, height: 32, width: 32, a: s.noisy, b: s.noisy2, clean: s.clean };
  const base = { widthScale: 0.125, epochs: 1, stepsPerEpoch: 2, batch: 2, patch: 16, normalize: 'none' as const, valFraction: 0.2, backend: 'wasm' as const };
  const cases = [
    { cfg: { method: 'n2s' as const, mode: 'copy' as const, neighbors: 1 }, cin: 3, residual: true },
    { cfg: { method: 'n2n' as const, neighbors: 0 }, cin: 1, residual: true },
    { cfg: { method: 'n2c' as const, neighbors: 2 }, cin: 5, residual: true },
    { cfg: { method: 'n2v' as const, neighbors: 0 }, cin: 1, residual: false },
  ];
  for (const c of cases) {
    const r = await trainModel({ config: { ...base, ...c.cfg }, volumes: [vol] });
    assert.equal(r.spec.inChannels, c.cin, c.cfg.method);
    assert.equal(r.spec.nodes.some((n) => n.op === 'residual'), c.residual, c.cfg.method);
    assert.ok(r.finalLoss !== null && Number.isFinite(r.finalLoss), c.cfg.method);
  }
});
