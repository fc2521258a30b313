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
import { blobStack, neighbourMean, psnr } from '../engine/helpers.ts';
import { relErr } from './reference.ts';

test('self-supervised N2S trained by the ONNX engine: ≥ 3 dB over the noisy stack; the tfjs predictor gives the same output', async () => {
  const s = blobStack(5, 8, 64, 64, 0.15);
  const events: TrainEvent[] = [];
  const r = await trainModel({
    config: {
      method: 'n2s',
      mode: 'self',
      neighbors: 1,
      widthScale: 0.25,
      epochs: 4,
      stepsPerEpoch: 50,
      batch: 8,
      patch: 32,
      normalize: 'none',
      valFraction: 0.125,
      seed: 3,
      engine: 'onnx',
      provider: 'cpu',
    },
    engine: new OnnxTrainEngine(),
    volumes: [{ depth: s.depth, height: s.height, width: s.width, a: s.noisy }],
    onEvent: (e) => events.push(e),
  });
  assert.equal(r.engine.engine, 'onnx');
  assert.equal(r.engine.provider, 'cpu');
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
