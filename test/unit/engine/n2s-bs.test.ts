/**
 * Noise2Stack with a blind spot (method n2s-bs): neighbours plus the blind-spot-masked target plane
 * of ONE noisy stack. It must learn to denoise (not the identity, which the masked loss would not
 * reward) and predict with the copy layout from that one stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPredictor } from '../../../main/engine/engines.ts';
import { denoiseStack } from '../../../main/engine/predict.ts';
import { trainModel } from '../../../main/engine/train.ts';
import { blobStack, psnr } from './helpers.ts';

test('n2s-bs trains on one noisy stack and raises PSNR by ≥ 3 dB; layout 1+2K, residual from planes i±1 only', async () => {
  const s = blobStack(5, 8, 64, 64, 0.15);
  const r = await trainModel({
    config: {
      method: 'n2s-bs',
      neighbors: 1,
      widthScale: 0.25,
      epochs: 4,
      stepsPerEpoch: 50,
      batch: 8,
      patch: 32,
      normalize: 'none',
      valFraction: 0.125,
      // A denser blind spot than N2V's 0.198 % so that 200 steps of batch 8 are enough here.
      n2vFraction: 0.02,
      seed: 3,
      engine: 'onnx',
    },
    volumes: [{ depth: s.depth, height: s.height, width: s.width, a: s.noisy }],
  });
  assert.deepEqual(r.layout, { mode: 'copy', k: 1, inChannels: 3 });
  const residual = r.spec.nodes.find((n) => n.op === 'residual');
  assert.ok(residual && residual.op === 'residual');
  assert.deepEqual(residual.channels, [0, 2], 'the residual never adds back the target plane');
  const { predictor } = await createPredictor(r.spec, r.weights, { engine: 'onnx', provider: 'cpu' });
  const out = await denoiseStack(predictor, s.noisy, s, { spec: r.spec, layout: r.layout, normalisation: r.normalisation });
  predictor.dispose();
  const before = psnr(s.clean, s.noisy);
  const after = psnr(s.clean, out);
  assert.ok(after >= before + 3, `n2s-bs ${after.toFixed(2)} dB vs noisy ${before.toFixed(2)} dB`);
});

test('n2s-bs needs K ≥ 1', async () => {
  await assert.rejects(trainModel({ config: { method: 'n2s-bs', neighbors: 0 }, volumes: [] }), /blind spot needs K ≥ 1/);
});
