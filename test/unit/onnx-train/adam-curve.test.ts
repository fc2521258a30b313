/**
 * 50 Adam steps from the same initial weights on the same batches: the ONNX engine's loss curve
 * against tfjs (autodiff + the Adam update the tfjs engine uses, written out) within 1e-3 relative.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type * as tfType from '@tensorflow/tfjs';
import { type ArchOptions, buildArch } from '../../../shared/model/arch.ts';
import { initWeights } from '../../../shared/model/init.ts';
import { OnnxTrainEngine } from '../../../main/engine/onnx/train/index.ts';
import { type Batch, DEFAULT_ADAM } from '../../../main/engine/types.ts';
import { randomArray, tf, tfCpu, tfForward, tfLoss } from './reference.ts';

const STEPS = 50;
const LR = 2e-3;

/** A learnable toy task: target = mean of the input planes, slightly shifted, plus noise. */
function batches(n: number, size: number, cin: number, count: number): Batch[] {
  const out: Batch[] = [];
  for (let k = 0; k < count; k++) {
    const x = randomArray(n * size * size * cin, 10 + k);
    const noise = randomArray(n * size * size, 50 + k, 0.2);
    const y = new Float32Array(n * size * size);
    for (let p = 0; p < y.length; p++) {
      let s = 0;
      for (let ch = 0; ch < cin; ch++) s += x[p * cin + ch];
      y[p] = s / cin + 0.3 + noise[p];
    }
    out.push({ x, y, n, h: size, w: size, cin });
  }
  return out;
}

async function tfjsCurve(o: ArchOptions, bs: Batch[], seed: number): Promise<number[]> {
  const spec = buildArch(o);
  const w0 = initWeights(spec, seed);
  const names = [...w0.keys()];
  const vars = names.map((k) => tf.variable(tf.tensor((w0.get(k) as { data: Float32Array }).data, w0.get(k)?.shape)));
  const ms: tfType.Tensor[] = vars.map((v) => tf.zerosLike(v));
  const vs: tfType.Tensor[] = vars.map((v) => tf.zerosLike(v));
  const { beta1: b1, beta2: b2, epsilon: eps } = DEFAULT_ADAM;
  const losses: number[] = [];
  for (let t = 1; t <= STEPS; t++) {
    const b = bs[(t - 1) % bs.length];
    const x = tf.tensor4d(b.x, [b.n, b.h, b.w, b.cin]);
    const y = tf.tensor4d(b.y, [b.n, b.h, b.w, 1]);
    const { value, grads } = tf.valueAndGrads((...ws: tfType.Tensor[]) => tfLoss(tfForward(spec, x, new Map(names.map((k, i) => [k, ws[i]]))), y))(vars);
    losses.push(value.dataSync()[0]);
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    tf.tidy(() => {
      vars.forEach((v, i) => {
        const m = tf.add(tf.mul(ms[i], b1), tf.mul(grads[i], 1 - b1));
        const s = tf.add(tf.mul(vs[i], b2), tf.mul(tf.square(grads[i]), 1 - b2));
        v.assign(tf.sub(v, tf.mul(tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(s, c2)), eps)), LR)));
        tf.dispose([ms[i], vs[i]]);
        ms[i] = tf.keep(m);
        vs[i] = tf.keep(s);
      });
    });
    tf.dispose([x, y, value, ...grads]);
  }
  tf.dispose([...vars, ...ms, ...vs]);
  return losses;
}

async function onnxCurve(o: ArchOptions, bs: Batch[], seed: number, size: number): Promise<number[]> {
  const spec = buildArch(o);
  const engine = new OnnxTrainEngine();
  await engine.init(spec, initWeights(spec, seed), { adam: DEFAULT_ADAM, provider: 'cpu', maxBatch: bs[0].n, patch: size });
  const losses: number[] = [];
  for (let t = 0; t < STEPS; t++) losses.push(await engine.step(bs[t % bs.length], LR));
  assert.equal(engine.steps, STEPS);
  engine.dispose();
  return losses;
}

describe('50 Adam steps: ONNX engine vs tfjs', () => {
  before(tfCpu);
  const cases: { title: string; arch: ArchOptions; size: number; n: number }[] = [
    { title: 'CSBDeep U-Net (residual)', arch: { arch: 'csbdeep', inChannels: 2, residualChannels: [0, 1], widthScale: 0.125 }, size: 8, n: 2 },
    { title: 'Noise2Noise U-Net', arch: { arch: 'n2n', inChannels: 2, widthScale: 0.0625 }, size: 32, n: 1 },
  ];
  for (const c of cases) {
    test(c.title, async () => {
      const bs = batches(c.n, c.size, c.arch.inChannels, 5);
      const ref = await tfjsCurve(c.arch, bs, 3);
      const got = await onnxCurve(c.arch, bs, 3, c.size);
      let worst = 0;
      for (let i = 0; i < STEPS; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]) / Math.abs(ref[i]));
      assert.ok(worst < 1e-3, `loss curves differ by ${worst} (relative)`);
      // The curve must actually go somewhere, or agreement means little.
      const head = ref.slice(0, 5).reduce((a, b) => a + b) / 5;
      const tail = ref.slice(-5).reduce((a, b) => a + b) / 5;
      assert.ok(tail < 0.8 * head, `training did not reduce the loss (${head} → ${tail})`);
      console.log(`# ${c.title}: loss ${head.toFixed(4)} → ${tail.toFixed(4)}, max rel. difference ${worst.toExponential(2)}`);
    });
  }
});
