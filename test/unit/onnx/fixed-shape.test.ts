/**
 * The CPU predictor runs each tile shape on a session built for it, with the skip concatenations
 * split into summed convolutions (forward.ts fixedShape): the outputs equal the literal symbolic
 * graph's to float32 rounding for both U-Nets, the graph has no Concat left, and sessions are kept
 * per shape (a run's shape again reuses its session; a third and fourth shape evict the oldest).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { createRng } from '../../../shared/random.ts';
import { buildForwardModel, INPUT_NAME, OUTPUT_NAME } from '../../../main/engine/onnx/forward.ts';
import { createOnnxPredictorFromWeights } from '../../../main/engine/onnx/predictor.ts';

function input(n: number, h: number, w: number, c: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * h * w * c }, () => rng.next() * 2 - 0.5);
}

for (const arch of ['csbdeep', 'n2n'] as const) {
  test(`${arch}: the fixed-shape split graph gives the symbolic graph's outputs (float32 rounding)`, async () => {
    const cin = arch === 'csbdeep' ? 2 : 4;
    const spec = buildArch({ arch, inChannels: cin, widthScale: 0.25, ...(arch === 'csbdeep' ? { residualChannels: [0, 1] } : {}) });
    const weights = initWeights(spec, 11);
    const [n, h, w] = arch === 'csbdeep' ? [3, 40, 52] : [2, 64, 96];
    const x = input(n, h, w, cin, 5);
    const fixedModel = buildForwardModel(spec, weights, { layout: 'nhwc', fixedShape: { batch: n, height: h, width: w } });
    assert.ok(!Buffer.from(fixedModel).includes('Concat'), 'no Concat in the fixed-shape graph');
    assert.ok(Buffer.from(buildForwardModel(spec, weights, { layout: 'nhwc' })).includes('Concat'), 'the literal graph keeps its Concat');
    const symbolic = await ort.InferenceSession.create(buildForwardModel(spec, weights, { layout: 'nhwc' }));
    const want = (await symbolic.run({ [INPUT_NAME]: new ort.Tensor('float32', x, [n, h, w, cin]) }))[OUTPUT_NAME].data as Float32Array;
    const p = await createOnnxPredictorFromWeights(spec, weights, { provider: 'cpu' });
    const got = await p.predictBatch(x, n, h, w, cin);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    assert.equal(got.length, want.length);
    assert.ok(worst <= 1e-5 * Math.max(1, scale), `max difference ${worst} (outputs up to ${scale})`);
    p.dispose();
    await symbolic.release();
  });
}

test('sessions are kept per tile shape: the same shape again reuses its session; older ones are let go', async () => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, widthScale: 0.25, residualChannels: [0, 1] });
  const p = await createOnnxPredictorFromWeights(spec, initWeights(spec, 2), { provider: 'cpu' });
  const shapes: [number, number, number][] = [[1, 32, 32], [2, 32, 32], [1, 32, 32], [1, 48, 32], [1, 32, 48], [1, 32, 32]];
  const first = new Map<string, Float32Array>();
  for (const [n, h, w] of shapes) {
    const x = input(n, h, w, 2, 1);
    const y = Float32Array.from(await p.predictBatch(x, n, h, w, 2));
    const key = `${n}x${h}x${w}`;
    // Recreated after eviction or reused, a shape's session gives the same outputs.
    if (first.has(key)) assert.deepEqual(y, first.get(key));
    else first.set(key, y);
  }
  // Kept: at most three shapes (internal map, read for the test only).
  const held = (p as unknown as { shaped: Map<string, unknown> }).shaped;
  assert.ok(held.size <= 3, `${held.size} sessions held`);
  assert.ok(held.has('1x32x32'), 'the most recent shape is held');
  p.dispose();
});

test('a tile and its rotated variant (test-time ensembling) keep their two sessions, call after call', async () => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, widthScale: 0.25, residualChannels: [0, 1] });
  const p = await createOnnxPredictorFromWeights(spec, initWeights(spec, 2), { provider: 'cpu' });
  const held = (p as unknown as { shaped: Map<string, { session: Promise<unknown> }> }).shaped;
  const seen = new Map<string, Promise<unknown>>();
  for (let i = 0; i < 4; i++)
    for (const [h, w] of [[32, 48], [48, 32]]) {
      await p.predictBatch(input(1, h, w, 2, i), 1, h, w, 2);
      const key = `1x${h}x${w}`;
      const s = held.get(key)?.session;
      assert.ok(s, `${key} held`);
      if (seen.has(key)) assert.equal(s, seen.get(key), `${key}: the same session, not a new one`);
      else seen.set(key, s);
    }
  p.dispose();
});
