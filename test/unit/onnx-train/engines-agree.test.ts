/**
 * The product's two training engines side by side: 50 Adam steps of the tfjs engine
 * (main/engine/tfjs/engine.ts on tfjs-backend-wasm, its own layers model, autodiff and Adam) and of
 * the ONNX engine from the same initial weights on the same batches give the same loss curve within
 * 1e-3 relative, and end with the same weights.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { OnnxTrainEngine } from '../../../main/engine/onnx/train/index.ts';
import { TfjsTrainEngine } from '../../../main/engine/tfjs/engine.ts';
import { type Batch, DEFAULT_ADAM, type TrainEngine } from '../../../main/engine/types.ts';
import { randomArray, relErr } from './reference.ts';

const STEPS = 50;

function batches(n: number, size: number, cin: number): Batch[] {
  return [0, 1, 2, 3].map((k) => {
    const x = randomArray(n * size * size * cin, 70 + k);
    const y = new Float32Array(n * size * size);
    const noise = randomArray(y.length, 90 + k, 0.2);
    for (let p = 0; p < y.length; p++) y[p] = 0.5 * (x[p * cin] + x[p * cin + 1]) + 0.3 + noise[p];
    return { x, y, n, h: size, w: size, cin };
  });
}

async function curve(e: TrainEngine, bs: Batch[], lr: number): Promise<number[]> {
  const out: number[] = [];
  for (let t = 0; t < STEPS; t++) out.push(await e.step(bs[t % bs.length], lr));
  return out;
}

test('tfjs engine (wasm) and ONNX engine: same 50-step loss curve and final weights', async () => {
  const spec = buildArch({ arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1], widthScale: 0.125 });
  const size = 16;
  const bs = batches(2, size, 2);
  const opts = { adam: DEFAULT_ADAM, maxBatch: 2, patch: size };
  const tfjs = new TfjsTrainEngine();
  await tfjs.init(spec, initWeights(spec, 4), { ...opts, backend: 'wasm' });
  assert.equal(tfjs.describe().backend, 'wasm');
  const onnx = new OnnxTrainEngine();
  await onnx.init(spec, initWeights(spec, 4), { ...opts, provider: 'cpu' });
  const a = await curve(tfjs, bs, 2e-3);
  const b = await curve(onnx, bs, 2e-3);
  let worst = 0;
  for (let i = 0; i < STEPS; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.abs(a[i]));
  console.log(`# loss ${a[0].toFixed(4)} → ${a[STEPS - 1].toFixed(4)} (tfjs), max rel. difference ${worst.toExponential(2)}`);
  assert.ok(worst < 1e-3, `loss curves differ by ${worst} (relative)`);
  assert.ok(a[STEPS - 1] < 0.8 * a[0], 'the loss did not fall');
  const wt = await tfjs.getWeights();
  for (const [k, v] of await onnx.getWeights()) assert.ok(relErr(v.data, (wt.get(k) as { data: Float32Array }).data) < 1e-3, `${k} differs`);
  tfjs.dispose();
  onnx.dispose();
});

test('Noise2Void masked loss: tfjs engine (wasm) and ONNX engine agree step by step (evaluate too)', async () => {
  const spec = buildArch({ arch: 'n2n', inChannels: 1, widthScale: 0.0625 });
  const size = 32;
  const bs: Batch[] = [0, 1].map((k) => ({
    x: randomArray(2 * size * size, 120 + k),
    y: randomArray(2 * size * size, 130 + k),
    mask: randomArray(2 * size * size, 140 + k).map((v) => (v > 0.9 ? 1 : 0)),
    n: 2,
    h: size,
    w: size,
    cin: 1,
  }));
  const opts = { adam: DEFAULT_ADAM, maxBatch: 2, patch: size };
  const tfjs = new TfjsTrainEngine();
  await tfjs.init(spec, initWeights(spec, 6), { ...opts, backend: 'wasm' });
  const onnx = new OnnxTrainEngine();
  await onnx.init(spec, initWeights(spec, 6), { ...opts, provider: 'cpu' });
  for (let t = 0; t < 10; t++) {
    const a = await tfjs.step(bs[t % 2], 1e-3);
    const b = await onnx.step(bs[t % 2], 1e-3);
    assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(a), `step ${t + 1}: tfjs ${a} vs onnx ${b}`);
  }
  const ea = await tfjs.evaluate(bs[0]);
  const eb = await onnx.evaluate(bs[0]);
  assert.ok(Math.abs(ea - eb) <= 1e-4 * Math.abs(ea), `evaluate: tfjs ${ea} vs onnx ${eb}`);
  tfjs.dispose();
  onnx.dispose();
});
