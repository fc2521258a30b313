/**
 * The ONNX training engine driven by the product's trainer (main/engine/train.ts) on the same
 * seeded synthetic stack and settings as the tfjs engine's test (test/unit/engine/train.test.ts):
 * it must raise PSNR by the same ≥ 3 dB, and the weights it saves must give the same denoised stack
 * in the tfjs predictor as in the ONNX predictor (a model trained by one engine loads in the other).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnnxTrainEngine } from '../../../main/engine/onnx/train/index.ts';
import { createOnnxPredictorFromWeights } from '../../../main/engine/onnx/predictor.ts';
import { denoiseStack } from '../../../main/engine/predict.ts';
import { TfjsPredictor } from '../../../main/engine/tfjs/engine.ts';
import { trainModel } from '../../../main/engine/train.ts';
import type { TrainEvent } from '../../../main/engine/types.ts';
import { blobStack, neighbourMean, psnr, PSNR_TEST_CONFIG } from '../engine/helpers.ts';
import { relErr } from './reference.ts';

test('self-supervised N2S trained by the ONNX engine: ≥ 3 dB over the noisy stack; the tfjs predictor gives the same output', async () => {
  const s = blobStack(5, 8, 64, 64, 0.15);
  const events: TrainEvent[] = [];
  const r = await trainModel({
    config: {
      ...PSNR_TEST_CONFIG,
      engine: 'onnx',
      provider: 'cpu',
    },
    // No engine instance: the trainer loads main/engine/onnx/train/index.ts itself, as `n2s train
    // --engine onnx` does (the worker-thread engine).
    volumes: [{ depth: s.depth, height: s.height, width: s.width, a: s.noisy }],
    onEvent: (e) => events.push(e),
  });
  assert.equal(r.engine.engine, 'onnx', 'the trainer fell back to tfjs');
  assert.equal(r.engine.provider, 'cpu');
  assert.match(r.engine.note ?? '', /worker thread/);
  const epochs = events.filter((e) => e.type === 'epoch');
  assert.equal(epochs.length, 4);
  assert.ok(epochs.every((e) => e.type === 'epoch' && e.valLoss !== null));

  const ctx = { spec: r.spec, layout: r.layout, normalisation: r.normalisation };
  const onnx = await createOnnxPredictorFromWeights(r.spec, r.weights, { provider: 'cpu' });
  const out = await denoiseStack(onnx, s.noisy, s, ctx);
  onnx.dispose();
  const before = psnr(s.clean, s.noisy);
  const mean2 = psnr(s.clean, neighbourMean(s, s.noisy));
  const after = psnr(s.clean, out);
  console.log(`# ONNX-trained: PSNR noisy ${before.toFixed(2)} dB, neighbour mean ${mean2.toFixed(2)} dB, N2S ${after.toFixed(2)} dB, ${(r.seconds / 200).toFixed(3)} s/step`);
  assert.ok(after >= before + 3, `N2S ${after.toFixed(2)} dB vs noisy ${before.toFixed(2)} dB`);
  assert.ok(after > mean2 + 0.5, `N2S ${after.toFixed(2)} dB vs neighbour mean ${mean2.toFixed(2)} dB`);

  const tfp = await TfjsPredictor.create(r.spec, r.weights, 'wasm');
  const outTf = await denoiseStack(tfp, s.noisy, s, ctx);
  tfp.dispose();
  assert.ok(relErr(outTf, out) < 1e-4, `tfjs and ONNX predictions of the ONNX-trained model differ (${relErr(outTf, out)})`);
});

test('ONNX engine under the trainer: cancellation keeps the last complete epoch; checkpoints are copies', async () => {
  const s = blobStack(6, 4, 32, 32, 0.1);
  const ac = new AbortController();
  const r = await trainModel({
    config: { widthScale: 0.125, epochs: 5, stepsPerEpoch: 3, batch: 2, patch: 16, normalize: 'none', valFraction: 0, engine: 'onnx', provider: 'cpu' },
    engine: new OnnxTrainEngine(),
    volumes: [{ depth: 4, height: 32, width: 32, a: s.noisy }],
    onEvent: (e) => {
      if (e.type === 'epoch' && e.epoch === 2) ac.abort();
    },
    signal: ac.signal,
  });
  assert.equal(r.cancelled, true);
  assert.equal(r.history.length, 2);
  assert.equal(r.engine.engine, 'onnx');

  // The trainer keeps getWeights() results as checkpoints while the engine trains on: they must
  // not alias the engine's ping-pong buffers.
  const e = new OnnxTrainEngine();
  await e.init(r.spec, r.weights, { adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, provider: 'cpu', maxBatch: 2, patch: 16 });
  const before = await e.getWeights();
  const snapshot = new Map([...before].map(([k, v]) => [k, v.data.slice()]));
  const batch = { x: new Float32Array(2 * 16 * 16 * 2).map((_, i) => Math.sin(i)), y: new Float32Array(2 * 16 * 16).fill(0.5), n: 2, h: 16, w: 16, cin: 2 };
  for (let i = 0; i < 3; i++) await e.step(batch, 1e-2);
  for (const [k, v] of before) assert.deepEqual(v.data, snapshot.get(k), `${k} changed under the caller`);
  const after = await e.getWeights();
  assert.ok([...after].some(([k, v]) => relErr(v.data, snapshot.get(k) as Float32Array) > 1e-4), 'weights did not train');
  await assert.rejects(e.step({ ...batch, cin: 3 }, 1e-3), /3 input channels, the network takes 2/);
  e.dispose();
});
